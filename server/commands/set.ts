/*
 * The set commands (t_set.c). Values live in server/types/set.ts (intset →
 * hashtable on set-max-intset-entries or a non-integer member); this file
 * does replies, keyspace notifications, dirty counts and propagation the
 * way Redis does.
 */
import { E } from '../../common/errors.js';
import type { Client } from '../client.js';
import { SetValue } from '../types/set.js';
import type { SetObject } from '../types/object.js';
import { isArg, keyOf, toBigInt, toInt } from './args.js';
import {
  bulkLatin1, matches, parseCursorOrReply, parseScanOptionsOrReply, replyScan, scanWindow,
} from './collection-scan.js';
import { distinctIndexes } from './hash.js';
import type { Handler } from './index.js';

function maxIntset(c: Client): number {
  return c.server.config.num('set-max-intset-entries');
}

function setObject(value: SetValue): SetObject {
  return { type: 'set', value, lru: 0, idx: -1, snap: 0, sidx: -1 };
}

/** lookupKeyReadOrReply + checkType: the set, or undefined after replying `missing` / WRONGTYPE. */
function readSet(c: Client, key: Buffer, missing: (c: Client) => void): SetValue | undefined {
  const o = c.db.lookupRead(keyOf(key));
  if (o === undefined) {
    missing(c);
    return undefined;
  }
  if (o.type !== 'set') {
    c.error(E.WRONGTYPE);
    return undefined;
  }
  return o.value;
}

function writeSet(c: Client, key: string, missing: (c: Client) => void): SetValue | undefined {
  const o = c.db.lookupWrite(key);
  if (o === undefined) {
    missing(c);
    return undefined;
  }
  if (o.type !== 'set') {
    c.error(E.WRONGTYPE);
    return undefined;
  }
  return o.value;
}

const zero = (c: Client): void => c.reply.int(0);
const nil = (c: Client): void => c.reply.nil();
const emptyArray = (c: Client): void => c.reply.array(0);
const emptySet = (c: Client): void => c.reply.set(0);

function replyStrings(c: Client, items: string[], asSet: boolean): void {
  if (asSet) c.reply.set(items.length);
  else c.reply.array(items.length);
  for (const s of items) bulkLatin1(c, s);
}

function saddCommand(c: Client, argv: Buffer[]): void {
  const key = keyOf(argv[1]!);
  const o = c.db.lookupWrite(key);
  let s: SetValue;
  if (o === undefined) {
    s = SetValue.forMember(argv[2]!);
    c.db.add(key, setObject(s));
  } else if (o.type !== 'set') {
    c.error(E.WRONGTYPE);
    return;
  } else {
    s = o.value;
  }
  const max = maxIntset(c);
  let added = 0;
  for (let j = 2; j < argv.length; j++) if (s.add(argv[j]!, max)) added++;
  if (added > 0) {
    c.db.signalModifiedKey(key);
    c.server.notify('s', 'sadd', key, c.dbIndex);
  }
  c.server.dirty += added;
  c.reply.int(added);
}

function sremCommand(c: Client, argv: Buffer[]): void {
  const key = keyOf(argv[1]!);
  const s = writeSet(c, key, zero);
  if (s === undefined) return;
  let deleted = 0;
  let removed = false;
  for (let j = 2; j < argv.length; j++) {
    if (s.remove(argv[j]!)) {
      deleted++;
      if (s.length === 0) {
        c.db.delete(key);
        removed = true;
        break;
      }
    }
  }
  if (deleted > 0) {
    c.db.signalModifiedKey(key);
    c.server.notify('s', 'srem', key, c.dbIndex);
    if (removed) c.server.notify('g', 'del', key, c.dbIndex);
    c.server.dirty += deleted;
  }
  c.reply.int(deleted);
}

function smoveCommand(c: Client, argv: Buffer[]): void {
  const srcKey = keyOf(argv[1]!);
  const dstKey = keyOf(argv[2]!);
  const src = c.db.lookupWrite(srcKey);
  const dst = c.db.lookupWrite(dstKey);
  const ele = argv[3]!;
  if (src === undefined) {
    c.reply.int(0);
    return;
  }
  if (src.type !== 'set' || (dst !== undefined && dst.type !== 'set')) {
    c.error(E.WRONGTYPE);
    return;
  }
  if (src === dst) {
    c.reply.int(src.value.has(ele) ? 1 : 0);
    return;
  }
  if (!src.value.remove(ele)) {
    c.reply.int(0);
    return;
  }
  c.server.notify('s', 'srem', srcKey, c.dbIndex);
  if (src.value.length === 0) {
    c.db.delete(srcKey);
    c.server.notify('g', 'del', srcKey, c.dbIndex);
  }
  let dset: SetValue;
  if (dst === undefined) {
    dset = SetValue.forMember(ele);
    c.db.add(dstKey, setObject(dset));
  } else {
    dset = dst.value as SetValue;
  }
  c.db.signalModifiedKey(srcKey);
  c.server.dirty++;
  if (dset.add(ele, maxIntset(c))) {
    c.server.dirty++;
    c.db.signalModifiedKey(dstKey);
    c.server.notify('s', 'sadd', dstKey, c.dbIndex);
  }
  c.reply.int(1);
}

