/*
 * The ordered index of a sorted set: a skip list ordered by (score, member
 * bytes) whose forward links carry spans, so rank lookups, rank ranges and
 * score/lex ranges are O(log n) like Redis's zskiplist. Member → node lookup
 * is the job of the Map kept next to it by ZSetValue.
 *
 * Nodes live in one ArrayBuffer rather than as JS objects: an object node
 * costs four dependent cache misses per search step (node → links array →
 * its backing store → next node → boxed score), which made ZADD on a large
 * set several times slower than Redis. Here a node is a record of 32-bit
 * words and its id is the record's offset in 8-byte units, so the score is
 * F[id] and the links follow it in the same cache line:
 *
 *   words 2id..2id+1  score (float64)
 *   word  2id+2       backward node id (0 = none)
 *   word  2id+3       level
 *   word  2id+4       slot (position in the dense slot arrays below)
 *   word  2id+6+2i    forward node id at level i (0 = none)
 *   word  2id+7+2i    span at level i
 *
 * Id 0 is the header, so 0 doubles as "no node". Members are kept in a dense
 * array by slot (as latin1 strings, shared with the member map's keys),
 * the same slots ZSCAN walks. Freed records go on a free
 * list per level; a list left mostly empty is rebuilt by ZSetValue.
 */

const MAX_LEVEL = 32;
const P = 0.25;
const HEAD_WORDS = 6;
/** Node id; 0 is the header and means "none" in links. */
export type ZNode = number;
export const NONE: ZNode = 0;

/** A score interval; `minex`/`maxex` exclude the bound. */
export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/** A lex bound: '-' (below everything), '+' (above everything) or a member, inclusive or not. */
export type LexBound = { kind: '-' } | { kind: '+' } | { kind: 'v'; v: string; ex: boolean };
export interface LexRange {
  min: LexBound;
  max: LexBound;
}

function randomLevel(): number {
  let level = 1;
  while (Math.random() < P && level < MAX_LEVEL) level++;
  return level;
}

export function scoreGteMin(v: number, r: ScoreRange): boolean {
  return r.minex ? v > r.min : v >= r.min;
}
export function scoreLteMax(v: number, r: ScoreRange): boolean {
  return r.maxex ? v < r.max : v <= r.max;
}

export function lexGteMin(m: string, b: LexBound): boolean {
  if (b.kind === '-') return true;
  if (b.kind === '+') return false;
  return b.ex ? m > b.v : m >= b.v;
}
export function lexLteMax(m: string, b: LexBound): boolean {
  if (b.kind === '+') return true;
  if (b.kind === '-') return false;
  return b.ex ? m < b.v : m <= b.v;
}

/** True when the lex range can contain nothing (Redis's sdscmplex check; '-' and '+' count as exclusive). */
export function lexRangeEmpty(r: LexRange): boolean {
  const rank = (b: LexBound): number => (b.kind === '-' ? -1 : b.kind === '+' ? 1 : 0);
  const a = rank(r.min);
  const b = rank(r.max);
  if (a !== 0 || b !== 0) return a === b || a > b || a === 1 || b === -1;
  const mn = r.min as { v: string; ex: boolean };
  const mx = r.max as { v: string; ex: boolean };
  return mn.v > mx.v || (mn.v === mx.v && (mn.ex || mx.ex));
}

export function scoreRangeEmpty(r: ScoreRange): boolean {
  return r.min > r.max || (r.min === r.max && (r.minex || r.maxex));
}

/*
 * Scratch arrays for the per-level search paths. Operations never nest, so
 * one set serves every list and no insert or delete allocates them.
 */
const UPDATE = new Int32Array(MAX_LEVEL);
const RANK = new Float64Array(MAX_LEVEL);

export class SkipList {
  private F: Float64Array;
  private W: Int32Array;
  /** Next unused word; always even, so every record starts 8-byte aligned. */
  private top: number;
  /** Per level, the first freed record of that level (chained through the backward word). */
  private readonly freeHead = new Int32Array(MAX_LEVEL + 1);
  /** Words held by live records, to tell when the buffer is mostly holes. */
  private liveWords = 0;
  /** Slot → node id and slot → member: every element once, in no order, swap-removed. */
  readonly slotNode: ZNode[] = [];
  private readonly slotMember: string[] = [];
  tail: ZNode = NONE;
  length = 0;
  level = 1;

