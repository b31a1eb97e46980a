/*
 * The bitmap commands (Redis's bitops.c): GETBIT SETBIT BITCOUNT BITPOS
 * BITOP BITFIELD BITFIELD_RO, with Redis 7.0's replies, errors, offset
 * limits and overflow semantics (BITFIELD mirrors the C int64/uint64
 * arithmetic with BigInt).
 */
import { E } from '../../common/errors.js';
import { parseStrictInt } from '../../common/resp/decoder.js';
import type { Client } from '../client.js';
import { stringObject, type StringObject } from '../types/object.js';
import { adoptRaw, growString } from '../types/string-ops.js';
import { isArg, keyOf, toBigInt, toInt } from './args.js';
import type { Handler } from './index.js';

const ERR_BIT_OFFSET = 'ERR bit offset is not an integer or out of range';
const ERR_BIT_VALUE = 'ERR bit is not an integer or out of range';
const ERR_BITFIELD_TYPE = 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';
const EMPTY = Buffer.alloc(0);

/** Set bits per byte value. */
const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1]!;

function popcount(p: Uint8Array, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) n += POPCOUNT[p[i]!]!;
  return n;
}

/**
 * getBitOffsetFromArgument: a bit offset (with the #N form for BITFIELD,
 * scaled by the type width); null after replying the error.
 */
function bitOffsetOrReply(c: Client, b: Buffer, hash: boolean, bits: number): number | null {
  const useHash = hash && bits > 0 && b.length > 0 && b[0] === 35; /* # */
  const start = useHash ? 1 : 0;
  let off = parseStrictInt(b, start, b.length);
  if (Number.isNaN(off) || b.length - start > 20) {
    c.error(ERR_BIT_OFFSET);
    return null;
  }
  if (!Number.isSafeInteger(off)) {
    // Only range matters here: anything this large is out of range (or not int64).
    off = off < 0 ? -1 : Number.MAX_SAFE_INTEGER;
    if (toBigInt(b.subarray(start)) === null) {
      c.error(ERR_BIT_OFFSET);
      return null;
    }
  }
  if (useHash) off *= bits;
  if (off < 0 || (!c.flags.master && Math.floor(off / 8) >= c.server.config.num('proto-max-bulk-len'))) {
    c.error(ERR_BIT_OFFSET);
    return null;
  }
  return off;
}

/** lookupStringForBitCommand: the string, created or zero-grown to hold `maxbit`; null after WRONGTYPE. */
function stringForBitWrite(c: Client, key: string, maxbit: number, overwrite: boolean): { o: StringObject; dirty: boolean } | null {
  const byte = Math.floor(maxbit / 8);
  const o = c.db.lookupWrite(key);
  if (o === undefined) {
    const n = stringObject(EMPTY);
    growString(n, byte + 1, false);
    c.db.add(key, n);
    return { o: n, dirty: true };
  }
  if (o.type !== 'string') {
    c.error(E.WRONGTYPE);
    return null;
  }
  const oldLen = o.value.length;
  growString(o, byte + 1, overwrite);
  return { o, dirty: o.value.length !== oldLen };
}

function getbitCommand(c: Client, argv: Buffer[]): void {
  const off = bitOffsetOrReply(c, argv[2]!, false, 0);
  if (off === null) return;
  const o = c.db.lookupRead(keyOf(argv[1]!));
  if (o === undefined) {
    c.reply.int(0);
    return;
  }
  if (o.type !== 'string') {
    c.error(E.WRONGTYPE);
    return;
  }
  const byte = Math.floor(off / 8);
  const v = o.value;
  c.reply.int(byte < v.length && (v[byte]! & (1 << (7 - (off & 7)))) !== 0 ? 1 : 0);
}

