/*
 * The ordered index of a sorted set: a skip list ordered by (score, member
 * bytes) whose forward links carry spans, so rank lookups, rank ranges and
 * score/lex ranges are O(log n) like Redis's zskiplist. Member → node lookup
 * is the job of the Map kept next to it by ZSetValue.
 */

const MAX_LEVEL = 32;
const P = 0.25;

export class ZNode {
  backward: ZNode | null = null;
  /** Position in ZSetValue.slots (the ZSCAN order). */
  idx = -1;
  readonly next: (ZNode | null)[];
  readonly span: number[];
  constructor(public member: Buffer, public score: number, level: number) {
    // Built by push so V8 keeps them packed (new Array(n) makes holey, slower arrays).
    const next: (ZNode | null)[] = [];
    const span: number[] = [];
    for (let i = 0; i < level; i++) {
      next.push(null);
      span.push(0);
    }
    this.next = next;
    this.span = span;
  }
}

/** A score interval; `minex`/`maxex` exclude the bound. */
export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/** A lex bound: '-' (below everything), '+' (above everything) or a member, inclusive or not. */
export type LexBound = { kind: '-' } | { kind: '+' } | { kind: 'v'; v: Buffer; ex: boolean };
export interface LexRange {
  min: LexBound;
  max: LexBound;
}

function randomLevel(): number {
  let level = 1;
  while (Math.random() < P && level < MAX_LEVEL) level++;
  return level;
}

/** (score, member) order: negative when a sorts before b. */
function cmp(s1: number, m1: Buffer, s2: number, m2: Buffer): number {
  if (s1 < s2) return -1;
  if (s1 > s2) return 1;
  return Buffer.compare(m1, m2);
}

export function scoreGteMin(v: number, r: ScoreRange): boolean {
  return r.minex ? v > r.min : v >= r.min;
}
export function scoreLteMax(v: number, r: ScoreRange): boolean {
  return r.maxex ? v < r.max : v <= r.max;
}

export function lexGteMin(m: Buffer, b: LexBound): boolean {
  if (b.kind === '-') return true;
  if (b.kind === '+') return false;
  const c = Buffer.compare(m, b.v);
  return b.ex ? c > 0 : c >= 0;
}
export function lexLteMax(m: Buffer, b: LexBound): boolean {
  if (b.kind === '+') return true;
  if (b.kind === '-') return false;
  const c = Buffer.compare(m, b.v);
  return b.ex ? c < 0 : c <= 0;
}

/** True when the lex range can contain nothing (Redis's sdscmplex check; '-' and '+' count as exclusive). */
export function lexRangeEmpty(r: LexRange): boolean {
  const rank = (b: LexBound): number => (b.kind === '-' ? -1 : b.kind === '+' ? 1 : 0);
  const a = rank(r.min);
  const b = rank(r.max);
  if (a !== 0 || b !== 0) return a === b || a > b || a === 1 || b === -1;
  const mn = r.min as { v: Buffer; ex: boolean };
  const mx = r.max as { v: Buffer; ex: boolean };
  const c = Buffer.compare(mn.v, mx.v);
  return c > 0 || (c === 0 && (mn.ex || mx.ex));
}

export function scoreRangeEmpty(r: ScoreRange): boolean {
  return r.min > r.max || (r.min === r.max && (r.minex || r.maxex));
}

/*
 * Scratch arrays for the per-level search paths. Operations never nest, so
 * one set serves every list and no insert or delete allocates them.
 */
const UPDATE: ZNode[] = [];
const RANK: number[] = [];

export class SkipList {
  readonly header = new ZNode(Buffer.alloc(0), 0, MAX_LEVEL);

  constructor() {
    // Fill the scratch arrays once, so they are packed arrays of the right kind.
    if (UPDATE.length === 0) for (let i = 0; i < MAX_LEVEL; i++) {
      UPDATE.push(this.header);
      RANK.push(0);
    }
  }
  tail: ZNode | null = null;
  length = 0;
  level = 1;

