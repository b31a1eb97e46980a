/*
 * The string commands (Redis's t_string.c): GET/SET and their variants,
 * counters, ranges, multi-key forms and LCS. Replies, errors, keyspace
 * events, WATCH signalling and the propagated forms follow Redis 7.0.
 *
 * GET and SET with no options are the benchmark's hot path: they take a
 * direct route without option parsing, closures or BigInt.
 */
import { E } from '../../common/errors.js';
import { parseStrictInt } from '../../common/resp/decoder.js';
import type { Client } from '../client.js';
import { own, stringObject, type RedisObject, type StringObject } from '../types/object.js';
import {
  addLongDouble, appendString, formatLongDoubleHuman, growString, parseLongDouble,
} from '../types/string-ops.js';
import { isArg, keyOf, toBigInt, toInt, lookupTyped } from './args.js';
import type { Handler } from './index.js';

const ERR_MAX_SIZE = 'ERR string exceeds maximum allowed size (proto-max-bulk-len)';
const ERR_OFFSET = 'ERR offset is out of range';
const ERR_NAN_INF = 'ERR increment would produce NaN or Infinity';
const ERR_LCS_TYPE = 'ERR The specified keys must contain string values';
const EMPTY = Buffer.alloc(0);

const B = (s: string): Buffer => Buffer.from(s, 'latin1');
const B_SET = B('SET');
const B_PXAT = B('PXAT');
const B_KEEPTTL = B('KEEPTTL');
const B_PEXPIREAT = B('PEXPIREAT');
const B_PERSIST = B('PERSIST');
const B_DEL = B('DEL');
const B_UNLINK = B('UNLINK');

type NotifyClass = Parameters<Client['server']['notify']>[0];

/** The bookkeeping of a write to one key: WATCH, dirty counter, keyspace event. */
function written(c: Client, key: string, cls: NotifyClass, event: string, changes = 1): void {
  c.db.signalModifiedKey(key);
  c.server.dirty += changes;
  c.server.notify(cls, event, key, c.dbIndex);
}

/** checkStringLength: a string may not grow past proto-max-bulk-len (masters are exempt). */
export function checkStringLength(c: Client, size: number, append: number): boolean {
  if (c.flags.master) return true;
  if (size + append > c.server.config.num('proto-max-bulk-len')) {
    c.error(ERR_MAX_SIZE);
    return false;
  }
  return true;
}

/** A string value for reading, replying nil (or the given reply) when missing and WRONGTYPE when not a string. */
function readString(c: Client, key: string): StringObject | null | undefined {
  return lookupTyped(c, key, 'string', false);
}

/** getGenericCommand: replies with the value (nil when missing); false after a WRONGTYPE error. */
function getGeneric(c: Client, key: string): boolean {
  const o = c.db.lookupRead(key);
  if (o === undefined) {
    c.reply.nil();
    return true;
  }
  if (o.type !== 'string') {
    c.error(E.WRONGTYPE);
    return false;
  }
  c.reply.bulk(o.value);
  return true;
}

function isWrongType(c: Client, o: RedisObject | undefined): boolean {
  if (o !== undefined && o.type !== 'string') {
    c.error(E.WRONGTYPE);
    return true;
  }
  return false;
}

// ---------------------------------------------------------------- GET / SET

function getCommand(c: Client, argv: Buffer[]): void {
  const o = c.db.lookupRead(keyOf(argv[1]!));
  if (o === undefined) c.reply.nil();
  else if (o.type !== 'string') c.error(E.WRONGTYPE);
  else c.reply.bulk(o.value);
}

const F_NX = 1, F_XX = 2, F_GET = 4, F_KEEPTTL = 8, F_PERSIST = 16, F_EX = 32, F_PX = 64, F_EXAT = 128, F_PXAT = 256;
const F_ANY_EXPIRE = F_EX | F_PX | F_EXAT | F_PXAT;

interface ExtArgs { flags: number; expire: Buffer | null }

/**
 * parseExtendedStringArgumentsOrReply: SET's NX XX GET KEEPTTL EX PX EXAT
 * PXAT, GETEX's PERSIST EX PX EXAT PXAT, with Redis's exact conflict rules
 * (a repeated option is allowed, conflicting ones are a syntax error).
 */