function setbitCommand(c: Client, argv: Buffer[]): void {
  const off = bitOffsetOrReply(c, argv[2]!, false, 0);
  if (off === null) return;
  const on = toInt(argv[3]!);
  if (on === null || (on !== 0 && on !== 1)) {
    c.error(ERR_BIT_VALUE);
    return;
  }
  const key = keyOf(argv[1]!);
  const byte = Math.floor(off / 8);
  const bit = 7 - (off & 7);
  // Peek at the current bit first, so an unchanged bit does not copy the value.
  const cur = c.db.lookupWrite(key);
  if (cur !== undefined && cur.type !== 'string') {
    c.error(E.WRONGTYPE);
    return;
  }
  const oldBit = cur !== undefined && byte < cur.value.length ? (cur.value[byte]! >> bit) & 1 : 0;
  if (cur !== undefined && byte < cur.value.length && oldBit === on) {
    // Nothing changes, but Redis still unshares the value (it becomes raw).
    growString(cur, cur.value.length, false);
    c.reply.int(oldBit);
    return;
  }
  const r = stringForBitWrite(c, key, off, cur !== undefined && byte < cur.value.length);
  if (r === null) return;
  const v = r.o.value;
  v[byte] = (v[byte]! & ~(1 << bit)) | (on << bit);
  c.db.signalModifiedKey(key);
  c.server.notify('$', 'setbit', key, c.dbIndex);
  c.server.dirty++;
  c.reply.int(oldBit);
}

/**
 * The start/end[/BYTE|BIT] range shared by BITCOUNT and BITPOS, as a bit
 * range [startBit, endBit] over a string of `len` bytes (Redis's masks turned
 * into bit positions); null for an empty range; undefined after an error.
 */
function parseRange(c: Client, len: number, startArg: Buffer, endArg: Buffer | null,
  unit: Buffer | null): [number, number] | null | undefined {
  let start = toInt(startArg);
  if (start === null) {
    c.error(E.NOT_INTEGER);
    return undefined;
  }
  let isbit = false;
  if (unit !== null) {
    if (isArg(unit, 'BIT')) isbit = true;
    else if (isArg(unit, 'BYTE')) isbit = false;
    else {
      c.error(E.SYNTAX);
      return undefined;
    }
  }
  let end: number | null = len - 1;
  if (endArg !== null) {
    end = toInt(endArg);
    if (end === null) {
      c.error(E.NOT_INTEGER);
      return undefined;
    }
  }
  const total = isbit ? len * 8 : len;
  if (start < 0) start = total + start;
  if (end < 0) end = total + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
  if (start > end) return null;
  return isbit ? [start, end] : [start * 8, end * 8 + 7];
}

function bitcountCommand(c: Client, argv: Buffer[]): void {
  const o = c.db.lookupRead(keyOf(argv[1]!));
  if (o === undefined) {
    c.reply.int(0);
    return;
  }
  if (o.type !== 'string') {
    c.error(E.WRONGTYPE);
    return;
  }
  const p = o.value;
  if (argv.length === 2) {
    c.reply.int(popcount(p, 0, p.length));
    return;
  }
  if (argv.length !== 4 && argv.length !== 5) {
    c.error(E.SYNTAX);
    return;
  }
  // BITCOUNT checks both integers before the unit, and an inverted negative range early.
  const start = toInt(argv[2]!);
  if (start === null) {
    c.error(E.NOT_INTEGER);
    return;
  }
  const end = toInt(argv[3]!);
  if (end === null) {
    c.error(E.NOT_INTEGER);
    return;
  }
  if (start < 0 && end < 0 && start > end) {
    c.reply.int(0);
    return;
  }
  const range = parseRange(c, p.length, argv[2]!, argv[3]!, argv.length === 5 ? argv[4]! : null);
  if (range === undefined) return;
  if (range === null) {
    c.reply.int(0);
    return;
  }
  const [sb, eb] = range;
  const sbyte = Math.floor(sb / 8), ebyte = Math.floor(eb / 8);
  let n = popcount(p, sbyte, ebyte + 1);
  const firstMask = ~((1 << (8 - (sb & 7))) - 1) & 0xff;
  const lastMask = (1 << (7 - (eb & 7))) - 1;
  if (firstMask !== 0) n -= POPCOUNT[p[sbyte]! & firstMask]!;
  if (lastMask !== 0) n -= POPCOUNT[p[ebyte]! & lastMask]!;
  c.reply.int(n);
}

