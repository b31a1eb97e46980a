/*
 * The engine's shared state: databases, clients, configuration, statistics,
 * pub/sub and WATCH registries, keyspace notifications and the propagation
 * hook used by persistence and replication. Network I/O lives in network.ts,
 * the command pipeline in dispatch.ts.
 */
import type { Snapshot } from './persistence/snapshot.js';
import { Config, NOTIFY, parseNotifyFlags } from './config.js';
import { Db } from './db/keyspace.js';
import type { Client, WatchedKey } from './client.js';
import { COMMANDS, type CommandInfo } from '../common/commands/index.js';
import { formatMonitorLine } from './monitor-format.js';
import type { RedisObject } from './types/object.js';
import { Logger } from './log.js';

export interface CommandStat {
  calls: number;
  usec: number;
  rejected: number;
  failed: number;
  /** Latency histogram (latencystats), kept by server/latency.ts. */
  hist?: Uint32Array;
}

export interface SlowlogEntry {
  id: number;
  time: number;
  durationUs: number;
  argv: Buffer[];
  addr: string;
  name: string;
}

export type PropagateFn = (dbIndex: number, argv: Buffer[]) => void;
/** A check before a command runs (OOM, read-only replica, MISCONF...): an error text, or null to pass. */
export type Guard = (c: Client, cmd: CommandInfo, argv: Buffer[]) => string | null;

export class Server {
  readonly config: Config;
  dbs: Db[] = [];
  readonly clients = new Map<number, Client>();
  nextClientId = 1;
  readonly log: Logger;
  readonly startTime = Date.now();
  readonly runId: string;

  /** Time of the command being run (ms): one value per command, as Redis caches mstime. */
  cmdTime = Date.now();
  loading = false;
  isReplica = false;
  /** master_repl_offset, kept by server/replication (0 without a backlog). */
  replOffset = 0;
  /** The TCP port actually listened on (REPLCONF listening-port). */
  listeningPort = 0;
  /** Writes since the last save. */
  dirty = 0;
  lastSave = Math.floor(Date.now() / 1000);

  readonly stats = {
    totalConnections: 0, totalCommands: 0, rejectedConnections: 0, expiredKeys: 0, expiredStalePerc: 0,
    expiredTimeCapReached: 0, evictedKeys: 0, evictedClients: 0, keyspaceHits: 0, keyspaceMisses: 0,
    pubsubChannels: 0, netInputBytes: 0, netOutputBytes: 0, totalErrorReplies: 0, unexpectedErrorReplies: 0,
    totalReadsProcessed: 0, totalWritesProcessed: 0, ioThreadedReads: 0, ioThreadedWrites: 0,
    totalEvictionExceededTime: 0, syncFull: 0, syncPartialOk: 0, syncPartialErr: 0, totalForks: 0,
    dumpPayloadSanitizations: 0, trackingTotalKeys: 0, clientQueryBufferLimitDisconnections: 0,
    clientOutputBufferLimitDisconnections: 0, pausedTime: 0,
  };
  readonly commandStats = new Map<string, CommandStat>();
  readonly errorStats = new Map<string, number>();
  slowlog: SlowlogEntry[] = [];
  slowlogNextId = 0;
  readonly latencyEvents = new Map<string, { samples: [number, number][]; max: number }>();
  readonly monitors = new Set<Client>();
  /** Called after each command's timing when latency tracking or the latency monitor is on (server/latency.ts). */
  latencyHook: ((cmd: CommandInfo, st: CommandStat, us: number) => void) | null = null;
  /** DEBUG SET-ACTIVE-EXPIRE: the active expire cycle runs only while true. */
  activeExpireEnabled = true;
  /** DEBUG SET-SKIP-CHECKSUM-VALIDATION: RESTORE (and RDB loading) skip the CRC64 check while true. */
  skipChecksumValidation = false;
  /**
   * Hooks for modules that come later (persistence, replication), used by the server commands:
   * SHUTDOWN's preparation, DEBUG RELOAD/LOADAOF, DEBUG CHANGE-REPL-ID, INFO replication's body.
   */
  /** SHUTDOWN / SIGTERM: stop saves in progress, flush the AOF, save when asked; false = failed, keep running. */
  prepareShutdown: ((save: boolean, force: boolean) => boolean) | null = null;
  debugReload: ((c: Client, argv: Buffer[]) => void) | null = null;
  afterFlushAll: (() => void) | null = null;
  changeReplicationId: (() => void) | null = null;
  replInfo: (() => string) | null = null;
  /** RDB AUX fields replication adds to saved files (repl-id, repl-offset, repl-stream-db). */
  replAux: (() => [string, string][]) | null = null;
  /** Memory accounting (server/memory.ts): a key was added / removed (with its value), a db is about to be cleared. */
  onKeyAdd: ((key: string, o: RedisObject) => void) | null = null;
  onKeyRemove: ((key: string, o: RedisObject) => void) | null = null;
  onDbClear: ((db: Db) => void) | null = null;

