/*
 * One logical database: the key → value dictionary and the expiry table.
 *
 * Keys are latin1 strings (one char per byte, so binary-safe). Besides the
 * Map, every key sits in `keys`, an array with swap-remove, which gives O(1)
 * random sampling (RANDOMKEY, eviction) and a SCAN cursor with Redis's
 * guarantee. SCAN walks the array from the end down; a deletion moves the
 * last key (already visited) into the hole, and new keys are appended to the
 * visited end, so a key present for the whole scan is never missed (it may
 * be returned twice, which Redis allows too).
 *
 * Reads see logically expired keys as missing (lazy expiry); writes delete
 * them first. A replica never deletes on its own: it waits for the master's DEL.
 */
import { stringObject, type RedisObject } from '../types/object.js';
import type { Server } from '../server.js';
import { SLOT_COUNT, slotOfLatin1 } from '../../common/slots.js';

export class Db {
  dict = new Map<string, RedisObject>();
  expires = new Map<string, number>();
  /** Every key once, in no order; obj.idx is the key's position here. */
  keys: string[] = [];
  /**
   * The same per slot (Codis's hash_slots), for the SLOTS* commands and
   * migration: obj.sidx is the key's position in its slot's array.
   */
  slotKeys: (string[] | undefined)[] = new Array<string[] | undefined>(SLOT_COUNT);
  /** Resumable walk over `expires` for the active expire cycle. */
  expireIter: Iterator<[string, number]> | null = null;
  avgTtl = 0;

  constructor(public id: number, public server: Server) {}

  get size(): number {
    return this.dict.size;
  }

  /** The key is past its TTL (whether or not it has been deleted yet). */
  isExpired(key: string): boolean {
    const when = this.expires.get(key);
    return when !== undefined && when <= this.server.cmdTime;
  }

  /** Deletes the key if it is logically expired; true when it was. */
  expireIfNeeded(key: string): boolean {
    if (this.expires.size === 0) return false;
    const when = this.expires.get(key);
    if (when === undefined || when > this.server.cmdTime) return false;
    if (this.server.loading) return false;
    if (this.server.isReplica) return true;
    this.deleteExpired(key);
    return true;
  }

  /** Removes an expired key with Redis's side effects: stats, notification, propagation, WATCH. */
  deleteExpired(key: string): void {
    this.delete(key);
    this.server.stats.expiredKeys++;
    this.server.notify('x', 'expired', key, this.id);
    this.server.propagateDel(this.id, key);
    this.server.touchWatched(this, key);
  }

  /** Lookup for reading: expired keys are missing; counts hits and misses; touches LRU. */
  lookupRead(key: string): RedisObject | undefined {
    const o = this.expireIfNeeded(key) ? undefined : this.dict.get(key);
    if (o === undefined) {
      this.server.stats.keyspaceMisses++;
      this.server.notify('m', 'keymiss', key, this.id);
      return undefined;
    }
    this.server.stats.keyspaceHits++;
    this.server.objectReadHook(o);
    return o;
  }

  /** Lookup for writing: expired keys are deleted first; touches LRU. */
  lookupWrite(key: string): RedisObject | undefined {
    this.expireIfNeeded(key);
    const o = this.dict.get(key);
    if (o !== undefined) {
      if (this.server.snapshot !== null) this.server.snapshot.preserve(this.dict, key, o);
      this.server.touchObject(o);
    }
    return o;
  }

  /**
   * For the rare change made to an object found by a read lookup (PFCOUNT's
   * cached cardinality): a snapshot in progress keeps the old value.
   */
  willChange(key: string, o: RedisObject): void {
    if (this.server.snapshot !== null) this.server.snapshot.preserve(this.dict, key, o);
  }

  /** Lookup without side effects other than lazy expiry (OBJECT, TYPE...). */
  peek(key: string): RedisObject | undefined {
    if (this.expireIfNeeded(key)) return undefined;
    return this.dict.get(key);
  }

  exists(key: string): boolean {
    return !this.expireIfNeeded(key) && this.dict.has(key);
  }

  /**
   * signalModifiedKey: every write handler calls this for each key it
   * changes, so WATCH sees the change. (Dirty counting and keyspace
   * notifications are the handler's: server.dirty++, server.notify(...).)
   */
  signalModifiedKey(key: string): void {
    this.server.touchWatched(this, key);
  }

  /** Adds a key that must not exist. */
  add(key: string, o: RedisObject): void {
    if (this.server.snapshot !== null) this.server.snapshot.exclude(o);
    this.dict.set(key, o);
    o.idx = this.keys.length;
    this.keys.push(key);
    const slot = slotOfLatin1(key);
    let sk = this.slotKeys[slot];
    if (sk === undefined) sk = this.slotKeys[slot] = [];
    o.sidx = sk.length;
    sk.push(key);
    if (this.server.onKeyAdd !== null) this.server.onKeyAdd(key, o);
    this.server.touchObject(o);
    // dbAdd's keyspace event (class n, off unless asked for; not while loading, like dbAddRDBLoad).
    if (this.server.notifyFlags !== 0 && !this.server.loading) this.server.notify('n', 'new', key, this.id);
  }

