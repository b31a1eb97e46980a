/*
 * The server commands: COMMAND, CONFIG, INFO, DBSIZE, FLUSHDB/FLUSHALL,
 * SWAPDB, TIME, LASTSAVE, SHUTDOWN, DEBUG, MEMORY, SLOWLOG, MONITOR, LATENCY.
 * Replies and error texts as Redis 7.0.15.
 */
import type { Handler } from './index.js';
import type { Client } from '../client.js';
import type { Server } from '../server.js';
import type { Db } from '../db/keyspace.js';
import { COMMANDS, lookupCommand, type CommandInfo, type KeySpec } from '../../common/commands/index.js';
import { keyPositionsOfSpec } from '../../common/commands/keys.js';
import { E } from '../../common/errors.js';
import { globMatch } from '../../common/glob.js';
import { toInt, isArg, keyOf } from './args.js';
import { writeCommandInfo, writeCommandDocs } from '../introspect.js';
import { HELP } from '../help-texts.js';
import { genInfo, installInfoMetrics } from '../info.js';
import { PARAMS, findParam, checkValue, ConfigError, type ParamDef } from '../config.js';
import { memoryOf, objectSize } from '../memory.js';
import { installEviction, evictorOf, lfuDecrAndReturn } from '../evict.js';
import { installLatency, histCdf, latencyDoctor, latencyGraph } from '../latency.js';
import { datasetDigest, valueDigest } from '../digest.js';
import { objectEncodingName } from '../object-info.js';

// ---------------------------------------------------------------- helpers

function help(c: Client, name: string): void {
  const lines = HELP[name]!;
  c.reply.array(lines.length);
  for (const l of lines) c.reply.simple(l);
}

const str = (b: Buffer) => b.toString('latin1');

/** lookupCommandBySds: 'get' or 'config|get', any case; null for anything else. */
function lookupByFullName(name: string): CommandInfo | null {
  const parts = name.toLowerCase().split('|');
  if (parts.length > 2) return null;
  const base = COMMANDS.get(parts[0]!);
  if (base === undefined) return null;
  if (parts.length === 1) return base;
  return base.subcommands?.get(parts[1]!) ?? null;
}

/** Every command and subcommand, parents first. */
function allCommands(): CommandInfo[] {
  const out: CommandInfo[] = [];
  for (const cmd of COMMANDS.values()) {
    out.push(cmd);
    if (cmd.subcommands) for (const s of cmd.subcommands.values()) out.push(s);
  }
  return out;
}

/** Per-server state owned by this module, installed on first use. */
const installed = new WeakSet<Server>();
export function installServerModules(server: Server): void {
  if (installed.has(server)) return;
  installed.add(server);
  installEviction(server);
  installLatency(server);
  installInfoMetrics(server);
}

/** After CONFIG SET maxmemory (once every parameter of the command is applied): warn and evict now, as Redis. */
function maxmemoryChanged(server: Server): void {
  const value = server.config.num('maxmemory');
  if (value <= 0) return;
  const used = memoryOf(server).used();
  if (value < used) {
    server.log.warning(`WARNING: the new maxmemory value set via CONFIG SET (${value}) is smaller than the current memory usage (${used}). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.`);
  }
  evictorOf(server)?.performEvictions();
}

/** Modules that need installing are installed lazily by the first command if main.ts did not. */
function ensure(c: Client): void {
  if (!installed.has(c.server)) installServerModules(c.server);
}

// ---------------------------------------------------------------- COMMAND

function commandGetKeys(c: Client, argv: Buffer[], withFlags: boolean): void {
  const args = argv.slice(2);
  let cmd: CommandInfo | undefined = lookupCommand(str(args[0]!));
  if (cmd !== undefined && cmd.subcommands !== null) {
    cmd = args.length >= 2 ? cmd.subcommands.get(str(args[1]!).toLowerCase()) : undefined;
  }
  if (cmd === undefined) {
    c.error('ERR Invalid command specified');
    return;
  }
  const specs: readonly KeySpec[] = cmd.spec.keys ?? [];
  if (specs.length === 0) {
    c.error('ERR The command has no key arguments');
    return;
  }
  const arity = cmd.spec.arity;
  if ((arity > 0 && arity !== args.length) || args.length < -arity) {
    c.error('ERR Invalid number of arguments specified for command');
    return;
  }
  const found: [number, KeySpec][] = [];
  let bad = false;
  for (const ks of specs) {
    if (ks.flags.includes('not_key')) continue;
    // Specs Redis cannot describe (begin or find "unknown") are left to the command's own key finder.
    if ('unknown' in ks.begin || 'unknown' in ks.find) continue;
    const pos: number[] = [];
    if (!keyPositionsOfSpec(ks, args, arity, pos)) {
      if (ks.flags.includes('incomplete')) continue;
      bad = true;
      break;
    }
    for (const p of pos) found.push([p, ks]);
  }
  if (!bad && (cmd.fullName === 'sort' || cmd.fullName === 'sort_ro')) found.push(...sortStoreKey(args));
  if (bad || found.length === 0) {
    if (cmd.spec.flags.includes('no_mandatory_keys')) {
      c.reply.array(0);
      return;
    }
    if (bad) {
      c.error('ERR Invalid arguments specified for command');
      return;
    }
  }
  c.reply.array(found.length);
  for (const [p, ks] of found) {
    if (withFlags) {
      c.reply.array(2);
      c.reply.bulk(args[p]!);
      const flags = ks.flags.includes('variable_flags') ? variableKeyFlags(cmd, args) : ks.flags;
      c.reply.set(flags.length);
      for (const f of flags) c.reply.simple(f);
    } else {
      c.reply.bulk(args[p]!);
    }
  }
}