function parseExtended(c: Client, argv: Buffer[], start: number, isSet: boolean): ExtArgs | null {
  let flags = 0;
  let expire: Buffer | null = null;
  for (let j = start; j < argv.length; j++) {
    const a = argv[j]!;
    const hasNext = j < argv.length - 1;
    if (isSet && isArg(a, 'NX') && !(flags & F_XX)) flags |= F_NX;
    else if (isSet && isArg(a, 'XX') && !(flags & F_NX)) flags |= F_XX;
    else if (isSet && isArg(a, 'GET')) flags |= F_GET;
    else if (isSet && isArg(a, 'KEEPTTL') && !(flags & (F_PERSIST | F_ANY_EXPIRE))) flags |= F_KEEPTTL;
    else if (!isSet && isArg(a, 'PERSIST') && !(flags & (F_ANY_EXPIRE | F_KEEPTTL))) flags |= F_PERSIST;
    else if (isArg(a, 'EX') && !(flags & (F_KEEPTTL | F_PERSIST | F_EXAT | F_PX | F_PXAT)) && hasNext) {
      flags |= F_EX; expire = argv[++j]!;
    } else if (isArg(a, 'PX') && !(flags & (F_KEEPTTL | F_PERSIST | F_EX | F_EXAT | F_PXAT)) && hasNext) {
      flags |= F_PX; expire = argv[++j]!;
    } else if (isArg(a, 'EXAT') && !(flags & (F_KEEPTTL | F_PERSIST | F_EX | F_PX | F_PXAT)) && hasNext) {
      flags |= F_EXAT; expire = argv[++j]!;
    } else if (isArg(a, 'PXAT') && !(flags & (F_KEEPTTL | F_PERSIST | F_EX | F_EXAT | F_PX)) && hasNext) {
      flags |= F_PXAT; expire = argv[++j]!;
    } else {
      c.error(E.SYNTAX);
      return null;
    }
  }
  return { flags, expire };
}

const LLONG_MAX = 9223372036854775807n;

/**
 * getExpireMillisecondsOrReply: the absolute expire time in ms (BigInt, so
 * the propagated PXAT is exact), or null after replying with the error.
 */
function expireMsOrReply(c: Client, arg: Buffer, flags: number, seconds: boolean, cmd: string): bigint | null {
  let ms = toBigInt(arg);
  if (ms === null) {
    c.error(E.NOT_INTEGER);
    return null;
  }
  if (ms <= 0n || (seconds && ms > LLONG_MAX / 1000n)) {
    c.error(E.INVALID_EXPIRE(cmd));
    return null;
  }
  if (seconds) ms *= 1000n;
  if (flags & (F_EX | F_PX)) ms += BigInt(c.server.cmdTime);
  if (ms > LLONG_MAX) {
    // int64 overflow wraps negative in Redis, which then refuses it.
    c.error(E.INVALID_EXPIRE(cmd));
    return null;
  }
  return ms;
}

/**
 * setGenericCommand. `okReply`/`abortReply` select SETNX's integer replies;
 * expire is the unparsed expire argument with its unit.
 */
function setGeneric(c: Client, flags: number, keyArg: Buffer, val: Buffer, expire: Buffer | null,
  seconds: boolean, cmd: string, intReplies: boolean, argv: Buffer[]): void {
  let ms = 0n;
  if (expire !== null) {
    const r = expireMsOrReply(c, expire, flags, seconds, cmd);
    if (r === null) return;
    ms = r;
  }
  const key = keyOf(keyArg);
  if ((flags & F_GET) && !getGeneric(c, key)) return;
  const found = c.db.lookupWrite(key) !== undefined;
  if (((flags & F_NX) && found) || ((flags & F_XX) && !found)) {
    if (!(flags & F_GET)) {
      if (intReplies) c.reply.int(0);
      else c.reply.nil();
    }
    return;
  }
  c.db.set(key, stringObject(own(val)), (flags & F_KEEPTTL) !== 0);
  written(c, key, '$', 'set');
  if (expire !== null) {
    c.db.setExpire(key, Number(ms));
    c.propagateArgv = [B_SET, keyArg, val, B_PXAT, B(ms.toString())];
    c.server.notify('g', 'expire', key, c.dbIndex);
  }
  if (!(flags & F_GET)) {
    if (intReplies) c.reply.int(1);
    else c.reply.ok();
  }
  if ((flags & F_GET) && expire === null) {
    // Propagate without the GET argument(s).
    const out: Buffer[] = [];
    for (let j = 0; j < argv.length; j++) if (j < 3 || !isArg(argv[j]!, 'GET')) out.push(argv[j]!);
    c.propagateArgv = out;
  }
}

