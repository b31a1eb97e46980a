/*
 * Configuration: one table of parameters with Redis's names, types, defaults
 * and limits. The same table parses redis.conf-style files, `--name value`
 * arguments, CONFIG GET/SET/REWRITE. Parameters of Redis features we do not
 * have (TLS, cluster bus, io-threads...) are accepted and kept, so configs
 * and tools written for Redis keep working.
 */
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { splitArgs } from '../common/resp/decoder.js';

type Kind =
  | { t: 'bool' }
  | { t: 'int'; min: number; max: number }
  | { t: 'mem'; min?: number; max?: number }
  | { t: 'enum'; values: readonly string[] }
  | { t: 'string' }
  /** Free-form value with its own validator, returning an error text or a normalized value. */
  | { t: 'special'; check: (v: string) => { error: string } | { value: string } };

export interface ParamDef {
  name: string;
  alias?: string;
  kind: Kind;
  def: string;
  immutable?: boolean;
  /** Stored as given but never printed by CONFIG GET (e.g. include). */
  hidden?: boolean;
  /** Redis's HIDDEN_CONFIG (debugging knobs): left out of CONFIG GET patterns, but readable and settable by name. */
  debug?: boolean;
}

const INT_MAX = 2147483647;
const LLONG_MAX = 9223372036854775807;
const bool = (name: string, def: 'yes' | 'no', extra: Partial<ParamDef> = {}): ParamDef => ({ name, kind: { t: 'bool' }, def, ...extra });
const int = (name: string, def: number, min: number, max: number, extra: Partial<ParamDef> = {}): ParamDef =>
  ({ name, kind: { t: 'int', min, max }, def: String(def), ...extra });
const mem = (name: string, def: number, extra: Partial<ParamDef> & { min?: number } = {}): ParamDef => {
  const { min, ...rest } = extra;
  return { name, kind: { t: 'mem', min }, def: String(def), ...rest };
};
const str = (name: string, def: string, extra: Partial<ParamDef> = {}): ParamDef => ({ name, kind: { t: 'string' }, def, ...extra });
const enm = (name: string, def: string, values: readonly string[], extra: Partial<ParamDef> = {}): ParamDef =>
  ({ name, kind: { t: 'enum', values }, def, ...extra });
const special = (name: string, def: string, check: (v: string) => { error: string } | { value: string }, extra: Partial<ParamDef> = {}): ParamDef =>
  ({ name, kind: { t: 'special', check }, def, ...extra });

export const EVICTION_POLICIES = ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'] as const;

/** Normalizes notify-keyspace-events flags like Redis (keyspaceEventsFlagsToString). */
export function parseNotifyFlags(v: string): number | null {
  let f = 0;
  for (const ch of v) {
    const bit = NOTIFY_BITS[ch];
    if (bit === undefined) return null;
    f |= bit;
  }
  return f;
}
export const NOTIFY = {
  K: 1 << 0, E: 1 << 1, g: 1 << 2, $: 1 << 3, l: 1 << 4, s: 1 << 5, h: 1 << 6, z: 1 << 7,
  x: 1 << 8, e: 1 << 9, t: 1 << 10, m: 1 << 11, d: 1 << 12, n: 1 << 13,
} as const;
const NOTIFY_ALL = NOTIFY.g | NOTIFY.$ | NOTIFY.l | NOTIFY.s | NOTIFY.h | NOTIFY.z | NOTIFY.x | NOTIFY.e | NOTIFY.t | NOTIFY.d;
const NOTIFY_BITS: Record<string, number> = { ...NOTIFY, A: NOTIFY_ALL };
export function notifyFlagsToString(f: number): string {
  let s = '';
  if ((f & NOTIFY_ALL) === NOTIFY_ALL) s += 'A';
  else for (const c of 'g$lshzxetd') if (f & NOTIFY_BITS[c]!) s += c;
  if (f & NOTIFY.K) s += 'K';
  if (f & NOTIFY.E) s += 'E';
  if (f & NOTIFY.m) s += 'm';
  if (f & NOTIFY.n) s += 'n';
  return s;
}

