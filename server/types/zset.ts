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
import { SkipList, type LexRange, type ZNode } from './skiplist.js';

export const DEFAULT_ZSET_LIMITS = { entries: 128, value: 64 };

export class ZSetValue {
  readonly dict = new Map<string, ZNode>();
  readonly zsl = new SkipList();
  /**
   * Every node once, in no order, with swap-remove (node.idx is the slot):
   * ZSCAN walks it from the end down, so like the keyspace's SCAN an element
   * present for the whole scan is never missed, whatever is added or removed.
   */
  readonly slots: ZNode[] = [];
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
    for (let n = this.zsl.first(); n !== null; n = n.next[0]!) yield [n.member, n.score];
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
    for (const k of this.dict.keys()) n += k.length + 80;
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
    for (const n of this.dict.values()) if (n.score === 0) n.score = 0;
  }

  /** Before inserting a new `member`: converts to skiplist when it would go over the limits (never back). */
  grow(member: Buffer, maxEntries: number, maxValue: number): void {
    if (this.listpack && (this.dict.size + 1 > maxEntries || member.length > maxValue)) this.listpack = false;
  }

  node(member: Uint8Array): ZNode | undefined {
    return this.dict.get(Buffer.from(member.buffer, member.byteOffset, member.length).toString('latin1'));
  }

  score(member: Uint8Array): number | undefined {
    return this.node(member)?.score;
  }

  /** Inserts or updates; `member` must be a private copy when new. */
  set(member: Buffer, score: number): void {
    if (this.listpack && score === 0) score = 0;
    const k = member.toString('latin1');
    const n = this.dict.get(k);
    if (n === undefined) {
      const node = this.zsl.insert(score, member);
      node.idx = this.slots.length;
      this.slots.push(node);
      this.dict.set(k, node);
    } else if (n.score !== score) {
      const node = this.zsl.updateScore(n, score);
      if (node !== n) {
        node.idx = n.idx;
        this.slots[n.idx] = node;
        this.dict.set(k, node);
      }
    }
  }

  private unslot(n: ZNode): void {
    const last = this.slots.pop()!;
    if (last !== n) {
      this.slots[n.idx] = last;
      last.idx = n.idx;
    }
  }

  delete(member: Uint8Array): boolean {
    const k = Buffer.from(member.buffer, member.byteOffset, member.length).toString('latin1');
    const n = this.dict.get(k);
    if (n === undefined) return false;
    this.dict.delete(k);
    this.zsl.delete(n.score, n.member);
    this.unslot(n);
    return true;
  }

  /** Drops a node already unlinked from the skip list. */
  forget(n: ZNode): void {
    this.dict.delete(n.member.toString('latin1'));
    this.unslot(n);
  }

  /**
   * First / last element of a lex range. Lex ranges assume equal scores;
   * with mixed scores the answer depends on the search, so a listpack-encoded
   * set scans linearly as Redis does on a listpack.
   */
  firstInLex(r: LexRange): ZNode | null {
    return this.listpack ? this.zsl.firstInLexRangeLinear(r) : this.zsl.firstInLexRange(r);
  }

  lastInLex(r: LexRange): ZNode | null {
    return this.listpack ? this.zsl.lastInLexRangeLinear(r) : this.zsl.lastInLexRange(r);
  }

  /** 0-based rank, or -1 when absent. */
  rank(member: Uint8Array, rev: boolean): number {
    const n = this.node(member);
    if (n === undefined) return -1;
    const r = this.zsl.getRank(n.score, n.member) - 1;
    return rev ? this.dict.size - 1 - r : r;
  }
}
