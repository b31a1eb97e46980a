/*
 * The list commands (Redis 7.0 t_list.c): pushes, pops, ranges, LPOS,
 * LMOVE, LMPOP and their blocking forms. Argument checks happen in Redis's
 * order so the first error reported is the same. Every write signals the
 * key (WATCH), counts dirty, notifies, and pushes wake blocked clients.
 */
import { E } from '../../common/errors.js';
import { lookupCommand, type CommandInfo } from '../../common/commands/index.js';
import type { Client } from '../client.js';
import { blockClient, canBlock, servingKey } from '../blocking.js';
import { ListValue } from '../types/list.js';
import { own, type ListObject } from '../types/object.js';
import { isArg, keyOf, toFloat, toInt, lookupTyped } from './args.js';
import type { Handler } from './index.js';

const LPOP = Buffer.from('LPOP');
const RPOP = Buffer.from('RPOP');
const LMOVE = Buffer.from('LMOVE');
const RPOPLPUSH = Buffer.from('RPOPLPUSH');
const LEFT = Buffer.from('LEFT');
const RIGHT = Buffer.from('RIGHT');
const LONG_MAX = 9223372036854775807;

function cmdInfo(name: string): CommandInfo {
  const c = lookupCommand(name);
  if (c === undefined) throw new Error(`no command ${name}`);
  return c;
}
const BLPOP_CMD = cmdInfo('blpop');
const BRPOP_CMD = cmdInfo('brpop');
const BLMOVE_CMD = cmdInfo('blmove');
const BRPOPLPUSH_CMD = cmdInfo('brpoplpush');
const BLMPOP_CMD = cmdInfo('blmpop');

// ------------------------------------------------------------------ helpers

function newListObject(): ListObject {
  return { type: 'list', value: new ListValue(), lru: 0, idx: -1, snap: 0, sidx: -1 };
}

/** getLongFromObjectOrReply with an optional custom message for non-integers. */
function longOrReply(c: Client, b: Buffer, msg: string = E.NOT_INTEGER): number | null {
  const n = toInt(b);
  if (n === null) c.error(msg);
  return n;
}

/** getRangeLongFromObjectOrReply. */
function rangeLongOrReply(c: Client, b: Buffer, min: number, max: number, msg: string | null): number | null {
  const n = toInt(b);
  if (n === null) {
    c.error(msg !== null ? `ERR ${msg}` : E.NOT_INTEGER);
    return null;
  }
  // toInt already bounds values to int64; ±LONG_MAX limits only need the exact check for LONG_MIN.
  const below = min === -LONG_MAX ? false : n < min;
  const above = max === LONG_MAX ? false : n > max;
  if (below || above) {
    const fmt = (v: number) => (v === LONG_MAX ? '9223372036854775807' : v === -LONG_MAX ? '-9223372036854775807' : String(v));
    c.error(msg !== null ? `ERR ${msg}` : `ERR value is out of range, value must between ${fmt(min)} and ${fmt(max)}`);
    return null;
  }
  return n;
}

/** getPositiveLongFromObjectOrReply. */
function positiveLongOrReply(c: Client, b: Buffer, msg: string | null = null): number | null {
  return rangeLongOrReply(c, b, 0, LONG_MAX, msg ?? 'value is out of range, must be positive');
}

/** LEFT → true (head), RIGHT → false (tail), else syntax error. */
function positionOrReply(c: Client, b: Buffer): boolean | null {
  if (isArg(b, 'LEFT')) return true;
  if (isArg(b, 'RIGHT')) return false;
  c.error(E.SYNTAX);
  return null;
}

/**
 * getTimeoutFromObjectOrReply in seconds: a float, rounded up to ms. As in
 * Redis, values whose ms do not fit a long long come out negative.
 * Returns ms (0 = block for ever).
 */
