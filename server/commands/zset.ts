/*
 * The sorted set commands (Redis 7.0 t_zset.c semantics): ZADD and friends,
 * rank / score / lex ranges, set operations, pops (blocking ones through
 * server/blocking.ts), ZRANDMEMBER and ZSCAN.
 */
import type { Handler } from './index.js';
import type { Client } from '../client.js';
import { E } from '../../common/errors.js';
import { lookupCommand } from '../../common/commands/index.js';
import { globMatch } from '../../common/glob.js';
import { formatG17 } from '../../common/resp/format.js';
import { intOrReply, isArg, keyOf, toFloat, toInt, lookupTyped } from './args.js';
import type { ZSetObject } from '../types/object.js';
import { ZSetValue } from '../types/zset.js';
import {
  lexGteMin, lexLteMax, lexRangeEmpty, scoreGteMin, scoreLteMax, scoreRangeEmpty,
  NONE, type LexBound, type LexRange, type ScoreRange, type ZNode,
} from '../types/skiplist.js';
import { blockClient, canBlock, servingKey } from '../blocking.js';

const E_RANGE_FLOAT = E.MIN_MAX_NOT_FLOAT;
const E_LEX = 'ERR min or max not valid string range item';
const E_POSITIVE = 'ERR value is out of range, must be positive';
const E_NAN = 'ERR resulting score is not a number (NaN)';

// ------------------------------------------------------------------ helpers

/** getDoubleFromObject: like toFloat, but an overflow to ±inf (1e400) is an error, as strtod's ERANGE is. */
export function zfloat(b: Buffer): number | null {
  const d = toFloat(b);
  if (d === null || Number.isFinite(d)) return d;
  return /inf/i.test(b.toString('latin1')) ? d : null;
}

export function zfloatOrReply(c: Client, b: Buffer, msg: string = E.NOT_FLOAT): number | null {
  const d = zfloat(b);
  if (d === null) c.error(msg);
  return d;
}

/** zset-max-listpack-entries / -value. */
export function zsetLimits(c: Client): [number, number] {
  return [c.server.config.num('zset-max-listpack-entries'), c.server.config.num('zset-max-listpack-value')];
}

/** The zset at key: undefined when missing, null after replying WRONGTYPE. */
export function getZset(c: Client, key: string, write: boolean): ZSetValue | undefined | null {
  const o = lookupTyped(c, key, 'zset', write);
  return o ? o.value : o;
}

function zsetObject(value: ZSetValue): ZSetObject {
  return { type: 'zset', value, lru: 0, idx: -1, snap: 0, sidx: -1 };
}

/** Deletes the key when its zset became empty; true when it did (and notifies "del"). */
function deleteIfEmpty(c: Client, key: string, z: ZSetValue): boolean {
  if (z.length > 0) return false;
  c.db.delete(key);
  c.server.notify('g', 'del', key, c.dbIndex);
  return true;
}

/** Stores a result zset at dst (or deletes dst when empty), as Redis's store commands do. */
export function storeResult(c: Client, dst: string, z: ZSetValue, event: string): void {
  if (z.length > 0) {
    const [me, mv] = zsetLimits(c);
    z.fitEncoding(me, mv);
    c.db.set(dst, zsetObject(z));
    c.db.signalModifiedKey(dst);
    c.server.notify('z', event, dst, c.dbIndex);
    c.server.signalKeyAsReady(c.db, dst);
  } else if (c.db.lookupWrite(dst) !== undefined) {
    c.db.delete(dst);
    c.db.signalModifiedKey(dst);
    c.server.notify('g', 'del', dst, c.dbIndex);
    c.server.dirty++;
  }
}

function withScoresReplyLen(c: Client, n: number, withscores: boolean): void {
  c.reply.array(withscores && c.resp === 2 ? n * 2 : n);
}

function emitElement(c: Client, member: string, score: number, withscores: boolean): void {
  if (withscores && c.resp === 3) c.reply.array(2);
  c.reply.bulkLatin1(member);
  if (withscores) c.reply.double(score);
}

/** strtod as Redis's zslParseRange uses it after '(' (leading spaces allowed, empty is 0). */
function strtodLoose(b: Buffer): number | null {
  const s = b.toString('latin1').replace(/^[ \t\n\v\f\r]+/, '');
  if (s === '') return 0;
  return toFloat(Buffer.from(s, 'latin1'));
}

function parseScoreBound(b: Buffer): [number, boolean] | null {
  if (b.length > 0 && b[0] === 0x28) {
    const d = strtodLoose(b.subarray(1));
    return d === null ? null : [d, true];
  }
  const d = strtodLoose(b);
  return d === null ? null : [d, false];
}

export function parseScoreRange(min: Buffer, max: Buffer): ScoreRange | null {
  const a = parseScoreBound(min);
  const b = parseScoreBound(max);
  if (a === null || b === null) return null;
  return { min: a[0], minex: a[1], max: b[0], maxex: b[1] };
}

function parseLexBound(b: Buffer): LexBound | null {
  if (b.length === 0) return null;
  const ch = b[0];
  if (ch === 0x2b) return b.length === 1 ? { kind: '+' } : null;
  if (ch === 0x2d) return b.length === 1 ? { kind: '-' } : null;
  if (ch === 0x28) return { kind: 'v', v: keyOf(b.subarray(1)), ex: true };
  if (ch === 0x5b) return { kind: 'v', v: keyOf(b.subarray(1)), ex: false };
  return null;
}