function checkSave(v: string): { error: string } | { value: string } {
  const parts = v.trim() === '' ? [] : v.trim().split(/\s+/);
  if (parts.length % 2 !== 0 || parts.some((p) => !/^\d+$/.test(p))) return { error: 'Invalid save parameters' };
  return { value: parts.join(' ') };
}

/** shutdown-on-sigint/sigterm: a set of flags (enum flags config), printed in Redis's order, "default" when empty. */
function checkShutdownFlags(v: string): { error: string } | { value: string } {
  const order = ['save', 'nosave', 'now', 'force'];
  const words = v.trim() === '' ? [] : v.trim().toLowerCase().split(/\s+/);
  const set = new Set<string>();
  for (const w of words) {
    if (w !== 'default' && !order.includes(w)) return { error: 'argument(s) must be one of the following: default, save, nosave, now, force' };
    if (w !== 'default') set.add(w);
  }
  if (words.length === 0) return { error: 'argument(s) must be one of the following: default, save, nosave, now, force' };
  const out = order.filter((w) => set.has(w));
  return { value: out.length === 0 ? 'default' : out.join(' ') };
}

/** maxmemory-clients: a memory value or a percentage of maxmemory ("10%"). */
function checkMemOrPercent(v: string): { error: string } | { value: string } {
  if (/^\d+%$/.test(v.trim())) {
    if (Number(v.trim().slice(0, -1)) > 100) return { error: 'percentage argument must be less or equal to 100' };
    return { value: v.trim() };
  }
  const n = parseMemory(v);
  if (Number.isNaN(n) || n < 0) return { error: 'argument must be a memory or percent value' };
  return { value: String(n) };
}

/** latency-tracking-info-percentiles: floats in [0, 100], shown as %f without trailing zeros. */
function checkPercentiles(v: string): { error: string } | { value: string } {
  const parts = v.trim() === '' ? [] : v.trim().split(/\s+/);
  const out: string[] = [];
  for (const p of parts) {
    const n = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(p) ? Number(p) : NaN;
    if (Number.isNaN(n)) return { error: 'Invalid latency-tracking-info-percentiles parameters' };
    if (n < 0 || n > 100) return { error: 'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]' };
    out.push(n.toFixed(6).replace(/\.?0+$/, ''));
  }
  return { value: out.join(' ') };
}