export function timeoutOrReply(c: Client, b: Buffer): number | null {
  const d = toFloat(b);
  if (d === null) {
    c.error(E.TIMEOUT_NOT_FLOAT);
    return null;
  }
  const ms = Math.ceil(d * 1000);
  if (!(ms < 9223372036854775807) || ms < 0) {
    c.error(E.TIMEOUT_NEGATIVE);
    return null;
  }
  return ms === 0 ? 0 : ms; // -0 → 0
}

/** Looks a key up for writing; replies WRONGTYPE and returns null for another type; undefined when missing. */
function listForWrite(c: Client, key: string): ListObject | undefined | null {
  return lookupTyped(c, key, 'list', true);
}

function listForRead(c: Client, key: string): ListObject | undefined | null {
  return lookupTyped(c, key, 'list', false);
}

/** listElementsRemoved: notification, deletion of an emptied list, WATCH, dirty. */
function elementsRemoved(c: Client, key: string, o: ListObject, head: boolean, n: number): void {
  c.server.notify('l', head ? 'lpop' : 'rpop', key, c.dbIndex);
  if (o.value.length === 0) {
    c.db.delete(key);
    c.server.notify('g', 'del', key, c.dbIndex);
  }
  c.db.signalModifiedKey(key);
  c.server.dirty += n;
}

/** Pushes onto a list (created when missing): the push half of LMOVE. */
function pushOnto(c: Client, key: string, dst: ListObject | undefined, v: Buffer, head: boolean): void {
  if (dst === undefined) {
    dst = newListObject();
    c.db.add(key, dst);
  }
  c.db.signalModifiedKey(key);
  if (head) dst.value.pushHead(v);
  else dst.value.pushTail(v);
  c.server.signalKeyAsReady(c.db, key);
  c.server.notify('l', head ? 'lpush' : 'rpush', key, c.dbIndex);
}

// ------------------------------------------------------------------ push

function pushGeneric(c: Client, argv: Buffer[], head: boolean, xx: boolean): void {
  const key = keyOf(argv[1]!);
  let o = listForWrite(c, key);
  if (o === null) return;
  if (o === undefined) {
    if (xx) {
      c.reply.int(0);
      return;
    }
    o = newListObject();
    c.db.add(key, o);
  }
  const l = o.value;
  if (head) for (let i = 2; i < argv.length; i++) l.pushHead(own(argv[i]!));
  else for (let i = 2; i < argv.length; i++) l.pushTail(own(argv[i]!));
  c.reply.int(l.length);
  c.db.signalModifiedKey(key);
  c.server.signalKeyAsReady(c.db, key);
  c.server.notify('l', head ? 'lpush' : 'rpush', key, c.dbIndex);
  c.server.dirty += argv.length - 2;
}

// ------------------------------------------------------------------ pop

function popGeneric(c: Client, argv: Buffer[], head: boolean): void {
  if (argv.length > 3) {
    c.error(E.ARITY(head ? 'lpop' : 'rpop'));
    return;
  }
  const hasCount = argv.length === 3;
  let count = 0;
  if (hasCount) {
    const n = positiveLongOrReply(c, argv[2]!);
    if (n === null) return;
    count = n;
  }
  const key = keyOf(argv[1]!);
  const o = listForWrite(c, key);
  if (o === null) return;
  if (o === undefined) {
    if (hasCount) c.reply.nilArray();
    else c.reply.nil();
    return;
  }
  if (hasCount && count === 0) {
    c.reply.array(0);
    return;
  }
  const l = o.value;
  if (!hasCount) {
    c.reply.bulk((head ? l.popHead() : l.popTail())!);
    elementsRemoved(c, key, o, head, 1);
    return;
  }
  const n = Math.min(count, l.length);
  c.reply.array(n);
  for (let i = 0; i < n; i++) c.reply.bulk((head ? l.popHead() : l.popTail())!);
  elementsRemoved(c, key, o, head, n);
}

