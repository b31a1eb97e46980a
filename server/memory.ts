/*
 * used_memory: what INFO reports and what maxmemory is compared with.
 *
 * Choice: the V8 heap cannot be used directly. It includes garbage that the
 * GC has not collected yet (reply buffers, parsed arguments), so it jumps up
 * and down by megabytes independently of the dataset, and evicting "until
 * heapUsed drops" would evict everything before a GC runs. Instead:
 *
 *   used_memory = startup overhead (heap in use when the engine started,
 *                 measured once: the honest cost of an empty server)
 *               + dataset estimate (every key and value, see below)
 *               + clients (a fixed per-client cost plus pending query and
 *                 reply bytes; reply bytes are transient and are left
 *                 out of what is compared with maxmemory, like Redis's
 *                 mem_not_counted_for_evict)
 *
 * The dataset estimate is maintained incrementally from keyspace hooks:
 * a key's entry costs DICT_ENTRY + key bytes; a string value costs its
 * length plus object overhead; other types report `memoryUsage()`. Values
 * are changed in place by handlers after a lookup, so every touched object
 * is queued and re-measured when the accounting is settled (before the next
 * command's memory check, on INFO, and from cron). For large containers the
 * re-measure is O(1): the size is extrapolated from the last exact measure
 * by the change in element count, and measured exactly again when the count
 * doubles or halves; this keeps LPUSH/HSET O(1) with accounting on.
 */
import type { Server } from './server.js';
import type { RedisObject } from './types/object.js';
import type { Db } from './db/keyspace.js';

const DICT_ENTRY = 40; // dictEntry + robj header
const STRING_OVERHEAD = 24; // robj + sds header
const CLIENT_COST = 1024;
const DEAD = -1;

function exactSize(o: RedisObject): number {
  if (o.type === 'string') return STRING_OVERHEAD + o.value.length;
  return o.value.memoryUsage();
}

/** Estimated bytes of a value (MEMORY USAGE without the key). */
export function objectSize(o: RedisObject): number {
  return exactSize(o);
}

export class MemoryAccounting {
  /** Bytes of all keys and values. */
  dataset = 0;
  readonly startup: number;
  peak = 0;
  private pending: RedisObject[] = [];

  constructor(private readonly server: Server) {
    this.startup = Math.min(process.memoryUsage().heapUsed, 64 * 1024 * 1024);
    server.onKeyAdd = (key, o) => {
      this.dataset += DICT_ENTRY + key.length;
      if (o.mem === DEAD) o.mem = undefined; // re-added (RENAME, MOVE)
    };
    server.onKeyRemove = (key, o) => {
      this.dataset -= DICT_ENTRY + key.length;
      const s = o.mem;
      if (s !== undefined && s !== DEAD) this.dataset -= s;
      o.mem = DEAD;
    };
    server.onDbClear = (db: Db) => {
      for (const [key, o] of db.dict) server.onKeyRemove!(key, o);
    };
    // Objects stored before the hooks existed.
    for (const db of server.dbs) for (const [key, o] of db.dict) {
      this.dataset += DICT_ENTRY + key.length;
      this.pending.push(o);
    }
    this.settle();
  }

  /** Called for every touched object (lookup, add, overwrite). */
  touched(o: RedisObject): void {
    this.pending.push(o);
    if (this.pending.length > 65536) this.settle();
  }

  /** Re-measures touched objects. */
  settle(): void {
    const p = this.pending;
    if (p.length === 0) return;
    this.pending = [];
    for (const o of p) {
      const old = o.mem;
      if (old === DEAD) continue;
      let size: number;
      if (o.type === 'string') {
        size = STRING_OVERHEAD + o.value.length;
      } else {
        const len = o.value.length;
        const lastLen = o.memLen;
        if (old !== undefined && lastLen === len && len > 0) continue;
        const exactLen = o.memExactLen;
        if (old === undefined || lastLen === undefined || exactLen === undefined || len <= 128 || len >= exactLen * 2 || len * 2 <= exactLen) {
          size = o.value.memoryUsage();
          o.memExactLen = len;
        } else {
          size = Math.max(0, Math.round(old + (len - lastLen) * (old / Math.max(1, lastLen))));
        }
        o.memLen = len;
      }
      this.dataset += size - (old ?? 0);
      o.mem = size;
    }
  }

  // Client buffers are summed over all clients at most every few ms, not on every command.
  private clientsAt = -1;
  private clientsCache = 0;
  private replyCache = 0;

  private measureClients(): void {
    const now = this.server.cmdTime;
    if (now - this.clientsAt < 5 && this.clientsAt >= 0) return;
    this.clientsAt = now;
    let n = 0;
    let r = 0;
    for (const c of this.server.clients.values()) {
      r += c.reply.len;
      for (const ch of c.reply.chunks) r += ch.length;
      if (c.flags.replica) continue;
      n += CLIENT_COST + (c.conn?.queryBufferLength ?? 0);
    }
    this.clientsCache = n;
    this.replyCache = r;
  }

  clientsBytes(): number {
    this.measureClients();
    return this.clientsCache + this.replyCache;
  }

  /** Replies waiting to be written: transient (a pipeline's output), so not counted for eviction. */
  replyBytes(): number {
    this.measureClients();
    return this.replyCache;
  }

  /** used_memory (bytes). */
  used(): number {
    this.settle();
    const u = this.startup + Math.max(0, this.dataset) + this.clientsBytes();
    if (u > this.peak) this.peak = u;
    return u;
  }

  /** Memory compared with maxmemory (replica buffers are not counted, as in Redis). */
  usedForEviction(): number {
    return this.used() - this.replyBytes();
  }
}

const accounting = new WeakMap<Server, MemoryAccounting>();

export function memoryOf(server: Server): MemoryAccounting {
  let m = accounting.get(server);
  if (m === undefined) {
    m = new MemoryAccounting(server);
    accounting.set(server, m);
  }
  return m;
}

/** bytesToHuman as Redis formats it (1.18M, 200B...). */
export function bytesToHuman(n: number): string {
  const units: [number, string][] = [[1024 ** 5, 'P'], [1024 ** 4, 'T'], [1024 ** 3, 'G'], [1024 ** 2, 'M'], [1024, 'K']];
  if (n < 1024) return `${n}B`;
  for (const [d, u] of units) if (n >= d) return `${(n / d).toFixed(2)}${u}`;
  return `${n}B`;
}