function bitposCommand(c: Client, argv: Buffer[]): void {
  const bit = toInt(argv[2]!);
  if (bit === null) {
    c.error(E.NOT_INTEGER);
    return;
  }
  if (bit !== 0 && bit !== 1) {
    c.error('ERR The bit argument must be 1 or 0.');
    return;
  }
  const o = c.db.lookupRead(keyOf(argv[1]!));
  if (o === undefined) {
    c.reply.int(bit ? -1 : 0);
    return;
  }
  if (o.type !== 'string') {
    c.error(E.WRONGTYPE);
    return;
  }
  const p = o.value;
  let range: [number, number] | null | undefined;
  const endGiven = argv.length >= 5;
  if (argv.length === 3) {
    range = p.length === 0 ? null : [0, p.length * 8 - 1];
  } else if (argv.length <= 6) {
    range = parseRange(c, p.length, argv[3]!, endGiven ? argv[4]! : null, argv.length === 6 ? argv[5]! : null);
    if (range === undefined) return;
  } else {
    c.error(E.SYNTAX);
    return;
  }
  if (range === null) {
    c.reply.int(-1);
    return;
  }
  const [sb, eb] = range;
  const want = bit === 1;
  const skip = want ? 0 : 0xff;
  let i = sb;
  while (i <= eb) {
    if ((i & 7) === 0 && i + 7 <= eb) {
      // Whole bytes that cannot hold the bit we look for are skipped at once.
      let b = i / 8;
      const lastFull = Math.floor((eb + 1) / 8) - 1;
      while (b <= lastFull && p[b] === skip) b++;
      i = b * 8;
      if (i > eb) break;
    }
    if ((((p[Math.floor(i / 8)]! >> (7 - (i & 7))) & 1) === 1) === want) {
      c.reply.int(i);
      return;
    }
    i++;
  }
  // Not found: looking for a clear bit with no explicit end, the string is padded with zeros on the right.
  c.reply.int(!want && !endGiven ? eb + 1 : -1);
}

function bitopCommand(c: Client, argv: Buffer[]): void {
  const opArg = argv[1]!;
  let op: 0 | 1 | 2 | 3;
  if (isArg(opArg, 'AND')) op = 0;
  else if (isArg(opArg, 'OR')) op = 1;
  else if (isArg(opArg, 'XOR')) op = 2;
  else if (isArg(opArg, 'NOT')) op = 3;
  else {
    c.error(E.SYNTAX);
    return;
  }
  if (op === 3 && argv.length !== 4) {
    c.error('ERR BITOP NOT must be called with a single source key.');
    return;
  }
  const srcs: Buffer[] = [];
  let maxlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const o = c.db.lookupRead(keyOf(argv[j]!));
    if (o === undefined) {
      srcs.push(EMPTY);
      continue;
    }
    if (o.type !== 'string') {
      c.error(E.WRONGTYPE);
      return;
    }
    srcs.push(o.value);
    if (o.value.length > maxlen) maxlen = o.value.length;
  }
  const target = keyOf(argv[2]!);
  if (maxlen > 0) {
    const res = Buffer.alloc(maxlen);
    const first = srcs[0]!;
    if (op === 3) {
      for (let i = 0; i < maxlen; i++) res[i] = ~first[i]! & 0xff;
    } else {
      res.set(first);
      for (let k = 1; k < srcs.length; k++) {
        const s = srcs[k]!;
        const n = s.length;
        if (op === 0) {
          for (let i = 0; i < n; i++) res[i]! &= s[i]!;
          res.fill(0, n);
        } else if (op === 1) {
          for (let i = 0; i < n; i++) res[i]! |= s[i]!;
        } else {
          for (let i = 0; i < n; i++) res[i]! ^= s[i]!;
        }
      }
    }
    c.db.lookupWrite(target);
    const obj = stringObject(res);
    adoptRaw(obj);
    c.db.set(target, obj);
    c.db.signalModifiedKey(target);
    c.server.notify('$', 'set', target, c.dbIndex);
    c.server.dirty++;
  } else {
    c.db.lookupWrite(target);
    if (c.db.delete(target)) {
      c.db.signalModifiedKey(target);
      c.server.notify('g', 'del', target, c.dbIndex);
      c.server.dirty++;
    }
  }
  c.reply.int(maxlen);
}

// ---------------------------------------------------------------- BITFIELD

const OW_WRAP = 0, OW_SAT = 1, OW_FAIL = 2;
const OP_GET = 0, OP_SET = 1, OP_INCRBY = 2;
const U64 = (x: bigint): bigint => BigInt.asUintN(64, x);
const I64 = (x: bigint): bigint => BigInt.asIntN(64, x);
const INT64_MAX = 9223372036854775807n;
const UINT64_MAX = 18446744073709551615n;