/** Pops up to `count` from a non-empty list replying [key, [elements]]; propagated as [LR]POP key count. */
function popRangeWithKey(c: Client, keyArg: Buffer, o: ListObject, head: boolean, count: number): void {
  const key = keyOf(keyArg);
  const l = o.value;
  const n = Math.min(count, l.length);
  c.reply.array(2);
  c.reply.bulk(keyArg);
  c.reply.array(n);
  for (let i = 0; i < n; i++) c.reply.bulk((head ? l.popHead() : l.popTail())!);
  elementsRemoved(c, key, o, head, n);
  c.propagateArgv = [head ? LPOP : RPOP, keyArg, Buffer.from(String(n))];
}

/** LMPOP / BLMPOP argument parsing; null after replying an error. */
function parseMpop(c: Client, argv: Buffer[], numkeysIdx: number): { numkeys: number; head: boolean; count: number } | null {
  const numkeys = rangeLongOrReply(c, argv[numkeysIdx]!, 1, LONG_MAX, 'numkeys should be greater than 0');
  if (numkeys === null) return null;
  const whereIdx = numkeysIdx + numkeys + 1;
  if (whereIdx >= argv.length) {
    c.error(E.SYNTAX);
    return null;
  }
  const head = positionOrReply(c, argv[whereIdx]!);
  if (head === null) return null;
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (count === -1 && isArg(argv[j]!, 'COUNT') && more > 0) {
      j++;
      const n = rangeLongOrReply(c, argv[j]!, 1, LONG_MAX, 'count should be greater than 0');
      if (n === null) return null;
      count = n;
    } else {
      c.error(E.SYNTAX);
      return null;
    }
  }
  return { numkeys, head, count: count === -1 ? 1 : count };
}

function lmpopCommand(c: Client, argv: Buffer[]): void {
  const p = parseMpop(c, argv, 1);
  if (p === null) return;
  for (let j = 2; j < 2 + p.numkeys; j++) {
    const o = listForWrite(c, keyOf(argv[j]!));
    if (o === null) return;
    if (o === undefined || o.value.length === 0) continue;
    popRangeWithKey(c, argv[j]!, o, p.head, p.count);
    return;
  }
  c.reply.nilArray();
}

// ------------------------------------------------------------------ blocking pops

/**
 * The part shared by BLPOP, BRPOP and BLMPOP: serve from the first
 * non-empty list, else block. When re-run for a signalled key, only that key
 * is served (as Redis 7.0 serves the clients of the key that became ready)
 * and keys of another type are ignored instead of failing.
 */
function blockingPop(c: Client, argv: Buffer[], cmd: CommandInfo, first: number, numkeys: number, head: boolean, count: number, timeout: number): void {
  const retry = c.blockRetry;
  const ready = retry ? servingKey() : null;
  for (let j = first; j < first + numkeys; j++) {
    const keyArg = argv[j]!;
    const key = keyOf(keyArg);
    if (ready !== null && key !== ready) continue;
    const o = c.db.lookupWrite(key);
    if (o === undefined) continue;
    if (o.type !== 'list') {
      if (retry) continue;
      c.error(E.WRONGTYPE);
      return;
    }
    if (o.value.length === 0) continue;
    if (count < 0) {
      const v = (head ? o.value.popHead() : o.value.popTail())!;
      c.reply.array(2);
      c.reply.bulk(keyArg);
      c.reply.bulk(v);
      elementsRemoved(c, key, o, head, 1);
      c.propagateArgv = [head ? LPOP : RPOP, keyArg];
    } else {
      popRangeWithKey(c, keyArg, o, head, count);
    }
    return;
  }
  if (!canBlock(c)) {
    c.reply.nilArray();
    return;
  }
  const keys: string[] = [];
  for (let j = first; j < first + numkeys; j++) keys.push(keyOf(argv[j]!));
  blockClient(c, cmd, argv, keys, timeout, (cl) => cl.reply.nilArray());
}

function bpopCommand(c: Client, argv: Buffer[], head: boolean): void {
  const timeout = timeoutOrReply(c, argv[argv.length - 1]!);
  if (timeout === null) return;
  blockingPop(c, argv, head ? BLPOP_CMD : BRPOP_CMD, 1, argv.length - 2, head, -1, timeout);
}