  // Pub/Sub registries: channel or pattern → subscribed clients in subscription order.
  readonly channels = new Map<string, Set<Client>>();
  readonly patterns = new Map<string, Set<Client>>();
  readonly shardChannels = new Map<string, Set<Client>>();

  /** WATCHed keys per db index: key → clients. */
  readonly watchedKeys: Map<string, Map<Client, WatchedKey>>[] = [];

  /** Keys that received a push while clients are blocked on them (db index → keys). */
  readonly readyKeys = new Map<number, Set<string>>();
  /** Clients blocked on a key, FIFO, per db index. */
  readonly blockingKeys: Map<string, Client[]>[] = [];
  blockedClients = 0;

  /** CLIENT PAUSE state. */
  pause: { mode: 'write' | 'all'; until: number; timer: NodeJS.Timeout | null } | null = null;
  readonly pausedClients: Client[] = [];

  /** Runs before replies go to sockets: the AOF writes (and with appendfsync always, fsyncs) what they acknowledge. */
  beforeReplies: (() => void) | null = null;
  /** The snapshot being written (BGSAVE, AOF rewrite): the keyspace preserves old values for it. */
  snapshot: Snapshot | null = null;
  readonly propagateHooks: PropagateFn[] = [];
  readonly guards: Guard[] = [];
  /** Command lookup with rename-command applied; null when nothing is renamed (the fast path). */
  renamed: Map<string, CommandInfo> | null = null;
  /** Called for every notification-enabled event; used by tests and replication. */
  notifyFlags = 0;
  private readonly flushQueue = new Set<Client>();
  private flushScheduled = false;
  /** Handlers of periodic work, run every 1000/hz ms. */
  readonly cronHooks: (() => void)[] = [];
  cronLoops = 0;
  shuttingDown = false;
  /** Set by network.ts; stops listeners and exits. */
  shutdownHook: ((code: number) => void) | null = null;

  constructor(config: Config) {
    this.config = config;
    this.log = new Logger(config);
    this.runId = randomHex(40);
    const n = config.num('databases');
    for (let i = 0; i < n; i++) {
      this.dbs.push(new Db(i, this));
      this.watchedKeys.push(new Map());
      this.blockingKeys.push(new Map());
    }
    this.applyConfig();
    config.onChange(() => this.applyConfig());
    if (config.renames.length > 0) {
      this.renamed = new Map(COMMANDS);
      for (const [from, to] of config.renames) {
        const cmd = this.renamed.get(from);
        if (cmd === undefined) throw new Error(`No such command in rename-command: ${from}`);
        this.renamed.delete(from);
        if (to !== '') this.renamed.set(to.toLowerCase(), cmd);
      }
    }
  }

  /** SLOWLOG: records a command slower than slowlog-log-slower-than (µs). */
  slowlogPush(c: Client, argv: Buffer[], us: number): void {
    const threshold = this.slowlogThreshold;
    if (threshold < 0 || us < threshold) return;
    const max = this.slowlogMaxLen;
    // Like Redis's slowlogCreateEntry: at most 32 arguments (the last one says how many more), each at most 128 bytes.
    const n = Math.min(argv.length, 32);
    const args: Buffer[] = [];
    for (let j = 0; j < n; j++) {
      const a = argv[j]!;
      if (n !== argv.length && j === n - 1) args.push(Buffer.from(`... (${argv.length - n + 1} more arguments)`));
      else if (a.length > 128) args.push(Buffer.concat([a.subarray(0, 128), Buffer.from(`... (${a.length - 128} more bytes)`)]));
      else args.push(Buffer.from(a));
    }
    this.slowlog.unshift({
      id: this.slowlogNextId++, time: Math.floor(Date.now() / 1000), durationUs: us,
      argv: args, addr: c.conn?.addr ?? '', name: c.name,
    });
    if (this.slowlog.length > max) this.slowlog.length = max;
  }