  constructor(capacityWords = 96) {
    const buf = new ArrayBuffer(Math.max(capacityWords, HEAD_WORDS + 2 * MAX_LEVEL) * 4);
    this.F = new Float64Array(buf);
    this.W = new Int32Array(buf);
    this.W[3] = MAX_LEVEL;
    this.top = HEAD_WORDS + 2 * MAX_LEVEL;
  }

  score(n: ZNode): number {
    return this.F[n]!;
  }
  /** Only for changes that keep the order (-0 → 0 when a set becomes a listpack). */
  setScore(n: ZNode, s: number): void {
    this.F[n] = s;
  }
  /** The member as a latin1 string (one char per byte: string order is byte order). */
  member(n: ZNode): string {
    return this.slotMember[this.W[2 * n + 4]!]!;
  }
  next(n: ZNode): ZNode {
    return this.W[2 * n + HEAD_WORDS]!;
  }
  prev(n: ZNode): ZNode {
    return this.W[2 * n + 2]!;
  }
  first(): ZNode {
    return this.W[HEAD_WORDS]!;
  }
  /** Bytes held by the node buffer. */
  get bytes(): number {
    return this.W.byteLength;
  }
  /** True when most of a large buffer is freed records: worth a rebuild. */
  get sparse(): boolean {
    return this.W.length > 4096 && this.liveWords * 4 < this.W.length;
  }

  /** (score, member) order of node x against (score, member): negative when x sorts first. */
  private cmp(x: ZNode, score: number, member: string): number {
    const s = this.F[x]!;
    if (s < score) return -1;
    if (s > score) return 1;
    const m = this.slotMember[this.W[2 * x + 4]!]!;
    return m < member ? -1 : m > member ? 1 : 0;
  }

  private alloc(level: number): ZNode {
    let id = this.freeHead[level]!;
    if (id !== 0) {
      this.freeHead[level] = this.W[2 * id + 2]!;
    } else {
      const words = HEAD_WORDS + 2 * level;
      if (this.top + words > this.W.length) this.grow(this.top + words);
      id = this.top >> 1;
      this.top += words;
    }
    this.liveWords += HEAD_WORDS + 2 * level;
    return id;
  }

  private grow(minWords: number): void {
    const buf = new ArrayBuffer(Math.max(minWords, this.W.length * 2) * 4);
    const w = new Int32Array(buf);
    w.set(this.W);
    this.W = w;
    this.F = new Float64Array(buf);
  }

  private release(x: ZNode): void {
    const level = this.W[2 * x + 3]!;
    this.W[2 * x + 2] = this.freeHead[level]!;
    this.freeHead[level] = x;
    this.liveWords -= HEAD_WORDS + 2 * level;
  }

  /** Frees a node's slot by moving the last slot into it. */
  private unslot(x: ZNode): void {
    const i = this.W[2 * x + 4]!;
    const lastNode = this.slotNode.pop()!;
    const lastMember = this.slotMember.pop()!;
    if (lastNode !== x) {
      this.slotNode[i] = lastNode;
      this.slotMember[i] = lastMember;
      this.W[2 * lastNode + 4] = i;
    }
  }

  insert(score: number, member: string): ZNode {
    const slot = this.slotNode.length;
    const level = randomLevel();
    const node = this.alloc(level);
    this.W[2 * node + 3] = level;
    this.W[2 * node + 4] = slot;
    this.slotNode.push(node);
    this.slotMember.push(member);
    this.link(node, score, member);
    return node;
  }