function blmpopCommand(c: Client, argv: Buffer[]): void {
  const p = parseMpop(c, argv, 2);
  if (p === null) return;
  const timeout = timeoutOrReply(c, argv[1]!);
  if (timeout === null) return;
  blockingPop(c, argv, BLMPOP_CMD, 3, p.numkeys, p.head, p.count, timeout);
}

// ------------------------------------------------------------------ move

/** lmoveGenericCommand: pop from the source, push on the destination (created if missing), reply the element. */
function moveGeneric(c: Client, argv: Buffer[], fromHead: boolean, toHead: boolean, propagate: Buffer[] | null): void {
  const srcKey = keyOf(argv[1]!);
  const dstKey = keyOf(argv[2]!);
  const src = listForWrite(c, srcKey);
  if (src === null) return;
  if (src === undefined || src.value.length === 0) {
    c.reply.nil();
    return;
  }
  const d = c.db.lookupWrite(dstKey);
  if (d !== undefined && d.type !== 'list') {
    c.error(E.WRONGTYPE);
    return;
  }
  const v = (fromHead ? src.value.popHead() : src.value.popTail())!;
  pushOnto(c, dstKey, d, v, toHead);
  c.reply.bulk(v);
  c.server.notify('l', fromHead ? 'lpop' : 'rpop', srcKey, c.dbIndex);
  if (src.value.length === 0) {
    c.db.delete(srcKey);
    c.server.notify('g', 'del', srcKey, c.dbIndex);
  }
  c.db.signalModifiedKey(srcKey);
  c.server.dirty++;
  if (propagate !== null) c.propagateArgv = propagate;
}

function lmoveCommand(c: Client, argv: Buffer[]): void {
  const from = positionOrReply(c, argv[3]!);
  if (from === null) return;
  const to = positionOrReply(c, argv[4]!);
  if (to === null) return;
  moveGeneric(c, argv, from, to, null);
}

function rpoplpushCommand(c: Client, argv: Buffer[]): void {
  moveGeneric(c, argv, false, true, null);
}

function blmoveGeneric(c: Client, argv: Buffer[], cmd: CommandInfo, from: boolean, to: boolean, timeout: number): void {
  const srcKey = keyOf(argv[1]!);
  const o = c.db.lookupWrite(srcKey);
  if (o !== undefined && o.type !== 'list') {
    if (c.blockRetry) {
      blockClient(c, cmd, argv, [srcKey], timeout, () => undefined);
      return;
    }
    c.error(E.WRONGTYPE);
    return;
  }
  if (o === undefined || o.value.length === 0) {
    if (!canBlock(c)) {
      c.reply.nil();
      return;
    }
    blockClient(c, cmd, argv, [srcKey], timeout, (cl) => cl.reply.nilArray());
    return;
  }
  const prop = cmd === BRPOPLPUSH_CMD
    ? [RPOPLPUSH, argv[1]!, argv[2]!]
    : [LMOVE, argv[1]!, argv[2]!, from ? LEFT : RIGHT, to ? LEFT : RIGHT];
  moveGeneric(c, argv, from, to, prop);
}

function blmoveCommand(c: Client, argv: Buffer[]): void {
  const from = positionOrReply(c, argv[3]!);
  if (from === null) return;
  const to = positionOrReply(c, argv[4]!);
  if (to === null) return;
  const timeout = timeoutOrReply(c, argv[5]!);
  if (timeout === null) return;
  blmoveGeneric(c, argv, BLMOVE_CMD, from, to, timeout);
}

function brpoplpushCommand(c: Client, argv: Buffer[]): void {
  const timeout = timeoutOrReply(c, argv[3]!);
  if (timeout === null) return;
  blmoveGeneric(c, argv, BRPOPLPUSH_CMD, false, true, timeout);
}

// ------------------------------------------------------------------ access

function llenCommand(c: Client, argv: Buffer[]): void {
  const o = listForRead(c, keyOf(argv[1]!));
  if (o === null) return;
  c.reply.int(o === undefined ? 0 : o.value.length);
}

