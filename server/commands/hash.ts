/*
 * The hash commands (t_hash.c). Values live in server/types/hash.ts; this
 * file applies Redis's encoding rules (listpack → hashtable on
 * hash-max-listpack-entries / hash-max-listpack-value), replies, keyspace
 * notifications, dirty counts and propagation.
 */
import { E } from '../../common/errors.js';
import type { Client } from '../client.js';
import { HashValue } from '../types/hash.js';
import { addLongDouble, formatLongDoubleHuman, parseLongDouble, type LongDouble } from '../types/string-ops.js';
import { own, type HashObject } from '../types/object.js';
import { isArg, keyOf, toBigInt, toInt } from './args.js';
import {
  bulkLatin1, matches, parseCursorOrReply, parseScanOptionsOrReply, replyScan, scanWindow,
} from './collection-scan.js';
import type { Handler } from './index.js';

const LLONG_MAX = 9223372036854775807n;
const LLONG_MIN = -9223372036854775808n;

function maxEntries(c: Client): number {
  return c.server.config.num('hash-max-listpack-entries');
}

function maxValue(c: Client): number {
  return c.server.config.num('hash-max-listpack-value');
}

/** lookupKeyReadOrReply + checkType: the hash, or undefined after replying `missing` / WRONGTYPE. */
function readHash(c: Client, key: Buffer, missing: (c: Client) => void): HashValue | undefined {
  const o = c.db.lookupRead(keyOf(key));
  if (o === undefined) {
    missing(c);
    return undefined;
  }
  if (o.type !== 'hash') {
    c.error(E.WRONGTYPE);
    return undefined;
  }
  return o.value;
}

/** hashTypeLookupWriteOrCreate: the hash (created and added when missing), or undefined after WRONGTYPE. */
function writeHash(c: Client, key: string): HashValue | undefined {
  const o = c.db.lookupWrite(key);
  if (o === undefined) {
    const h = new HashValue();
    const obj: HashObject = { type: 'hash', value: h, lru: 0, idx: -1, snap: 0, sidx: -1 };
    c.db.add(key, obj);
    return h;
  }
  if (o.type !== 'hash') {
    c.error(E.WRONGTYPE);
    return undefined;
  }
  return o.value;
}

/** hashTypeTryConversion: any argument longer than hash-max-listpack-value turns the hash into a hashtable. */
function tryConversion(c: Client, h: HashValue, argv: Buffer[], start: number, end: number): void {
  if (!h.isListpack) return;
  const max = maxValue(c);
  for (let i = start; i <= end; i++) {
    if (argv[i]!.length > max) {
      h.convert();
      return;
    }
  }
}

/** hashTypeSet: sets a field (value already a private copy), converting as Redis does; true when new. */
function hashSet(c: Client, h: HashValue, field: string, v: Buffer): boolean {
  if (h.isListpack) {
    const max = maxValue(c);
    if (field.length > max || v.length > max) h.convert();
  }
  const isNew = h.set(field, v);
  if (h.isListpack && h.length > maxEntries(c)) h.convert();
  return isNew;
}

function emptyArray(c: Client): void {
  c.reply.array(0);
}

function nil(c: Client): void {
  c.reply.nil();
}

function zero(c: Client): void {
  c.reply.int(0);
}

function hsetCommand(c: Client, argv: Buffer[]): void {
  if (argv.length % 2 === 1) {
    c.error(E.ARITY(argv[0]!.toString('latin1').toLowerCase()));
    return;
  }
  const key = keyOf(argv[1]!);
  const h = writeHash(c, key);
  if (h === undefined) return;
  tryConversion(c, h, argv, 2, argv.length - 1);
  let created = 0;
  for (let i = 2; i < argv.length; i += 2) {
    if (hashSet(c, h, keyOf(argv[i]!), own(argv[i + 1]!))) created++;
  }
  const name = argv[0]!;
  if (name[1] === 115 || name[1] === 83) c.reply.int(created);
  else c.reply.ok();
  c.db.signalModifiedKey(key);
  c.server.notify('h', 'hset', key, c.dbIndex);
  c.server.dirty += (argv.length - 2) / 2;
}