export const PARAMS: readonly ParamDef[] = [
  str('bind', '* -::*'), int('port', 6379, 0, 65535), str('unixsocket', '', { immutable: true }),
  special('unixsocketperm', '0', (v) => (/^[0-7]+$/.test(v) ? { value: v } : { error: 'Invalid unixsocketperm' }), { immutable: true }),
  bool('protected-mode', 'yes'), int('tcp-backlog', 511, 0, INT_MAX, { immutable: true }), int('timeout', 0, 0, INT_MAX),
  int('tcp-keepalive', 300, 0, INT_MAX), int('maxclients', 10000, 1, 4294967295), int('databases', 16, 1, INT_MAX, { immutable: true }),
  str('requirepass', ''), str('masterauth', ''), str('masteruser', ''),
  int('hz', 10, 0, INT_MAX), bool('dynamic-hz', 'yes'),
  enm('loglevel', 'notice', ['debug', 'verbose', 'notice', 'warning']), str('logfile', '', { immutable: true }),
  bool('daemonize', 'no', { immutable: true }), str('pidfile', '', { immutable: true }),
  bool('syslog-enabled', 'no', { immutable: true }), str('syslog-ident', 'redis', { immutable: true }),
  enm('syslog-facility', 'local0', ['user', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'], { immutable: true }),
  enm('supervised', 'no', ['upstart', 'systemd', 'auto', 'no'], { immutable: true }),
  bool('always-show-logo', 'no', { immutable: true }), bool('set-proc-title', 'yes', { immutable: true }),
  str('proc-title-template', '{title} {listen-addr} {server-mode}'),
  mem('maxmemory', 0), enm('maxmemory-policy', 'noeviction', EVICTION_POLICIES),
  int('maxmemory-samples', 5, 1, INT_MAX), int('maxmemory-eviction-tenacity', 10, 0, 100), special('maxmemory-clients', '0', checkMemOrPercent),
  int('lfu-log-factor', 10, 0, INT_MAX), int('lfu-decay-time', 1, 0, INT_MAX),
  bool('lazyfree-lazy-eviction', 'no'), bool('lazyfree-lazy-expire', 'no'), bool('lazyfree-lazy-server-del', 'no'),
  bool('lazyfree-lazy-user-del', 'no'), bool('lazyfree-lazy-user-flush', 'no'),
  special('notify-keyspace-events', '', (v) => {
    const f = parseNotifyFlags(v);
    return f === null ? { error: "Invalid event class character. Use 'Ag$lshzxeKEtmdn'." } : { value: notifyFlagsToString(f) };
  }),
  mem('proto-max-bulk-len', 512 * 1024 * 1024, { min: 1024 * 1024 }), mem('client-query-buffer-limit', 1024 * 1024 * 1024, { min: 1024 * 1024 }),
  str('client-output-buffer-limit', 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60'),
  int('slowlog-log-slower-than', 10000, -1, LLONG_MAX), int('slowlog-max-len', 128, 0, LLONG_MAX),
  int('latency-monitor-threshold', 0, 0, LLONG_MAX), bool('latency-tracking', 'yes'), special('latency-tracking-info-percentiles', '50 99 99.9', checkPercentiles),
  special('save', '3600 1 300 100 60 10000', checkSave), str('dir', '', {}), str('dbfilename', 'dump.rdb'),
  bool('rdbcompression', 'yes'), bool('rdbchecksum', 'yes', { immutable: true }), bool('stop-writes-on-bgsave-error', 'yes'),
  bool('rdb-del-sync-files', 'no'), bool('rdb-save-incremental-fsync', 'yes'), enm('sanitize-dump-payload', 'no', ['no', 'yes', 'clients']),
  bool('appendonly', 'no'), str('appendfilename', 'appendonly.aof', { immutable: true }), str('appenddirname', 'appendonlydir', { immutable: true }),
  enm('appendfsync', 'everysec', ['everysec', 'always', 'no']), bool('no-appendfsync-on-rewrite', 'no'),
  int('auto-aof-rewrite-percentage', 100, 0, INT_MAX), mem('auto-aof-rewrite-min-size', 64 * 1024 * 1024),
  bool('aof-load-truncated', 'yes'), bool('aof-use-rdb-preamble', 'yes'), bool('aof-rewrite-incremental-fsync', 'yes'),
  bool('aof-timestamp-enabled', 'no'), bool('aof-disable-auto-gc', 'no'),
  str('replicaof', '', { alias: 'slaveof', immutable: true }), bool('replica-read-only', 'yes', { alias: 'slave-read-only' }),
  bool('replica-serve-stale-data', 'yes', { alias: 'slave-serve-stale-data' }), int('replica-priority', 100, 0, INT_MAX, { alias: 'slave-priority' }),
  mem('repl-backlog-size', 1024 * 1024, { min: 1 }), int('repl-backlog-ttl', 3600, 0, LLONG_MAX), int('repl-ping-replica-period', 10, 1, INT_MAX, { alias: 'repl-ping-slave-period' }),
  // Ours, not Redis's: see server/replication/replication.ts (a master restarted empty after a crash).
  bool('repl-serve-empty-after-crash', 'no'),
  // Shardis: a master managed by a dashboard serves no key until told its slots (see server/slots/ownership.ts).
  bool('slots-managed', 'no', { immutable: true }), int('slots-stall-fence-ms', 2000, 0, INT_MAX),
  int('repl-timeout', 60, 1, INT_MAX),
   bool('repl-diskless-sync', 'yes'), int('repl-diskless-sync-delay', 5, 0, INT_MAX),
  int('repl-diskless-sync-max-replicas', 0, 0, INT_MAX), enm('repl-diskless-load', 'disabled', ['disabled', 'on-empty-db', 'swapdb']),
  bool('repl-disable-tcp-nodelay', 'no'), int('min-replicas-to-write', 0, 0, INT_MAX, { alias: 'min-slaves-to-write' }),
  int('min-replicas-max-lag', 10, 0, INT_MAX, { alias: 'min-slaves-max-lag' }), str('replica-announce-ip', '', { alias: 'slave-announce-ip' }),
  int('replica-announce-port', 0, 0, 65535, { alias: 'slave-announce-port' }), bool('replica-announced', 'yes'),
  bool('replica-lazy-flush', 'no', { alias: 'slave-lazy-flush' }), bool('replica-ignore-maxmemory', 'yes', { alias: 'slave-ignore-maxmemory' }),
  bool('replica-ignore-disk-write-errors', 'no'), enm('propagation-error-behavior', 'ignore', ['ignore', 'panic', 'panic-on-replicas']),
  int('hash-max-listpack-entries', 512, 0, LLONG_MAX, { alias: 'hash-max-ziplist-entries' }),
  mem('hash-max-listpack-value', 64, { alias: 'hash-max-ziplist-value' }),
  int('list-max-listpack-size', -2, -2147483648, INT_MAX, { alias: 'list-max-ziplist-size' }), int('list-compress-depth', 0, 0, INT_MAX),
  int('set-max-intset-entries', 512, 0, LLONG_MAX),
  int('zset-max-listpack-entries', 128, 0, LLONG_MAX, { alias: 'zset-max-ziplist-entries' }),
  mem('zset-max-listpack-value', 64, { alias: 'zset-max-ziplist-value' }),
  mem('hll-sparse-max-bytes', 3000), mem('stream-node-max-bytes', 4096), int('stream-node-max-entries', 100, 0, LLONG_MAX),
  bool('activerehashing', 'yes'), bool('activedefrag', 'no'), int('active-expire-effort', 1, 1, 10),
  int('active-defrag-cycle-min', 1, 1, 99), int('active-defrag-cycle-max', 25, 1, 99), mem('active-defrag-ignore-bytes', 104857600),
  int('active-defrag-threshold-lower', 10, 0, 1000), int('active-defrag-threshold-upper', 100, 0, 1000),
  int('active-defrag-max-scan-fields', 1000, 1, LLONG_MAX), bool('jemalloc-bg-thread', 'yes'),
  int('io-threads', 1, 1, 128, { immutable: true }), bool('io-threads-do-reads', 'no', { immutable: true }),
  int('lua-time-limit', 5000, 0, LLONG_MAX, { alias: 'busy-reply-threshold' }), int('tracking-table-max-keys', 1000000, 0, LLONG_MAX),
  str('aclfile', '', { immutable: true }), int('acllog-max-len', 128, 0, LLONG_MAX), enm('acl-pubsub-default', 'resetchannels', ['allchannels', 'resetchannels']),
  enm('enable-debug-command', 'no', ['no', 'yes', 'local'], { immutable: true }), enm('enable-module-command', 'no', ['no', 'yes', 'local'], { immutable: true }),
  enm('enable-protected-configs', 'no', ['no', 'yes', 'local'], { immutable: true }), bool('crash-log-enabled', 'yes'), bool('crash-memcheck-enabled', 'yes'),
  bool('disable-thp', 'yes', { immutable: true }), str('oom-score-adj', 'no'), str('oom-score-adj-values', '0 200 800'),
  special('shutdown-on-sigint', 'default', checkShutdownFlags), special('shutdown-on-sigterm', 'default', checkShutdownFlags),
  int('shutdown-timeout', 10, 0, INT_MAX), str('ignore-warnings', ''), int('socket-mark-id', 0, 0, INT_MAX, { immutable: true }),
  bool('cluster-enabled', 'no', { immutable: true }), str('cluster-config-file', 'nodes.conf', { immutable: true }),
  int('cluster-node-timeout', 15000, 0, LLONG_MAX), int('cluster-port', 0, 0, 65535, { immutable: true }),
  bool('cluster-require-full-coverage', 'yes'), bool('cluster-allow-reads-when-down', 'no'), bool('cluster-allow-pubsubshard-when-down', 'yes'),
  int('cluster-migration-barrier', 1, 0, INT_MAX), bool('cluster-allow-replica-migration', 'yes'),
  bool('cluster-replica-no-failover', 'no', { alias: 'cluster-slave-no-failover' }), int('cluster-replica-validity-factor', 10, 0, INT_MAX, { alias: 'cluster-slave-validity-factor' }),
  str('cluster-announce-ip', ''), str('cluster-announce-hostname', ''), int('cluster-announce-port', 0, 0, 65535), int('cluster-announce-bus-port', 0, 0, 65535),
  int('cluster-announce-tls-port', 0, 0, 65535), mem('cluster-link-sendbuf-limit', 0), enm('cluster-preferred-endpoint-type', 'ip', ['ip', 'hostname', 'unknown-endpoint']),
  int('tls-port', 0, 0, 65535), str('tls-cert-file', ''), str('tls-key-file', ''), str('tls-key-file-pass', ''), str('tls-client-cert-file', ''),
  str('tls-client-key-file', ''), str('tls-client-key-file-pass', ''), str('tls-dh-params-file', ''), str('tls-ca-cert-file', ''), str('tls-ca-cert-dir', ''),
  str('tls-protocols', ''), str('tls-ciphers', ''), str('tls-ciphersuites', ''), bool('tls-prefer-server-ciphers', 'no'), bool('tls-session-caching', 'yes'),
  int('tls-session-cache-size', 20480, 0, INT_MAX), int('tls-session-cache-timeout', 300, 0, INT_MAX), bool('tls-replication', 'no'),
  bool('tls-cluster', 'no'), enm('tls-auth-clients', 'yes', ['no', 'yes', 'optional']),
  str('bind-source-addr', ''), str('server_cpulist', '', { immutable: true }), str('bio_cpulist', '', { immutable: true }),
  str('aof_rewrite_cpulist', '', { immutable: true }), str('bgsave_cpulist', '', { immutable: true }),
  int('key-load-delay', 0, -2147483648, INT_MAX, { debug: true }), int('rdb-key-save-delay', 0, -2147483648, INT_MAX, { debug: true }),
  int('loading-process-events-interval-bytes', 2 * 1024 * 1024, 1024, INT_MAX, { debug: true }),
  str('rename-command', '', { hidden: true, immutable: true }), str('include', '', { hidden: true, immutable: true }),
];

const BY_NAME = new Map<string, ParamDef>();
for (const p of PARAMS) {
  BY_NAME.set(p.name, p);
  if (p.alias) BY_NAME.set(p.alias, p);
}

export function findParam(name: string): ParamDef | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/** memtoull: 1k=1000, 1kb=1024, m/mb, g/gb; NaN if malformed. */
export function parseMemory(v: string): number {
  const m = /^(-?\d+)(k|kb|m|mb|g|gb|b)?$/i.exec(v.trim());
  if (!m) return NaN;
  const mult: Record<string, number> = { '': 1, b: 1, k: 1000, kb: 1024, m: 1e6, mb: 1024 * 1024, g: 1e9, gb: 1024 * 1024 * 1024 };
  return Number(m[1]) * mult[(m[2] ?? '').toLowerCase()]!;
}

/** Checks and normalizes a value for a parameter: the value to store, or Redis's error text. */
export function checkValue(p: ParamDef, v: string): { value: string } | { error: string } {
  const k = p.kind;
  switch (k.t) {
    case 'bool': {
      const l = v.toLowerCase();
      if (l !== 'yes' && l !== 'no') return { error: "argument must be 'yes' or 'no'" };
      return { value: l };
    }
    case 'int': {
      if (!/^-?\d+$/.test(v.trim())) return { error: "argument couldn't be parsed into an integer" };
      const n = Number(v);
      if (n < k.min || n > k.max) return { error: `argument must be between ${k.min} and ${k.max === LLONG_MAX ? '9223372036854775807' : k.max} inclusive` };
      return { value: String(n) };
    }
    case 'mem': {
      const n = parseMemory(v);
      if (Number.isNaN(n)) return { error: 'argument must be a memory value' };
      if (n < 0) return { error: 'argument must be a memory value' };
      if (k.min !== undefined && n < k.min) return { error: `argument must be between ${k.min} and 9223372036854775807 inclusive` };
      return { value: String(n) };
    }
    case 'enum': {
      const l = v.toLowerCase();
      if (!k.values.includes(l)) return { error: `argument(s) must be one of the following: ${k.values.join(', ')}` };
      return { value: l };
    }
    case 'string':
      return { value: v };
    case 'special':
      return k.check(v);
  }
}

/** Glob matching for CONFIG GET patterns (stringmatchlen semantics, case-insensitive). */
export { globMatch } from '../common/glob.js';

export class ConfigError extends Error {}

/**
 * Parses a redis.conf-style text. Lines are `name arg...` (sdssplitargs
 * quoting); `#` starts a comment. Returns the directives in order, or
 * throws ConfigError with Redis's fatal-error text naming the line.
 */
export function parseConfigText(text: string, source: string): [string, string[]][] {
  const out: [string, string[]][] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const args = splitArgs(Buffer.from(line));
    if (args === null) throw fatal(i + 1, line, 'Unbalanced quotes in configuration line', source);
    if (args.length === 0) continue;
    const [name, ...rest] = args.map((a) => a.toString());
    out.push([name!.toLowerCase(), rest]);
    (out[out.length - 1] as [string, string[]] & { line?: number }).line = i + 1;
  }
  return out;
}

export function fatal(lineNo: number, line: string, msg: string, source = ''): ConfigError {
  return new ConfigError(
    `\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\n` +
      (source ? `Reading the configuration file ${source}, at line ${lineNo}\n` : `Reading the configuration file, at line ${lineNo}\n`) +
      `>>> '${line}'\n${msg}`,
  );
}

/** A Map that tells listeners about every change, so hot-path copies of values stay current. */
class ObservedMap extends Map<string, string> {
  readonly listeners: ((name: string, value: string) => void)[] = [];
  override set(name: string, value: string): this {
    super.set(name, value);
    // The constructor of Map calls set() before listeners exist.
    if (this.listeners !== undefined) for (const l of this.listeners) l(name, value);
    return this;
  }
}

/** The live configuration: current values by canonical name. */
export class Config {
  /** Current values; every set() is seen by `onChange` listeners. */
  readonly values = new ObservedMap();

  /** Calls fn(name, value) after every change of a value (CONFIG SET, start-up). */
  onChange(fn: (name: string, value: string) => void): void {
    this.values.listeners.push(fn);
  }
  /** rename-command pairs from the config file. */
  readonly renames: [string, string][] = [];
  file: string | null = null;

  constructor() {
    for (const p of PARAMS) this.values.set(p.name, p.def);
  }

  get(name: string): string {
    const p = findParam(name);
    if (!p) throw new Error(`unknown config ${name}`);
    return this.values.get(p.name)!;
  }

  num(name: string): number {
    return Number(this.get(name));
  }

  bool(name: string): boolean {
    return this.get(name) === 'yes';
  }

  /**
   * Loads directives from a file's text and then from command-line pairs,
   * as redis-server does: the command line is appended to the file's text.
   */
  load(text: string, source: string, argPairs: [string, string[]][]): void {
    const directives = [...parseConfigText(text, source), ...argPairs];
    const lines = text.split('\n');
    for (const d of directives) {
      const [name, args] = d;
      const lineNo = (d as { line?: number }).line ?? 0;
      const lineText = lineNo ? lines[lineNo - 1]!.trim() : `${name} ${args.join(' ')}`;
      if (name === 'include') {
        if (args.length !== 1) throw fatal(lineNo, lineText, 'Bad directive or wrong number of arguments', source);
        const inc = readFileSync(args[0]!, 'utf8');
        this.load(inc, args[0]!, []);
        continue;
      }
      if (name === 'rename-command') {
        if (args.length !== 2) throw fatal(lineNo, lineText, 'wrong number of arguments', source);
        this.renames.push([args[0]!.toLowerCase(), args[1]!]);
        continue;
      }
      const p = findParam(name);
      if (!p) throw fatal(lineNo, lineText, 'Bad directive or wrong number of arguments', source);
      // Multi-word values (save 900 1 300 10, bind a b, replicaof h p) are joined like Redis.
      const multi = MULTI_ARG.has(p.name);
      if (!multi && args.length !== 1) throw fatal(lineNo, lineText, 'wrong number of arguments', source);
      let value = args.join(' ');
      // Several `save` lines accumulate, as in Redis.
      if (p.name === 'save' && this.savesSeen++ > 0 && value !== '') value = `${this.values.get('save')} ${value}`.trim();
      const r = checkValue(p, value);
      if ('error' in r) throw fatal(lineNo, lineText, r.error, source);
      this.values.set(p.name, r.value);
    }
  }
  private savesSeen = 0;

  /** CONFIG REWRITE: rewrites the file keeping comments and unknown-to-us lines, updating changed values. */
  rewrite(): void {
    if (!this.file) throw new ConfigError('ERR The server is running without a config file');
    let text = '';
    try { text = readFileSync(this.file, 'utf8'); } catch { text = ''; }
    const done = new Set<string>();
    const out: string[] = [];
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) { out.push(raw); continue; }
      const args = splitArgs(Buffer.from(line));
      const name = args?.[0]?.toString().toLowerCase() ?? '';
      const p = findParam(name);
      if (!p || p.hidden) { out.push(raw); continue; }
      if (done.has(p.name)) continue;
      done.add(p.name);
      out.push(`${p.name} ${formatForFile(p, this.values.get(p.name)!)}`);
    }
    const changed = PARAMS.filter((p) => !p.hidden && !done.has(p.name) && this.values.get(p.name) !== p.def);
    if (changed.length > 0) {
      if (!out.includes('# Generated by CONFIG REWRITE')) out.push('# Generated by CONFIG REWRITE');
      for (const p of changed) out.push(`${p.name} ${formatForFile(p, this.values.get(p.name)!)}`);
    }
    const tmp = `${this.file}.tmp-${process.pid}`;
    writeFileSync(tmp, out.join('\n').replace(/\n*$/, '\n'));
    renameSync(tmp, this.file);
  }
}

const MULTI_ARG = new Set(['save', 'bind', 'replicaof', 'client-output-buffer-limit', 'oom-score-adj-values',
  'latency-tracking-info-percentiles', 'shutdown-on-sigint', 'shutdown-on-sigterm']);

/** A value as a config file line needs it: multi-argument values as words, others as one (quoted if needed) argument. */
function formatForFile(p: ParamDef, v: string): string {
  if (MULTI_ARG.has(p.name)) return v === '' ? '""' : v;
  if (v === '') return '""';
  return /^[\w.\-:/@*+,%]+$/.test(v) ? v : JSON.stringify(v);
}