function lindexCommand(c: Client, argv: Buffer[]): void {
  const o = listForRead(c, keyOf(argv[1]!));
  if (o === null) return;
  if (o === undefined) {
    c.reply.nil();
    return;
  }
  const index = longOrReply(c, argv[2]!);
  if (index === null) return;
  const v = o.value.get(index);
  if (v === undefined) c.reply.nil();
  else c.reply.bulk(v);
}

function lsetCommand(c: Client, argv: Buffer[]): void {
  const key = keyOf(argv[1]!);
  const o = listForWrite(c, key);
  if (o === null) return;
  if (o === undefined) {
    c.error(E.NO_SUCH_KEY);
    return;
  }
  const index = longOrReply(c, argv[2]!);
  if (index === null) return;
  if (!o.value.set(index, own(argv[3]!))) {
    c.error(E.OUT_OF_RANGE);
    return;
  }
  c.reply.ok();
  c.db.signalModifiedKey(key);
  c.server.notify('l', 'lset', key, c.dbIndex);
  c.server.dirty++;
}

function lrangeCommand(c: Client, argv: Buffer[]): void {
  let start = longOrReply(c, argv[2]!);
  if (start === null) return;
  let end = longOrReply(c, argv[3]!);
  if (end === null) return;
  const o = listForRead(c, keyOf(argv[1]!));
  if (o === null) return;
  if (o === undefined) {
    c.reply.array(0);
    return;
  }
  const l = o.value;
  const llen = l.length;
  if (start < 0) start += llen;
  if (end < 0) end += llen;
  if (start < 0) start = 0;
  if (start > end || start >= llen) {
    c.reply.array(0);
    return;
  }
  if (end >= llen) end = llen - 1;
  c.reply.array(end - start + 1);
  for (let i = start; i <= end; i++) c.reply.bulk(l.get(i)!);
}

function ltrimCommand(c: Client, argv: Buffer[]): void {
  let start = longOrReply(c, argv[2]!);
  if (start === null) return;
  let end = longOrReply(c, argv[3]!);
  if (end === null) return;
  const key = keyOf(argv[1]!);
  const o = listForWrite(c, key);
  if (o === null) return;
  if (o === undefined) {
    c.reply.ok();
    return;
  }
  const l = o.value;
  const llen = l.length;
  if (start < 0) start += llen;
  if (end < 0) end += llen;
  if (start < 0) start = 0;
  let removed: number;
  if (start > end || start >= llen) {
    removed = llen;
    l.trim(1, 0);
  } else {
    if (end >= llen) end = llen - 1;
    removed = start + (llen - end - 1);
    l.trim(start, end);
  }
  c.server.notify('l', 'ltrim', key, c.dbIndex);
  if (l.length === 0) {
    c.db.delete(key);
    c.server.notify('g', 'del', key, c.dbIndex);
  }
  c.db.signalModifiedKey(key);
  c.server.dirty += removed;
  c.reply.ok();
}

function lremCommand(c: Client, argv: Buffer[]): void {
  const count = longOrReply(c, argv[2]!);
  if (count === null) return;
  const key = keyOf(argv[1]!);
  const o = listForWrite(c, key);
  if (o === null) return;
  if (o === undefined) {
    c.reply.int(0);
    return;
  }
  const removed = o.value.remove(argv[3]!, count);
  if (removed > 0) {
    c.server.notify('l', 'lrem', key, c.dbIndex);
    if (o.value.length === 0) {
      c.db.delete(key);
      c.server.notify('g', 'del', key, c.dbIndex);
    }
    c.db.signalModifiedKey(key);
    c.server.dirty += removed;
  }
  c.reply.int(removed);
}

