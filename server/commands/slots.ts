/*
 * Codis's slot commands on the per-slot key index (Db.slotKeys), with
 * codis-server's replies and error texts: SLOTSHASHKEY, SLOTSINFO,
 * SLOTSSCAN, SLOTSCHECK, SLOTSDEL, SLOTSRESTORE, and the synchronous
 * migration commands SLOTSMGRTONE, SLOTSMGRTTAGONE, SLOTSMGRTSLOT,
 * SLOTSMGRTTAGSLOT (server/slots/migrate.ts); the asynchronous family is in
 * slots-async.ts.
 */
import type { Handler } from './index.js';
import type { Client } from '../client.js';
import { CODIS_ASYNC, E } from '../../common/errors.js';
import { SLOT_COUNT, slotOf, slotOfLatin1 } from '../../common/slots.js';
import { tagMates } from '../slots/tags.js';
import { keyInFlight } from '../slots/async-migrate.js';
import { slotsAsyncHandlers } from './slots-async.js';
import { isArg, keyOf, toInt } from './args.js';
import { loadDumpPayload, loadLimitsFromConfig, verifyDumpPayload, RdbFormatError } from '../persistence/rdb-value.js';
import type { RedisObject } from '../types/object.js';
import { createDumpPayload, writeOptionsFromConfig } from '../persistence/rdb-value.js';
import { encodeCommand } from '../persistence/aof-reader.js';
import { migrateSync } from '../slots/migrate.js';
import { call } from '../dispatch.js';
import { F, lookupCommand } from '../../common/commands/index.js';
import { IMPORTING, MIGRATING, NOT_OWNED, OWNED, ownershipOf } from '../slots/ownership.js';

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/** codis parse_int: an int that fits 32 bits. */
function int32OrReply(c: Client, b: Buffer): number | null {
  const v = toInt(b);
  if (v === null) {
    c.error(E.NOT_INTEGER);
    return null;
  }
  if (v < INT_MIN || v > INT_MAX) {
    c.error('ERR value is out of range');
    return null;
  }
  return v;
}

function slotOrReply(c: Client, b: Buffer): number | null {
  const v = int32OrReply(c, b);
  if (v === null) return null;
  if (v < 0 || v >= SLOT_COUNT) {
    c.error(`ERR invalid slot number = ${v}`);
    return null;
  }
  return v;
}

const slotshashkey: Handler = (c, argv) => {
  c.reply.array(argv.length - 1);
  for (let i = 1; i < argv.length; i++) c.reply.int(slotOf(argv[i]!));
};

const slotsinfo: Handler = (c, argv) => {
  let beg = 0;
  let end = SLOT_COUNT;
  if (argv.length >= 2) {
    const b = slotOrReply(c, argv[1]!);
    if (b === null) return;
    beg = b;
  }
  if (argv.length >= 3) {
    const n = int32OrReply(c, argv[2]!);
    if (n === null) return;
    if (n < 0) {
      c.error(`ERR invalid slot count = ${n}`);
      return;
    }
    if (beg + n < end) end = beg + n;
  }
  if (argv.length >= 4) {
    c.error(E.ARITY('slotsinfo'));
    return;
  }
  const sk = c.db.slotKeys;
  const found: number[] = [];
  for (let i = beg; i < end; i++) if ((sk[i]?.length ?? 0) > 0) found.push(i);
  c.reply.array(found.length);
  for (const i of found) {
    c.reply.array(2);
    c.reply.int(i);
    c.reply.int(sk[i]!.length);
  }
};

/**
 * SLOTSSCAN slot cursor [COUNT n]: like SCAN over the slot's key array,
 * walked from the end down (0 = start), so a key present for the whole scan
 * is returned at least once.
 */
const slotsscan: Handler = (c, argv) => {
  const slot = slotOrReply(c, argv[1]!);
  if (slot === null) return;
  const cur = /^\d+$/.test(argv[2]!.toString('latin1')) ? Number(argv[2]!.toString('latin1')) : NaN;
  if (!Number.isSafeInteger(cur)) {
    c.error('ERR invalid cursor');
    return;
  }
  if (argv.length !== 3 && argv.length !== 5) {
    c.error(E.ARITY('slotsscan'));
    return;
  }
  let count = 10;
  if (argv.length === 5) {
    if (!isArg(argv[3]!, 'COUNT')) {
      c.error(E.SYNTAX);
      return;
    }
    const n = int32OrReply(c, argv[4]!);
    if (n === null) return;
    if (n < 1) {
      c.error(E.SYNTAX);
      return;
    }
    count = n;
  }
  const keys = c.db.slotKeys[slot] ?? [];
  let pos = cur === 0 || cur > keys.length ? keys.length : cur;
  const out: string[] = [];
  while (pos > 0 && out.length < count) {
    const k = keys[--pos]!;
    if (!c.db.expireIfNeeded(k)) out.push(k);
  }
  c.reply.array(2);
  c.reply.bulkStr(String(pos));
  c.reply.array(out.length);
  for (const k of out) c.reply.bulkLatin1(k);
};