/** sortGetKeys: the key after the last STORE (skipping LIMIT/GET/BY arguments) is written. */
function sortStoreKey(args: Buffer[]): [number, KeySpec][] {
  let pos = -1;
  for (let i = 2; i < args.length; i++) {
    const a = args[i]!;
    if (isArg(a, 'LIMIT')) i += 2;
    else if (isArg(a, 'GET') || isArg(a, 'BY')) i += 1;
    else if (isArg(a, 'STORE') && i + 1 < args.length) pos = i + 1;
  }
  if (pos < 0) return [];
  return [[pos, { flags: ['OW', 'update'], begin: { unknown: true }, find: { unknown: true } }]];
}

/**
 * Key specs flagged variable_flags: the actual flags depend on the arguments
 * (Redis's setGetKeys / bitfieldGetKeys). SET without GET only overwrites;
 * BITFIELD with only GET operations only reads.
 */
function variableKeyFlags(cmd: CommandInfo, args: Buffer[]): readonly string[] {
  const name = cmd.fullName;
  if (name === 'set') return args.slice(3).some((a) => isArg(a, 'GET')) ? ['RW', 'access', 'update'] : ['OW', 'update'];
  if (name === 'bitfield') {
    let readOnly = true;
    for (let i = 2; i < args.length; i++) {
      if (isArg(args[i]!, 'GET')) i += 2;
      else { readOnly = false; break; }
    }
    return readOnly ? ['RO', 'access'] : ['RW', 'access', 'update'];
  }
  return (cmd.spec.keys ?? [])[0]?.flags.filter((f) => f !== 'variable_flags') ?? [];
}

const commandHandlers: Record<string, Handler> = {
  command: (c) => {
    c.reply.array(COMMANDS.size);
    for (const cmd of COMMANDS.values()) writeCommandInfo(c.reply, cmd);
  },
  'command|count': (c) => c.reply.int(COMMANDS.size),
  'command|info': (c, argv) => {
    if (argv.length === 2) {
      c.reply.array(COMMANDS.size);
      for (const cmd of COMMANDS.values()) writeCommandInfo(c.reply, cmd);
      return;
    }
    c.reply.array(argv.length - 2);
    for (let i = 2; i < argv.length; i++) {
      const cmd = lookupByFullName(str(argv[i]!));
      if (cmd === null) c.reply.nil();
      else writeCommandInfo(c.reply, cmd);
    }
  },
  'command|docs': (c, argv) => {
    if (argv.length === 2) {
      c.reply.map(COMMANDS.size);
      for (const cmd of COMMANDS.values()) {
        c.reply.bulkStr(cmd.fullName);
        writeCommandDocs(c.reply, cmd);
      }
      return;
    }
    const found: CommandInfo[] = [];
    for (let i = 2; i < argv.length; i++) {
      const cmd = lookupByFullName(str(argv[i]!));
      if (cmd !== null) found.push(cmd);
    }
    c.reply.map(found.length);
    for (const cmd of found) {
      c.reply.bulkStr(cmd.fullName);
      writeCommandDocs(c.reply, cmd);
    }
  },
  'command|list': (c, argv) => {
    let filter: (cmd: CommandInfo) => boolean = () => true;
    if (argv.length === 5 && isArg(argv[2]!, 'FILTERBY')) {
      const v = str(argv[4]!);
      if (isArg(argv[3]!, 'MODULE')) filter = () => false;
      else if (isArg(argv[3]!, 'ACLCAT')) {
        const cat = '@' + v.toLowerCase();
        filter = (cmd) => cmd.acl.includes(cat);
      } else if (isArg(argv[3]!, 'PATTERN')) filter = (cmd) => globMatch(v, cmd.fullName, true);
      else {
        c.error(E.SYNTAX);
        return;
      }
    } else if (argv.length !== 2) {
      c.error(E.SYNTAX);
      return;
    }
    const names = allCommands().filter(filter).map((x) => x.fullName);
    c.reply.array(names.length);
    for (const n of names) c.reply.bulkStr(n);
  },
  'command|getkeys': (c, argv) => commandGetKeys(c, argv, false),
  'command|getkeysandflags': (c, argv) => commandGetKeys(c, argv, true),
  'command|help': (c) => help(c, 'command'),
};