function setCommand(c: Client, argv: Buffer[]): void {
  if (argv.length === 3) {
    // The hot path: plain SET key value.
    const key = keyOf(argv[1]!);
    const db = c.db;
    if (db.expires.size !== 0) db.expireIfNeeded(key);
    db.setString(key, own(argv[2]!));
    db.signalModifiedKey(key);
    c.server.dirty++;
    c.server.notify('$', 'set', key, c.dbIndex);
    c.reply.ok();
    return;
  }
  const ext = parseExtended(c, argv, 3, true);
  if (ext === null) return;
  const seconds = (ext.flags & (F_EX | F_EXAT)) !== 0;
  setGeneric(c, ext.flags, argv[1]!, argv[2]!, ext.expire, seconds, 'set', false, argv);
}

function setnxCommand(c: Client, argv: Buffer[]): void {
  setGeneric(c, F_NX, argv[1]!, argv[2]!, null, false, 'setnx', true, argv);
}

function setexCommand(c: Client, argv: Buffer[]): void {
  setGeneric(c, F_EX, argv[1]!, argv[3]!, argv[2]!, true, 'setex', false, argv);
}

function psetexCommand(c: Client, argv: Buffer[]): void {
  setGeneric(c, F_PX, argv[1]!, argv[3]!, argv[2]!, false, 'psetex', false, argv);
}

function getexCommand(c: Client, argv: Buffer[]): void {
  const ext = parseExtended(c, argv, 2, false);
  if (ext === null) return;
  const flags = ext.flags;
  const key = keyOf(argv[1]!);
  const o = c.db.lookupRead(key);
  if (o === undefined) {
    c.reply.nil();
    return;
  }
  if (o.type !== 'string') {
    c.error(E.WRONGTYPE);
    return;
  }
  let ms = 0n;
  if (ext.expire !== null) {
    const r = expireMsOrReply(c, ext.expire, flags, (flags & (F_EX | F_EXAT)) !== 0, 'getex');
    if (r === null) return;
    ms = r;
  }
  c.reply.bulk(o.value);
  const server = c.server;
  if ((flags & (F_PXAT | F_EXAT)) && ms <= BigInt(server.cmdTime) && !server.loading && !server.isReplica) {
    c.db.delete(key);
    const lazy = server.config.bool('lazyfree-lazy-expire');
    c.propagateArgv = [lazy ? B_UNLINK : B_DEL, argv[1]!];
    written(c, key, 'g', 'del');
  } else if (ext.expire !== null) {
    c.db.setExpire(key, Number(ms));
    c.propagateArgv = [B_PEXPIREAT, argv[1]!, B(ms.toString())];
    written(c, key, 'g', 'expire');
  } else if (flags & F_PERSIST) {
    if (c.db.persist(key)) {
      c.propagateArgv = [B_PERSIST, argv[1]!];
      written(c, key, 'g', 'persist');
    }
  }
}

function getdelCommand(c: Client, argv: Buffer[]): void {
  const key = keyOf(argv[1]!);
  if (!getGeneric(c, key)) return;
  if (c.db.delete(key)) {
    c.propagateArgv = [B_DEL, argv[1]!];
    written(c, key, 'g', 'del');
  }
}

function getsetCommand(c: Client, argv: Buffer[]): void {
  const key = keyOf(argv[1]!);
  if (!getGeneric(c, key)) return;
  c.db.lookupWrite(key);
  c.db.set(key, stringObject(own(argv[2]!)));
  written(c, key, '$', 'set');
  c.propagateArgv = [B_SET, argv[1]!, argv[2]!];
}

// ---------------------------------------------------------------- MGET / MSET

function mgetCommand(c: Client, argv: Buffer[]): void {
  c.reply.array(argv.length - 1);
  for (let j = 1; j < argv.length; j++) {
    const o = c.db.lookupRead(keyOf(argv[j]!));
    if (o === undefined || o.type !== 'string') c.reply.nil();
    else c.reply.bulk(o.value);
  }
}

