/*
 * The generic keyspace commands (Redis's db.c, expire.c, object.c and the
 * DUMP/RESTORE part of cluster.c): DEL UNLINK EXISTS TOUCH TYPE, the TTL
 * family, KEYS SCAN RANDOMKEY, RENAME MOVE COPY, OBJECT, DUMP RESTORE.
 */
import type { Handler } from './index.js';
import type { Client } from '../client.js';
import type { Db } from '../db/keyspace.js';
import type { Server } from '../server.js';
import type { RedisObject } from '../types/object.js';
import { E } from '../../common/errors.js';
import { globMatch } from '../../common/glob.js';
import { isArg, keyOf, keyBytes, toInt, toBigInt } from './args.js';
import { objectEncodingName } from '../object-info.js';
import { estimateIdleMs, isLfuPolicy, lfuDecrAndReturn, lfuTimeInMinutes } from '../evict.js';
import { ListValue } from '../types/list.js';
import { HashValue } from '../types/hash.js';
import { SetValue } from '../types/set.js';
import { ZSetValue } from '../types/zset.js';
import {
  createDumpPayload, loadDumpPayload, loadLimitsFromConfig, verifyDumpPayload, writeOptionsFromConfig, RdbFormatError,
} from '../persistence/rdb-value.js';

const LLONG_MAX = 9223372036854775807n;
const LLONG_MIN = -9223372036854775808n;
const LRU_CLOCK_MAX = 0xffffff;

const B_PEXPIREAT = Buffer.from('PEXPIREAT');
const B_DEL = Buffer.from('DEL');
const B_UNLINK = Buffer.from('UNLINK');
const B_ABSTTL = Buffer.from('ABSTTL');

const ERR_LFU_NOT_SELECTED = 'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';
const ERR_LFU_SELECTED = 'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';
const ERR_INVALID_CURSOR = 'ERR invalid cursor';
const ERR_BAD_FORMAT = 'ERR Bad data format';

const OBJECT_HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Prints this help.',
];

// ------------------------------------------------------------------ helpers

/** lookupKeyReadWithFlags(LOOKUP_NOTOUCH): lazy expiry and hit/miss stats, no LRU update. */
function lookupNoTouch(db: Db, key: string, notifyMiss = true): RedisObject | undefined {
  const o = db.peek(key);
  if (o === undefined) {
    db.server.stats.keyspaceMisses++;
    if (notifyMiss) db.server.notify('m', 'keymiss', key, db.id);
    return undefined;
  }
  db.server.stats.keyspaceHits++;
  return o;
}

/** dbAdd's side effect on blocked clients: a new list or zset may serve them. */
function addKey(server: Server, db: Db, key: string, o: RedisObject): void {
  db.add(key, o);
  if (o.type === 'list' || o.type === 'zset') server.signalKeyAsReady(db, key);
}

/** Deletes a key with DEL's effects (signal, 'del' event, dirty); true when it existed. */
function delKey(c: Client, key: string): boolean {
  const db = c.db;
  db.expireIfNeeded(key);
  if (!db.delete(key)) return false;
  db.signalModifiedKey(key);
  c.server.notify('g', 'del', key, c.dbIndex);
  c.server.dirty++;
  return true;
}

function typeName(o: RedisObject): string {
  return o.type;
}