  /**
   * Sets a key to a new value (SET semantics): an old value is replaced in
   * place; the TTL is removed unless keepTtl. Does not signal; callers do.
   */
  set(key: string, o: RedisObject, keepTtl = false): void {
    const old = this.dict.get(key);
    if (old === undefined) {
      this.add(key, o);
    } else {
      const snap = this.server.snapshot;
      if (snap !== null) {
        snap.preserve(this.dict, key, old);
        snap.exclude(o);
      }
      o.idx = old.idx;
      o.sidx = old.sidx;
      if (this.server.onKeyRemove !== null && old !== o) {
        this.server.onKeyRemove(key, old);
        this.server.onKeyAdd!(key, o);
        // dbOverwrite keeps the access history (LFU counter / LRU clock) of the key.
        if (o.lru === 0) o.lru = old.lru;
      }
      this.dict.set(key, o);
      this.server.touchObject(o);
      if (!keepTtl) this.expires.delete(key);
    }
  }

  /**
   * SET's hot path: a string value for the key, dropping any TTL. An existing
   * string object is updated in place, which saves a second hash lookup and
   * an allocation per overwrite.
   */
  setString(key: string, value: Buffer): void {
    const old = this.dict.get(key);
    if (old !== undefined && old.type === 'string') {
      if (this.server.snapshot !== null) this.server.snapshot.preserve(this.dict, key, old);
      old.value = value;
      if (this.expires.size !== 0) this.expires.delete(key);
      this.server.touchObject(old);
      return;
    }
    this.set(key, stringObject(value));
  }

  /** Replaces the value of an existing key, keeping its TTL (type conversions, in-place rewrites). */
  replace(key: string, o: RedisObject): void {
    this.set(key, o, true);
  }

  delete(key: string): boolean {
    const o = this.dict.get(key);
    if (o === undefined) return false;
    if (this.server.snapshot !== null) this.server.snapshot.preserve(this.dict, key, o);
    if (this.server.onKeyRemove !== null) this.server.onKeyRemove(key, o);
    this.dict.delete(key);
    this.expires.delete(key);
    const i = o.idx;
    const last = this.keys.pop()!;
    if (i < this.keys.length) {
      this.keys[i] = last;
      this.dict.get(last)!.idx = i;
    }
    const sk = this.slotKeys[slotOfLatin1(key)]!;
    const lastInSlot = sk.pop()!;
    if (o.sidx < sk.length) {
      sk[o.sidx] = lastInSlot;
      this.dict.get(lastInSlot)!.sidx = o.sidx;
    }
    return true;
  }

  setExpire(key: string, whenMs: number): void {
    if (this.server.snapshot !== null) this.preserveTtl(key);
    this.expires.set(key, whenMs);
  }

  private preserveTtl(key: string): void {
    const o = this.dict.get(key);
    if (o !== undefined) this.server.snapshot!.preserve(this.dict, key, o);
  }

  getExpire(key: string): number | undefined {
    return this.expires.get(key);
  }

  persist(key: string): boolean {
    if (this.server.snapshot !== null) this.preserveTtl(key);
    return this.expires.delete(key);
  }

  randomKey(): string | undefined {
    // Bounded tries so a keyspace of only-expired keys cannot loop forever.
    for (let tries = 0; tries < 100 && this.keys.length > 0; tries++) {
      const k = this.keys[Math.floor(Math.random() * this.keys.length)]!;
      if (!this.expireIfNeeded(k)) return k;
    }
    return this.keys.length > 0 ? this.keys[Math.floor(Math.random() * this.keys.length)] : undefined;
  }

  clear(): void {
    if (this.server.onDbClear !== null) this.server.onDbClear(this);
    if (this.server.snapshot !== null && this.server.snapshot.covers(this.dict)) {
      // The snapshot still walks the old tables: start fresh ones instead of emptying them.
      this.dict = new Map();
      this.expires = new Map();
    } else {
      this.dict.clear();
      this.expires.clear();
    }
    this.keys = [];
    this.slotKeys = new Array<string[] | undefined>(SLOT_COUNT);
    this.expireIter = null;
  }

  /** Exchanges contents with another db (SWAPDB). */
  swapWith(other: Db): void {
    [this.dict, other.dict] = [other.dict, this.dict];
    [this.expires, other.expires] = [other.expires, this.expires];
    [this.keys, other.keys] = [other.keys, this.keys];
    [this.slotKeys, other.slotKeys] = [other.slotKeys, this.slotKeys];
    [this.expireIter, other.expireIter] = [other.expireIter, this.expireIter];
    [this.avgTtl, other.avgTtl] = [other.avgTtl, this.avgTtl];
  }
}