function msetGeneric(c: Client, argv: Buffer[], nx: boolean): void {
  if (argv.length % 2 === 0) {
    c.error(E.ARITY(nx ? 'msetnx' : 'mset'));
    return;
  }
  if (nx) {
    for (let j = 1; j < argv.length; j += 2) {
      if (c.db.lookupWrite(keyOf(argv[j]!)) !== undefined) {
        c.reply.int(0);
        return;
      }
    }
  }
  for (let j = 1; j < argv.length; j += 2) {
    const key = keyOf(argv[j]!);
    c.db.lookupWrite(key);
    c.db.set(key, stringObject(own(argv[j + 1]!)));
    c.db.signalModifiedKey(key);
    c.server.notify('$', 'set', key, c.dbIndex);
  }
  c.server.dirty += (argv.length - 1) / 2;
  if (nx) c.reply.int(1);
  else c.reply.ok();
}

function msetCommand(c: Client, argv: Buffer[]): void {
  msetGeneric(c, argv, false);
}

function msetnxCommand(c: Client, argv: Buffer[]): void {
  msetGeneric(c, argv, true);
}

// ---------------------------------------------------------------- counters

const I64_MAX = 9223372036854775807n;
const I64_MIN = -9223372036854775808n;

/** The stored value as an int64 (number when it is a safe integer, else BigInt); null when not an integer. */
function storedInt(v: Buffer): number | bigint | null {
  const n = parseStrictInt(v, 0, v.length);
  if (Number.isNaN(n)) return null;
  if (Number.isSafeInteger(n)) return n;
  return toBigInt(v);
}

function incrDecr(c: Client, keyArg: Buffer, incr: number | bigint): void {
  const key = keyOf(keyArg);
  const o = c.db.lookupWrite(key);
  if (isWrongType(c, o)) return;
  let value: number | bigint = 0;
  if (o !== undefined) {
    const v = storedInt(o.value as Buffer);
    if (v === null) {
      c.error(E.NOT_INTEGER);
      return;
    }
    value = v;
  }
  let result: number | bigint;
  if (typeof value === 'number' && typeof incr === 'number' && Number.isSafeInteger(value + incr)) {
    result = value + incr;
  } else {
    const old = BigInt(value), inc = BigInt(incr);
    if ((inc < 0n && old < 0n && inc < I64_MIN - old) || (inc > 0n && old > 0n && inc > I64_MAX - old)) {
      c.error(E.OVERFLOW);
      return;
    }
    result = old + inc;
  }
  const buf = Buffer.from(String(result), 'latin1');
  if (o !== undefined) (o as StringObject).value = buf;
  else c.db.add(key, stringObject(buf));
  written(c, key, '$', 'incrby');
  c.reply.int(result);
}

/** An int64 argument (number when safe, else BigInt), or null after replying the error. */
function int64Arg(c: Client, b: Buffer): number | bigint | null {
  const n = toInt(b);
  if (n === null) {
    c.error(E.NOT_INTEGER);
    return null;
  }
  return Number.isSafeInteger(n) ? n : toBigInt(b)!;
}

function incrCommand(c: Client, argv: Buffer[]): void {
  incrDecr(c, argv[1]!, 1);
}

function decrCommand(c: Client, argv: Buffer[]): void {
  incrDecr(c, argv[1]!, -1);
}

function incrbyCommand(c: Client, argv: Buffer[]): void {
  const incr = int64Arg(c, argv[2]!);
  if (incr === null) return;
  incrDecr(c, argv[1]!, incr);
}

function decrbyCommand(c: Client, argv: Buffer[]): void {
  const incr = int64Arg(c, argv[2]!);
  if (incr === null) return;
  if (incr === I64_MIN) {
    c.error('ERR decrement would overflow');
    return;
  }
  incrDecr(c, argv[1]!, -incr);
}

function incrbyfloatCommand(c: Client, argv: Buffer[]): void {
  const key = keyOf(argv[1]!);
  const o = c.db.lookupWrite(key);
  if (isWrongType(c, o)) return;
  const cur = o === undefined ? { m: 0n, e: 0, neg: false } : parseLongDouble(o.value as Buffer);
  if (cur === null) {
    c.error(E.NOT_FLOAT);
    return;
  }
  const incr = parseLongDouble(argv[2]!);
  if (incr === null) {
    c.error(E.NOT_FLOAT);
    return;
  }
  const sum = typeof cur === 'number' || typeof incr === 'number' ? null : addLongDouble(cur, incr);
  if (sum === null) {
    // An infinite operand or an overflow: the result is NaN or infinite.
    c.error(ERR_NAN_INF);
    return;
  }
  const buf = Buffer.from(formatLongDoubleHuman(sum), 'latin1');
  if (o !== undefined) (o as StringObject).value = buf;
  else c.db.add(key, stringObject(buf));
  written(c, key, '$', 'incrbyfloat');
  c.reply.bulk(buf);
  c.propagateArgv = [B_SET, argv[1]!, buf, B_KEEPTTL];
}