export function parseLexRange(min: Buffer, max: Buffer): LexRange | null {
  const a = parseLexBound(min);
  const b = parseLexBound(max);
  if (a === null || b === null) return null;
  return { min: a, max: b };
}

/** Redis's timeout argument (seconds, may be fractional) → ms; null after replying an error. */
export function timeoutOrReply(c: Client, b: Buffer): number | null {
  const d = toFloat(b);
  if (d === null) {
    c.error(E.TIMEOUT_NOT_FLOAT);
    return null;
  }
  // (long long)(seconds * 1000): out-of-range casts give LLONG_MIN on x86, hence "negative" for inf.
  const f = d * 1000;
  const ms = Number.isFinite(f) && Math.abs(f) < 9223372036854775808 ? Math.trunc(f) : -1;
  if (ms < 0) {
    c.error(E.TIMEOUT_NEGATIVE);
    return null;
  }
  if (ms > 9223372036854775807 - Date.now()) {
    c.error('ERR timeout is out of range');
    return null;
  }
  return ms === 0 ? 0 : ms;
}

/** Positive long (>= 0) or the given error. */
function positiveOrReply(c: Client, b: Buffer, msg: string): number | null {
  const n = toInt(b);
  if (n === null || n < 0) {
    c.error(msg);
    return null;
  }
  return n;
}

/** A long in [min, max] or `msg` (Redis's getRangeLongFromObjectOrReply with a message). */
function rangeLongOrReply(c: Client, b: Buffer, min: number, max: number, msg: string): number | null {
  const n = toInt(b);
  if (n === null || n < min || n > max) {
    c.error(msg);
    return null;
  }
  return n;
}

// ------------------------------------------------------------------ ZADD / ZINCRBY

/**
 * ZADD (also the core of ZINCRBY and GEOADD): argv is
 * [cmd, key, ...flags, score, member, ...]. `incrOnly` marks ZINCRBY.
 */
export function zaddCommand(c: Client, argv: Buffer[], incrOnly = false): void {
  let nx = false, xx = false, gt = false, lt = false, ch = false, incr = incrOnly;
  let idx = 2;
  if (!incrOnly) {
    for (; idx < argv.length; idx++) {
      const a = argv[idx]!;
      if (isArg(a, 'NX')) nx = true;
      else if (isArg(a, 'XX')) xx = true;
      else if (isArg(a, 'GT')) gt = true;
      else if (isArg(a, 'LT')) lt = true;
      else if (isArg(a, 'CH')) ch = true;
      else if (isArg(a, 'INCR')) incr = true;
      else break;
    }
  }
  const elements = argv.length - idx;
  if (elements % 2 !== 0 || elements === 0) {
    c.error(E.SYNTAX);
    return;
  }
  const n = elements / 2;
  if (nx && xx) {
    c.error('ERR XX and NX options at the same time are not compatible');
    return;
  }
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    c.error('ERR GT, LT, and/or NX options at the same time are not compatible');
    return;
  }
  if (incr && n > 1) {
    c.error('ERR INCR option supports a single increment-element pair');
    return;
  }
  const scores = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const d = zfloatOrReply(c, argv[idx + i * 2]!);
    if (d === null) return;
    scores[i] = d;
  }
  const key = keyOf(argv[1]!);
  let z = getZset(c, key, true);
  if (z === null) return;
  let added = 0, updated = 0, processed = 0;
  let newScore = 0;
  // Only adding elements needs the limits: not read on the hot update path.
  let maxEntries = -1, maxValue = -1;
  if (z === undefined) {
    [maxEntries, maxValue] = zsetLimits(c);
    if (xx) {
      if (incr) c.reply.nil();
      else c.reply.int(0);
      return;
    }
    z = new ZSetValue();
    if (maxEntries === 0 || argv[idx + 1]!.length > maxValue) z.listpack = false;
    c.db.add(key, zsetObject(z));
  }
  let err = false;
  for (let i = 0; i < n; i++) {
    const member = argv[idx + i * 2 + 1]!;
    let score = scores[i]!;
    const node = z.node(member);
    if (node !== undefined) {
      if (nx) continue;
      const cur = z.zsl.score(node);
      if (incr) {
        score += cur;
        if (Number.isNaN(score)) {
          c.error(E_NAN);
          err = true;
          break;
        }
      }
      if ((lt && score >= cur) || (gt && score <= cur)) continue;
      processed++;
      newScore = score;
      if (score !== cur) {
        z.update(node, score);
        updated++;
      }
    } else {
      if (xx) continue;
      if (maxEntries < 0) [maxEntries, maxValue] = zsetLimits(c);
      z.grow(member, maxEntries, maxValue);
      z.set(member, score);
      added++;
      processed++;
      newScore = score;
    }
  }
  if (added + updated > 0) {
    c.db.signalModifiedKey(key);
    c.server.notify('z', incr ? 'zincr' : 'zadd', key, c.dbIndex);
    c.server.dirty += added + updated;
    if (added > 0) c.server.signalKeyAsReady(c.db, key);
  }
  if (err) return;
  if (incr) {
    if (processed > 0) c.reply.double(newScore);
    else c.reply.nil();
  } else {
    c.reply.int(ch ? added + updated : added);
  }
}

// ------------------------------------------------------------------ simple reads

