/*
 * A point-in-time cut of the whole dataset, serialized while the server keeps
 * serving: the fork-less replacement for Redis's BGSAVE child (used by
 * BGSAVE, AOF rewrites and replicas' full syncs).
 *
 * Invariant: the output holds every key that existed at the cut, each with
 * its value and TTL as they were at the cut, and nothing written after it.
 *
 * How: taking the cut only records, per non-empty db, its dictionary, its
 * expiry table and its key array (server/db/keyspace.ts). The serializer
 * then walks each key array from the end down, in time slices. Every write
 * path of the keyspace calls `preserve` before it changes, replaces or
 * removes a key, and the key's cut value is written at that moment, ahead of
 * the walk (copy-on-write at key granularity). An object written, or created
 * after the cut, carries the snapshot's id in `obj.snap`, which makes the walk
 * skip it: that covers keys the key array's swap-remove moves below the walk
 * position, and new keys. A db emptied by FLUSHDB keeps its old tables for
 * the walk (the Db switches to fresh ones), and SWAPDB swaps table objects,
 * which the cut holds by identity. So memory beyond the dataset is bounded by
 * what changes during the save (its serialized old values), not by its size.
 */
import type { RedisObject } from '../types/object.js';

/** The serialized form: an RDB file or AOF commands. */
export interface SnapshotFormat {
  /** Output for entries of db `index` follows (SELECTDB; the sizes are hints). */
  selectDb(index: number, dbSize: number, expiresSize: number): void;
  entry(key: string, o: RedisObject, expireAtMs: number | undefined): void;
  /** Bytes produced and not yet taken. */
  readonly pending: number;
  take(): Buffer | null;
  /** Writes the trailer (RDB: EOF and checksum). */
  end(): void;
}

/** Where the bytes go; resolving is the back-pressure signal. */
export type SnapshotSink = (chunk: Buffer) => Promise<void>;

interface Cut {
  index: number;
  dict: Map<string, RedisObject>;
  expires: Map<string, number>;
  keys: string[];
  /** The walk goes down from here; keys at positions >= pos are done. */
  pos: number;
}

/** What the snapshot reads from each db at the cut. */
export interface DbTables {
  id: number;
  dict: Map<string, RedisObject>;
  expires: Map<string, number>;
  keys: string[];
}

export interface SnapshotOptions {
  /** Longest stretch of serializing before the event loop gets a turn. */
  sliceMs: number;
  /** Hand output to the sink once this many bytes are pending. */
  chunkBytes: number;
  /** rdb-key-save-delay: microseconds to wait after each key (tests use it to stretch a save). */
  keyDelayUs: number;
}

export class SnapshotAborted extends Error {}

let lastId = 0;

export class Snapshot {
  readonly id = ++lastId;
  /** What the output is for (BGSAVE, AOF rewrite, a replica's full sync): one snapshot runs at a time. */
  purpose: 'rdb' | 'aof' | 'sync' = 'rdb';
  private readonly cuts: Cut[] = [];
  private cur = 0;
  private lastDb = -1;
  private aborted = false;
  /** Set once every key of the cut is written: writes no longer need preserving. */
  walked = false;
  keysWritten = 0;
  private synchronous = false;
  /** Keys written ahead of the walk because a write was about to change them. */
  keysPreserved = 0;

  constructor(dbs: readonly DbTables[], private readonly format: SnapshotFormat,
    private readonly sink: SnapshotSink, private readonly opts: SnapshotOptions) {
    for (const db of dbs) {
      if (db.dict.size > 0) this.cuts.push({ index: db.id, dict: db.dict, expires: db.expires, keys: db.keys, pos: db.keys.length });
    }
  }

  /** True when `dict` is one the cut holds (writes to it must be preserved). */
  covers(dict: Map<string, RedisObject>): boolean {
    for (const c of this.cuts) if (c.dict === dict) return true;
    return false;
  }

  /**
   * Called before `key` (whose current object in `dict` is `o`) changes in
   * any way: value, TTL, replacement or removal.
   */
  preserve(dict: Map<string, RedisObject>, key: string, o: RedisObject): void {
    if (o.snap === this.id || this.walked) return;
    for (const c of this.cuts) {
      if (c.dict === dict) {
        this.keysPreserved++;
        this.emit(c, key, o);
        return;
      }
    }
  }

  /** An object stored after the cut: the walk must not write it. */
  exclude(o: RedisObject): void {
    o.snap = this.id;
  }

  abort(): void {
    this.aborted = true;
  }

  private emit(c: Cut, key: string, o: RedisObject): void {
    if (c.index !== this.lastDb) {
      this.format.selectDb(c.index, c.dict.size, c.expires.size);
      this.lastDb = c.index;
    }
    this.format.entry(key, o, c.expires.get(key));
    // A synchronous save sees no writes, so it needs no marks, and must not
    // overwrite those of a background snapshot running meanwhile.
    if (!this.synchronous) o.snap = this.id;
    this.keysWritten++;
  }

  /** Walks until the deadline or until enough output is pending; true when the whole cut is written. */
  private step(deadline: number): boolean {
    const { chunkBytes, keyDelayUs } = this.opts;
    let n = 0;
    while (this.cur < this.cuts.length) {
      const c = this.cuts[this.cur]!;
      while (c.pos > 0) {
        // Deletions shrink the array; positions past its end hold nothing new.
        if (c.pos > c.keys.length) c.pos = c.keys.length;
        if (c.pos === 0) break;
        const key = c.keys[--c.pos]!;
        const o = c.dict.get(key)!;
        if (o.snap !== this.id) {
          this.emit(c, key, o);
          if (keyDelayUs > 0 && deadline !== Infinity) return false;
        }
        if ((++n & 31) === 0 && (this.format.pending >= chunkBytes || performance.now() >= deadline)) return false;
      }
      this.cur++;
    }
    this.walked = true;
    return true;
  }

  /** Serializes the whole cut at once (SAVE, shutdown): nothing else runs meanwhile. */
  runSync(write: (chunk: Buffer) => void): void {
    this.synchronous = true;
    for (;;) {
      const done = this.step(Infinity);
      if (done) this.format.end();
      const chunk = this.format.take();
      if (chunk !== null) write(chunk);
      if (done) return;
    }
  }

  /** Serializes the cut to the sink; rejects with SnapshotAborted after abort(). */
  async run(): Promise<void> {
    const { sliceMs, keyDelayUs } = this.opts;
    for (;;) {
      if (this.aborted) throw new SnapshotAborted('snapshot aborted');
      const done = this.step(performance.now() + sliceMs);
      if (done) this.format.end();
      const chunk = this.format.take();
      if (chunk !== null) await this.sink(chunk);
      if (done) return;
      if (keyDelayUs > 0) await new Promise((r) => setTimeout(r, Math.max(1, keyDelayUs / 1000)));
      else await new Promise((r) => setImmediate(r));
    }
  }
}