/** SLOTSCHECK: every key is in its slot's array at its recorded place, and every array entry is a key of that slot. */
const slotscheck: Handler = (c) => {
  const db = c.db;
  for (const [key, o] of db.dict) {
    if (db.slotKeys[slotOfLatin1(key)]?.[o.sidx] !== key) {
      c.error(`ERR step 1, miss = '${key}'`);
      return;
    }
  }
  for (let s = 0; s < SLOT_COUNT; s++) {
    for (const key of db.slotKeys[s] ?? []) {
      if (!db.dict.has(key) || slotOfLatin1(key) !== s) {
        c.error(`ERR step 2, miss = '${key}'`);
        return;
      }
    }
  }
  c.reply.ok();
};

const slotsdel: Handler = (c, argv) => {
  const slots: number[] = [];
  for (let i = 1; i < argv.length; i++) {
    const s = slotOrReply(c, argv[i]!);
    if (s === null) return;
    slots.push(s);
  }
  const db = c.db;
  for (const s of slots) {
    const keys = db.slotKeys[s];
    if (keys === undefined) continue;
    for (const key of [...keys]) {
      db.delete(key);
      db.signalModifiedKey(key);
      c.server.dirty++;
    }
  }
  c.reply.array(slots.length);
  for (const s of slots) {
    c.reply.array(2);
    c.reply.int(s);
    c.reply.int(db.slotKeys[s]?.length ?? 0);
  }
};

/** SLOTSRESTORE key ttl payload [...]: all payloads are checked before any key changes. */
const slotsrestore: Handler = (c, argv) => {
  if ((argv.length - 1) % 3 !== 0) {
    c.error(E.ARITY('slotsrestore'));
    return;
  }
  const limits = loadLimitsFromConfig(c.server.config);
  const items: [string, number, RedisObject][] = [];
  for (let i = 1; i < argv.length; i += 3) {
    const ttl = toInt(argv[i + 1]!);
    if (ttl === null) {
      c.error(E.NOT_INTEGER);
      return;
    }
    if (ttl < 0) {
      c.error('ERR invalid ttl value, must be >= 0');
      return;
    }
    const payload = argv[i + 2]!;
    if (!verifyDumpPayload(payload, c.server.skipChecksumValidation)) {
      c.error('ERR dump payload version or checksum are wrong');
      return;
    }
    let o: RedisObject;
    try {
      o = loadDumpPayload(payload, limits);
    } catch (e) {
      if (!(e instanceof RdbFormatError)) throw e;
      c.error('ERR bad data format');
      return;
    }
    items.push([keyOf(argv[i]!), ttl, o]);
  }
  const db = c.db;
  for (const [key, ttl, o] of items) {
    if (db.lookupWrite(key) !== undefined) {
      c.server.log.warning(`slotsrestore: slot = ${slotOfLatin1(key)}, key = '${key}' already exists`);
      db.delete(key);
    }
    db.add(key, o);
    if (ttl > 0) db.setExpire(key, Date.now() + ttl);
    db.signalModifiedKey(key);
    c.server.dirty++;
  }
  c.reply.ok();
};

// ------------------------------------------------------------------ SLOTSMGRT* (sync)

/** codis parse_timeout: milliseconds, 0 meaning 100. */
function timeoutOrReply(c: Client, b: Buffer): number | null {
  const v = int32OrReply(c, b);
  if (v === null) return null;
  if (v < 0) {
    c.error(`ERR invalid timeout = ${v}`);
    return null;
  }
  return v === 0 ? 100 : v;
}

/**
 * Moves `keys` (those that exist) to host:port; returns how many moved, or
 * -1 after replying with the error. On success they are deleted here and
 * the command propagates as DEL of them, as Codis rewrites it.
 */