function linsertCommand(c: Client, argv: Buffer[]): void {
  let after: boolean;
  if (isArg(argv[2]!, 'AFTER')) after = true;
  else if (isArg(argv[2]!, 'BEFORE')) after = false;
  else {
    c.error(E.SYNTAX);
    return;
  }
  const key = keyOf(argv[1]!);
  const o = listForWrite(c, key);
  if (o === null) return;
  if (o === undefined) {
    c.reply.int(0);
    return;
  }
  const l = o.value;
  const pivot = argv[3]!;
  let pos = -1;
  for (let i = 0; i < l.length; i++) {
    if (l.get(i)!.equals(pivot)) {
      pos = i;
      break;
    }
  }
  if (pos < 0) {
    c.reply.int(-1);
    return;
  }
  l.insertAt(after ? pos + 1 : pos, own(argv[4]!));
  c.db.signalModifiedKey(key);
  c.server.notify('l', 'linsert', key, c.dbIndex);
  c.server.dirty++;
  c.reply.int(l.length);
}

function lposCommand(c: Client, argv: Buffer[]): void {
  let rank = 1;
  let count = -1;
  let maxlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = argv[j]!;
    if (isArg(opt, 'RANK') && more > 0) {
      j++;
      const n = rangeLongOrReply(c, argv[j]!, -LONG_MAX, LONG_MAX, null);
      if (n === null) return;
      if (n === 0) {
        c.error("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list");
        return;
      }
      // RANK LONG_MIN overflows in Redis (-rank stays negative) and acts as -1.
      rank = argv[j]!.toString('latin1') === '-9223372036854775808' ? -1 : n;
    } else if (isArg(opt, 'COUNT') && more > 0) {
      j++;
      const n = positiveLongOrReply(c, argv[j]!, "COUNT can't be negative");
      if (n === null) return;
      count = n;
    } else if (isArg(opt, 'MAXLEN') && more > 0) {
      j++;
      const n = positiveLongOrReply(c, argv[j]!, "MAXLEN can't be negative");
      if (n === null) return;
      maxlen = n;
    } else {
      c.error(E.SYNTAX);
      return;
    }
  }
  const o = listForRead(c, keyOf(argv[1]!));
  if (o === null) return;
  if (o === undefined) {
    if (count !== -1) c.reply.array(0);
    else c.reply.nil();
    return;
  }
  const l = o.value;
  const len = l.length;
  const ele = argv[2]!;
  const fromHead = rank > 0;
  let skip = Math.abs(rank) - 1;
  const want = count === -1 ? 1 : count === 0 ? Infinity : count;
  const limit = maxlen === 0 ? len : Math.min(maxlen, len);
  const found: number[] = [];
  for (let k = 0; k < limit && found.length < want; k++) {
    const i = fromHead ? k : len - 1 - k;
    if (l.get(i)!.equals(ele)) {
      if (skip > 0) skip--;
      else found.push(i);
    }
  }
  if (count !== -1) {
    c.reply.array(found.length);
    for (const i of found) c.reply.int(i);
  } else if (found.length > 0) {
    c.reply.int(found[0]!);
  } else {
    c.reply.nil();
  }
}

export const listHandlers: Record<string, Handler> = {
  lpush: (c, argv) => pushGeneric(c, argv, true, false),
  rpush: (c, argv) => pushGeneric(c, argv, false, false),
  lpushx: (c, argv) => pushGeneric(c, argv, true, true),
  rpushx: (c, argv) => pushGeneric(c, argv, false, true),
  lpop: (c, argv) => popGeneric(c, argv, true),
  rpop: (c, argv) => popGeneric(c, argv, false),
  lmpop: lmpopCommand,
  blpop: (c, argv) => bpopCommand(c, argv, true),
  brpop: (c, argv) => bpopCommand(c, argv, false),
  blmpop: blmpopCommand,
  lmove: lmoveCommand,
  rpoplpush: rpoplpushCommand,
  blmove: blmoveCommand,
  brpoplpush: brpoplpushCommand,
  llen: llenCommand,
  lindex: lindexCommand,
  lset: lsetCommand,
  lrange: lrangeCommand,
  ltrim: ltrimCommand,
  lrem: lremCommand,
  linsert: linsertCommand,
  lpos: lposCommand,
};