/** A deep copy of a value that keeps its encoding (COPY). */
function dupObject(o: RedisObject): RedisObject {
  switch (o.type) {
    case 'string':
      return { type: 'string', value: Buffer.from(o.value), lru: o.lru, idx: -1, snap: 0, sidx: -1 };
    case 'list':
      return { type: 'list', value: ListValue.from([...o.value].map((b) => Buffer.from(b))), lru: o.lru, idx: -1, snap: 0, sidx: -1 };
    case 'hash': {
      const listpack = o.value.encoding() === 'listpack';
      const h = HashValue.fromEntries([...o.value.entries()].map(([f, v]): [Buffer, Buffer] => [Buffer.from(f), Buffer.from(v)]),
        listpack ? Number.MAX_SAFE_INTEGER : 0, listpack ? Number.MAX_SAFE_INTEGER : 0);
      if (!listpack && h.encoding() === 'listpack') h.convert();
      return { type: 'hash', value: h, lru: o.lru, idx: -1, snap: 0, sidx: -1 };
    }
    case 'set': {
      const intset = o.value.encoding() === 'intset';
      const s = SetValue.fromMembers([...o.value.members()].map((m) => Buffer.from(m)), intset ? Number.MAX_SAFE_INTEGER : 0);
      if (!intset && s.encoding() === 'intset') s.convert();
      return { type: 'set', value: s, lru: o.lru, idx: -1, snap: 0, sidx: -1 };
    }
    case 'zset': {
      const z = ZSetValue.fromEntries([...o.value.entries()].map(([m, sc]): [Buffer, number] => [Buffer.from(m), sc]),
        Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
      z.listpack = o.value.encoding() === 'listpack';
      return { type: 'zset', value: z, lru: o.lru, idx: -1, snap: 0, sidx: -1 };
    }
  }
}

/** getIntFromObjectOrReply: a 32-bit integer. */
function int32OrReply(c: Client, b: Buffer): number | null {
  const n = toInt(b);
  if (n === null) {
    c.error(E.NOT_INTEGER);
    return null;
  }
  if (n < -2147483648 || n > 2147483647) {
    c.error('ERR value is out of range, value must between -2147483648 and 2147483647');
    return null;
  }
  return n;
}

/** The db for an index, or null with "DB index is out of range". */
function dbOrReply(c: Client, id: number): Db | null {
  const db = c.server.dbs[id];
  if (id < 0 || db === undefined) {
    c.error(E.DB_INDEX);
    return null;
  }
  return db;
}

/** checkAlreadyExpired: a time in the past deletes the key at once (not while loading, nor on a replica). */
function alreadyExpired(server: Server, when: bigint): boolean {
  return when <= BigInt(server.cmdTime) && !server.loading && !server.isReplica;
}

// ------------------------------------------------------------------ DEL, EXISTS, TYPE...

const del: Handler = (c, argv) => {
  let n = 0;
  for (let j = 1; j < argv.length; j++) if (delKey(c, keyOf(argv[j]!))) n++;
  c.reply.int(n);
};

const exists: Handler = (c, argv) => {
  let n = 0;
  for (let j = 1; j < argv.length; j++) if (lookupNoTouch(c.db, keyOf(argv[j]!)) !== undefined) n++;
  c.reply.int(n);
};

const touch: Handler = (c, argv) => {
  let n = 0;
  for (let j = 1; j < argv.length; j++) if (c.db.lookupRead(keyOf(argv[j]!)) !== undefined) n++;
  c.reply.int(n);
};

const type: Handler = (c, argv) => {
  const o = lookupNoTouch(c.db, keyOf(argv[1]!));
  c.reply.simple(o === undefined ? 'none' : typeName(o));
};

// ------------------------------------------------------------------ TTL family

function ttlGeneric(c: Client, argv: Buffer[], ms: boolean, abs: boolean): void {
  const key = keyOf(argv[1]!);
  if (lookupNoTouch(c.db, key) === undefined) {
    c.reply.int(-2);
    return;
  }
  const when = c.db.getExpire(key);
  if (when === undefined) {
    c.reply.int(-1);
    return;
  }
  if (abs) {
    // Seconds are rounded, as for TTL.
    c.reply.int(ms ? when : Math.floor((when + 500) / 1000));
    return;
  }
  const ttl = Math.max(0, when - c.server.cmdTime);
  c.reply.int(ms ? ttl : Math.floor((ttl + 500) / 1000));
}

const EXPIRE_NX = 1;
const EXPIRE_XX = 2;
const EXPIRE_GT = 4;
const EXPIRE_LT = 8;

/** expireGenericCommand: basetime 0 for the *AT forms; `seconds` scales the argument. */
function expireGeneric(c: Client, argv: Buffer[], basetime: number, seconds: boolean): void {
  const name = argv[0]!.toString('latin1').toLowerCase();
  let flags = 0;
  for (let j = 3; j < argv.length; j++) {
    const a = argv[j]!;
    if (isArg(a, 'NX')) flags |= EXPIRE_NX;
    else if (isArg(a, 'XX')) flags |= EXPIRE_XX;
    else if (isArg(a, 'GT')) flags |= EXPIRE_GT;
    else if (isArg(a, 'LT')) flags |= EXPIRE_LT;
    else {
      c.error(`ERR Unsupported option ${a.toString('latin1')}`);
      return;
    }
  }
  if ((flags & EXPIRE_NX) && (flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT))) {
    c.error('ERR NX and XX, GT or LT options at the same time are not compatible');
    return;
  }
  if ((flags & EXPIRE_GT) && (flags & EXPIRE_LT)) {
    c.error('ERR GT and LT options at the same time are not compatible');
    return;
  }
  let when = toBigInt(argv[2]!);
  if (when === null) {
    c.error(E.NOT_INTEGER);
    return;
  }
  if (seconds) {
    if (when > LLONG_MAX / 1000n || when < LLONG_MIN / 1000n) {
      c.error(E.INVALID_EXPIRE(name));
      return;
    }
    when *= 1000n;
  }
  const base = BigInt(basetime);
  if (when > LLONG_MAX - base) {
    c.error(E.INVALID_EXPIRE(name));
    return;
  }
  when += base;
  const key = keyOf(argv[1]!);
  const db = c.db;
  if (db.lookupWrite(key) === undefined) {
    c.reply.int(0);
    return;
  }
  if (flags !== 0) {
    const cur = db.getExpire(key);
    if ((flags & EXPIRE_NX) && cur !== undefined) return c.reply.int(0);
    if ((flags & EXPIRE_XX) && cur === undefined) return c.reply.int(0);
    // No TTL counts as an infinite one.
    if ((flags & EXPIRE_GT) && (cur === undefined || when <= BigInt(cur))) return c.reply.int(0);
    if ((flags & EXPIRE_LT) && cur !== undefined && when >= BigInt(cur)) return c.reply.int(0);
  }
  if (alreadyExpired(c.server, when)) {
    const lazy = c.server.config.bool('lazyfree-lazy-expire');
    db.delete(key);
    c.server.dirty++;
    c.propagateArgv = [lazy ? B_UNLINK : B_DEL, argv[1]!];
    db.signalModifiedKey(key);
    c.server.notify('g', 'del', key, c.dbIndex);
    c.reply.int(1);
    return;
  }
  db.setExpire(key, Number(when));
  c.reply.int(1);
  c.propagateArgv = [B_PEXPIREAT, argv[1]!, Buffer.from(when.toString(), 'latin1')];
  db.signalModifiedKey(key);
  c.server.notify('g', 'expire', key, c.dbIndex);
  c.server.dirty++;
}

