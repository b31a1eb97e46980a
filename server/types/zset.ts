/*
 * Sorted set value: a Map member → skip list node (O(1) score lookup) plus
 * the skip list (server/types/skiplist.ts) for O(log n) rank and ranges.
 *
 * API relied on by other modules (DUMP/RESTORE, SORT, OBJECT): static
 * fromEntries([member, score]), entries() in score order (ties by member
 * bytes), length, encoding(), memoryUsage().
 *
 * The encoding is reported as Redis would store the set: 'listpack' while
 * small (zset-max-listpack-entries / -value), 'skiplist' once converted.
 * Like Redis 7.0, a set converts when it grows past the limits and only
 * converts back when rebuilt (stores, RESTORE): `listpack` is sticky state.
 */
import { latin1 } from './bytes.js';
import { NONE, SkipList, type LexRange, type ZNode } from './skiplist.js';

export const DEFAULT_ZSET_LIMITS = { entries: 128, value: 64 };

export class ZSetValue {
  readonly dict = new Map<string, ZNode>();
  /**
   * The skip list also keeps every element once in its slot arrays, in no
   * order, with swap-remove: ZSCAN walks them from the end down, so like the
   * keyspace's SCAN an element present for the whole scan is never missed,
   * whatever is added or removed.
   */
  zsl = new SkipList();
  /** Encoding Redis would use: listpack (small) or skiplist. */
  listpack = true;

  /** Builds a set; its encoding follows the limits as when Redis loads or stores a set. */
  static fromEntries(entries: Iterable<[Buffer, number]>, maxEntries = DEFAULT_ZSET_LIMITS.entries, maxValue = DEFAULT_ZSET_LIMITS.value): ZSetValue {
    const z = new ZSetValue();
    for (const [m, s] of entries) z.set(m, s);
    z.fitEncoding(maxEntries, maxValue);
    return z;
  }

  get length(): number {
    return this.dict.size;
  }

  *entries(): IterableIterator<[Buffer, number]> {
    const zsl = this.zsl;
    for (let n = zsl.first(); n !== NONE; n = zsl.next(n)) yield [Buffer.from(zsl.member(n), 'latin1'), zsl.score(n)];
  }

  encoding(): string {
    return this.listpack ? 'listpack' : 'skiplist';
  }

  memoryUsage(): number {
    let n = 64;
    if (this.listpack) {
      for (const k of this.dict.keys()) n += k.length + 11;
      return n;
    }
    n += this.zsl.bytes;
    for (const k of this.dict.keys()) n += k.length + 48;
    return n;
  }

  /** Chooses listpack or skiplist from scratch (store results, RESTORE). */
  fitEncoding(maxEntries: number, maxValue: number): void {
    if (this.dict.size > maxEntries) {
      this.listpack = false;
      return;
    }
    for (const k of this.dict.keys()) {
      if (k.length > maxValue) {
        this.listpack = false;
        return;
      }
    }
    this.listpack = true;
    // A listpack stores scores as text, where -0 is written "0".
    for (const n of this.dict.values()) if (this.zsl.score(n) === 0) this.zsl.setScore(n, 0);
  }

  /** Before inserting a new `member`: converts to skiplist when it would go over the limits (never back). */
  grow(member: Buffer, maxEntries: number, maxValue: number): void {
    if (this.listpack && (this.dict.size + 1 > maxEntries || member.length > maxValue)) this.listpack = false;
  }

  node(member: Uint8Array): ZNode | undefined {
    return this.dict.get(latin1(member));
  }

  score(member: Uint8Array): number | undefined {
    const n = this.node(member);
    return n === undefined ? undefined : this.zsl.score(n);
  }

  /** Inserts or updates. */
  set(member: Uint8Array, score: number): void {
    this.setKey(latin1(member), score);
  }

  /** set() for a member given as its latin1 string. */
  setKey(k: string, score: number): void {
    if (this.listpack && score === 0) score = 0;
    const n = this.dict.get(k);
    if (n === undefined) {
      this.dict.set(k, this.zsl.insert(score, k));
    } else {
      this.update(n, score);
    }
  }

  /** Sets the score of an element already in the set. */
  update(n: ZNode, score: number): void {
    if (this.listpack && score === 0) score = 0;
    if (this.zsl.score(n) !== score) this.zsl.updateScore(n, score);
  }

  delete(member: Uint8Array): boolean {
    return this.deleteKey(latin1(member));
  }

  deleteKey(k: string): boolean {
    const n = this.dict.get(k);
    if (n === undefined) return false;
    this.dict.delete(k);
    this.zsl.remove(n);
    this.compactIfSparse();
    return true;
  }

  /** Drops a node being removed from the skip list (the callback of its range deletes). */
  forget(n: ZNode): void {
    this.dict.delete(this.zsl.member(n));
  }

  /**
   * After deletes: rebuilds the skip list when its buffer is mostly freed
   * records. Inserting in slot order keeps every element in its slot, so a
   * ZSCAN in progress is not disturbed.
   */
  compactIfSparse(): void {
    if (!this.zsl.sparse) return;
    const old = this.zsl;
    this.zsl = new SkipList();
    for (const n of old.slotNode) {
      const m = old.member(n);
      this.dict.set(m, this.zsl.insert(old.score(n), m));
    }
  }

  /**
   * First / last element of a lex range. Lex ranges assume equal scores;
   * with mixed scores the answer depends on the search, so a listpack-encoded
   * set scans linearly as Redis does on a listpack.
   */
  firstInLex(r: LexRange): ZNode {
    return this.listpack ? this.zsl.firstInLexRangeLinear(r) : this.zsl.firstInLexRange(r);
  }

  lastInLex(r: LexRange): ZNode {
    return this.listpack ? this.zsl.lastInLexRangeLinear(r) : this.zsl.lastInLexRange(r);
  }

  /** 0-based rank, or -1 when absent. */
  rank(member: Uint8Array, rev: boolean): number {
    const n = this.node(member);
    if (n === undefined) return -1;
    const r = this.zsl.getRank(this.zsl.score(n), this.zsl.member(n)) - 1;
    return rev ? this.dict.size - 1 - r : r;
  }
}
