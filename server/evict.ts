/*
 * maxmemory and eviction, as Redis's evict.c: the LRU clock / LFU counter
 * kept on every access (objectTouchHook), an eviction pool filled from
 * maxmemory-samples sampled keys per db, and a guard that evicts before each
 * command and refuses `denyoom` commands with Redis's OOM error when memory
 * stays above the limit.
 */
import type { Server } from './server.js';
import type { Client } from './client.js';
import type { RedisObject } from './types/object.js';
import type { Db } from './db/keyspace.js';
import { F, type CommandInfo } from '../common/commands/index.js';
import { E } from '../common/errors.js';
import { memoryOf, type MemoryAccounting } from './memory.js';

const LFU_INIT_VAL = 5;
const LRU_CLOCK_MAX = 0xffffff;
const POOL_SIZE = 16;

export function lfuTimeInMinutes(now: number): number {
  return Math.floor(now / 60000) & 65535;
}

function lfuTimeElapsed(server: Server, ldt: number): number {
  const now = lfuTimeInMinutes(server.cmdTime);
  return now >= ldt ? now - ldt : 65535 - ldt + now;
}

/** LFULogIncr: logarithmic counter increment. */
export function lfuLogIncr(server: Server, counter: number): number {
  if (counter === 255) return 255;
  const r = Math.random();
  const base = Math.max(0, counter - LFU_INIT_VAL);
  const p = 1.0 / (base * server.config.num('lfu-log-factor') + 1);
  return r < p ? counter + 1 : counter;
}

/** LFUDecrAndReturn: the counter after decay (OBJECT FREQ reports this). */
export function lfuDecrAndReturn(server: Server, o: RedisObject): number {
  const ldt = o.lru >>> 8;
  const counter = o.lru & 255;
  const decay = server.config.num('lfu-decay-time');
  const periods = decay > 0 ? Math.floor(lfuTimeElapsed(server, ldt) / decay) : 0;
  if (periods > 0) return periods > counter ? 0 : counter - periods;
  return counter;
}

/** estimateObjectIdleTime in ms (LRU clock resolution: 1 s). */
export function estimateIdleMs(server: Server, o: RedisObject): number {
  const clock = server.lruClock();
  const lru = o.lru & LRU_CLOCK_MAX;
  return (clock >= lru ? clock - lru : clock + (LRU_CLOCK_MAX - lru)) * 1000;
}

export function isLfuPolicy(server: Server): boolean {
  return server.config.get('maxmemory-policy').endsWith('-lfu');
}

interface PoolEntry {
  idle: number;
  key: string;
  db: Db;
}

export class Evictor {
  maxmemory = 0;
  policy = 'noeviction';
  lfu = false;
  readonly pool: PoolEntry[] = [];
  private nextDb = 0;
  private readonly volatileIters = new WeakMap<Db, Iterator<string>>();
  readonly mem: MemoryAccounting;

  constructor(private readonly server: Server) {
    this.mem = memoryOf(server);
    this.readConfig();
    server.config.onChange((name) => {
      if (name === 'maxmemory' || name === 'maxmemory-policy') this.readConfig();
    });
    const mem = this.mem;
    const access = (o: RedisObject): void => {
      if (this.lfu) {
        if (o.lru === 0) o.lru = (lfuTimeInMinutes(server.cmdTime) << 8) | LFU_INIT_VAL;
        else o.lru = (lfuTimeInMinutes(server.cmdTime) << 8) | lfuLogIncr(server, lfuDecrAndReturn(server, o));
      } else {
        o.lru = server.lruClock();
      }
    };
    server.objectReadHook = access;
    server.objectTouchHook = (o) => {
      access(o);
      mem.touched(o);
    };
    server.guards.push((c, cmd) => this.guard(c, cmd));
    server.cronHooks.push(() => mem.settle());
  }

  private readConfig(): void {
    this.maxmemory = this.server.config.num('maxmemory');
    const policy = this.server.config.get('maxmemory-policy');
    const wasLfu = this.lfu;
    if (policy !== this.policy) this.pool.length = 0; // scores of another policy are not comparable
    this.policy = policy;
    this.lfu = policy.endsWith('-lfu');
    if (wasLfu !== this.lfu) {
      // The lru field changes meaning: start every object afresh.
      const now = this.server.cmdTime;
      for (const db of this.server.dbs) for (const o of db.dict.values()) {
        o.lru = this.lfu ? (lfuTimeInMinutes(now) << 8) | LFU_INIT_VAL : this.server.lruClock();
      }
    }
  }

  private guard(c: Client, cmd: CommandInfo): string | null {
    if (this.maxmemory === 0) return null;
    if (c.flags.master || this.server.loading) return null;
    const ok = this.performEvictions();
    if (ok) return null;
    const top = (cmd.parent ?? cmd).spec.name;
    let reject = (cmd.flags & F.denyoom) !== 0;
    if (top === 'exec') reject = c.multiQueue.some((q) => (q.cmd.flags & F.denyoom) !== 0);
    else if (c.inMulti && top !== 'discard' && top !== 'quit' && top !== 'reset') reject = true;
    return reject ? E.OOM : null;
  }