const persist: Handler = (c, argv) => {
  const key = keyOf(argv[1]!);
  if (c.db.lookupWrite(key) === undefined || !c.db.persist(key)) {
    c.reply.int(0);
    return;
  }
  c.db.signalModifiedKey(key);
  c.server.notify('g', 'persist', key, c.dbIndex);
  c.server.dirty++;
  c.reply.int(1);
};

// ------------------------------------------------------------------ KEYS, SCAN, RANDOMKEY

const keys: Handler = (c, argv) => {
  const pat = argv[1]!;
  const all = pat.length === 1 && pat[0] === 42;
  const db = c.db;
  const out: string[] = [];
  for (const k of db.keys) {
    if (!all && !globMatch(pat, Buffer.from(k, 'latin1'))) continue;
    if (db.isExpired(k)) continue;
    out.push(k);
  }
  c.reply.array(out.length);
  for (const k of out) c.reply.bulk(keyBytes(k));
};

/** parseScanCursorOrReply: strtoul, no leading space, no junk, no overflow ("-1" wraps like strtoul). */
function parseCursor(c: Client, b: Buffer): bigint | null {
  const s = b.toString('latin1');
  const m = /^[+-]?\d+$/.exec(s);
  if (s.length === 0 || m === null) {
    // strtoul accepts an empty string as 0 (eptr at the end).
    if (s.length === 0) return 0n;
    c.error(ERR_INVALID_CURSOR);
    return null;
  }
  let v = BigInt(s.replace(/^\+/, ''));
  const neg = v < 0n;
  if (neg) v = -v;
  if (v > 18446744073709551615n) {
    c.error(ERR_INVALID_CURSOR);
    return null;
  }
  if (neg) v = (18446744073709551616n - v) % 18446744073709551616n;
  return v;
}

/**
 * SCAN: the cursor is the number of positions of Db.keys not visited yet
 * (0 to start, 0 when done). The walk goes from the end down, so keys
 * moved by deletions (the last key fills the hole) and keys added (at the
 * end) never make a key present for the whole scan be missed.
 */