function hsetnxCommand(c: Client, argv: Buffer[]): void {
  const key = keyOf(argv[1]!);
  const h = writeHash(c, key);
  if (h === undefined) return;
  const field = keyOf(argv[2]!);
  if (h.has(field)) {
    c.reply.int(0);
    return;
  }
  tryConversion(c, h, argv, 2, 3);
  hashSet(c, h, field, own(argv[3]!));
  c.reply.int(1);
  c.db.signalModifiedKey(key);
  c.server.notify('h', 'hset', key, c.dbIndex);
  c.server.dirty++;
}

function hgetCommand(c: Client, argv: Buffer[]): void {
  const h = readHash(c, argv[1]!, nil);
  if (h === undefined) return;
  const v = h.get(keyOf(argv[2]!));
  if (v === undefined) c.reply.nil();
  else c.reply.bulk(v);
}

function hmgetCommand(c: Client, argv: Buffer[]): void {
  const o = c.db.lookupRead(keyOf(argv[1]!));
  if (o !== undefined && o.type !== 'hash') {
    c.error(E.WRONGTYPE);
    return;
  }
  const h = o?.value;
  c.reply.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const v = h?.get(keyOf(argv[i]!));
    if (v === undefined) c.reply.nil();
    else c.reply.bulk(v);
  }
}

function hdelCommand(c: Client, argv: Buffer[]): void {
  const key = keyOf(argv[1]!);
  const o = c.db.lookupWrite(key);
  if (o === undefined) {
    c.reply.int(0);
    return;
  }
  if (o.type !== 'hash') {
    c.error(E.WRONGTYPE);
    return;
  }
  const h = o.value;
  let deleted = 0;
  let removed = false;
  for (let i = 2; i < argv.length; i++) {
    if (h.delete(keyOf(argv[i]!))) {
      deleted++;
      if (h.length === 0) {
        c.db.delete(key);
        removed = true;
        break;
      }
    }
  }
  if (deleted > 0) {
    c.db.signalModifiedKey(key);
    c.server.notify('h', 'hdel', key, c.dbIndex);
    if (removed) c.server.notify('g', 'del', key, c.dbIndex);
    c.server.dirty += deleted;
  }
  c.reply.int(deleted);
}

function hlenCommand(c: Client, argv: Buffer[]): void {
  const h = readHash(c, argv[1]!, zero);
  if (h !== undefined) c.reply.int(h.length);
}

function hstrlenCommand(c: Client, argv: Buffer[]): void {
  const h = readHash(c, argv[1]!, zero);
  if (h !== undefined) c.reply.int(h.get(keyOf(argv[2]!))?.length ?? 0);
}

function hexistsCommand(c: Client, argv: Buffer[]): void {
  const h = readHash(c, argv[1]!, zero);
  if (h !== undefined) c.reply.int(h.has(keyOf(argv[2]!)) ? 1 : 0);
}

function hincrbyCommand(c: Client, argv: Buffer[]): void {
  const incr = toBigInt(argv[3]!);
  if (incr === null) {
    c.error(E.NOT_INTEGER);
    return;
  }
  const key = keyOf(argv[1]!);
  const h = writeHash(c, key);
  if (h === undefined) return;
  const field = keyOf(argv[2]!);
  const cur = h.get(field);
  let value = 0n;
  if (cur !== undefined) {
    const v = toBigInt(cur);
    if (v === null || !isCanonicalInt(cur)) {
      c.error('ERR hash value is not an integer');
      return;
    }
    value = v;
  }
  const sum = value + incr;
  if (sum > LLONG_MAX || sum < LLONG_MIN) {
    c.error(E.OVERFLOW);
    return;
  }
  hashSet(c, h, field, Buffer.from(sum.toString(), 'latin1'));
  c.reply.int(sum);
  c.db.signalModifiedKey(key);
  c.server.notify('h', 'hincrby', key, c.dbIndex);
  c.server.dirty++;
}