function migrateKeys(c: Client, host: string, port: number, timeoutMs: number, keys: string[]): number {
  const db = c.db;
  const argv: (Buffer | string)[] = ['SLOTSRESTORE'];
  const moved: string[] = [];
  const now = Date.now();
  for (const key of keys) {
    const o = db.lookupWrite(key);
    if (o === undefined) continue;
    const at = db.getExpire(key);
    argv.push(key, String(at === undefined ? 0 : Math.max(1, at - now)), createDumpPayload(o, writeOptionsFromConfig(c.server.config)));
    moved.push(key);
  }
  if (moved.length === 0) return 0;
  const err = migrateSync({ host, port, timeoutMs, auth: c.server.config.get('requirepass') || null, db: c.dbIndex, body: encodeCommand(argv) });
  if (err !== null) {
    c.server.log.warning(`slotsmgrt: migration to ${host}:${port} failed, nkeys = ${moved.length}, onekey = '${moved[0]}': ${err}`);
    c.error(err);
    return -1;
  }
  for (const key of moved) {
    db.delete(key);
    db.signalModifiedKey(key);
    c.server.dirty++;
  }
  c.propagateArgv = [Buffer.from('DEL'), ...moved.map((k) => Buffer.from(k, 'latin1'))];
  return moved.length;
}

type Target = { host: string; port: number; timeoutMs: number };
function targetOrReply(c: Client, argv: Buffer[]): Target | null {
  const port = toInt(argv[2]!);
  if (port === null || port < 0 || port > 65535) {
    c.error(E.NOT_INTEGER);
    return null;
  }
  const timeoutMs = timeoutOrReply(c, argv[3]!);
  if (timeoutMs === null) return null;
  return { host: argv[1]!.toString('latin1'), port, timeoutMs };
}

/** SLOTSMGRTONE / SLOTSMGRTTAGONE host port timeout key: the count moved. */
function mgrtOne(tag: boolean): Handler {
  return (c, argv) => {
    const t = targetOrReply(c, argv);
    if (t === null) return;
    const key = keyOf(argv[4]!);
    const n = migrateKeys(c, t.host, t.port, t.timeoutMs, tag ? tagMates(c.db, key) : [key]);
    if (n >= 0) c.reply.int(n);
  };
}

/** SLOTSMGRTSLOT / SLOTSMGRTTAGSLOT host port timeout slot: a random key of the slot (and its tag-mates); [moved, left in the slot]. */
function mgrtSlot(tag: boolean): Handler {
  return (c, argv) => {
    const t = targetOrReply(c, argv);
    if (t === null) return;
    const slot = slotOrReply(c, argv[4]!);
    if (slot === null) return;
    const keys = c.db.slotKeys[slot] ?? [];
    let n = 0;
    if (keys.length > 0) {
      const key = keys[Math.floor(Math.random() * keys.length)]!;
      n = migrateKeys(c, t.host, t.port, t.timeoutMs, tag ? tagMates(c.db, key) : [key]);
      if (n < 0) return;
    }
    c.reply.array(2);
    c.reply.int(n);
    c.reply.int(c.db.slotKeys[slot]?.length ?? 0);
  };
}

// ------------------------------------------------------------------ SLOTSMGRT-EXEC-WRAPPER

/**
 * SLOTSMGRT-EXEC-WRAPPER hashkey command [args...]: how a proxy reaches a key
 * of a slot being migrated (Codis's semi-async forwarding). Replies
 * [code, value]: -1 with an error for a bad command; 0 when the key is not
 * here (the proxy then asks the target); 1 when the key is in flight in an
 * asynchronous batch and the command is not read-only (the proxy retries:
 * reads are still served here, where the key stays until the target has
 * acknowledged it); 2 with the command's own reply when it ran here.
 */
const execWrapper: Handler = (c, argv) => {
  c.reply.array(2);
  const name = argv[2]!.toString('latin1');
  const top = lookupCommand(name);
  const cmd = top?.subcommands !== null && top?.subcommands !== undefined && argv.length > 3
    ? top.subcommands.get(argv[3]!.toString('latin1').toLowerCase()) : top;
  if (cmd === undefined) {
    c.reply.int(-1);
    c.error(`ERR invalid command specified (${name})`);
    return;
  }
  const n = argv.length - 2;
  const arity = cmd.spec.arity;
  if ((arity > 0 && arity !== n) || n < -arity) {
    c.reply.int(-1);
    c.error(`ERR wrong number of arguments for command (${name})`);
    return;
  }
  const key = keyOf(argv[1]!);
  if (c.db.lookupWrite(key) === undefined) {
    c.reply.int(0);
    c.error("ERR the specified key doesn't exist");
    return;
  }
  if ((cmd.flags & F.readonly) === 0 && keyInFlight(c.server, c.dbIndex, key)) {
    c.reply.int(1);
    c.error(CODIS_ASYNC.KEY_IN_FLIGHT);
    return;
  }
  c.reply.int(2);
  call(c, cmd, argv.slice(2));
  // The inner command propagated itself; the wrapper must not propagate again.
  c.propagateArgv = [];
};

