/*
 * A set value, with Redis 7.0's two encodings:
 *
 *  - 'intset': every member is an integer in canonical form (string2ll) and
 *    there are at most set-max-intset-entries of them. Kept as a sorted
 *    array of numbers (bigints beyond ±2^53), so members come out in
 *    ascending order as Redis's intset gives them;
 *  - 'hashtable': member (latin1 string) → position in `arr`, an array with
 *    swap-remove, for O(1) random members (SPOP, SRANDMEMBER) and an SSCAN
 *    cursor with SCAN's guarantee (walked from the end down).
 *
 * A set never goes back from hashtable to intset.
 *
 * API used by other modules (DUMP/RESTORE, SORT...): fromMembers(members),
 * members(), length, encoding(), memoryUsage(); clone() for COPY.
 */
import { latin1 } from './bytes.js';

export type IntMember = number | bigint;

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** string2ll on bytes: the integer when the bytes are its canonical form, else null. */
export function intOfBytes(b: Uint8Array): IntMember | null {
  const len = b.length;
  if (len === 0 || len > 20) return null;
  let i = 0;
  const neg = b[0] === 45;
  if (neg) i = 1;
  if (i >= len) return null;
  const d0 = b[i]!;
  if (d0 === 48) return len === 1 ? 0 : null;
  if (d0 < 49 || d0 > 57) return null;
  if (len - i <= 15) {
    let n = 0;
    for (; i < len; i++) {
      const d = b[i]! - 48;
      if (d < 0 || d > 9) return null;
      n = n * 10 + d;
    }
    return neg ? -n : n;
  }
  for (let k = i; k < len; k++) {
    const d = b[k]! - 48;
    if (d < 0 || d > 9) return null;
  }
  const v = BigInt(Buffer.from(b.buffer, b.byteOffset, len).toString('latin1'));
  if (v > INT64_MAX || v < INT64_MIN) return null;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
}

/** string2ll on a latin1 string. */
export function intOfString(s: string): IntMember | null {
  const len = s.length;
  if (len === 0 || len > 20) return null;
  let i = 0;
  const neg = s.charCodeAt(0) === 45;
  if (neg) i = 1;
  if (i >= len) return null;
  const d0 = s.charCodeAt(i);
  if (d0 === 48) return len === 1 ? 0 : null;
  if (d0 < 49 || d0 > 57) return null;
  let n = 0;
  for (; i < len; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return null;
    n = n * 10 + d;
  }
  if (len - (neg ? 1 : 0) <= 15) return neg ? -n : n;
  const v = BigInt(s);
  if (v > INT64_MAX || v < INT64_MIN) return null;
  const m = Number(v);
  return Number.isSafeInteger(m) ? m : v;
}