const scan: Handler = (c, argv) => {
  const cursor = parseCursor(c, argv[1]!);
  if (cursor === null) return;
  let count = 10;
  let pat: Buffer | null = null;
  let typeFilter: string | null = null;
  for (let i = 2; i < argv.length;) {
    const left = argv.length - i;
    const a = argv[i]!;
    if (isArg(a, 'COUNT') && left >= 2) {
      const n = toInt(argv[i + 1]!);
      if (n === null) {
        c.error(E.NOT_INTEGER);
        return;
      }
      if (n < 1) {
        c.error(E.SYNTAX);
        return;
      }
      count = n;
      i += 2;
    } else if (isArg(a, 'MATCH') && left >= 2) {
      const p = argv[i + 1]!;
      pat = p.length === 1 && p[0] === 42 ? null : p;
      i += 2;
    } else if (isArg(a, 'TYPE') && left >= 2) {
      typeFilter = argv[i + 1]!.toString('latin1');
      i += 2;
    } else {
      c.error(E.SYNTAX);
      return;
    }
  }
  const db = c.db;
  const n = db.keys.length;
  let pos = cursor === 0n || cursor > BigInt(n) ? n : Number(cursor);
  const batch: string[] = [];
  const stop = Math.max(0, pos - count);
  while (pos > stop) batch.push(db.keys[--pos]!);
  const out: Buffer[] = [];
  for (const k of batch) {
    const kb = keyBytes(k);
    if (pat !== null && !globMatch(pat, kb)) continue;
    if (db.expireIfNeeded(k)) continue;
    if (typeFilter !== null) {
      const o = db.dict.get(k);
      if (o === undefined || typeFilter.toLowerCase() !== typeName(o)) continue;
    }
    out.push(kb);
  }
  c.reply.array(2);
  c.reply.bulkStr(String(pos));
  c.reply.array(out.length);
  for (const k of out) c.reply.bulk(k);
};

const randomkey: Handler = (c) => {
  const k = c.db.randomKey();
  if (k === undefined) c.reply.nil();
  else c.reply.bulk(keyBytes(k));
};

// ------------------------------------------------------------------ RENAME, MOVE, COPY

function renameGeneric(c: Client, argv: Buffer[], nx: boolean): void {
  const src = keyOf(argv[1]!);
  const dst = keyOf(argv[2]!);
  const db = c.db;
  const o = db.lookupWrite(src);
  if (o === undefined) {
    c.error(E.NO_SUCH_KEY);
    return;
  }
  if (src === dst) {
    if (nx) c.reply.int(0);
    else c.reply.ok();
    return;
  }
  if (db.lookupWrite(dst) !== undefined) {
    if (nx) {
      c.reply.int(0);
      return;
    }
    db.delete(dst);
  }
  relocate(c, db, src, db, dst, o);
  db.signalModifiedKey(src);
  db.signalModifiedKey(dst);
  c.server.notify('g', 'rename_from', src, c.dbIndex);
  c.server.notify('g', 'rename_to', dst, c.dbIndex);
  c.server.dirty++;
  if (nx) c.reply.int(1);
  else c.reply.ok();
}

/**
 * RENAME and MOVE: the same object goes to its new place with its TTL and
 * its LRU/LFU data, as the object itself moves in Redis. Our keyspace tracks
 * the object's position, so it leaves the source before joining the target.
 */
function relocate(c: Client, from: Db, fromKey: string, to: Db, toKey: string, o: RedisObject): void {
  const expire = from.getExpire(fromKey);
  const lru = o.lru;
  from.delete(fromKey);
  addKey(c.server, to, toKey, o);
  o.lru = lru;
  if (expire !== undefined) to.setExpire(toKey, expire);
}

const move: Handler = (c, argv) => {
  const id = int32OrReply(c, argv[2]!);
  if (id === null) return;
  const dstDb = dbOrReply(c, id);
  if (dstDb === null) return;
  const src = c.db;
  if (dstDb === src) {
    c.error(E.SAME_OBJECT);
    return;
  }
  const key = keyOf(argv[1]!);
  const o = src.lookupWrite(key);
  if (o === undefined) {
    c.reply.int(0);
    return;
  }
  if (dstDb.lookupWrite(key) !== undefined) {
    c.reply.int(0);
    return;
  }
  relocate(c, src, key, dstDb, key, o);
  src.signalModifiedKey(key);
  dstDb.signalModifiedKey(key);
  c.server.notify('g', 'move_from', key, src.id);
  c.server.notify('g', 'move_to', key, dstDb.id);
  c.server.dirty++;
  c.reply.int(1);
};