// ---------------------------------------------------------------- ranges

function appendCommand(c: Client, argv: Buffer[]): void {
  const key = keyOf(argv[1]!);
  const o = c.db.lookupWrite(key);
  let total: number;
  if (o === undefined) {
    const v = own(argv[2]!);
    c.db.add(key, stringObject(v));
    total = v.length;
  } else {
    if (o.type !== 'string') {
      c.error(E.WRONGTYPE);
      return;
    }
    if (!checkStringLength(c, o.value.length, argv[2]!.length)) return;
    total = appendString(o, argv[2]!);
  }
  written(c, key, '$', 'append');
  c.reply.int(total);
}

function setrangeCommand(c: Client, argv: Buffer[]): void {
  const offset = toInt(argv[2]!);
  if (offset === null) {
    c.error(E.NOT_INTEGER);
    return;
  }
  if (offset < 0) {
    c.error(ERR_OFFSET);
    return;
  }
  const value = argv[3]!;
  const key = keyOf(argv[1]!);
  const o = c.db.lookupWrite(key);
  let obj: StringObject;
  if (o === undefined) {
    if (value.length === 0) {
      c.reply.int(0);
      return;
    }
    if (!checkStringLength(c, offset, value.length)) return;
    obj = stringObject(EMPTY);
    growString(obj, offset + value.length, false);
    c.db.add(key, obj);
  } else {
    if (o.type !== 'string') {
      c.error(E.WRONGTYPE);
      return;
    }
    if (value.length === 0) {
      c.reply.int(o.value.length);
      return;
    }
    if (!checkStringLength(c, offset, value.length)) return;
    obj = o;
  }
  const buf = growString(obj, offset + value.length, offset < obj.value.length);
  buf.set(value, offset);
  written(c, key, '$', 'setrange');
  c.reply.int(buf.length);
}

/** GETRANGE's index arithmetic (shared with SUBSTR). */
function getrangeCommand(c: Client, argv: Buffer[]): void {
  let start = toInt(argv[2]!);
  if (start === null) {
    c.error(E.NOT_INTEGER);
    return;
  }
  let end = toInt(argv[3]!);
  if (end === null) {
    c.error(E.NOT_INTEGER);
    return;
  }
  const o = readString(c, keyOf(argv[1]!));
  if (o === null) return;
  if (o === undefined) {
    c.reply.bulk(EMPTY);
    return;
  }
  const v = o.value;
  const len = v.length;
  if (start < 0 && end < 0 && start > end) {
    c.reply.bulk(EMPTY);
    return;
  }
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) c.reply.bulk(EMPTY);
  else c.reply.bulk(v.subarray(start, end + 1));
}

function strlenCommand(c: Client, argv: Buffer[]): void {
  const o = readString(c, keyOf(argv[1]!));
  if (o === null) return;
  c.reply.int(o === undefined ? 0 : o.value.length);
}

// ---------------------------------------------------------------- LCS