function sismemberCommand(c: Client, argv: Buffer[]): void {
  const s = readSet(c, argv[1]!, zero);
  if (s !== undefined) c.reply.int(s.has(argv[2]!) ? 1 : 0);
}

function smismemberCommand(c: Client, argv: Buffer[]): void {
  const o = c.db.lookupRead(keyOf(argv[1]!));
  if (o !== undefined && o.type !== 'set') {
    c.error(E.WRONGTYPE);
    return;
  }
  const s = o?.value as SetValue | undefined;
  c.reply.array(argv.length - 2);
  for (let j = 2; j < argv.length; j++) c.reply.int(s !== undefined && s.has(argv[j]!) ? 1 : 0);
}

function scardCommand(c: Client, argv: Buffer[]): void {
  const s = readSet(c, argv[1]!, zero);
  if (s !== undefined) c.reply.int(s.length);
}

function spopCommand(c: Client, argv: Buffer[]): void {
  if (argv.length === 3) {
    spopWithCount(c, argv);
    return;
  } else if (argv.length > 3) {
    c.error(E.SYNTAX);
    return;
  }
  const key = keyOf(argv[1]!);
  const s = writeSet(c, key, nil);
  if (s === undefined) return;
  const ele = s.pop();
  c.server.notify('s', 'spop', key, c.dbIndex);
  const eb = Buffer.from(ele, 'latin1');
  c.propagateArgv = [Buffer.from('SREM'), argv[1]!, eb];
  c.reply.bulk(eb);
  if (s.length === 0) {
    c.db.delete(key);
    c.server.notify('g', 'del', key, c.dbIndex);
  }
  c.db.signalModifiedKey(key);
  c.server.dirty++;
}

function positiveCountOrReply(c: Client, b: Buffer): number | null {
  const n = toInt(b);
  if (n === null || n < 0) {
    c.error('ERR value is out of range, must be positive');
    return null;
  }
  return n;
}

function spopWithCount(c: Client, argv: Buffer[]): void {
  const count = positiveCountOrReply(c, argv[2]!);
  if (count === null) return;
  const key = keyOf(argv[1]!);
  const o = c.db.lookupWrite(key);
  if (o === undefined) {
    c.reply.set(0);
    return;
  }
  if (o.type !== 'set') {
    c.error(E.WRONGTYPE);
    return;
  }
  const s = o.value;
  if (count === 0) {
    c.reply.set(0);
    return;
  }
  const size = s.length;
  c.server.notify('s', 'spop', key, c.dbIndex);
  c.server.dirty += count >= size ? size : count;
  // CASE 1: the whole set; propagated as DEL.
  if (count >= size) {
    replyStrings(c, s.strings(), true);
    c.db.delete(key);
    c.server.notify('g', 'del', key, c.dbIndex);
    c.propagateArgv = [Buffer.from('DEL'), argv[1]!];
    c.db.signalModifiedKey(key);
    return;
  }
  const popped: string[] = [];
  const remaining = size - count;
  if (remaining * 5 > count) {
    // CASE 2: few elements to pop compared to the set size: pop them one by one.
    for (let i = 0; i < count; i++) popped.push(s.pop());
  } else {
    // CASE 3: keep `remaining` random elements in a new set; the rest is the reply.
    let keep: SetValue | null = null;
    const max = maxIntset(c);
    for (let i = 0; i < remaining; i++) {
      const e = s.pop();
      keep ??= SetValue.forString(e);
      keep.addString(e, max);
    }
    for (const e of s.strings()) popped.push(e);
    o.value = keep!;
  }
  replyStrings(c, popped, true);
  // Propagated as SREMs of the popped elements (not as SPOP).
  const prop: Buffer[] = [Buffer.from('SREM'), argv[1]!];
  for (const e of popped) prop.push(Buffer.from(e, 'latin1'));
  c.propagateArgv = prop;
  c.db.signalModifiedKey(key);
}