const copy: Handler = (c, argv) => {
  let replace = false;
  let dstDb = c.db;
  for (let j = 3; j < argv.length; j++) {
    const a = argv[j]!;
    if (isArg(a, 'REPLACE')) {
      replace = true;
    } else if (isArg(a, 'DB') && j + 1 < argv.length) {
      const n = toInt(argv[j + 1]!);
      if (n === null) {
        c.error(E.NOT_INTEGER);
        return;
      }
      const d = n < -2147483648 || n > 2147483647 ? null : c.server.dbs[n];
      if (n < 0 || d === undefined || d === null) {
        c.error(E.DB_INDEX);
        return;
      }
      dstDb = d;
      j++;
    } else {
      c.error(E.SYNTAX);
      return;
    }
  }
  const key = keyOf(argv[1]!);
  const newKey = keyOf(argv[2]!);
  if (dstDb === c.db && key === newKey) {
    c.error(E.SAME_OBJECT);
    return;
  }
  const o = c.db.lookupRead(key);
  if (o === undefined) {
    c.reply.int(0);
    return;
  }
  const expire = c.db.getExpire(key);
  let replaced = false;
  if (dstDb.lookupWrite(newKey) !== undefined) {
    if (!replace) {
      c.reply.int(0);
      return;
    }
    replaced = true;
  }
  const dup = dupObject(o);
  if (replaced) dstDb.delete(newKey);
  addKey(c.server, dstDb, newKey, dup);
  if (expire !== undefined) dstDb.setExpire(newKey, expire);
  dstDb.signalModifiedKey(newKey);
  c.server.notify('g', 'copy_to', newKey, dstDb.id);
  c.server.dirty++;
  c.reply.int(1);
};

// ------------------------------------------------------------------ OBJECT

/** OBJECT's lookup: no LRU touch, no keymiss event; null reply when missing. */
function objectLookup(c: Client, argv: Buffer[]): RedisObject | undefined {
  const o = lookupNoTouch(c.db, keyOf(argv[2]!), false);
  if (o === undefined) c.reply.nil();
  return o;
}

/** Whether Redis would share the value's object (the shared integers 0..9999 have refcount INT_MAX). */
function isSharedInteger(server: Server, o: RedisObject): boolean {
  if (o.type !== 'string' || o.value.length === 0 || o.value.length > 4) return false;
  if (server.config.num('maxmemory') !== 0 && /-(lru|lfu)$/.test(server.config.get('maxmemory-policy'))) return false;
  const s = o.value.toString('latin1');
  return /^(0|[1-9]\d{0,3})$/.test(s);
}

const objectHandlers: Record<string, Handler> = {
  'object|help': (c) => {
    c.reply.array(OBJECT_HELP.length);
    for (const l of OBJECT_HELP) c.reply.simple(l);
  },
  'object|encoding': (c, argv) => {
    const o = objectLookup(c, argv);
    if (o !== undefined) c.reply.bulkStr(objectEncodingName(o));
  },
  'object|refcount': (c, argv) => {
    const o = objectLookup(c, argv);
    if (o !== undefined) c.reply.int(isSharedInteger(c.server, o) ? 2147483647 : 1);
  },
  'object|idletime': (c, argv) => {
    const o = objectLookup(c, argv);
    if (o === undefined) return;
    if (isLfuPolicy(c.server)) {
      c.error(ERR_LFU_SELECTED);
      return;
    }
    c.reply.int(Math.floor(estimateIdleMs(c.server, o) / 1000));
  },
  'object|freq': (c, argv) => {
    const o = objectLookup(c, argv);
    if (o === undefined) return;
    if (!isLfuPolicy(c.server)) {
      c.error(ERR_LFU_NOT_SELECTED);
      return;
    }
    c.reply.int(lfuDecrAndReturn(c.server, o));
  },
};

// ------------------------------------------------------------------ DUMP, RESTORE

const dump: Handler = (c, argv) => {
  const o = c.db.lookupRead(keyOf(argv[1]!));
  if (o === undefined) {
    c.reply.nil();
    return;
  }
  c.reply.bulk(createDumpPayload(o, writeOptionsFromConfig(c.server.config)));
};

/** objectSetLRUOrLFU: RESTORE's IDLETIME / FREQ. */
function setLruOrLfu(server: Server, o: RedisObject, freq: number, idle: number): void {
  if (isLfuPolicy(server)) {
    if (freq >= 0) o.lru = (lfuTimeInMinutes(server.cmdTime) << 8) | freq;
  } else if (idle >= 0) {
    const clock = server.lruClock();
    let abs = clock - idle;
    if (abs < 0) abs = (clock + Math.floor(LRU_CLOCK_MAX / 2)) % LRU_CLOCK_MAX;
    o.lru = abs;
  }
}