/** string2ll accepts only canonical integers (no '+', no leading zeros, no "-0"). */
function isCanonicalInt(b: Uint8Array): boolean {
  if (b.length === 0) return false;
  if (b[0] === 43) return false;
  let i = b[0] === 45 ? 1 : 0;
  if (i >= b.length) return false;
  if (b[i] === 48) return b.length === 1;
  for (; i < b.length; i++) if (b[i]! < 48 || b[i]! > 57) return false;
  return true;
}

function hincrbyfloatCommand(c: Client, argv: Buffer[]): void {
  // The same long-double arithmetic and formatting as INCRBYFLOAT (string-ops.ts).
  const inc = parseLongDouble(argv[3]!);
  if (inc === null) {
    c.error(E.NOT_FLOAT);
    return;
  }
  if (typeof inc === 'number') {
    c.error('ERR value is NaN or Infinity');
    return;
  }
  const key = keyOf(argv[1]!);
  const h = writeHash(c, key);
  if (h === undefined) return;
  const field = keyOf(argv[2]!);
  const cur = h.get(field);
  let value: LongDouble | null = { m: 0n, e: 0, neg: false };
  if (cur !== undefined) {
    const v = parseLongDouble(cur);
    if (v === null) {
      c.error('ERR hash value is not a float');
      return;
    }
    // A stored inf parses, and any sum with it is infinite.
    value = typeof v === 'number' ? null : v;
  }
  if (value !== null) value = addLongDouble(value, inc);
  if (value === null) {
    c.error('ERR increment would produce NaN or Infinity');
    return;
  }
  const text = Buffer.from(formatLongDoubleHuman(value), 'latin1');
  hashSet(c, h, field, text);
  c.reply.bulk(text);
  c.db.signalModifiedKey(key);
  c.server.notify('h', 'hincrbyfloat', key, c.dbIndex);
  c.server.dirty++;
  c.propagateArgv = [Buffer.from('HSET'), argv[1]!, argv[2]!, text];
}

const KEYS = 1;
const VALUES = 2;

function getAll(c: Client, argv: Buffer[], what: number): void {
  const both = what === (KEYS | VALUES);
  const h = readHash(c, argv[1]!, both ? (cl) => cl.reply.map(0) : emptyArray);
  if (h === undefined) return;
  if (both) c.reply.map(h.length);
  else c.reply.array(h.length);
  for (const [f, e] of h.map) {
    if (what & KEYS) bulkLatin1(c, f);
    if (what & VALUES) c.reply.bulk(e.v);
  }
}