function lcsCommand(c: Client, argv: Buffer[]): void {
  const oa = c.db.lookupRead(keyOf(argv[1]!));
  const ob = c.db.lookupRead(keyOf(argv[2]!));
  if ((oa !== undefined && oa.type !== 'string') || (ob !== undefined && ob.type !== 'string')) {
    c.error(ERR_LCS_TYPE);
    return;
  }
  const a = oa === undefined ? EMPTY : (oa.value as Buffer);
  const b = ob === undefined ? EMPTY : (ob.value as Buffer);
  let getlen = false, getidx = false, withmatchlen = false;
  let minmatchlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j]!;
    const moreargs = argv.length - 1 - j;
    if (isArg(opt, 'IDX')) getidx = true;
    else if (isArg(opt, 'LEN')) getlen = true;
    else if (isArg(opt, 'WITHMATCHLEN')) withmatchlen = true;
    else if (isArg(opt, 'MINMATCHLEN') && moreargs > 0) {
      const n = toInt(argv[j + 1]!);
      if (n === null) {
        c.error(E.NOT_INTEGER);
        return;
      }
      minmatchlen = n < 0 ? 0 : n;
      j++;
    } else {
      c.error(E.SYNTAX);
      return;
    }
  }
  if (getidx && getlen) {
    c.error('ERR If you want both the length and indexes, please just use IDX.');
    return;
  }
  const alen = a.length, blen = b.length;
  if (alen >= 0xfffffffe || blen >= 0xfffffffe) {
    c.error('ERR String too long for LCS');
    return;
  }
  const size = (alen + 1) * (blen + 1);
  if (size * 4 > c.server.config.num('proto-max-bulk-len')) {
    c.error('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
    return;
  }
  let lcs: Uint32Array;
  try {
    lcs = new Uint32Array(size);
  } catch {
    c.error('ERR Insufficient memory, failed allocating transient memory for LCS');
    return;
  }
  const w = blen + 1;
  for (let i = 1; i <= alen; i++) {
    const ai = a[i - 1];
    const row = i * w, prev = row - w;
    for (let j = 1; j <= blen; j++) {
      if (ai === b[j - 1]) lcs[row + j] = lcs[prev + j - 1]! + 1;
      else {
        const l1 = lcs[prev + j]!, l2 = lcs[row + j - 1]!;
        lcs[row + j] = l1 > l2 ? l1 : l2;
      }
    }
  }
  let idx = lcs[alen * w + blen]!;
  const total = idx;
  const computelcs = getidx || !getlen;
  const result = computelcs ? Buffer.allocUnsafe(idx) : EMPTY;
  const ranges: number[][] = [];
  let arangeStart = alen, arangeEnd = 0, brangeStart = 0, brangeEnd = 0;
  let i = alen, j = blen;
  while (computelcs && i > 0 && j > 0) {
    let emit = false;
    if (a[i - 1] === b[j - 1]) {
      result[idx - 1] = a[i - 1]!;
      if (arangeStart === alen) {
        arangeStart = i - 1; arangeEnd = i - 1;
        brangeStart = j - 1; brangeEnd = j - 1;
      } else if (arangeStart === i && brangeStart === j) {
        arangeStart--; brangeStart--;
      } else {
        emit = true;
      }
      if (arangeStart === 0 || brangeStart === 0) emit = true;
      idx--; i--; j--;
    } else {
      const l1 = lcs[(i - 1) * w + j]!, l2 = lcs[i * w + j - 1]!;
      if (l1 > l2) i--;
      else j--;
      if (arangeStart !== alen) emit = true;
    }
    const matchLen = arangeEnd - arangeStart + 1;
    if (emit) {
      if (getidx && (minmatchlen === 0 || matchLen >= minmatchlen)) {
        ranges.push([arangeStart, arangeEnd, brangeStart, brangeEnd, matchLen]);
      }
      arangeStart = alen;
    }
  }
  const r = c.reply;
  if (getidx) {
    r.map(2);
    r.bulkStr('matches');
    r.array(ranges.length);
    for (const g of ranges) {
      r.array(withmatchlen ? 3 : 2);
      r.array(2); r.int(g[0]!); r.int(g[1]!);
      r.array(2); r.int(g[2]!); r.int(g[3]!);
      if (withmatchlen) r.int(g[4]!);
    }
    r.bulkStr('len');
    r.int(total);
  } else if (getlen) {
    r.int(total);
  } else {
    r.bulk(result);
  }
}

export const stringHandlers: Record<string, Handler> = {
  append: appendCommand,
  decr: decrCommand,
  decrby: decrbyCommand,
  get: getCommand,
  getdel: getdelCommand,
  getex: getexCommand,
  getrange: getrangeCommand,
  getset: getsetCommand,
  incr: incrCommand,
  incrby: incrbyCommand,
  incrbyfloat: incrbyfloatCommand,
  lcs: lcsCommand,
  mget: mgetCommand,
  mset: msetCommand,
  msetnx: msetnxCommand,
  psetex: psetexCommand,
  set: setCommand,
  setex: setexCommand,
  setnx: setnxCommand,
  setrange: setrangeCommand,
  strlen: strlenCommand,
  substr: getrangeCommand,
};