// ------------------------------------------------------------------ ownership

/** A slot or an inclusive range "from-to". */
function rangeOrReply(c: Client, b: Buffer): [number, number] | null {
  const m = /^(\d+)(?:-(\d+))?$/.exec(b.toString('latin1'));
  const from = m === null ? NaN : Number(m[1]);
  const to = m === null ? NaN : Number(m[2] ?? m[1]);
  if (!(from >= 0 && to < SLOT_COUNT && from <= to)) {
    c.error(`ERR invalid slot range '${b.toString('latin1')}'`);
    return null;
  }
  return [from, to];
}

/** SLOTSSTATE SET <slot|from-to> OWNED | MIGRATING <addr> | IMPORTING <addr> | NOTOWNED <addr> */
const slotsstateSet: Handler = (c, argv) => {
  const range = rangeOrReply(c, argv[2]!);
  if (range === null) return;
  const word = argv[3]!.toString('latin1').toLowerCase();
  const state = { owned: OWNED, migrating: MIGRATING, importing: IMPORTING, notowned: NOT_OWNED }[word];
  if (state === undefined || (state === OWNED) !== (argv.length === 4) || argv.length > 5) {
    c.error(E.SYNTAX);
    return;
  }
  const t = ownershipOf(c.server);
  t.set(range[0], range[1], state, argv.length === 5 ? argv[4]!.toString('latin1') : null);
  t.fenced = false;
  c.server.dirty++;
  c.reply.ok();
};

const slotsstateReset: Handler = (c) => {
  const t = ownershipOf(c.server);
  t.set(0, SLOT_COUNT - 1, OWNED, null);
  t.fenced = false;
  c.server.dirty++;
  c.reply.ok();
};

/** SLOTSSTATE GET [slot]: runs of equal state and peer as [from, to, state, peer], or one slot's [state, peer]. */
const slotsstateGet: Handler = (c, argv) => {
  if (argv.length > 3) {
    c.error(E.SYNTAX);
    return;
  }
  const table = ownershipOf(c.server);
  const peerReply = (peer: string | null) => (peer === null ? c.reply.nil() : c.reply.bulkStr(peer));
  if (argv.length === 3) {
    const slot = slotOrReply(c, argv[2]!);
    if (slot === null) return;
    const [state, peer] = table.describe(slot, !c.server.isReplica);
    c.reply.array(2);
    c.reply.bulkStr(state);
    peerReply(peer);
    return;
  }
  const runs: [number, number, string, string | null][] = [];
  for (let s = 0; s < SLOT_COUNT; s++) {
    const [state, peer] = table.describe(s, !c.server.isReplica);
    const last = runs[runs.length - 1];
    if (last !== undefined && last[2] === state && last[3] === peer) last[1] = s;
    else runs.push([s, s, state, peer]);
  }
  c.reply.array(runs.length);
  for (const [from, to, state, peer] of runs) {
    c.reply.array(4);
    c.reply.int(from);
    c.reply.int(to);
    c.reply.bulkStr(state);
    peerReply(peer);
  }
};

export const slotsHandlers: Record<string, Handler> = {
  asking: (c) => {
    c.asking = true;
    c.reply.ok();
  },
  'slotsstate|get': slotsstateGet,
  'slotsstate|set': slotsstateSet,
  'slotsstate|reset': slotsstateReset,
  'slotsmgrt-exec-wrapper': execWrapper,
  slotshashkey, slotsinfo, slotsscan, slotscheck, slotsdel, slotsrestore,
  slotsmgrtone: mgrtOne(false), slotsmgrttagone: mgrtOne(true),
  slotsmgrtslot: mgrtSlot(false), slotsmgrttagslot: mgrtSlot(true),
  ...slotsAsyncHandlers,
};