  /** performEvictions: true when memory is (now) under the limit. */
  performEvictions(): boolean {
    if (this.maxmemory === 0) return true;
    if (this.server.isReplica && this.server.config.bool('replica-ignore-maxmemory')) return true;
    let used = this.mem.usedForEviction();
    if (used <= this.maxmemory) return true;
    if (this.policy === 'noeviction') return false;
    const start = Date.now();
    while (used > this.maxmemory) {
      const victim = this.pickVictim();
      if (victim === null) break;
      this.evict(victim.db, victim.key);
      used = this.mem.usedForEviction();
      if (Date.now() - start > 500) break; // bounded work per command, like the eviction time limit
    }
    return used <= this.maxmemory;
  }

  private evict(db: Db, key: string): void {
    const s = this.server;
    db.delete(key);
    s.stats.evictedKeys++;
    s.touchWatched(db, key);
    s.notify('e', 'evicted', key, db.id);
    if (s.propagateHooks.length > 0) {
      const lazy = s.config.bool('lazyfree-lazy-eviction');
      s.propagate(db.id, [Buffer.from(lazy ? 'UNLINK' : 'DEL'), Buffer.from(key, 'latin1')]);
    }
  }

  private pickVictim(): { db: Db; key: string } | null {
    const policy = this.policy;
    const dbs = this.server.dbs;
    if (policy === 'allkeys-random' || policy === 'volatile-random') {
      for (let i = 0; i < dbs.length; i++) {
        this.nextDb = (this.nextDb + 1) % dbs.length;
        const db = dbs[this.nextDb]!;
        if (policy === 'allkeys-random') {
          if (db.keys.length > 0) return { db, key: db.keys[Math.floor(Math.random() * db.keys.length)]! };
        } else if (db.expires.size > 0) {
          const sample = this.sampleVolatile(db, 1 + Math.floor(Math.random() * 8));
          if (sample.length > 0) return { db, key: sample[sample.length - 1]! };
        }
      }
      return null;
    }
    const allkeys = policy.startsWith('allkeys');
    for (;;) {
      let total = 0;
      for (const db of dbs) {
        const n = allkeys ? db.dict.size : db.expires.size;
        if (n === 0) continue;
        total += n;
        this.populate(db, allkeys);
      }
      if (total === 0) return null;
      for (let k = this.pool.length - 1; k >= 0; k--) {
        const e = this.pool[k]!;
        this.pool.splice(k, 1);
        const present = allkeys ? e.db.dict.has(e.key) : e.db.expires.has(e.key);
        if (present) return { db: e.db, key: e.key };
      }
    }
  }

  /**
   * Up to n keys with a TTL: random picks from the key array when volatile
   * keys are common enough to be found that way, else a walk of the expires
   * table resumed where the last one stopped.
   */
  private sampleVolatile(db: Db, n: number): string[] {
    const out: string[] = [];
    const keys = db.keys;
    if (keys.length > 0 && db.expires.size * 4 >= keys.length) {
      for (let tries = 0; tries < n * 8 && out.length < n; tries++) {
        const k = keys[Math.floor(Math.random() * keys.length)]!;
        if (db.expires.has(k)) out.push(k);
      }
      if (out.length > 0) return out;
    }
    let it = this.volatileIters.get(db);
    for (let restarts = 0; out.length < n && restarts < 2;) {
      if (it === undefined) it = db.expires.keys();
      const r = it.next();
      if (r.done) {
        it = undefined;
        restarts++;
        continue;
      }
      out.push(r.value);
    }
    if (it !== undefined) this.volatileIters.set(db, it);
    else this.volatileIters.delete(db);
    return out;
  }

  /** evictionPoolPopulate: samples keys of a db and keeps the best candidates (highest idle) in the pool. */
  private populate(db: Db, allkeys: boolean): void {
    const samples = this.server.config.num('maxmemory-samples');
    let keys: string[];
    if (allkeys) {
      keys = [];
      const n = db.keys.length;
      const want = Math.min(samples, n);
      for (let i = 0; i < want; i++) keys.push(db.keys[Math.floor(Math.random() * n)]!);
    } else {
      keys = this.sampleVolatile(db, samples);
    }
    for (const key of keys) {
      const o = db.dict.get(key);
      if (o === undefined) continue;
      let idle: number;
      if (this.policy === 'volatile-ttl') idle = Number.MAX_SAFE_INTEGER - (db.expires.get(key) ?? 0);
      else if (this.lfu) idle = 255 - lfuDecrAndReturn(this.server, o);
      else idle = estimateIdleMs(this.server, o);
      if (this.pool.some((e) => e.key === key && e.db === db)) continue;
      // Keep the pool sorted by idle ascending; the best candidate is last.
      let i = 0;
      while (i < this.pool.length && this.pool[i]!.idle < idle) i++;
      if (this.pool.length >= POOL_SIZE) {
        if (i === 0) continue; // worse than everything in a full pool
        this.pool.splice(0, 1);
        i--;
      }
      this.pool.splice(i, 0, { idle, key, db });
    }
  }
}

const evictors = new WeakMap<Server, Evictor>();

/** Installs eviction on a server (once). */
export function installEviction(server: Server): Evictor {
  let e = evictors.get(server);
  if (e === undefined) {
    e = new Evictor(server);
    evictors.set(server, e);
  }
  return e;
}

export function evictorOf(server: Server): Evictor | undefined {
  return evictors.get(server);
}