/** Position of v in the sorted array, or -(insertion point) - 1. */
function search(a: IntMember[], v: IntMember): number {
  let lo = 0;
  let hi = a.length - 1;
  // Fast paths for appends at either end, as intsetSearch has.
  if (hi >= 0) {
    if (v > a[hi]!) return -(hi + 1) - 1;
    if (v < a[0]!) return -1;
  }
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const x = a[mid]!;
    if (x < v) lo = mid + 1;
    else if (x > v) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

export class SetValue {
  /** The intset encoding's members, sorted; null once converted to a hashtable. */
  ints: IntMember[] | null = [];
  /** Hashtable encoding: member → index in arr. */
  map: Map<string, number> | null = null;
  arr: string[] = [];

  /** Builds a set, intset when every member is an integer and there are at most maxIntset of them. */
  static fromMembers(members: Iterable<Buffer>, maxIntset = 512): SetValue {
    const s = new SetValue();
    for (const m of members) s.add(m, maxIntset);
    return s;
  }

  /** setTypeCreate: an empty set whose encoding suits its first member. */
  static forMember(m: Uint8Array): SetValue {
    const s = new SetValue();
    if (intOfBytes(m) === null) s.convert();
    return s;
  }

  static forString(m: string): SetValue {
    const s = new SetValue();
    if (intOfString(m) === null) s.convert();
    return s;
  }

  get length(): number {
    return this.ints !== null ? this.ints.length : this.arr.length;
  }

  get isIntset(): boolean {
    return this.ints !== null;
  }

  *members(): IterableIterator<Buffer> {
    for (const s of this.strings()) yield Buffer.from(s, 'latin1');
  }

  /** Members as latin1 strings (intset: ascending). */
  strings(): string[] {
    if (this.ints !== null) return this.ints.map(String);
    return this.arr.slice();
  }

  encoding(): string {
    return this.ints !== null ? 'intset' : 'hashtable';
  }

  memoryUsage(): number {
    if (this.ints !== null) return 16 + this.ints.length * 8;
    let n = 64;
    for (const m of this.arr) n += m.length + 40;
    return n;
  }

  /** setTypeConvert to hashtable. */
  convert(): void {
    if (this.ints === null) return;
    const map = new Map<string, number>();
    const arr: string[] = [];
    for (const v of this.ints) {
      const s = String(v);
      map.set(s, arr.length);
      arr.push(s);
    }
    this.ints = null;
    this.map = map;
    this.arr = arr;
  }

  /** Adds a member; true when it was not there. */
  add(m: Uint8Array, maxIntset: number): boolean {
    if (this.ints !== null) {
      const v = intOfBytes(m);
      if (v !== null) return this.addInt(v, maxIntset);
      this.convert();
    }
    return this.addHt(latin1(m));
  }

  addString(s: string, maxIntset: number): boolean {
    if (this.ints !== null) {
      const v = intOfString(s);
      if (v !== null) return this.addInt(v, maxIntset);
      this.convert();
    }
    return this.addHt(s);
  }

  private addInt(v: IntMember, maxIntset: number): boolean {
    const a = this.ints!;
    const pos = search(a, v);
    if (pos >= 0) return false;
    const at = -pos - 1;
    if (at === a.length) a.push(v);
    else a.splice(at, 0, v);
    if (a.length > maxIntset) this.convert();
    return true;
  }

  private addHt(s: string): boolean {
    const map = this.map!;
    if (map.has(s)) return false;
    map.set(s, this.arr.length);
    this.arr.push(s);
    return true;
  }

  has(m: Uint8Array): boolean {
    if (this.ints !== null) {
      const v = intOfBytes(m);
      return v !== null && search(this.ints, v) >= 0;
    }
    return this.map!.has(latin1(m));
  }

  hasString(s: string): boolean {
    if (this.ints !== null) {
      const v = intOfString(s);
      return v !== null && search(this.ints, v) >= 0;
    }
    return this.map!.has(s);
  }

  hasInt(v: IntMember): boolean {
    if (this.ints !== null) return search(this.ints, v) >= 0;
    return this.map!.has(String(v));
  }

  remove(m: Uint8Array): boolean {
    if (this.ints !== null) {
      const v = intOfBytes(m);
      if (v === null) return false;
      const pos = search(this.ints, v);
      if (pos < 0) return false;
      this.ints.splice(pos, 1);
      return true;
    }
    return this.removeHt(latin1(m));
  }

  removeString(s: string): boolean {
    if (this.ints !== null) {
      const v = intOfString(s);
      if (v === null) return false;
      const pos = search(this.ints, v);
      if (pos < 0) return false;
      this.ints.splice(pos, 1);
      return true;
    }
    return this.removeHt(s);
  }

  private removeHt(s: string): boolean {
    const map = this.map!;
    const i = map.get(s);
    if (i === undefined) return false;
    map.delete(s);
    const last = this.arr.pop()!;
    if (i < this.arr.length) {
      this.arr[i] = last;
      map.set(last, i);
    }
    return true;
  }

  /** The member at an internal position (0 ≤ i < length). */
  at(i: number): string {
    return this.ints !== null ? String(this.ints[i]!) : this.arr[i]!;
  }

  /** A copy with the same encoding (COPY). */
  clone(): SetValue {
    const s = new SetValue();
    if (this.ints !== null) {
      s.ints = this.ints.slice();
    } else {
      s.ints = null;
      s.map = new Map(this.map!);
      s.arr = this.arr.slice();
    }
    return s;
  }

  /** A uniformly random member (the set must not be empty). */
  random(): string {
    return this.at(Math.floor(Math.random() * this.length));
  }

  /** Removes and returns a random member (the set must not be empty). */
  pop(): string {
    const i = Math.floor(Math.random() * this.length);
    if (this.ints !== null) {
      const v = this.ints[i]!;
      this.ints.splice(i, 1);
      return String(v);
    }
    const s = this.arr[i]!;
    this.removeHt(s);
    return s;
  }
}