function srandmemberCommand(c: Client, argv: Buffer[]): void {
  if (argv.length === 3) {
    srandmemberWithCount(c, argv);
    return;
  } else if (argv.length > 3) {
    c.error(E.SYNTAX);
    return;
  }
  const s = readSet(c, argv[1]!, nil);
  if (s !== undefined) bulkLatin1(c, s.random());
}

function srandmemberWithCount(c: Client, argv: Buffer[]): void {
  const big = toBigInt(argv[2]!);
  if (big === null) {
    c.error(E.NOT_INTEGER);
    return;
  }
  if (big === -9223372036854775808n) {
    c.error('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
    return;
  }
  const l = Number(big);
  const s = readSet(c, argv[1]!, emptyArray);
  if (s === undefined) return;
  const uniq = l >= 0;
  let count = Math.abs(l);
  const size = s.length;
  if (count === 0) {
    c.reply.array(0);
    return;
  }
  // CASE 1: negative count: repetitions allowed.
  if (!uniq || count === 1) {
    c.reply.array(count);
    while (count-- > 0) bulkLatin1(c, s.random());
    return;
  }
  // CASE 2: the whole set.
  if (count >= size) {
    replyStrings(c, s.strings(), false);
    return;
  }
  // CASES 3 and 4: distinct random members.
  c.reply.array(count);
  for (const i of distinctIndexes(size, count)) bulkLatin1(c, s.at(i));
}

// ------------------------------------------------------------------ set algebra

/** Sources for SINTER & co.: sets (null for missing keys), or undefined after WRONGTYPE. */
function sourceSets(c: Client, argv: Buffer[], from: number, to: number, write: boolean): (SetValue | null)[] | undefined {
  const sets: (SetValue | null)[] = [];
  for (let j = from; j < to; j++) {
    const key = keyOf(argv[j]!);
    const o = write ? c.db.lookupWrite(key) : c.db.lookupRead(key);
    if (o === undefined) {
      sets.push(null);
      continue;
    }
    if (o.type !== 'set') {
      c.error(E.WRONGTYPE);
      return undefined;
    }
    sets.push(o.value);
  }
  return sets;
}

/** A new set (created as an intset, as Redis does) holding the union. */
function unionOf(sets: (SetValue | null)[], max: number): SetValue {
  const out = new SetValue();
  const limit = max;
  for (const s of sets) {
    if (s === null) continue;
    if (s.isIntset && out.isIntset) {
      for (const v of s.ints!) out.addString(String(v), limit);
    } else {
      for (const e of s.strings()) out.addString(e, limit);
    }
  }
  return out;
}

function diffOf(sets: (SetValue | null)[], max: number): SetValue {
  const out = new SetValue();
  const first = sets[0];
  if (first === null || first === undefined) return out;
  for (let j = 1; j < sets.length; j++) if (sets[j] === first) return out;
  for (const e of first.strings()) {
    let keep = true;
    for (let j = 1; j < sets.length; j++) {
      const s = sets[j];
      if (s !== null && s !== undefined && s.hasString(e)) {
        keep = false;
        break;
      }
    }
    if (keep) out.addString(e, max);
  }
  return out;
}

/** Elements of the intersection, in the smallest set's order; stops at `limit` (0 = none). */
function interOf(sets: SetValue[], limit: number): string[] {
  const sorted = [...sets].sort((a, b) => a.length - b.length);
  const first = sorted[0]!;
  const out: string[] = [];
  const n = first.length;
  for (let i = 0; i < n; i++) {
    const e = first.at(i);
    let all = true;
    for (let j = 1; j < sorted.length; j++) {
      const s = sorted[j]!;
      if (s === first) continue;
      if (!s.hasString(e)) {
        all = false;
        break;
      }
    }
    if (all) {
      out.push(e);
      if (limit > 0 && out.length >= limit) break;
    }
  }
  return out;
}

/** Stores a computed set at dst (or deletes dst when empty), with Redis's replies and events. */
function storeResult(c: Client, dstArg: Buffer, result: SetValue, event: string): void {
  const dst = keyOf(dstArg);
  if (result.length > 0) {
    c.db.set(dst, setObject(result));
    c.db.signalModifiedKey(dst);
    c.reply.int(result.length);
    c.server.notify('s', event, dst, c.dbIndex);
    c.server.dirty++;
  } else {
    c.reply.int(0);
    if (c.db.lookupWrite(dst) !== undefined && c.db.delete(dst)) {
      c.server.dirty++;
      c.db.signalModifiedKey(dst);
      c.server.notify('g', 'del', dst, c.dbIndex);
    }
  }
}

function sinterGeneric(c: Client, argv: Buffer[], from: number, to: number, dst: Buffer | null, cardOnly: boolean, limit: number): void {
  const sets = sourceSets(c, argv, from, to, dst !== null);
  if (sets === undefined) return;
  if (sets.includes(null)) {
    if (dst !== null) {
      const key = keyOf(dst);
      if (c.db.lookupWrite(key) !== undefined && c.db.delete(key)) {
        c.db.signalModifiedKey(key);
        c.server.notify('g', 'del', key, c.dbIndex);
        c.server.dirty++;
      }
      c.reply.int(0);
    } else if (cardOnly) {
      c.reply.int(0);
    } else {
      c.reply.set(0);
    }
    return;
  }
  const items = interOf(sets as SetValue[], cardOnly ? limit : 0);
  if (cardOnly) {
    c.reply.int(items.length);
  } else if (dst !== null) {
    const out = new SetValue();
    const max = maxIntset(c);
    for (const e of items) out.addString(e, max);
    storeResult(c, dst, out, 'sinterstore');
  } else {
    replyStrings(c, items, true);
  }
}

function sunionDiffGeneric(c: Client, argv: Buffer[], from: number, dst: Buffer | null, union: boolean): void {
  const sets = sourceSets(c, argv, from, argv.length, dst !== null);
  if (sets === undefined) return;
  const max = maxIntset(c);
  const result = union ? unionOf(sets, max) : diffOf(sets, max);
  if (dst === null) replyStrings(c, result.strings(), true);
  else storeResult(c, dst, result, union ? 'sunionstore' : 'sdiffstore');
}

function sintercardCommand(c: Client, argv: Buffer[]): void {
  const numkeys = toInt(argv[1]!);
  if (numkeys === null || numkeys < 1) {
    c.error('ERR numkeys should be greater than 0');
    return;
  }
  if (numkeys > argv.length - 2) {
    c.error("ERR Number of keys can't be greater than number of args");
    return;
  }
  let limit = 0;
  for (let j = 2 + numkeys; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (isArg(argv[j]!, 'LIMIT') && more > 0) {
      j++;
      const n = toInt(argv[j]!);
      if (n === null || n < 0) {
        c.error("ERR LIMIT can't be negative");
        return;
      }
      limit = n;
    } else {
      c.error(E.SYNTAX);
      return;
    }
  }
  sinterGeneric(c, argv, 2, 2 + numkeys, null, true, limit);
}

function sscanCommand(c: Client, argv: Buffer[]): void {
  const cursor = parseCursorOrReply(c, argv[2]!);
  if (cursor === null) return;
  const s = readSet(c, argv[1]!, (cl) => replyScan(cl, '0', []));
  if (s === undefined) return;
  const opts = parseScanOptionsOrReply(c, argv, 3);
  if (opts === null) return;
  if (s.isIntset) {
    replyScan(c, '0', s.strings().filter((e) => matches(opts, e)));
    return;
  }
  const w = scanWindow(cursor, s.length, opts.count);
  const out: string[] = [];
  for (let i = w.from - 1; i >= w.to; i--) {
    const e = s.arr[i]!;
    if (matches(opts, e)) out.push(e);
  }
  replyScan(c, w.next, out);
}

export const setHandlers: Record<string, Handler> = {
  sadd: saddCommand,
  srem: sremCommand,
  smove: smoveCommand,
  sismember: sismemberCommand,
  smismember: smismemberCommand,
  scard: scardCommand,
  spop: spopCommand,
  srandmember: srandmemberCommand,
  smembers: (c, argv) => sinterGeneric(c, argv, 1, 2, null, false, 0),
  sinter: (c, argv) => sinterGeneric(c, argv, 1, argv.length, null, false, 0),
  sintercard: sintercardCommand,
  sinterstore: (c, argv) => sinterGeneric(c, argv, 2, argv.length, argv[1]!, false, 0),
  sunion: (c, argv) => sunionDiffGeneric(c, argv, 1, null, true),
  sunionstore: (c, argv) => sunionDiffGeneric(c, argv, 2, argv[1]!, true),
  sdiff: (c, argv) => sunionDiffGeneric(c, argv, 1, null, false),
  sdiffstore: (c, argv) => sunionDiffGeneric(c, argv, 2, argv[1]!, false),
  sscan: sscanCommand,
};