const zcard: Handler = (c, argv) => {
  const z = getZset(c, keyOf(argv[1]!), false);
  if (z === null) return;
  c.reply.int(z === undefined ? 0 : z.length);
};

const zscore: Handler = (c, argv) => {
  const z = getZset(c, keyOf(argv[1]!), false);
  if (z === null) return;
  const s = z?.score(argv[2]!);
  if (s === undefined) c.reply.nil();
  else c.reply.double(s);
};

const zmscore: Handler = (c, argv) => {
  const z = getZset(c, keyOf(argv[1]!), false);
  if (z === null) return;
  c.reply.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const s = z?.score(argv[i]!);
    if (s === undefined) c.reply.nil();
    else c.reply.double(s);
  }
};

function rankCommand(rev: boolean): Handler {
  return (c, argv) => {
    const z = getZset(c, keyOf(argv[1]!), false);
    if (z === null) return;
    if (z === undefined) {
      c.reply.nil();
      return;
    }
    const r = z.rank(argv[2]!, rev);
    if (r < 0) c.reply.nil();
    else c.reply.int(r);
  };
}

/** Number of elements in [first, last] (both nodes in the set). */
function spanCount(z: ZSetValue, first: ZNode, last: ZNode): number {
  if (first === NONE || last === NONE) return 0;
  const zsl = z.zsl;
  const a = zsl.getRank(zsl.score(first), zsl.member(first));
  const b = zsl.getRank(zsl.score(last), zsl.member(last));
  return b >= a ? b - a + 1 : 0;
}

const zcount: Handler = (c, argv) => {
  const r = parseScoreRange(argv[2]!, argv[3]!);
  if (r === null) {
    c.error(E_RANGE_FLOAT);
    return;
  }
  const z = getZset(c, keyOf(argv[1]!), false);
  if (z === null) return;
  if (z === undefined || scoreRangeEmpty(r)) {
    c.reply.int(0);
    return;
  }
  c.reply.int(spanCount(z, z.zsl.firstInRange(r), z.zsl.lastInRange(r)));
};

const zlexcount: Handler = (c, argv) => {
  const r = parseLexRange(argv[2]!, argv[3]!);
  if (r === null) {
    c.error(E_LEX);
    return;
  }
  const z = getZset(c, keyOf(argv[1]!), false);
  if (z === null) return;
  if (z === undefined || lexRangeEmpty(r)) {
    c.reply.int(0);
    return;
  }
  const first = z.firstInLex(r);
  if (first === NONE) {
    c.reply.int(0);
    return;
  }
  if (z.listpack) {
    // Redis on a listpack: counts forward from the first element while <= max.
    let count = 0;
    for (let n = first; n !== NONE && lexLteMax(z.zsl.member(n), r.max); n = z.zsl.next(n)) count++;
    c.reply.int(count);
    return;
  }
  const len = z.length;
  const zsl = z.zsl;
  let count = len - (zsl.getRank(zsl.score(first), zsl.member(first)) - 1);
  const last = zsl.lastInLexRange(r);
  if (last !== NONE) count -= len - zsl.getRank(zsl.score(last), zsl.member(last));
  c.reply.int(count);
};

// ------------------------------------------------------------------ ZRANGE family

type RangeType = 'auto' | 'rank' | 'score' | 'lex';
type Direction = 'auto' | 'fwd' | 'rev';

/** Collects the elements of a rank / score / lex range, in reply order. */
function collectRange(z: ZSetValue, type: RangeType, rev: boolean, start: number, end: number,
  sr: ScoreRange | null, lr: LexRange | null, offset: number, limit: number): ZNode[] {
  const out: ZNode[] = [];
  const len = z.length;
  const zsl = z.zsl;
  const step = (n: ZNode): ZNode => (rev ? zsl.prev(n) : zsl.next(n));
  if (type === 'rank') {
    if (start < 0) start = len + start;
    if (end < 0) end = len + end;
    if (start < 0) start = 0;
    if (start > end || start >= len) return out;
    if (end >= len) end = len - 1;
    let count = end - start + 1;
    let n = zsl.getByRank(rev ? len - start : start + 1);
    while (n !== NONE && count-- > 0) {
      out.push(n);
      n = step(n);
    }
    return out;
  }
  if (offset > 0 && offset >= len) return out;
  if (offset < 0) return out;
  let n: ZNode;
  let inRange: (n: ZNode) => boolean;
  if (type === 'score') {
    const r = sr!;
    if (scoreRangeEmpty(r)) return out;
    n = rev ? zsl.lastInRange(r) : zsl.firstInRange(r);
    inRange = rev ? (x) => scoreGteMin(zsl.score(x), r) : (x) => scoreLteMax(zsl.score(x), r);
  } else {
    const r = lr!;
    if (lexRangeEmpty(r)) return out;
    n = rev ? z.lastInLex(r) : z.firstInLex(r);
    inRange = rev ? (x) => lexGteMin(zsl.member(x), r.min) : (x) => lexLteMax(zsl.member(x), r.max);
  }
  while (n !== NONE && offset > 0) {
    offset--;
    n = step(n);
  }
  while (n !== NONE && limit !== 0) {
    if (!inRange(n)) break;
    out.push(n);
    limit--;
    n = step(n);
  }
  return out;
}