  insert(score: number, member: Buffer): ZNode {
    const update = UPDATE;
    const rank = RANK;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      rank[i] = i === this.level - 1 ? 0 : rank[i + 1]!;
      let nx = x.next[i]!;
      while (nx !== null && cmp(nx.score, nx.member, score, member) < 0) {
        rank[i]! += x.span[i]!;
        x = nx;
        nx = x.next[i]!;
      }
      update[i] = x;
    }
    const level = randomLevel();
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rank[i] = 0;
        update[i] = this.header;
        this.header.span[i] = this.length;
      }
      this.level = level;
    }
    const node = new ZNode(member, score, level);
    for (let i = 0; i < level; i++) {
      const u = update[i]!;
      node.next[i] = u.next[i]!;
      u.next[i] = node;
      node.span[i] = u.span[i]! - (rank[0]! - rank[i]!);
      u.span[i] = rank[0]! - rank[i]! + 1;
    }
    for (let i = level; i < this.level; i++) update[i]!.span[i]!++;
    node.backward = update[0] === this.header ? null : update[0]!;
    if (node.next[0] !== null) node.next[0]!.backward = node;
    else this.tail = node;
    this.length++;
    return node;
  }

  private unlink(x: ZNode, update: ZNode[]): void {
    for (let i = 0; i < this.level; i++) {
      const u = update[i]!;
      if (u.next[i] === x) {
        u.span[i]! += x.span[i]! - 1;
        u.next[i] = x.next[i]!;
      } else {
        u.span[i]!--;
      }
    }
    if (x.next[0] !== null) x.next[0]!.backward = x.backward;
    else this.tail = x.backward;
    while (this.level > 1 && this.header.next[this.level - 1] === null) this.level--;
    this.length--;
  }

  private findUpdate(score: number, member: Buffer, update: ZNode[]): ZNode {
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = x.next[i]!;
      while (nx !== null && cmp(nx.score, nx.member, score, member) < 0) {
        x = nx;
        nx = x.next[i]!;
      }
      update[i] = x;
    }
    return x;
  }

  delete(score: number, member: Buffer): boolean {
    const update = UPDATE;
    const x = this.findUpdate(score, member, update).next[0]!;
    if (x !== null && x.score === score && x.member.equals(member)) {
      this.unlink(x, update);
      return true;
    }
    return false;
  }

  /** Changes a node's score; reuses the node when its position does not change. */
  updateScore(node: ZNode, newScore: number): ZNode {
    const prev = node.backward;
    const next = node.next[0]!;
    if ((prev === null || cmp(prev.score, prev.member, newScore, node.member) < 0) &&
        (next === null || cmp(next.score, next.member, newScore, node.member) > 0)) {
      node.score = newScore;
      return node;
    }
    this.delete(node.score, node.member);
    return this.insert(newScore, node.member);
  }

  /** 1-based rank of an element, 0 when absent. */
  getRank(score: number, member: Buffer): number {
    let rank = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = x.next[i]!;
      while (nx !== null && cmp(nx.score, nx.member, score, member) <= 0) {
        rank += x.span[i]!;
        x = nx;
        nx = x.next[i]!;
      }
      if (x !== this.header && x.score === score && x.member.equals(member)) return rank;
    }
    return 0;
  }

  /** The element at a 1-based rank. */
  getByRank(rank: number): ZNode | null {
    let traversed = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.next[i] !== null && traversed + x.span[i]! <= rank) {
        traversed += x.span[i]!;
        x = x.next[i]!;
      }
      if (traversed === rank) return x;
    }
    return null;
  }

  first(): ZNode | null {
    return this.header.next[0]!;
  }

  firstInRange(r: ScoreRange): ZNode | null {
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.next[i] !== null && !scoreGteMin(x.next[i]!.score, r)) x = x.next[i]!;
    }
    const n = x.next[0]!;
    if (n === null || !scoreLteMax(n.score, r)) return null;
    return n;
  }

  lastInRange(r: ScoreRange): ZNode | null {
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.next[i] !== null && scoreLteMax(x.next[i]!.score, r)) x = x.next[i]!;
    }
    if (x === this.header || !scoreGteMin(x.score, r)) return null;
    return x;
  }

  /** zslIsInLexRange: the range is not empty and overlaps [first, last] at the ends. */
  isInLexRange(r: LexRange): boolean {
    if (lexRangeEmpty(r)) return false;
    const last = this.tail;
    if (last === null || !lexGteMin(last.member, r.min)) return false;
    const first = this.header.next[0]!;
    return first !== null && lexLteMax(first.member, r.max);
  }

  firstInLexRange(r: LexRange): ZNode | null {
    if (!this.isInLexRange(r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.next[i] !== null && !lexGteMin(x.next[i]!.member, r.min)) x = x.next[i]!;
    }
    const n = x.next[0]!;
    if (n === null || !lexLteMax(n.member, r.max)) return null;
    return n;
  }

  lastInLexRange(r: LexRange): ZNode | null {
    if (!this.isInLexRange(r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.next[i] !== null && lexLteMax(x.next[i]!.member, r.max)) x = x.next[i]!;
    }
    if (x === this.header || !lexGteMin(x.member, r.min)) return null;
    return x;
  }

  /** The first node >= min by the skip list search, without the range checks (zslDeleteRangeByLex). */
  firstInLexRangeNoCheck(r: LexRange): ZNode | null {
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.next[i] !== null && !lexGteMin(x.next[i]!.member, r.min)) x = x.next[i]!;
    }
    return x.next[0]!;
  }

  /** zzlFirstInLexRange: a linear scan from the head, as Redis does on a listpack. */
  firstInLexRangeLinear(r: LexRange): ZNode | null {
    if (!this.isInLexRange(r)) return null;
    for (let n = this.header.next[0]!; n !== null; n = n.next[0]!) {
      if (lexGteMin(n.member, r.min)) return lexLteMax(n.member, r.max) ? n : null;
    }
    return null;
  }

  /** zzlLastInLexRange: a linear scan from the tail. */
  lastInLexRangeLinear(r: LexRange): ZNode | null {
    if (!this.isInLexRange(r)) return null;
    for (let n = this.tail; n !== null; n = n.backward) {
      if (lexLteMax(n.member, r.max)) return lexGteMin(n.member, r.min) ? n : null;
    }
    return null;
  }

  /** Removes ranks start..end (1-based, inclusive); calls onDelete for each removed node. */
  deleteRangeByRank(start: number, end: number, onDelete: (n: ZNode) => void): number {
    const update = UPDATE;
    let traversed = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      while (x.next[i] !== null && traversed + x.span[i]! < start) {
        traversed += x.span[i]!;
        x = x.next[i]!;
      }
      update[i] = x;
    }
    traversed++;
    let n = x.next[0]!;
    let removed = 0;
    while (n !== null && traversed <= end) {
      const nx = n.next[0]!;
      this.unlink(n, update);
      onDelete(n);
      removed++;
      traversed++;
      n = nx;
    }
    return removed;
  }

  /** Removes the elements from node `from` on while `keep(node)` holds; returns the count. */
  deleteWhile(first: ZNode, inRange: (n: ZNode) => boolean, onDelete: (n: ZNode) => void): number {
    const update = UPDATE;
    this.findUpdate(first.score, first.member, update);
    let n: ZNode | null = first;
    let removed = 0;
    while (n !== null && inRange(n)) {
      const nx: ZNode | null = n.next[0]!;
      this.unlink(n, update);
      onDelete(n);
      removed++;
      n = nx;
    }
    return removed;
  }
}