function hrandfieldCommand(c: Client, argv: Buffer[]): void {
  if (argv.length >= 3) {
    const l = toInt(argv[2]!);
    if (l === null) {
      c.error(E.NOT_INTEGER);
      return;
    }
    if (toBigInt(argv[2]!) === -9223372036854775808n) {
      c.error('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
      return;
    }
    let withValues = false;
    if (argv.length > 4 || (argv.length === 4 && !isArg(argv[3]!, 'WITHVALUES'))) {
      c.error(E.SYNTAX);
      return;
    } else if (argv.length === 4) {
      withValues = true;
      // LONG_MAX/2 = 4611686018427387903 (not exactly representable; compare as BigInt).
      const big = toBigInt(argv[2]!)!;
      if (big < -4611686018427387903n || big > 4611686018427387903n) {
        c.error('ERR value is out of range');
        return;
      }
    }
    hrandfieldWithCount(c, argv, l, withValues);
    return;
  }
  const h = readHash(c, argv[1]!, nil);
  if (h === undefined) return;
  bulkLatin1(c, h.randomField());
}

function hrandfieldWithCount(c: Client, argv: Buffer[], l: number, withValues: boolean): void {
  const h = readHash(c, argv[1]!, emptyArray);
  if (h === undefined) return;
  const size = h.length;
  const uniq = l >= 0;
  let count = Math.abs(l);
  if (count === 0) {
    c.reply.array(0);
    return;
  }
  const resp3 = c.resp === 3;
  const emit = (f: string): void => {
    if (withValues && resp3) c.reply.array(2);
    bulkLatin1(c, f);
    if (withValues) c.reply.bulk(h.get(f)!);
  };
  // CASE 1: negative count (repetitions allowed), or a single element.
  if (!uniq || count === 1) {
    c.reply.array(withValues && !resp3 ? count * 2 : count);
    while (count-- > 0) emit(h.randomField());
    return;
  }
  const replySize = Math.min(count, size);
  c.reply.array(withValues && !resp3 ? replySize * 2 : replySize);
  // CASE 2: the whole hash.
  if (count >= size) {
    for (const f of h.map.keys()) emit(f);
    return;
  }
  if (h.isListpack) {
    // CASE 2.5: unique fields in listpack order (selection sampling).
    let needed = count;
    let left = size;
    for (const f of h.map.keys()) {
      if (Math.random() * left < needed) {
        emit(f);
        if (--needed === 0) break;
      }
      left--;
    }
    return;
  }
  // CASES 3 and 4: distinct random positions of the field array.
  for (const i of distinctIndexes(size, count)) emit(h.fields[i]!);
}

/** `count` distinct random integers in [0, size), count < size. */
export function distinctIndexes(size: number, count: number): number[] {
  if (count * 3 > size) {
    // Shuffle a full index array partially (Fisher–Yates).
    const idx = new Array<number>(size);
    for (let i = 0; i < size; i++) idx[i] = i;
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(Math.random() * (size - i));
      const t = idx[i]!;
      idx[i] = idx[j]!;
      idx[j] = t;
    }
    idx.length = count;
    return idx;
  }
  const picked = new Set<number>();
  while (picked.size < count) picked.add(Math.floor(Math.random() * size));
  return [...picked];
}

function hscanCommand(c: Client, argv: Buffer[]): void {
  const cursor = parseCursorOrReply(c, argv[2]!);
  if (cursor === null) return;
  const h = readHash(c, argv[1]!, (cl) => replyScan(cl, '0', []));
  if (h === undefined) return;
  const opts = parseScanOptionsOrReply(c, argv, 3);
  if (opts === null) return;
  const out: string[] = [];
  const values: Buffer[] = [];
  if (h.isListpack) {
    for (const [f, e] of h.map) {
      if (!matches(opts, f)) continue;
      out.push(f);
      values.push(e.v);
    }
    replyPairs(c, '0', out, values);
    return;
  }
  const w = scanWindow(cursor, h.length, opts.count);
  for (let i = w.from - 1; i >= w.to; i--) {
    const f = h.fields[i]!;
    if (!matches(opts, f)) continue;
    out.push(f);
    values.push(h.get(f)!);
  }
  replyPairs(c, w.next, out, values);
}

function replyPairs(c: Client, cursor: string, fields: string[], values: Buffer[]): void {
  c.reply.array(2);
  c.reply.bulk(Buffer.from(cursor, 'latin1'));
  c.reply.array(fields.length * 2);
  for (let i = 0; i < fields.length; i++) {
    bulkLatin1(c, fields[i]!);
    c.reply.bulk(values[i]!);
  }
}

export const hashHandlers: Record<string, Handler> = {
  hset: hsetCommand,
  hmset: hsetCommand,
  hsetnx: hsetnxCommand,
  hget: hgetCommand,
  hmget: hmgetCommand,
  hdel: hdelCommand,
  hlen: hlenCommand,
  hstrlen: hstrlenCommand,
  hexists: hexistsCommand,
  hincrby: hincrbyCommand,
  hincrbyfloat: hincrbyfloatCommand,
  hkeys: (c, argv) => getAll(c, argv, KEYS),
  hvals: (c, argv) => getAll(c, argv, VALUES),
  hgetall: (c, argv) => getAll(c, argv, KEYS | VALUES),
  hrandfield: hrandfieldCommand,
  hscan: hscanCommand,
};