/** zrangeGenericCommand: argStart is the index of the source key. */
function zrangeGeneric(c: Client, argv: Buffer[], argStart: number, store: boolean, rtype: RangeType, dir: Direction): void {
  let minIdx = argStart + 1;
  let maxIdx = argStart + 2;
  let withscores = false;
  let offset = 0;
  let limit = -1;
  for (let j = argStart + 3; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const a = argv[j]!;
    if (!store && isArg(a, 'WITHSCORES')) withscores = true;
    else if (isArg(a, 'LIMIT') && left >= 2) {
      const o = intOrReply(c, argv[j + 1]!);
      if (o === null) return;
      const l = intOrReply(c, argv[j + 2]!);
      if (l === null) return;
      offset = o;
      limit = l;
      j += 2;
    } else if (dir === 'auto' && isArg(a, 'REV')) dir = 'rev';
    else if (rtype === 'auto' && isArg(a, 'BYLEX')) rtype = 'lex';
    else if (rtype === 'auto' && isArg(a, 'BYSCORE')) rtype = 'score';
    else {
      c.error(E.SYNTAX);
      return;
    }
  }
  if (dir === 'auto') dir = 'fwd';
  if (rtype === 'auto') rtype = 'rank';
  if (limit !== -1 && rtype === 'rank') {
    c.error('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
    return;
  }
  if (withscores && rtype === 'lex') {
    c.error('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
    return;
  }
  const rev = dir === 'rev';
  if (rev && rtype !== 'rank') [minIdx, maxIdx] = [maxIdx, minIdx];
  let start = 0, end = 0;
  let sr: ScoreRange | null = null;
  let lr: LexRange | null = null;
  if (rtype === 'rank') {
    const s = intOrReply(c, argv[minIdx]!);
    if (s === null) return;
    const e = intOrReply(c, argv[maxIdx]!);
    if (e === null) return;
    start = s;
    end = e;
  } else if (rtype === 'score') {
    sr = parseScoreRange(argv[minIdx]!, argv[maxIdx]!);
    if (sr === null) {
      c.error(E_RANGE_FLOAT);
      return;
    }
  } else {
    lr = parseLexRange(argv[minIdx]!, argv[maxIdx]!);
    if (lr === null) {
      c.error(E_LEX);
      return;
    }
  }
  const key = keyOf(argv[argStart]!);
  const z = getZset(c, key, false);
  if (z === null) return;
  const items = z === undefined ? [] : collectRange(z, rtype, rev, start, end, sr, lr, offset, limit);
  if (store) {
    const dst = keyOf(argv[1]!);
    const out = new ZSetValue();
    out.listpack = false;
    for (const n of items) out.setKey(z!.zsl.member(n), z!.zsl.score(n));
    storeResult(c, dst, out, 'zrangestore');
    if (items.length > 0) c.server.dirty++;
    c.reply.int(items.length);
    return;
  }
  withScoresReplyLen(c, items.length, withscores);
  for (const n of items) emitElement(c, z!.zsl.member(n), z!.zsl.score(n), withscores);
}

// ------------------------------------------------------------------ removals

const zrem: Handler = (c, argv) => {
  const key = keyOf(argv[1]!);
  const z = getZset(c, key, true);
  if (z === null) return;
  if (z === undefined) {
    c.reply.int(0);
    return;
  }
  let deleted = 0;
  let removedKey = false;
  for (let i = 2; i < argv.length; i++) {
    if (z.delete(argv[i]!)) deleted++;
    if (z.length === 0) {
      c.db.delete(key);
      removedKey = true;
      break;
    }
  }
  if (deleted > 0) {
    c.server.notify('z', 'zrem', key, c.dbIndex);
    if (removedKey) c.server.notify('g', 'del', key, c.dbIndex);
    c.db.signalModifiedKey(key);
    c.server.dirty += deleted;
  }
  c.reply.int(deleted);
};

function zremrange(kind: 'rank' | 'score' | 'lex'): Handler {
  return (c, argv) => {
    let start = 0, end = 0;
    let sr: ScoreRange | null = null;
    let lr: LexRange | null = null;
    if (kind === 'rank') {
      const s = intOrReply(c, argv[2]!);
      if (s === null) return;
      const e = intOrReply(c, argv[3]!);
      if (e === null) return;
      start = s;
      end = e;
    } else if (kind === 'score') {
      sr = parseScoreRange(argv[2]!, argv[3]!);
      if (sr === null) {
        c.error(E_RANGE_FLOAT);
        return;
      }
    } else {
      lr = parseLexRange(argv[2]!, argv[3]!);
      if (lr === null) {
        c.error(E_LEX);
        return;
      }
    }
    const key = keyOf(argv[1]!);
    const z = getZset(c, key, true);
    if (z === null) return;
    if (z === undefined) {
      c.reply.int(0);
      return;
    }
    let deleted = 0;
    const forget = (n: ZNode): void => z.forget(n);
    if (kind === 'rank') {
      const len = z.length;
      if (start < 0) start = len + start;
      if (end < 0) end = len + end;
      if (start < 0) start = 0;
      if (start > end || start >= len) {
        c.reply.int(0);
        return;
      }
      if (end >= len) end = len - 1;
      deleted = z.zsl.deleteRangeByRank(start + 1, end + 1, forget);
    } else if (kind === 'score') {
      const r = sr!;
      const first = scoreRangeEmpty(r) ? NONE : z.zsl.firstInRange(r);
      if (first !== NONE) deleted = z.zsl.deleteWhile(first, (n) => scoreLteMax(z.zsl.score(n), r), forget);
    } else {
      const r = lr!;
      const first = lexRangeEmpty(r) ? NONE : z.listpack ? z.firstInLex(r) : z.zsl.firstInLexRangeNoCheck(r);
      if (first !== NONE) deleted = z.zsl.deleteWhile(first, (n) => lexLteMax(z.zsl.member(n), r.max), forget);
    }
    if (deleted > 0) {
      c.db.signalModifiedKey(key);
      c.server.notify('z', `zremrangeby${kind}`, key, c.dbIndex);
      deleteIfEmpty(c, key, z);
      c.server.dirty += deleted;
    }
    c.reply.int(deleted);
  };
}

// ------------------------------------------------------------------ set operations

interface Src {
  size: number;
  weight: number;
  /** Members (latin1 strings) with their scores. */
  items: () => Iterable<[string, number]>;
  get: (k: string) => number | undefined;
}

function makeSrc(o: { type: 'zset'; value: ZSetValue } | { type: 'set'; value: { strings(): string[] } } | undefined): Src {
  if (o === undefined) return { size: 0, weight: 1, items: () => [], get: () => undefined };
  if (o.type === 'zset') {
    const z = o.value;
    return {
      size: z.length, weight: 1,
      items: function* () { for (const [k, n] of z.dict) yield [k, z.zsl.score(n)] as [string, number]; },
      get: (k) => { const n = z.dict.get(k); return n === undefined ? undefined : z.zsl.score(n); },
    };
  }
  const members = new Set(o.value.strings());
  return {
    size: members.size, weight: 1,
    items: function* () { for (const m of members) yield [m, 1] as [string, number]; },
    get: (k) => (members.has(k) ? 1 : undefined),
  };
}

type Op = 'union' | 'inter' | 'diff';
type Aggr = 'sum' | 'min' | 'max';

function aggregate(a: number, v: number, how: Aggr): number {
  if (how === 'sum') {
    const s = a + v;
    return Number.isNaN(s) ? 0 : s;
  }
  if (how === 'min') return v < a ? v : a;
  return v > a ? v : a;
}

/** zunionInterDiffGenericCommand. dst !== null for the STORE forms; cardOnly for ZINTERCARD. */
function zsetOp(c: Client, argv: Buffer[], dst: string | null, numIdx: number, op: Op, cardOnly = false): void {
  const setnum = intOrReply(c, argv[numIdx]!);
  if (setnum === null) return;
  const name = argv[0]!.toString('latin1').toLowerCase();
  if (setnum < 1) {
    c.error(`ERR at least 1 input key is needed for '${name}' command`);
    return;
  }
  if (setnum > argv.length - (numIdx + 1)) {
    c.error(E.SYNTAX);
    return;
  }
  const srcs: Src[] = [];
  let j = numIdx + 1;
  for (let i = 0; i < setnum; i++, j++) {
    const o = dst !== null ? c.db.lookupWrite(keyOf(argv[j]!)) : c.db.lookupRead(keyOf(argv[j]!));
    if (o !== undefined && o.type !== 'zset' && o.type !== 'set') {
      c.error(E.WRONGTYPE);
      return;
    }
    srcs.push(makeSrc(o as Parameters<typeof makeSrc>[0]));
  }
  let aggr: Aggr = 'sum';
  let withscores = false;
  let limit = 0;
  while (j < argv.length) {
    const remaining = argv.length - j;
    const a = argv[j]!;
    if (op !== 'diff' && !cardOnly && remaining >= setnum + 1 && isArg(a, 'WEIGHTS')) {
      j++;
      for (let i = 0; i < setnum; i++, j++) {
        const w = zfloatOrReply(c, argv[j]!, 'ERR weight value is not a float');
        if (w === null) return;
        srcs[i]!.weight = w;
      }
    } else if (op !== 'diff' && !cardOnly && remaining >= 2 && isArg(a, 'AGGREGATE')) {
      const v = argv[j + 1]!;
      if (isArg(v, 'SUM')) aggr = 'sum';
      else if (isArg(v, 'MIN')) aggr = 'min';
      else if (isArg(v, 'MAX')) aggr = 'max';
      else {
        c.error(E.SYNTAX);
        return;
      }
      j += 2;
    } else if (dst === null && !cardOnly && isArg(a, 'WITHSCORES')) {
      withscores = true;
      j++;
    } else if (cardOnly && remaining >= 2 && isArg(a, 'LIMIT')) {
      const l = positiveOrReply(c, argv[j + 1]!, "ERR LIMIT can't be negative");
      if (l === null) return;
      limit = l;
      j += 2;
    } else {
      c.error(E.SYNTAX);
      return;
    }
  }
  if (op !== 'diff') {
    const order = srcs.map((s, i) => [s, i] as const).sort((x, y) => x[0].size - y[0].size || x[1] - y[1]);
    for (let i = 0; i < order.length; i++) srcs[i] = order[i]![0];
  }
  const out = new ZSetValue();
  out.listpack = false;
  let card = 0;
  if (op === 'inter') {
    const first = srcs[0]!;
    if (first.size > 0) {
      for (const [k, s0] of first.items()) {
        let score = first.weight * s0;
        if (Number.isNaN(score)) score = 0;
        let ok = true;
        for (let i = 1; i < srcs.length; i++) {
          const src = srcs[i]!;
          const v = src.get(k);
          if (v === undefined) {
            ok = false;
            break;
          }
          let ws = src.weight * v;
          if (Number.isNaN(ws)) ws = 0;
          score = aggregate(score, ws, aggr);
        }
        if (!ok) continue;
        if (cardOnly) {
          card++;
          if (limit !== 0 && card >= limit) break;
        } else {
          out.setKey(k, score);
        }
      }
    }
  } else if (op === 'union') {
    const acc = new Map<string, number>();
    for (const src of srcs) {
      for (const [k, s0] of src.items()) {
        let score = src.weight * s0;
        if (Number.isNaN(score)) score = 0;
        const cur = acc.get(k);
        acc.set(k, cur === undefined ? score : aggregate(cur, score, aggr));
      }
    }
    for (const [k, s] of acc) out.setKey(k, s);
  } else {
    const first = srcs[0]!;
    for (const [k, s] of first.items()) {
      let found = false;
      for (let i = 1; i < srcs.length; i++) {
        if (srcs[i]!.get(k) !== undefined) {
          found = true;
          break;
        }
      }
      if (!found) out.setKey(k, s);
    }
  }
  if (cardOnly) {
    c.reply.int(card);
    return;
  }
  if (dst !== null) {
    const n = out.length;
    storeResult(c, dst, out, op === 'union' ? 'zunionstore' : op === 'inter' ? 'zinterstore' : 'zdiffstore');
    if (n > 0) c.server.dirty++;
    c.reply.int(n);
    return;
  }
  withScoresReplyLen(c, out.length, withscores);
  for (let n = out.zsl.first(); n !== NONE; n = out.zsl.next(n)) emitElement(c, out.zsl.member(n), out.zsl.score(n), withscores);
}

// ------------------------------------------------------------------ pops

const ZPOPMIN_B = Buffer.from('ZPOPMIN');
const ZPOPMAX_B = Buffer.from('ZPOPMAX');

/**
 * genericZpopCommand: pops from the first non-empty key. `count` -1 means
 * "no count given". Returns the key served, or null.
 */
function zpopGeneric(c: Client, keys: Buffer[], max: boolean, emitKey: boolean, count: number, nested: boolean, nilWhenEmpty: boolean): Buffer | null {
  let z: ZSetValue | undefined;
  let keyBuf: Buffer | undefined;
  for (const kb of keys) {
    const got = getZset(c, keyOf(kb), true);
    if (got === null) return null;
    if (got === undefined) continue;
    z = got;
    keyBuf = kb;
    break;
  }
  if (count === 0) {
    c.reply.array(0);
    return null;
  }
  if (z === undefined || keyBuf === undefined) {
    if (nilWhenEmpty) c.reply.nilArray();
    else c.reply.array(0);
    return null;
  }
  const key = keyOf(keyBuf);
  const want = count === -1 ? 1 : count;
  const len = z.length;
  const n = want > len ? len : want;
  if (!nested && !emitKey) c.reply.array(n * 2);
  else if (nested && !emitKey) c.reply.array(n);
  else if (!nested && emitKey) {
    c.reply.array(n * 2 + 1);
    c.reply.bulk(keyBuf);
  } else {
    c.reply.array(2);
    c.reply.bulk(keyBuf);
    c.reply.array(n);
  }
  for (let i = 0; i < n; i++) {
    const node = max ? z.zsl.tail : z.zsl.first();
    const member = z.zsl.member(node);
    const score = z.zsl.score(node);
    z.deleteKey(member);
    if (nested) c.reply.array(2);
    c.reply.bulkLatin1(member);
    c.reply.double(score);
  }
  c.server.notify('z', max ? 'zpopmax' : 'zpopmin', key, c.dbIndex);
  deleteIfEmpty(c, key, z);
  c.db.signalModifiedKey(key);
  c.server.dirty += n;
  lastPopped = n;
  return keyBuf;
}

/** How many elements the last zpopGeneric popped (what the pop is replicated with). */
let lastPopped = 0;

function zpopCommand(max: boolean): Handler {
  return (c, argv) => {
    if (argv.length > 3) {
      c.error(E.SYNTAX);
      return;
    }
    let count = -1;
    if (argv.length === 3) {
      const n = positiveOrReply(c, argv[2]!, E_POSITIVE);
      if (n === null) return;
      count = n;
    }
    zpopGeneric(c, [argv[1]!], max, false, count, c.resp === 3 && count !== -1, false);
  };
}

/** ZMPOP / BZMPOP argument parsing; returns null after an error reply. */
function parseMpop(c: Client, argv: Buffer[], numIdx: number): { keys: Buffer[]; max: boolean; count: number } | null {
  const numkeys = rangeLongOrReply(c, argv[numIdx]!, 1, Infinity, 'ERR numkeys should be greater than 0');
  if (numkeys === null) return null;
  const whereIdx = numIdx + numkeys + 1;
  if (whereIdx >= argv.length) {
    c.error(E.SYNTAX);
    return null;
  }
  let max: boolean;
  if (isArg(argv[whereIdx]!, 'MIN')) max = false;
  else if (isArg(argv[whereIdx]!, 'MAX')) max = true;
  else {
    c.error(E.SYNTAX);
    return null;
  }
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (count === -1 && isArg(argv[j]!, 'COUNT') && more > 0) {
      j++;
      const n = rangeLongOrReply(c, argv[j]!, 1, Infinity, 'ERR count should be greater than 0');
      if (n === null) return null;
      count = n;
    } else {
      c.error(E.SYNTAX);
      return null;
    }
  }
  if (count === -1) count = 1;
  return { keys: argv.slice(numIdx + 1, numIdx + 1 + numkeys), max, count };
}

const zmpop: Handler = (c, argv) => {
  const p = parseMpop(c, argv, 1);
  if (p === null) return;
  const served = zpopGeneric(c, p.keys, p.max, true, p.count, true, true);
  // Replicated as ZPOP[MIN|MAX] with the count actually popped, as Redis 7.0 does.
  if (served !== null) c.propagateArgv = [p.max ? ZPOPMAX_B : ZPOPMIN_B, served, Buffer.from(String(lastPopped))];
};

/** BZPOPMIN / BZPOPMAX / BZMPOP. */
function blockingPop(c: Client, argv: Buffer[], keys: Buffer[], max: boolean, timeoutMs: number, count: number, mpop: boolean): void {
  // A re-run after a signal serves from the signalled key only, as Redis 7.0 does.
  const ready = c.blockRetry ? servingKey() : null;
  const candidates = ready === null ? keys : keys.filter((kb) => keyOf(kb) === ready);
  for (const kb of candidates) {
    const key = keyOf(kb);
    // Re-run for a blocked client: a key that now holds another type does not serve it (no error).
    if (c.blockRetry && c.db.peek(key)?.type !== 'zset') continue;
    const z = getZset(c, key, true);
    if (z === null) return;
    if (z === undefined || z.length === 0) continue;
    zpopGeneric(c, [kb], max, true, count, mpop, mpop);
    c.propagateArgv = count === -1 ? [max ? ZPOPMAX_B : ZPOPMIN_B, kb] : [max ? ZPOPMAX_B : ZPOPMIN_B, kb, Buffer.from(String(lastPopped))];
    return;
  }
  if (!canBlock(c)) {
    c.reply.nilArray();
    return;
  }
  // The canonical entry (argv[0] may be a renamed name).
  const cmd = lookupCommand(mpop ? 'bzmpop' : max ? 'bzpopmax' : 'bzpopmin')!;
  blockClient(c, cmd, argv, keys.map(keyOf), timeoutMs, (cl) => cl.reply.nilArray());
}

function bzpopCommand(max: boolean): Handler {
  return (c, argv) => {
    const t = timeoutOrReply(c, argv[argv.length - 1]!);
    if (t === null) return;
    blockingPop(c, argv, argv.slice(1, argv.length - 1), max, t, -1, false);
  };
}

const bzmpop: Handler = (c, argv) => {
  const p = parseMpop(c, argv, 2);
  if (p === null) return;
  const t = timeoutOrReply(c, argv[1]!);
  if (t === null) return;
  blockingPop(c, argv, p.keys, p.max, t, p.count, true);
};

// ------------------------------------------------------------------ ZRANDMEMBER

function randInt(n: number): number {
  return Math.floor(Math.random() * n);
}

const zrandmember: Handler = (c, argv) => {
  if (argv.length >= 3) {
    const l = toInt(argv[2]!);
    if (l === null) {
      c.error(E.NOT_INTEGER);
      return;
    }
    if (argv[2]!.toString('latin1') === '-9223372036854775808') {
      c.error('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
      return;
    }
    let withscores = false;
    if (argv.length > 4 || (argv.length === 4 && !isArg(argv[3]!, 'WITHSCORES'))) {
      c.error(E.SYNTAX);
      return;
    } else if (argv.length === 4) {
      withscores = true;
      if (l < -4611686018427387903 || l > 4611686018427387903) {
        c.error('ERR value is out of range');
        return;
      }
    }
    const z = getZset(c, keyOf(argv[1]!), false);
    if (z === null) return;
    if (z === undefined) {
      c.reply.array(0);
      return;
    }
    const size = z.length;
    const uniq = l >= 0;
    const count = Math.abs(l);
    if (count === 0) {
      c.reply.array(0);
      return;
    }
    if (!uniq || count === 1) {
      withScoresReplyLen(c, count, withscores);
      for (let i = 0; i < count; i++) {
        const n = z.zsl.getByRank(randInt(size) + 1);
        emitElement(c, z.zsl.member(n), z.zsl.score(n), withscores);
      }
      return;
    }
    if (count >= size) {
      // Redis replies with the whole set, last element first.
      withScoresReplyLen(c, size, withscores);
      for (let n = z.zsl.tail; n !== NONE; n = z.zsl.prev(n)) emitElement(c, z.zsl.member(n), z.zsl.score(n), withscores);
      return;
    }
    // Distinct random ranks.
    const picked = new Set<number>();
    if (count * 3 > size) {
      const all = Array.from({ length: size }, (_, i) => i);
      for (let i = size - 1; i > 0; i--) {
        const r = randInt(i + 1);
        [all[i], all[r]] = [all[r]!, all[i]!];
      }
      for (let i = 0; i < count; i++) picked.add(all[i]!);
    } else {
      while (picked.size < count) picked.add(randInt(size));
    }
    withScoresReplyLen(c, count, withscores);
    for (const r of picked) {
      const n = z.zsl.getByRank(r + 1);
      emitElement(c, z.zsl.member(n), z.zsl.score(n), withscores);
    }
    return;
  }
  const z = getZset(c, keyOf(argv[1]!), false);
  if (z === null) return;
  if (z === undefined) {
    c.reply.nil();
    return;
  }
  c.reply.bulkLatin1(z.zsl.member(z.zsl.getByRank(randInt(z.length) + 1)));
};

// ------------------------------------------------------------------ ZSCAN

const EMPTY_SCAN = (c: Client): void => {
  c.reply.array(2);
  c.reply.bulkStr('0');
  c.reply.array(0);
};

/** Redis's parseScanCursorOrReply: an unsigned 64-bit decimal. */
export function scanCursorOrReply(c: Client, b: Buffer): bigint | null {
  const s = b.toString('latin1');
  if (!/^[+-]?\d+$/.test(s)) {
    c.error('ERR invalid cursor');
    return null;
  }
  let v = BigInt(s);
  if (v < 0n) {
    if (-v > 18446744073709551615n) {
      c.error('ERR invalid cursor');
      return null;
    }
    v = (1n << 64n) + v;
  }
  if (v > 18446744073709551615n) {
    c.error('ERR invalid cursor');
    return null;
  }
  return v;
}

const zscan: Handler = (c, argv) => {
  const cursor = scanCursorOrReply(c, argv[2]!);
  if (cursor === null) return;
  const z = getZset(c, keyOf(argv[1]!), false);
  if (z === null) return;
  if (z === undefined) {
    EMPTY_SCAN(c);
    return;
  }
  let count = 10;
  let pat: Buffer | null = null;
  for (let i = 3; i < argv.length;) {
    const left = argv.length - i;
    if (isArg(argv[i]!, 'COUNT') && left >= 2) {
      const n = intOrReply(c, argv[i + 1]!);
      if (n === null) return;
      if (n < 1) {
        c.error(E.SYNTAX);
        return;
      }
      count = n;
      i += 2;
    } else if (isArg(argv[i]!, 'MATCH') && left >= 2) {
      const p = argv[i + 1]!;
      pat = p.length === 1 && p[0] === 0x2a ? null : p;
      i += 2;
    } else {
      c.error(E.SYNTAX);
      return;
    }
  }
  const items: ZNode[] = [];
  let next = 0n;
  if (z.listpack) {
    for (let n = z.zsl.first(); n !== NONE; n = z.zsl.next(n)) items.push(n);
  } else {
    // The cursor is a position in the skip list's slots, walked from the end down (0 = start).
    const slots = z.zsl.slotNode;
    const len = slots.length;
    let pos = cursor === 0n || cursor > BigInt(len) ? len : Number(cursor);
    for (let taken = 0; pos > 0 && taken < count; taken++) items.push(slots[--pos]!);
    next = BigInt(pos);
  }
  const shown = pat === null ? items : items.filter((n) => globMatch(pat!, z.zsl.member(n)));
  c.reply.array(2);
  c.reply.bulkStr(next.toString());
  c.reply.array(shown.length * 2);
  for (const n of shown) {
    c.reply.bulkLatin1(z.zsl.member(n));
    c.reply.bulk(Buffer.from(formatG17(z.zsl.score(n)), 'latin1'));
  }
};

// ------------------------------------------------------------------ table

export const zsetHandlers: Record<string, Handler> = {
  zadd: (c, argv) => zaddCommand(c, argv),
  zincrby: (c, argv) => zaddCommand(c, argv, true),
  zcard, zscore, zmscore, zcount, zlexcount,
  zrank: rankCommand(false),
  zrevrank: rankCommand(true),
  zrange: (c, argv) => zrangeGeneric(c, argv, 1, false, 'auto', 'auto'),
  zrangestore: (c, argv) => zrangeGeneric(c, argv, 2, true, 'auto', 'auto'),
  zrevrange: (c, argv) => zrangeGeneric(c, argv, 1, false, 'rank', 'rev'),
  zrangebyscore: (c, argv) => zrangeGeneric(c, argv, 1, false, 'score', 'fwd'),
  zrevrangebyscore: (c, argv) => zrangeGeneric(c, argv, 1, false, 'score', 'rev'),
  zrangebylex: (c, argv) => zrangeGeneric(c, argv, 1, false, 'lex', 'fwd'),
  zrevrangebylex: (c, argv) => zrangeGeneric(c, argv, 1, false, 'lex', 'rev'),
  zrem,
  zremrangebyrank: zremrange('rank'),
  zremrangebyscore: zremrange('score'),
  zremrangebylex: zremrange('lex'),
  zunion: (c, argv) => zsetOp(c, argv, null, 1, 'union'),
  zinter: (c, argv) => zsetOp(c, argv, null, 1, 'inter'),
  zdiff: (c, argv) => zsetOp(c, argv, null, 1, 'diff'),
  zintercard: (c, argv) => zsetOp(c, argv, null, 1, 'inter', true),
  zunionstore: (c, argv) => zsetOp(c, argv, keyOf(argv[1]!), 2, 'union'),
  zinterstore: (c, argv) => zsetOp(c, argv, keyOf(argv[1]!), 2, 'inter'),
  zdiffstore: (c, argv) => zsetOp(c, argv, keyOf(argv[1]!), 2, 'diff'),
  zpopmin: zpopCommand(false),
  zpopmax: zpopCommand(true),
  zmpop,
  bzpopmin: bzpopCommand(false),
  bzpopmax: bzpopCommand(true),
  bzmpop,
  zrandmember,
  zscan,
};