interface BitfieldOp { opcode: number; offset: number; bits: number; sign: boolean; i64: bigint; owtype: number }

function getUnsigned(p: Uint8Array, offset: number, bits: number): bigint {
  let v = 0n;
  for (let j = 0; j < bits; j++) {
    const o = offset + j;
    const byte = Math.floor(o / 8);
    const bitval = byte < p.length ? (p[byte]! >> (7 - (o & 7))) & 1 : 0;
    v = (v << 1n) | BigInt(bitval);
  }
  return v;
}

function getSigned(p: Uint8Array, offset: number, bits: number): bigint {
  const v = getUnsigned(p, offset, bits);
  return BigInt.asIntN(bits, v);
}

function setUnsigned(p: Uint8Array, offset: number, bits: number, value: bigint): void {
  for (let j = 0; j < bits; j++) {
    const bitval = Number((value >> BigInt(bits - 1 - j)) & 1n);
    const o = offset + j;
    const byte = Math.floor(o / 8);
    const bit = 7 - (o & 7);
    p[byte] = (p[byte]! & ~(1 << bit)) | (bitval << bit);
  }
}

/** checkSignedBitfieldOverflow: [overflow, limit] with Redis's int64 arithmetic. */
function checkSigned(value: bigint, incr: bigint, bits: number, owtype: number): [number, bigint] {
  const max = bits === 64 ? INT64_MAX : (1n << BigInt(bits - 1)) - 1n;
  const min = -max - 1n;
  const maxincr = I64(U64(max) - U64(value));
  const minincr = I64(min - value);
  const wrap = (): bigint => {
    const msb = 1n << BigInt(bits - 1);
    let r = U64(U64(value) + U64(incr));
    if (bits < 64) {
      const mask = U64(UINT64_MAX << BigInt(bits));
      if (r & msb) r |= mask;
      else r &= ~mask & UINT64_MAX;
    }
    return I64(r);
  };
  if (value > max || (bits !== 64 && incr > maxincr) || (value >= 0n && incr > 0n && incr > maxincr)) {
    return [1, owtype === OW_WRAP ? wrap() : owtype === OW_SAT ? max : 0n];
  }
  if (value < min || (bits !== 64 && incr < minincr) || (value < 0n && incr < 0n && incr < minincr)) {
    return [-1, owtype === OW_WRAP ? wrap() : owtype === OW_SAT ? min : 0n];
  }
  return [0, 0n];
}

/** checkUnsignedBitfieldOverflow (value is a uint64, incr an int64). */
function checkUnsigned(value: bigint, incr: bigint, bits: number, owtype: number): [number, bigint] {
  const max = (1n << BigInt(bits)) - 1n;
  const maxincr = I64(max - value);
  const minincr = I64(-value);
  const wrap = (): bigint => U64(value + incr) & max;
  if (value > max || (incr > 0n && incr > maxincr)) {
    return [1, owtype === OW_WRAP ? wrap() : owtype === OW_SAT ? max : 0n];
  }
  if (incr < 0n && incr < minincr) {
    return [-1, owtype === OW_WRAP ? wrap() : owtype === OW_SAT ? 0n : 0n];
  }
  return [0, 0n];
}