  /** Links a record whose level and slot are set at the place of (score, member). */
  private link(node: ZNode, score: number, member: string): void {
    const update = UPDATE;
    const rank = RANK;
    const W = this.W;
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      rank[i] = i === this.level - 1 ? 0 : rank[i + 1]!;
      let nx = W[2 * x + HEAD_WORDS + 2 * i]!;
      while (nx !== 0 && this.cmp(nx, score, member) < 0) {
        rank[i]! += W[2 * x + HEAD_WORDS + 2 * i + 1]!;
        x = nx;
        nx = W[2 * x + HEAD_WORDS + 2 * i]!;
      }
      update[i] = x;
    }
    const b = 2 * node;
    const level = W[b + 3]!;
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rank[i] = 0;
        update[i] = 0;
        W[HEAD_WORDS + 2 * i + 1] = this.length;
      }
      this.level = level;
    }
    this.F[node] = score;
    for (let i = 0; i < level; i++) {
      const u = 2 * update[i]! + HEAD_WORDS + 2 * i;
      W[b + HEAD_WORDS + 2 * i] = W[u]!;
      W[u] = node;
      const d = rank[0]! - rank[i]!;
      W[b + HEAD_WORDS + 2 * i + 1] = W[u + 1]! - d;
      W[u + 1] = d + 1;
    }
    for (let i = level; i < this.level; i++) W[2 * update[i]! + HEAD_WORDS + 2 * i + 1]!++;
    W[b + 2] = update[0]!;
    const nx = W[b + HEAD_WORDS]!;
    if (nx !== 0) W[2 * nx + 2] = node;
    else this.tail = node;
    this.length++;
  }

  /** Unlinks x given its search path; the record and slot stay until released. */
  private unlink(x: ZNode, update: Int32Array): void {
    const W = this.W;
    for (let i = 0; i < this.level; i++) {
      const u = 2 * update[i]! + HEAD_WORDS + 2 * i;
      if (W[u] === x) {
        W[u + 1]! += W[2 * x + HEAD_WORDS + 2 * i + 1]! - 1;
        W[u] = W[2 * x + HEAD_WORDS + 2 * i]!;
      } else {
        W[u + 1]!--;
      }
    }
    const nx = W[2 * x + HEAD_WORDS]!;
    if (nx !== 0) W[2 * nx + 2] = W[2 * x + 2]!;
    else this.tail = W[2 * x + 2]!;
    while (this.level > 1 && W[HEAD_WORDS + 2 * (this.level - 1)] === 0) this.level--;
    this.length--;
  }

  private findUpdate(score: number, member: string, update: Int32Array): ZNode {
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = this.W[2 * x + HEAD_WORDS + 2 * i]!;
      while (nx !== 0 && this.cmp(nx, score, member) < 0) {
        x = nx;
        nx = this.W[2 * x + HEAD_WORDS + 2 * i]!;
      }
      update[i] = x;
    }
    return x;
  }

  /** Removes node x (found by its own score and member). */
  remove(x: ZNode): void {
    this.findUpdate(this.F[x]!, this.member(x), UPDATE);
    this.unlink(x, UPDATE);
    this.unslot(x);
    this.release(x);
  }

  /**
   * Changes a node's score. The node keeps its id, level and slot (moved in
   * the list when its place changes), so the member map and a ZSCAN in
   * progress are unaffected.
   */
  updateScore(node: ZNode, newScore: number): void {
    const prev = this.prev(node);
    const next = this.next(node);
    const member = this.member(node);
    if ((prev === 0 || this.cmp(prev, newScore, member) < 0) &&
        (next === 0 || this.cmp(next, newScore, member) > 0)) {
      this.F[node] = newScore;
      return;
    }
    this.findUpdate(this.F[node]!, member, UPDATE);
    this.unlink(node, UPDATE);
    this.link(node, newScore, member);
  }

  /** 1-based rank of an element, 0 when absent. */
  getRank(score: number, member: string): number {
    let rank = 0;
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = this.W[2 * x + HEAD_WORDS + 2 * i]!;
      while (nx !== 0 && this.cmp(nx, score, member) <= 0) {
        rank += this.W[2 * x + HEAD_WORDS + 2 * i + 1]!;
        x = nx;
        nx = this.W[2 * x + HEAD_WORDS + 2 * i]!;
      }
      if (x !== 0 && this.cmp(x, score, member) === 0) return rank;
    }
    return 0;
  }

  /** The element at a 1-based rank. */
  getByRank(rank: number): ZNode {
    let traversed = 0;
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = this.W[2 * x + HEAD_WORDS + 2 * i]!;
      while (nx !== 0 && traversed + this.W[2 * x + HEAD_WORDS + 2 * i + 1]! <= rank) {
        traversed += this.W[2 * x + HEAD_WORDS + 2 * i + 1]!;
        x = nx;
        nx = this.W[2 * x + HEAD_WORDS + 2 * i]!;
      }
      if (traversed === rank) return x;
    }
    return NONE;
  }

  /** The last node for which `before(node)` holds, searching from the header (0 if none). */
  private lastWhere(before: (n: ZNode) => boolean): ZNode {
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = this.W[2 * x + HEAD_WORDS + 2 * i]!;
      while (nx !== 0 && before(nx)) {
        x = nx;
        nx = this.W[2 * x + HEAD_WORDS + 2 * i]!;
      }
    }
    return x;
  }

  firstInRange(r: ScoreRange): ZNode {
    const n = this.next(this.lastWhere((x) => !scoreGteMin(this.F[x]!, r)));
    return n === 0 || !scoreLteMax(this.F[n]!, r) ? NONE : n;
  }

  lastInRange(r: ScoreRange): ZNode {
    const x = this.lastWhere((n) => scoreLteMax(this.F[n]!, r));
    return x === 0 || !scoreGteMin(this.F[x]!, r) ? NONE : x;
  }

  /** zslIsInLexRange: the range is not empty and overlaps [first, last] at the ends. */
  isInLexRange(r: LexRange): boolean {
    if (lexRangeEmpty(r)) return false;
    if (this.tail === 0 || !lexGteMin(this.member(this.tail), r.min)) return false;
    const first = this.first();
    return first !== 0 && lexLteMax(this.member(first), r.max);
  }

  firstInLexRange(r: LexRange): ZNode {
    if (!this.isInLexRange(r)) return NONE;
    const n = this.firstInLexRangeNoCheck(r);
    return n === 0 || !lexLteMax(this.member(n), r.max) ? NONE : n;
  }

  lastInLexRange(r: LexRange): ZNode {
    if (!this.isInLexRange(r)) return NONE;
    const x = this.lastWhere((n) => lexLteMax(this.member(n), r.max));
    return x === 0 || !lexGteMin(this.member(x), r.min) ? NONE : x;
  }

  /** The first node >= min by the skip list search, without the range checks (zslDeleteRangeByLex). */
  firstInLexRangeNoCheck(r: LexRange): ZNode {
    return this.next(this.lastWhere((n) => !lexGteMin(this.member(n), r.min)));
  }

  /** zzlFirstInLexRange: a linear scan from the head, as Redis does on a listpack. */
  firstInLexRangeLinear(r: LexRange): ZNode {
    if (!this.isInLexRange(r)) return NONE;
    for (let n = this.first(); n !== 0; n = this.next(n)) {
      const m = this.member(n);
      if (lexGteMin(m, r.min)) return lexLteMax(m, r.max) ? n : NONE;
    }
    return NONE;
  }

  /** zzlLastInLexRange: a linear scan from the tail. */
  lastInLexRangeLinear(r: LexRange): ZNode {
    if (!this.isInLexRange(r)) return NONE;
    for (let n = this.tail; n !== 0; n = this.prev(n)) {
      const m = this.member(n);
      if (lexLteMax(m, r.max)) return lexGteMin(m, r.min) ? n : NONE;
    }
    return NONE;
  }

  /** Removes ranks start..end (1-based, inclusive); calls onDelete for each node before it is freed. */
  deleteRangeByRank(start: number, end: number, onDelete: (n: ZNode) => void): number {
    const update = UPDATE;
    let traversed = 0;
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = this.W[2 * x + HEAD_WORDS + 2 * i]!;
      while (nx !== 0 && traversed + this.W[2 * x + HEAD_WORDS + 2 * i + 1]! < start) {
        traversed += this.W[2 * x + HEAD_WORDS + 2 * i + 1]!;
        x = nx;
        nx = this.W[2 * x + HEAD_WORDS + 2 * i]!;
      }
      update[i] = x;
    }
    traversed++;
    let n = this.next(x);
    let removed = 0;
    while (n !== 0 && traversed <= end) {
      const nx = this.next(n);
      this.drop(n, update, onDelete);
      removed++;
      traversed++;
      n = nx;
    }
    return removed;
  }

  /** Removes the elements from node `first` on while `inRange(node)` holds; returns the count. */
  deleteWhile(first: ZNode, inRange: (n: ZNode) => boolean, onDelete: (n: ZNode) => void): number {
    const update = UPDATE;
    this.findUpdate(this.F[first]!, this.member(first), update);
    let n = first;
    let removed = 0;
    while (n !== 0 && inRange(n)) {
      const nx = this.next(n);
      this.drop(n, update, onDelete);
      removed++;
      n = nx;
    }
    return removed;
  }

  private drop(n: ZNode, update: Int32Array, onDelete: (n: ZNode) => void): void {
    this.unlink(n, update);
    onDelete(n);
    this.unslot(n);
    this.release(n);
  }
}