// ---------------------------------------------------------------- CONFIG

/** Values CONFIG GET shows: dir is the working directory, as in Redis. */
function configShow(server: Server, p: ParamDef): string {
  if (p.name === 'dir') return process.cwd();
  return server.config.values.get(p.name)!;
}

/** Names the configuration table answers to: canonical names and aliases. */
const CONFIG_NAMES: [string, ParamDef][] = [];
for (const p of PARAMS) {
  if (p.hidden || p.debug) continue;
  CONFIG_NAMES.push([p.name, p]);
  if (p.alias) CONFIG_NAMES.push([p.alias, p]);
}

const PROTECTED = new Set(['dir', 'dbfilename']);
const SENSITIVE = new Set(['masterauth', 'requirepass']);
const REDACTED = Buffer.from('(redacted)');

function allowedByEnableOption(c: Client, option: string): boolean {
  const v = c.server.config.get(option);
  if (v === 'yes') return true;
  if (v === 'local') {
    const addr = c.conn?.addr ?? '';
    return c.conn === null || addr.startsWith('127.') || addr.startsWith('[::1]') || addr.startsWith('::1') || addr.startsWith('/');
  }
  return false;
}

/** Side effects of a changed value; returns an error text to roll back. */
function applyConfig(c: Client, p: ParamDef, value: string): string | null {
  const server = c.server;
  switch (p.name) {
    case 'dir':
      try {
        process.chdir(value);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        return code === 'ENOENT' ? 'No such file or directory' : code === 'ENOTDIR' ? 'Not a directory' : code === 'EACCES' ? 'Permission denied' : (e as Error).message;
      }
      return null;
    case 'requirepass':
      return null;
    default:
      void server;
      return null;
  }
}