const restore: Handler = (c, argv) => {
  let replace = false;
  let absttl = false;
  let idle = -1;
  let freq = -1;
  for (let j = 4; j < argv.length; j++) {
    const a = argv[j]!;
    const more = j + 1 < argv.length;
    if (isArg(a, 'REPLACE')) {
      replace = true;
    } else if (isArg(a, 'ABSTTL')) {
      absttl = true;
    } else if (isArg(a, 'IDLETIME') && more && freq === -1) {
      const n = toInt(argv[j + 1]!);
      if (n === null) {
        c.error(E.NOT_INTEGER);
        return;
      }
      if (n < 0) {
        c.error('ERR Invalid IDLETIME value, must be >= 0');
        return;
      }
      idle = n;
      j++;
    } else if (isArg(a, 'FREQ') && more && idle === -1) {
      const n = toInt(argv[j + 1]!);
      if (n === null) {
        c.error(E.NOT_INTEGER);
        return;
      }
      if (n < 0 || n > 255) {
        c.error('ERR Invalid FREQ value, must be >= 0 and <= 255');
        return;
      }
      freq = n;
      j++;
    } else {
      c.error(E.SYNTAX);
      return;
    }
  }
  const key = keyOf(argv[1]!);
  const db = c.db;
  if (!replace && db.lookupWrite(key) !== undefined) {
    c.error(E.BUSYKEY);
    return;
  }
  const ttlArg = toBigInt(argv[2]!);
  if (ttlArg === null) {
    c.error(E.NOT_INTEGER);
    return;
  }
  if (ttlArg < 0n) {
    c.error('ERR Invalid TTL value, must be >= 0');
    return;
  }
  const payload = argv[3]!;
  if (!verifyDumpPayload(payload, c.server.skipChecksumValidation)) {
    c.error(E.BAD_PAYLOAD);
    return;
  }
  let o: RedisObject;
  try {
    o = loadDumpPayload(Buffer.from(payload), loadLimitsFromConfig(c.server.config));
  } catch (e) {
    if (e instanceof RdbFormatError) {
      c.error(ERR_BAD_FORMAT);
      return;
    }
    throw e;
  }
  let deleted = false;
  if (replace) deleted = db.delete(key);
  let ttl = ttlArg;
  if (ttl !== 0n && !absttl) ttl += BigInt(c.server.cmdTime);
  if (ttl !== 0n && alreadyExpired(c.server, ttl)) {
    if (deleted) {
      c.propagateArgv = [B_DEL, argv[1]!];
      db.signalModifiedKey(key);
      c.server.notify('g', 'del', key, c.dbIndex);
      c.server.dirty++;
    }
    c.reply.ok();
    return;
  }
  addKey(c.server, db, key, o);
  if (ttl !== 0n) {
    db.setExpire(key, Number(ttl));
    if (!absttl) {
      // Propagated with an absolute TTL.
      const prop = argv.slice();
      prop[2] = Buffer.from(ttl.toString(), 'latin1');
      prop.push(B_ABSTTL);
      c.propagateArgv = prop;
    }
  }
  setLruOrLfu(c.server, o, freq, idle);
  db.signalModifiedKey(key);
  c.server.notify('g', 'restore', key, c.dbIndex);
  c.reply.ok();
  c.server.dirty++;
};

export const keyspaceHandlers: Record<string, Handler> = {
  del,
  unlink: del,
  exists,
  touch,
  type,
  ttl: (c, argv) => ttlGeneric(c, argv, false, false),
  pttl: (c, argv) => ttlGeneric(c, argv, true, false),
  expiretime: (c, argv) => ttlGeneric(c, argv, false, true),
  pexpiretime: (c, argv) => ttlGeneric(c, argv, true, true),
  expire: (c, argv) => expireGeneric(c, argv, c.server.cmdTime, true),
  pexpire: (c, argv) => expireGeneric(c, argv, c.server.cmdTime, false),
  expireat: (c, argv) => expireGeneric(c, argv, 0, true),
  pexpireat: (c, argv) => expireGeneric(c, argv, 0, false),
  persist,
  keys,
  scan,
  randomkey,
  rename: (c, argv) => renameGeneric(c, argv, false),
  renamenx: (c, argv) => renameGeneric(c, argv, true),
  move,
  copy,
  ...objectHandlers,
  dump,
  restore,
};