function bitfieldGeneric(c: Client, argv: Buffer[], readonlyCmd: boolean): void {
  const ops: BitfieldOp[] = [];
  let owtype = OW_WRAP;
  let readonly = true;
  let highest = 0;
  for (let j = 2; j < argv.length; j++) {
    const remargs = argv.length - j - 1;
    const sub = argv[j]!;
    let opcode: number;
    if (isArg(sub, 'GET') && remargs >= 2) opcode = OP_GET;
    else if (isArg(sub, 'SET') && remargs >= 3) opcode = OP_SET;
    else if (isArg(sub, 'INCRBY') && remargs >= 3) opcode = OP_INCRBY;
    else if (isArg(sub, 'OVERFLOW') && remargs >= 1) {
      const t = argv[++j]!;
      if (isArg(t, 'WRAP')) owtype = OW_WRAP;
      else if (isArg(t, 'SAT')) owtype = OW_SAT;
      else if (isArg(t, 'FAIL')) owtype = OW_FAIL;
      else {
        c.error('ERR Invalid OVERFLOW type specified');
        return;
      }
      continue;
    } else {
      c.error(E.SYNTAX);
      return;
    }
    // The type: i1..i64 or u1..u63 (lower case only, as in Redis).
    const t = argv[j + 1]!;
    const t0 = t.length > 0 ? t[0]! : 0;
    const bits = t.length > 1 ? parseStrictInt(t, 1, t.length) : NaN;
    const sign = t0 === 0x69; /* i */
    if ((t0 !== 0x69 && t0 !== 0x75) || Number.isNaN(bits) || bits < 1 || (sign && bits > 64) || (!sign && bits > 63)) {
      c.error(ERR_BITFIELD_TYPE);
      return;
    }
    const offset = bitOffsetOrReply(c, argv[j + 2]!, true, bits);
    if (offset === null) return;
    let i64 = 0n;
    if (opcode !== OP_GET) {
      readonly = false;
      if (highest < offset + bits - 1) highest = offset + bits - 1;
      const v = toBigInt(argv[j + 3]!);
      if (v === null) {
        c.error(E.NOT_INTEGER);
        return;
      }
      i64 = v;
    }
    ops.push({ opcode, offset, bits, sign, i64, owtype });
    j += opcode === OP_GET ? 2 : 3;
  }

  const key = keyOf(argv[1]!);
  let obj: StringObject | undefined;
  let dirty = false;
  if (readonly) {
    const o = c.db.lookupRead(key);
    if (o !== undefined && o.type !== 'string') {
      c.error(E.WRONGTYPE);
      return;
    }
    obj = o;
  } else {
    if (readonlyCmd) {
      c.error('ERR BITFIELD_RO only supports the GET subcommand');
      return;
    }
    const r = stringForBitWrite(c, key, highest, true);
    if (r === null) return;
    obj = r.o;
    dirty = r.dirty;
  }

  let changes = 0;
  c.reply.array(ops.length);
  for (const op of ops) {
    if (op.opcode === OP_GET) {
      const src = obj === undefined ? EMPTY : obj.value;
      c.reply.int(op.sign ? getSigned(src, op.offset, op.bits) : getUnsigned(src, op.offset, op.bits));
      continue;
    }
    const p = obj!.value;
    let oldval: bigint, newval: bigint, retval: bigint, overflow: number, limit: bigint;
    if (op.sign) {
      oldval = getSigned(p, op.offset, op.bits);
      if (op.opcode === OP_INCRBY) {
        [overflow, limit] = checkSigned(oldval, op.i64, op.bits, op.owtype);
        newval = overflow ? limit : oldval + op.i64;
        retval = newval;
      } else {
        newval = op.i64;
        [overflow, limit] = checkSigned(newval, 0n, op.bits, op.owtype);
        if (overflow) newval = limit;
        retval = oldval;
      }
    } else {
      oldval = getUnsigned(p, op.offset, op.bits);
      if (op.opcode === OP_INCRBY) {
        newval = U64(oldval + op.i64);
        [overflow, limit] = checkUnsigned(oldval, op.i64, op.bits, op.owtype);
        if (overflow) newval = limit;
        retval = newval;
      } else {
        newval = U64(op.i64);
        [overflow, limit] = checkUnsigned(newval, 0n, op.bits, op.owtype);
        if (overflow) newval = limit;
        retval = oldval;
      }
    }
    if (overflow && op.owtype === OW_FAIL) {
      c.reply.nil();
      continue;
    }
    c.reply.int(retval);
    setUnsigned(p, op.offset, op.bits, BigInt.asUintN(op.bits, newval));
    if (dirty || oldval !== newval) changes++;
  }
  if (changes > 0) {
    c.db.signalModifiedKey(key);
    c.server.notify('$', 'setbit', key, c.dbIndex);
    c.server.dirty += changes;
  }
}

function bitfieldCommand(c: Client, argv: Buffer[]): void {
  bitfieldGeneric(c, argv, false);
}

function bitfieldRoCommand(c: Client, argv: Buffer[]): void {
  bitfieldGeneric(c, argv, true);
}

export const bitmapHandlers: Record<string, Handler> = {
  bitcount: bitcountCommand,
  bitfield: bitfieldCommand,
  bitfield_ro: bitfieldRoCommand,
  bitop: bitopCommand,
  bitpos: bitposCommand,
  getbit: getbitCommand,
  setbit: setbitCommand,
};