const configHandlers: Record<string, Handler> = {
  'config|get': (c, argv) => {
    // Names as asked for an exact name, as listed (canonical or alias) for a pattern; each once.
    const out = new Map<string, string>();
    const seen = new Set<string>(); // lower-case names already listed
    for (let i = 2; i < argv.length; i++) {
      const pat = str(argv[i]!);
      if (!/[[*?]/.test(pat)) {
        const p = findParam(pat);
        if (p !== undefined && !seen.has(pat.toLowerCase()) && !(p.hidden ?? false)) {
          out.set(pat, configShow(c.server, p));
          seen.add(pat.toLowerCase());
        }
        continue;
      }
      for (const [name, p] of CONFIG_NAMES) {
        if (seen.has(name)) continue;
        if (globMatch(pat, name, true)) {
          out.set(name, configShow(c.server, p));
          seen.add(name);
        }
      }
    }
    c.reply.map(out.size);
    for (const [k, v] of out) {
      c.reply.bulkStr(k);
      c.reply.bulkStr(v);
    }
  },
  'config|set': (c, argv) => {
    if (argv.length % 2 !== 0) {
      c.error(E.SYNTAX);
      return;
    }
    const server = c.server;
    const pairs: [ParamDef, string, string][] = [];
    const fail = (name: string, msg: string) => c.error(`ERR CONFIG SET failed (possibly related to argument '${name}') - ${msg}`);
    for (let i = 2; i < argv.length; i += 2) {
      const name = str(argv[i]!);
      const p = findParam(name);
      if (p === undefined || p.hidden) {
        c.error(`ERR Unknown option or number of arguments for CONFIG SET - '${name}'`);
        return;
      }
      if (p.immutable) {
        fail(name, "can't set immutable config");
        return;
      }
      if (PROTECTED.has(p.name) && !allowedByEnableOption(c, 'enable-protected-configs')) {
        fail(name, "can't set protected config");
        return;
      }
      if (pairs.some(([q]) => q === p)) {
        fail(name, 'duplicate parameter');
        return;
      }
      pairs.push([p, name, argv[i + 1]!.toString()]);
      // Sensitive values never reach SLOWLOG or MONITOR (redactClientCommandArgument).
      if (SENSITIVE.has(p.name)) argv[i + 1] = REDACTED;
    }
    // Validate everything first.
    const values: string[] = [];
    for (const [p, name, v] of pairs) {
      const r = checkValue(p, v);
      if ('error' in r) {
        fail(name, r.error);
        return;
      }
      values.push(r.value);
    }
    // Apply, rolling back on a failed side effect.
    const old = pairs.map(([p]) => server.config.values.get(p.name)!);
    for (let i = 0; i < pairs.length; i++) {
      const [p, name] = pairs[i]!;
      if (old[i] === values[i] && p.name !== 'dir') continue;
      server.config.values.set(p.name, values[i]!);
      const err = applyConfig(c, p, values[i]!);
      if (err !== null) {
        for (let j = i; j >= 0; j--) {
          const [q] = pairs[j]!;
          server.config.values.set(q.name, old[j]!);
          if (j < i) applyConfig(c, q, old[j]!);
        }
        fail(name, err);
        return;
      }
    }
    server.applyConfig();
    if (pairs.some(([p]) => p.name === 'maxmemory')) maxmemoryChanged(server);
    c.reply.ok();
  },
  'config|resetstat': (c) => {
    resetStats(c.server);
    c.reply.ok();
  },
  'config|rewrite': (c) => {
    const cfg = c.server.config;
    if (cfg.file === null) {
      c.error('ERR The server is running without a config file');
      return;
    }
    try {
      cfg.rewrite();
    } catch (e) {
      if (e instanceof ConfigError) c.error(e.message.startsWith('ERR') ? e.message : `ERR Rewriting config file: ${e.message}`);
      else c.error(`ERR Rewriting config file: ${(e as Error).message}`);
      return;
    }
    c.server.log.notice('CONFIG REWRITE executed with success.');
    c.reply.ok();
  },
  'config|help': (c) => help(c, 'config'),
};

const GAUGES = new Set(['pubsubChannels', 'trackingTotalKeys', 'pausedTime']);

/** resetServerStats + resetCommandTableStats + resetErrorTableStats. */
export function resetStats(server: Server): void {
  // Counters only: gauges other modules keep live (subscriptions, tracked keys, pause state) stay.
  const st = server.stats as unknown as Record<string, unknown>;
  for (const k of Object.keys(st)) if (typeof st[k] === 'number' && !GAUGES.has(k)) st[k] = 0;
  server.commandStats.clear();
  server.errorStats.clear();
  const mem = memoryOf(server);
  mem.peak = 0;
}

// ---------------------------------------------------------------- keyspace-wide

function parseFlushMode(c: Client, argv: Buffer[]): boolean {
  if (argv.length > 2) {
    c.error(E.SYNTAX);
    return false;
  }
  if (argv.length === 2 && !isArg(argv[1]!, 'ASYNC') && !isArg(argv[1]!, 'SYNC')) {
    c.error(E.SYNTAX);
    return false;
  }
  return true;
}

function flushDb(server: Server, db: Db): number {
  const n = db.size;
  const ev = evictorOf(server);
  if (ev !== undefined) ev.pool.length = 0;
  server.touchAllWatched(db, null);
  db.clear();
  db.avgTtl = 0;
  return n;
}

const keyspaceWide: Record<string, Handler> = {
  dbsize: (c) => c.reply.int(c.db.size),
  flushdb: (c, argv) => {
    if (!parseFlushMode(c, argv)) return;
    const n = flushDb(c.server, c.db);
    c.server.dirty += n;
    if (n === 0) c.server.propagate(c.dbIndex, argv);
    c.reply.ok();
  },
  flushall: (c, argv) => {
    if (!parseFlushMode(c, argv)) return;
    let n = 0;
    for (const db of c.server.dbs) n += flushDb(c.server, db);
    c.server.dirty += n;
    // flushAllDataAndResetRDB: a running BGSAVE is stopped and, with save points, an empty file saved now.
    c.server.afterFlushAll?.();
    c.server.dirty++;
    c.reply.ok();
  },
  swapdb: (c, argv) => {
    const a = toInt(argv[1]!);
    if (a === null) {
      c.error('ERR invalid first DB index');
      return;
    }
    const b = toInt(argv[2]!);
    if (b === null) {
      c.error('ERR invalid second DB index');
      return;
    }
    const server = c.server;
    if (a < 0 || a >= server.dbs.length || b < 0 || b >= server.dbs.length) {
      c.error(E.DB_INDEX);
      return;
    }
    if (a !== b) {
      const d1 = server.dbs[a]!;
      const d2 = server.dbs[b]!;
      server.touchAllWatched(d1, d2);
      server.touchAllWatched(d2, d1);
      d1.swapWith(d2);
      // Clients blocked on keys that now exist may be served.
      for (const db of [d1, d2]) {
        for (const key of server.blockingKeys[db.id]!.keys()) if (db.dict.has(key)) server.signalKeyAsReady(db, key);
      }
    }
    server.dirty++;
    c.reply.ok();
  },
  time: (c) => {
    const us = BigInt(Math.floor((performance.timeOrigin + performance.now()) * 1000));
    c.reply.array(2);
    c.reply.bulkStr(String(us / 1000000n));
    c.reply.bulkStr(String(us % 1000000n));
  },
  shutdown: (c, argv) => {
    let nosave = false;
    let save = false;
    let now = false;
    let force = false;
    let abort = false;
    for (let i = 1; i < argv.length; i++) {
      const a = argv[i]!;
      if (isArg(a, 'NOSAVE')) nosave = true;
      else if (isArg(a, 'SAVE')) save = true;
      else if (isArg(a, 'NOW')) now = true;
      else if (isArg(a, 'FORCE')) force = true;
      else if (isArg(a, 'ABORT')) abort = true;
      else {
        c.error(E.SYNTAX);
        return;
      }
    }
    if ((abort && (nosave || save || now || force)) || (nosave && save)) {
      c.error(E.SYNTAX);
      return;
    }
    if (abort) {
      c.error('ERR No shutdown in progress.');
      return;
    }
    if (!now && (c.inExec || c.inMulti)) {
      c.error("ERR SHUTDOWN without NOW or ABORT isn't allowed for DENY BLOCKING client");
      return;
    }
    const server = c.server;
    const wantSave = !nosave && (save || server.config.get('save') !== '');
    if (server.prepareShutdown !== null && !server.prepareShutdown(wantSave, force)) {
      c.error('ERR Errors trying to SHUTDOWN. Check logs.');
      return;
    }
    server.log.warning('User requested shutdown...');
    server.shuttingDown = true;
    if (server.shutdownHook !== null) server.shutdownHook(0);
    else for (const cl of server.clients.values()) cl.conn?.close();
  },
};

// ---------------------------------------------------------------- DEBUG

function sleepSync(ms: number): void {
  if (ms <= 0) return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function debugObject(c: Client, key: string): void {
  const o = c.db.dict.get(key);
  if (o === undefined) {
    c.error(E.NO_SUCH_KEY);
    return;
  }
  const enc = objectEncodingName(o);
  const idle = Math.floor((c.server.lruClock() - (o.lru & 0xffffff) + 0x1000000) % 0x1000000);
  let s = `Value at:0x${(o.idx >>> 0).toString(16).padStart(12, '0')} refcount:1 encoding:${enc} serializedlength:${Math.max(1, objectSize(o) - 24)} lru:${o.lru & 0xffffff} lru_seconds_idle:${idle}`;
  if (o.type === 'list') {
    const n = o.value.length;
    s += ` ql_nodes:1 ql_avg_node:${n.toFixed(2)} ql_listpack_max:${c.server.config.get('list-max-listpack-size')} ql_compressed:0 ql_uncompressed_size:${objectSize(o)}`;
  }
  c.reply.simple(s);
}

function debugProtocol(c: Client, name: string): void {
  const r = c.reply;
  switch (name.toLowerCase()) {
    case 'string': r.bulkStr('Hello World'); break;
    case 'integer': r.int(12345); break;
    case 'double': r.double(3.141); break;
    case 'bignum': r.bigNumber('1234567999999999999999999999999999999'); break;
    case 'null': r.nil(); break;
    case 'array': r.array(3); for (let j = 0; j < 3; j++) r.int(j); break;
    case 'set': r.set(3); for (let j = 0; j < 3; j++) r.int(j); break;
    case 'map': r.map(3); for (let j = 0; j < 3; j++) { r.int(j); r.bool(j === 1); } break;
    case 'attrib':
      if (c.resp >= 3) {
        r.ascii('|1\r\n');
        r.bulkStr('key-popularity');
        r.array(2);
        r.bulkStr('key:123');
        r.int(90);
      }
      r.bulkStr('Some real reply following the attribute');
      break;
    case 'push':
      if (c.resp < 3) {
        c.error('ERR RESP2 is not supported by this command');
        return;
      }
      r.push(2);
      r.bulkStr('server-cpu-usage');
      r.int(42);
      r.bulkStr('Some real reply following the push reply');
      break;
    case 'true': r.bool(true); break;
    case 'false': r.bool(false); break;
    case 'verbatim': r.verbatim('This is a verbatim\nstring'); break;
    default:
      c.error('ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false');
  }
}

function debugPopulate(c: Client, argv: Buffer[]): void {
  const count = toInt(argv[2]!);
  if (count === null || count < 0) {
    c.error('ERR value is out of range, must be positive');
    return;
  }
  const prefix = argv.length >= 4 ? str(argv[3]!) : 'key';
  let size = 0;
  if (argv.length >= 5) {
    const s = toInt(argv[4]!);
    if (s === null || s < 0) {
      c.error(s === null ? E.NOT_INTEGER : 'ERR value is out of range, must be positive');
      return;
    }
    size = s;
  }
  for (let j = 0; j < count; j++) {
    const key = `${prefix}:${j}`;
    if (c.db.lookupWrite(key) !== undefined) continue;
    const base = Buffer.from(`value:${j}`);
    let val: Buffer;
    if (size === 0) val = base;
    else {
      val = Buffer.alloc(size);
      base.copy(val, 0, 0, Math.min(size, base.length));
    }
    c.db.add(key, { type: 'string', value: val, lru: 0, idx: -1, snap: 0, sidx: -1 });
    c.db.signalModifiedKey(key);
  }
  c.reply.ok();
}

/** Accepted and acknowledged: knobs of C internals we do not have (argument count as Redis checks it). */
const DEBUG_OK: Record<string, (n: number) => boolean> = {
  'pause-cron': (n) => n === 3, replybuffer: (n) => n === 4,
  'set-disable-deny-scripts': (n) => n === 3, 'aof-flush-sleep': (n) => n === 3, 'client-eviction': (n) => n === 2,
  'config-rewrite-force-all': (n) => n === 2, 'dict-resizing': (n) => n === 3, 'stringmatch-test': (n) => n === 2,
  'mallctl': (n) => n >= 3, 'mallctl-str': (n) => n >= 3, 'set-active-expire': (n) => n === 3,
};

const debugHandler: Handler = (c, argv) => {
  if (!allowedByEnableOption(c, 'enable-debug-command')) {
    c.error('ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.');
    return;
  }
  const sub = str(argv[1]!).toLowerCase();
  const n = argv.length;
  const unknown = () => c.error(`ERR unknown subcommand or wrong number of arguments for '${str(argv[1]!)}'. Try DEBUG HELP.`);
  switch (sub) {
    case 'help':
      if (n !== 2) return unknown();
      return help(c, 'debug');
    case 'sleep': {
      if (n !== 3) return unknown();
      // strtod without error checking, as Redis.
      const secs = parseFloat(str(argv[2]!));
      sleepSync(Number.isFinite(secs) ? secs * 1000 : 0);
      c.reply.ok();
      return;
    }
    case 'set-skip-checksum-validation': {
      if (n !== 3) return unknown();
      c.server.skipChecksumValidation = toInt(argv[2]!) !== 0;
      c.reply.ok();
      return;
    }
    case 'set-active-expire': {
      if (n !== 3) return unknown();
      c.server.activeExpireEnabled = toInt(argv[2]!) !== 0;
      c.reply.ok();
      return;
    }
    case 'object':
      if (n !== 3) return unknown();
      return debugObject(c, keyOf(argv[2]!));
    case 'digest':
      if (n !== 2) return unknown();
      c.reply.simple(datasetDigest(c.server));
      return;
    case 'digest-value':
      c.reply.array(n - 2);
      for (let j = 2; j < n; j++) c.reply.simple(valueDigest(c.db, keyOf(argv[j]!)));
      return;
    case 'protocol':
      if (n !== 3) return unknown();
      return debugProtocol(c, str(argv[2]!));
    case 'populate':
      if (n < 3 || n > 5) return unknown();
      return debugPopulate(c, argv);
    case 'reload':
    case 'loadaof': {
      // Persistence installs the real reload; without it the dataset is already what a reload would give.
      if (c.server.debugReload !== null) return c.server.debugReload(c, argv);
      c.reply.ok();
      return;
    }
    case 'quicklist-packed-threshold': {
      if (n !== 3) return unknown();
      const v = toInt(argv[2]!);
      if (v === null || v < 0 || v > 4 * 1024 * 1024 * 1024) {
        c.error('ERR argument must be a memory value bigger than 1 and smaller than 4gb');
        return;
      }
      c.reply.ok();
      return;
    }
    case 'listpack':
    case 'quicklist':
    case 'ziplist':
      if (n < 3) return unknown();
      if (!c.db.dict.has(keyOf(argv[2]!))) {
        c.error(E.NO_SUCH_KEY);
        return;
      }
      c.reply.simple('OK');
      return;
    case 'log':
      if (n !== 3) return unknown();
      c.server.log.warning(`DEBUG LOG: ${str(argv[2]!)}`);
      c.reply.ok();
      return;
    case 'htstats':
    case 'htstats-key':
      c.reply.verbatim('[Dictionary HT]\n');
      return;
    case 'change-repl-id': {
      if (n !== 2) return unknown();
      if (c.server.changeReplicationId !== null) c.server.changeReplicationId();
      c.reply.ok();
      return;
    }
    default: {
      const ok = DEBUG_OK[sub];
      if (ok !== undefined && ok(n)) {
        c.reply.ok();
        return;
      }
      unknown();
    }
  }
};

// ---------------------------------------------------------------- MEMORY

function writeDoubleReply(c: Client, d: number): void {
  c.reply.double(d);
}

const memoryHandlers: Record<string, Handler> = {
  'memory|usage': (c, argv) => {
    if (argv.length > 3) {
      if (argv.length !== 5 || !isArg(argv[3]!, 'SAMPLES')) {
        c.error(E.SYNTAX);
        return;
      }
      const s = toInt(argv[4]!);
      if (s === null) {
        c.error(E.NOT_INTEGER);
        return;
      }
      if (s < 0) {
        c.error(E.SYNTAX);
        return;
      }
    }
    const key = keyOf(argv[2]!);
    const o = c.db.peek(key);
    if (o === undefined) {
      c.reply.nil();
      return;
    }
    c.reply.int(objectSize(o) + 24 + key.length + 8);
  },
  'memory|stats': (c) => {
    const server = c.server;
    const mem = memoryOf(server);
    const used = mem.used();
    const rss = process.memoryUsage().rss;
    const clients = mem.clientsBytes();
    const dbs = server.dbs.filter((d) => d.size > 0 || d.expires.size > 0);
    let keys = 0;
    for (const d of server.dbs) keys += d.size;
    const overhead = mem.startup + clients;
    const dataset = Math.max(0, used - overhead);
    const r = c.reply;
    r.map(27 + dbs.length);
    const kv = (k: string, v: number) => { r.bulkStr(k); r.int(v); };
    const kd = (k: string, v: number) => { r.bulkStr(k); writeDoubleReply(c, v); };
    kv('peak.allocated', Math.max(mem.peak, used));
    kv('total.allocated', used);
    kv('startup.allocated', mem.startup);
    kv('replication.backlog', 0);
    kv('clients.slaves', 0);
    kv('clients.normal', clients);
    kv('cluster.links', 0);
    kv('aof.buffer', 0);
    kv('lua.caches', 0);
    kv('functions.caches', 0);
    for (const d of dbs) {
      r.bulkStr(`db.${d.id}`);
      r.map(3);
      kv('overhead.hashtable.main', d.size * 40);
      kv('overhead.hashtable.expires', d.expires.size * 32);
      kv('overhead.hashtable.slot-to-keys', 0);
    }
    kv('overhead.total', overhead);
    kv('keys.count', keys);
    kv('keys.bytes-per-key', keys > 0 ? Math.floor((used - mem.startup) / keys) : 0);
    kv('dataset.bytes', dataset);
    kd('dataset.percentage', used - mem.startup > 0 ? (dataset * 100) / (used - mem.startup) : 0);
    kd('peak.percentage', (used * 100) / Math.max(used, mem.peak));
    kv('allocator.allocated', used);
    kv('allocator.active', used);
    kv('allocator.resident', rss);
    kd('allocator-fragmentation.ratio', 1);
    kv('allocator-fragmentation.bytes', 0);
    kd('allocator-rss.ratio', rss / Math.max(1, used));
    kv('allocator-rss.bytes', rss - used);
    kd('rss-overhead.ratio', 1);
    kv('rss-overhead.bytes', 0);
    kd('fragmentation', rss / Math.max(1, used));
    kv('fragmentation.bytes', rss - used);
  },
  'memory|doctor': (c) => {
    const used = memoryOf(c.server).used();
    if (used < 1024 * 1024 * 5 + memoryOf(c.server).startup) {
      c.reply.verbatim("Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.");
      return;
    }
    c.reply.verbatim("Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.");
  },
  'memory|malloc-stats': (c) => c.reply.bulkStr('Stats not supported for the current allocator'),
  'memory|purge': (c) => c.reply.ok(),
  'memory|help': (c) => help(c, 'memory'),
};

// ---------------------------------------------------------------- SLOWLOG, MONITOR, LATENCY

const slowlogHandlers: Record<string, Handler> = {
  'slowlog|get': (c, argv) => {
    let count = 10;
    if (argv.length === 3) {
      const n = toInt(argv[2]!);
      if (n === null || n < -1) {
        c.error('ERR count should be greater than or equal to -1');
        return;
      }
      count = n === -1 ? Infinity : n;
    }
    const entries = c.server.slowlog.slice(0, Math.min(count, c.server.slowlog.length));
    c.reply.array(entries.length);
    for (const e of entries) {
      c.reply.array(6);
      c.reply.int(e.id);
      c.reply.int(e.time);
      c.reply.int(e.durationUs);
      c.reply.array(e.argv.length);
      for (const a of e.argv) c.reply.bulk(a);
      c.reply.bulkStr(e.addr);
      c.reply.bulkStr(e.name);
    }
  },
  'slowlog|len': (c) => c.reply.int(c.server.slowlog.length),
  'slowlog|reset': (c) => {
    c.server.slowlog = [];
    c.reply.ok();
  },
  'slowlog|help': (c) => help(c, 'slowlog'),
};

const latencyHandlers: Record<string, Handler> = {
  'latency|latest': (c) => {
    const ev = c.server.latencyEvents;
    const list = [...ev].filter(([, ts]) => ts.samples.length > 0);
    c.reply.array(list.length);
    for (const [name, ts] of list) {
      const last = ts.samples[ts.samples.length - 1]!;
      c.reply.array(4);
      c.reply.bulkStr(name);
      c.reply.int(last[0]);
      c.reply.int(last[1]);
      c.reply.int(ts.max);
    }
  },
  'latency|history': (c, argv) => {
    const ts = c.server.latencyEvents.get(str(argv[2]!));
    const samples = ts?.samples ?? [];
    c.reply.array(samples.length);
    for (const [t, v] of samples) {
      c.reply.array(2);
      c.reply.int(t);
      c.reply.int(v);
    }
  },
  'latency|reset': (c, argv) => {
    const ev = c.server.latencyEvents;
    if (argv.length === 2) {
      const n = ev.size;
      ev.clear();
      c.reply.int(n);
      return;
    }
    let n = 0;
    for (let i = 2; i < argv.length; i++) if (ev.delete(str(argv[i]!))) n++;
    c.reply.int(n);
  },
  'latency|doctor': (c) => c.reply.verbatim(latencyDoctor(c.server)),
  'latency|graph': (c, argv) => {
    const name = str(argv[2]!);
    if (!c.server.latencyEvents.has(name)) {
      c.error(`ERR No samples available for event '${name}'`);
      return;
    }
    c.reply.verbatim(latencyGraph(c.server, name));
  },
  'latency|histogram': (c, argv) => {
    const server = c.server;
    const picked: CommandInfo[] = [];
    const add = (cmd: CommandInfo) => {
      const st = server.commandStats.get(cmd.fullName);
      if (st?.hist !== undefined && st.calls > 0 && !picked.includes(cmd)) picked.push(cmd);
    };
    if (argv.length === 2) {
      for (const cmd of allCommands()) add(cmd);
    } else {
      for (let i = 2; i < argv.length; i++) {
        const cmd = lookupByFullName(str(argv[i]!));
        if (cmd === null) continue;
        if (cmd.subcommands) for (const s of cmd.subcommands.values()) add(s);
        else add(cmd);
      }
    }
    c.reply.map(picked.length);
    for (const cmd of picked) {
      const { calls, buckets } = histCdf(server.commandStats.get(cmd.fullName)!.hist!);
      c.reply.bulkStr(cmd.fullName);
      c.reply.map(2);
      c.reply.bulkStr('calls');
      c.reply.int(calls);
      c.reply.bulkStr('histogram_usec');
      c.reply.map(buckets.length);
      for (const [b, n] of buckets) {
        c.reply.int(b);
        c.reply.int(n);
      }
    }
  },
  'latency|help': (c) => help(c, 'latency'),
};

export const serverHandlers: Record<string, Handler> = {
  ...commandHandlers,
  ...configHandlers,
  ...keyspaceWide,
  ...memoryHandlers,
  ...slowlogHandlers,
  ...latencyHandlers,
  debug: debugHandler,
  info: (c, argv) => {
    ensure(c);
    const text = genInfo(c.server, argv.slice(1).map(str));
    c.reply.verbatim(text);
  },
  monitor: (c) => {
    if (c.inExec || c.inMulti) {
      c.error("ERR MONITOR isn't allowed for DENY BLOCKING client");
      return;
    }
    if (c.monitor) return;
    c.monitor = true;
    c.server.monitors.add(c);
    c.reply.ok();
  },
};

/** OBJECT FREQ support for other modules (LFU counter after decay). */
export { lfuDecrAndReturn };