  /** Sends a command, as MONITOR shows it, to every monitoring client. */
  feedMonitors(c: Client, argv: Buffer[]): void {
    const line = formatMonitorLine(c, argv);
    for (const m of this.monitors) {
      m.reply.simple(line);
      m.wake();
    }
  }

  /** Hot-path copies of configuration values, refreshed on every change. */
  slowlogThreshold = 10000;
  slowlogMaxLen = 128;

  /** Re-reads configuration values that are cached for speed (called on every config change). */
  applyConfig(): void {
    this.notifyFlags = parseNotifyFlags(this.config.get('notify-keyspace-events')) ?? 0;
    this.slowlogThreshold = this.config.num('slowlog-log-slower-than');
    this.slowlogMaxLen = this.config.num('slowlog-max-len');
  }

  authRequired(): boolean {
    return this.config.get('requirepass') !== '';
  }

  // ---------------------------------------------------------------- output

  /** Schedules a flush of a client's replies after the current batch of work. */
  queueFlush(c: Client): void {
    if (c.conn === null) return;
    this.flushQueue.add(c);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(() => this.flushAll());
    }
  }

  flushAll(): void {
    this.flushScheduled = false;
    for (const c of this.flushQueue) c.conn?.flush();
    this.flushQueue.clear();
  }

  // ---------------------------------------------------------------- stats

  /** Counts an error reply by its code (the first word), as INFO errorstats shows. */
  countError(msg: string): void {
    this.stats.totalErrorReplies++;
    const sp = msg.indexOf(' ');
    const code = sp > 0 ? msg.slice(0, sp) : msg;
    this.errorStats.set(code, (this.errorStats.get(code) ?? 0) + 1);
  }

  commandStat(name: string): CommandStat {
    let s = this.commandStats.get(name);
    if (s === undefined) {
      s = { calls: 0, usec: 0, rejected: 0, failed: 0 };
      this.commandStats.set(name, s);
    }
    return s;
  }

  // ---------------------------------------------------------------- LRU / LFU

  /** The LRU clock: seconds, 24 bits, like Redis's LRU_CLOCK. */
  lruClock(): number {
    return Math.floor(this.cmdTime / 1000) & 0xffffff;
  }

  /** Updates an object's access time (or LFU counter) on access. */
  touchObject(o: RedisObject): void {
    this.objectTouchHook(o);
  }

  /** Set by the eviction module according to maxmemory-policy. */
  objectTouchHook: (o: RedisObject) => void = (o) => {
    o.lru = this.lruClock();
  };

  /**
   * Access by a read (lookupRead): LRU/LFU only. Reads never change a value,
   * so the memory accounting does not need to re-measure it.
   */
  objectReadHook: (o: RedisObject) => void = (o) => {
    o.lru = this.lruClock();
  };

  // ---------------------------------------------------------------- WATCH

  watchKey(c: Client, db: Db, key: string): void {
    const m = this.watchedKeys[db.id]!;
    let watchers = m.get(key);
    if (watchers === undefined) {
      watchers = new Map();
      m.set(key, watchers);
    }
    if (watchers.has(c)) return;
    // A key already expired when watched does not fail EXEC by expiring (Redis 7.0).
    const wk: WatchedKey = { db, key, expired: db.isExpired(key) };
    watchers.set(c, wk);
    c.watched.push(wk);
  }

  unwatchKey(c: Client, db: Db, key: string): void {
    const m = this.watchedKeys[db.id]!;
    const watchers = m.get(key);
    if (watchers === undefined) return;
    watchers.delete(c);
    if (watchers.size === 0) m.delete(key);
  }

  /**
   * Set while keys are in flight in an asynchronous migration
   * (server/slots/async-migrate.ts): told of every key a write, an expiry or
   * an eviction changes, so a key that changes while being sent is sent again.
   */
  keyTouchedHook: ((db: Db, key: string) => void) | null = null;

  /** signalModifiedKey: a write to the key fails every transaction watching it. */
  touchWatched(db: Db, key: string): void {
    if (this.keyTouchedHook !== null) this.keyTouchedHook(db, key);
    const watchers = this.watchedKeys[db.id]!.get(key);
    if (watchers === undefined) return;
    for (const [c, wk] of watchers) {
      if (wk.expired && !db.dict.has(key)) {
        // The stale key was deleted: logically no change.
        wk.expired = false;
        continue;
      }
      c.dirtyCas = true;
    }
  }

  /**
   * touchAllWatchedKeysInDb: `emptied` is flushed (FLUSHDB/FLUSHALL: call
   * before clearing it) or swapped with `replacedWith` (SWAPDB: call for
   * both dbs, before swapping). Only watchers of keys that exist on either
   * side are failed, and stale (expired) keys count as absent. A boolean
   * second argument is accepted for compatibility and means no replacement.
   */
  touchAllWatched(emptied: Db, replacedWith: Db | boolean | null = null): void {
    const other = replacedWith instanceof Db ? replacedWith : null;
    for (const [key, watchers] of this.watchedKeys[emptied.id]!) {
      const inEmptied = emptied.dict.has(key);
      const inOther = other !== null && other.dict.has(key);
      if (!inEmptied && !inOther) continue;
      for (const [c, wk] of watchers) {
        if (wk.expired) {
          if (!inOther) {
            wk.expired = false;
            continue;
          }
          if (other!.isExpired(key)) continue;
        } else if (!inEmptied && other!.isExpired(key)) {
          wk.expired = true;
          continue;
        }
        c.dirtyCas = true;
      }
    }
  }

  /** isWatchedKeyExpired: a watched key (not stale when watched) has expired since; checked by EXEC. */
  watchedKeyExpired(c: Client): boolean {
    for (const wk of c.watched) if (!wk.expired && wk.db.isExpired(wk.key)) return true;
    return false;
  }

  // ---------------------------------------------------------------- notifications

  /**
   * notifyKeyspaceEvent: `type` is the event class letter (g $ l s h z x e t m d n).
   * Publishes __keyspace@<db>__:<key> and/or __keyevent@<db>__:<event>.
   */
  notify(type: keyof typeof NOTIFY, event: string, key: string, dbIndex: number): void {
    const flags = this.notifyFlags;
    if (flags === 0 || (flags & NOTIFY[type]) === 0) return;
    if (flags & NOTIFY.K) this.publish(Buffer.from(`__keyspace@${dbIndex}__:${key}`, 'latin1'), Buffer.from(event));
    if (flags & NOTIFY.E) this.publish(Buffer.from(`__keyevent@${dbIndex}__:${event}`, 'latin1'), Buffer.from(key, 'latin1'));
  }

  /** Set by the pub/sub module: delivers a message, returns the receiver count. */
  publish: (channel: Buffer, message: Buffer) => number = () => 0;

  // ---------------------------------------------------------------- propagation

  /**
   * Consumers of propagation (the AOF while it is on, replication while it
   * has a backlog) attach while they need writes: with none attached, writes
   * skip propagation entirely (no argv copies in EXEC, no DEL for expiries).
   */
  setPropagationHook(fn: PropagateFn, on: boolean): void {
    const i = this.propagateHooks.indexOf(fn);
    if (on && i < 0) this.propagateHooks.push(fn);
    else if (!on && i >= 0) this.propagateHooks.splice(i, 1);
  }

  /** Sends a write to AOF and replicas. */
  propagate(dbIndex: number, argv: Buffer[]): void {
    for (const h of this.propagateHooks) h(dbIndex, argv);
  }

  /** Propagates the deletion of an expired or evicted key as DEL (UNLINK when lazyfree). */
  propagateDel(dbIndex: number, key: string): void {
    if (this.propagateHooks.length === 0) return;
    const lazy = this.config.bool('lazyfree-lazy-expire');
    this.propagate(dbIndex, [Buffer.from(lazy ? 'UNLINK' : 'DEL'), Buffer.from(key, 'latin1')]);
  }

  // ---------------------------------------------------------------- blocking

  /** A key got elements: blocked clients waiting on it are served after the current command. */
  signalKeyAsReady(db: Db, key: string): void {
    const waiting = this.blockingKeys[db.id]!.get(key);
    if (waiting === undefined || waiting.length === 0) return;
    let set = this.readyKeys.get(db.id);
    if (set === undefined) {
      set = new Set();
      this.readyKeys.set(db.id, set);
    }
    set.add(key);
  }

  /** Set by the blocking module: serves clients blocked on ready keys. */
  handleReadyKeys: () => void = () => {
    this.readyKeys.clear();
  };
}

function randomHex(n: number): string {
  let s = '';
  while (s.length < n) s += Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
  return s.slice(0, n);
}
