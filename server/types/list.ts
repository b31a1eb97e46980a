/*
 * The list value: a growable ring buffer of elements, so push and pop at
 * both ends are O(1) (amortised) and index access is O(1) too; inserting or
 * removing in the middle moves the shorter side, O(n) like Redis.
 *
 * API other modules rely on: static from(items), [Symbol.iterator] over
 * elements head→tail, length, encoding() (Redis OBJECT ENCODING name),
 * memoryUsage() (bytes estimate).
 *
 * Redis 7.0 always encodes lists as a quicklist (a linked list of listpack
 * nodes; the listpack encoding of small lists only came with 7.2), so
 * encoding() is always 'quicklist'. list-max-listpack-size only decides the
 * size of the nodes, which matters for the memory estimate.
 */
const MIN_CAP = 4;
/** listpack total-bytes + count header and end byte. */
const LP_HEADER = 7;

/** Bytes of one listpack entry: encoding + data + back-length (integers are stored compactly). */
function lpEntrySize(b: Buffer): number {
  let enc: number;
  const n = b.length;
  const asInt = n > 0 && n <= 20 ? intValue(b) : null;
  if (asInt !== null) {
    const v = asInt;
    if (v >= 0n && v <= 127n) enc = 1;
    else if (v >= -4096n && v <= 4095n) enc = 2;
    else if (v >= -32768n && v <= 32767n) enc = 3;
    else if (v >= -8388608n && v <= 8388607n) enc = 4;
    else if (v >= -2147483648n && v <= 2147483647n) enc = 5;
    else enc = 9;
  } else {
    enc = (n < 64 ? 1 : n < 4096 ? 2 : 5) + n;
  }
  const back = enc < 128 ? 1 : enc < 16384 ? 2 : enc < 2097152 ? 3 : enc < 268435456 ? 4 : 5;
  return enc + back;
}

/** string2ll: the element as a 64-bit integer when it is one in canonical form. */
function intValue(b: Buffer): bigint | null {
  let i = 0;
  if (b[0] === 0x2d) {
    if (b.length === 1) return null;
    i = 1;
  }
  if (b[i] === 0x30 && b.length > i + 1) return null;
  for (let j = i; j < b.length; j++) if (b[j]! < 0x30 || b[j]! > 0x39) return null;
  if (b.length === 2 && b[0] === 0x2d && b[1] === 0x30) return null;
  const v = BigInt(b.toString('latin1'));
  if (v > 9223372036854775807n || v < -9223372036854775808n) return null;
  return v;
}

/** jemalloc's size class for an allocation. */
function jemallocSize(n: number): number {
  if (n <= 8) return 8;
  if (n <= 128) return (n + 15) & ~15;
  const k = 31 - Math.clz32(n - 1); // 2^k < n <= 2^(k+1)
  const step = 2 ** (k - 2);
  return Math.ceil(n / step) * step;
}

export class ListValue {
  /** Capacity is always a power of two; slots outside [head, head+len) are undefined. */
  private buf: (Buffer | undefined)[];
  private head = 0;
  private len = 0;
  private mask: number;

  constructor(capacity = MIN_CAP) {
    let cap = MIN_CAP;
    while (cap < capacity) cap *= 2;
    this.buf = new Array<Buffer | undefined>(cap);
    this.mask = cap - 1;
  }

  static from(items: Iterable<Buffer>): ListValue {
    const arr = Array.isArray(items) ? (items as Buffer[]) : [...items];
    const l = new ListValue(arr.length);
    for (let i = 0; i < arr.length; i++) l.buf[i] = arr[i];
    l.len = arr.length;
    return l;
  }

  get length(): number {
    return this.len;
  }

  *[Symbol.iterator](): Iterator<Buffer> {
    for (let i = 0; i < this.len; i++) yield this.buf[(this.head + i) & this.mask]!;
  }

  /** Elements head→tail in a new array. */
  toArray(): Buffer[] {
    return this.range(0, this.len - 1);
  }

  private grow(): void {
    const old = this.buf;
    const cap = old.length * 2;
    const buf = new Array<Buffer | undefined>(cap);
    for (let i = 0; i < this.len; i++) buf[i] = old[(this.head + i) & this.mask];
    this.buf = buf;
    this.head = 0;
    this.mask = cap - 1;
  }

  /** Shrinks the buffer when it is mostly empty, so a drained big list frees its slots. */
  private maybeShrink(): void {
    const cap = this.buf.length;
    if (cap <= 64 || this.len * 8 > cap) return;
    let n = MIN_CAP;
    while (n < this.len * 2) n *= 2;
    const buf = new Array<Buffer | undefined>(n);
    for (let i = 0; i < this.len; i++) buf[i] = this.buf[(this.head + i) & this.mask];
    this.buf = buf;
    this.head = 0;
    this.mask = n - 1;
  }

  pushHead(v: Buffer): void {
    if (this.len === this.buf.length) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.buf[this.head] = v;
    this.len++;
  }

  pushTail(v: Buffer): void {
    if (this.len === this.buf.length) this.grow();
    this.buf[(this.head + this.len) & this.mask] = v;
    this.len++;
  }

  popHead(): Buffer | undefined {
    if (this.len === 0) return undefined;
    const v = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.len--;
    this.maybeShrink();
    return v;
  }

  popTail(): Buffer | undefined {
    if (this.len === 0) return undefined;
    const i = (this.head + this.len - 1) & this.mask;
    const v = this.buf[i];
    this.buf[i] = undefined;
    this.len--;
    this.maybeShrink();
    return v;
  }

  /** Element at a 0-based index from the head (negative counts from the tail); undefined if out of range. */
  get(index: number): Buffer | undefined {
    if (index < 0) index += this.len;
    if (index < 0 || index >= this.len) return undefined;
    return this.buf[(this.head + index) & this.mask];
  }

  /** Replaces the element at an index (as get()); false if out of range. */
  set(index: number, v: Buffer): boolean {
    if (index < 0) index += this.len;
    if (index < 0 || index >= this.len) return false;
    this.buf[(this.head + index) & this.mask] = v;
    return true;
  }

  /** Inserts so that the new element ends up at `index` (0..length). */
  insertAt(index: number, v: Buffer): void {
    if (index <= 0) return this.pushHead(v);
    if (index >= this.len) return this.pushTail(v);
    if (this.len === this.buf.length) this.grow();
    const m = this.mask;
    if (index < this.len / 2) {
      // Move the head side one slot to the left.
      this.head = (this.head - 1) & m;
      for (let i = 0; i < index; i++) this.buf[(this.head + i) & m] = this.buf[(this.head + i + 1) & m];
    } else {
      for (let i = this.len; i > index; i--) this.buf[(this.head + i) & m] = this.buf[(this.head + i - 1) & m];
    }
    this.buf[(this.head + index) & m] = v;
    this.len++;
  }

  /** Removes the element at a valid 0-based index. */
  removeAt(index: number): void {
    const m = this.mask;
    if (index < this.len / 2) {
      for (let i = index; i > 0; i--) this.buf[(this.head + i) & m] = this.buf[(this.head + i - 1) & m];
      this.buf[this.head] = undefined;
      this.head = (this.head + 1) & m;
    } else {
      for (let i = index; i < this.len - 1; i++) this.buf[(this.head + i) & m] = this.buf[(this.head + i + 1) & m];
      this.buf[(this.head + this.len - 1) & m] = undefined;
    }
    this.len--;
    this.maybeShrink();
  }

  /** Elements from `start` to `end` inclusive (already clamped, 0-based). */
  range(start: number, end: number): Buffer[] {
    const out: Buffer[] = [];
    for (let i = start; i <= end; i++) out.push(this.buf[(this.head + i) & this.mask]!);
    return out;
  }

  /** Keeps only elements start..end inclusive (clamped indexes; start > end empties the list). */
  trim(start: number, end: number): void {
    if (start > end || start >= this.len || end < 0) {
      this.buf = new Array<Buffer | undefined>(MIN_CAP);
      this.mask = MIN_CAP - 1;
      this.head = 0;
      this.len = 0;
      return;
    }
    const right = this.len - 1 - end;
    for (let i = 0; i < right; i++) this.popTail();
    for (let i = 0; i < start; i++) this.popHead();
  }

  /**
   * Removes up to `count` elements equal to `v` (0 = all), from the head
   * (count > 0) or the tail (count < 0). Returns how many were removed.
   */
  remove(v: Buffer, count: number): number {
    const items = this.toArray();
    const limit = count === 0 ? Infinity : Math.abs(count);
    let removed = 0;
    const drop = new Uint8Array(items.length);
    if (count >= 0) {
      for (let i = 0; i < items.length && removed < limit; i++) if (items[i]!.equals(v)) { drop[i] = 1; removed++; }
    } else {
      for (let i = items.length - 1; i >= 0 && removed < limit; i--) if (items[i]!.equals(v)) { drop[i] = 1; removed++; }
    }
    if (removed === 0) return 0;
    const kept: Buffer[] = [];
    for (let i = 0; i < items.length; i++) if (drop[i] === 0) kept.push(items[i]!);
    const l = ListValue.from(kept);
    this.buf = l.buf;
    this.head = 0;
    this.len = l.len;
    this.mask = l.mask;
    return removed;
  }

  encoding(): string {
    return 'quicklist';
  }

  /**
   * Bytes as Redis 7.0's MEMORY USAGE (default SAMPLES 5) reports a list
   * value: robj + quicklist header, 32-byte nodes of listpacks filled up to
   * 8 KB (list-max-listpack-size -2), jemalloc size classes, and the average
   * of the first 5 nodes' listpacks times the node count.
   */
  memoryUsage(): number {
    const LIMIT = 8192;
    const nodes: number[] = [];
    let cur = LP_HEADER;
    let entries = 0;
    for (let i = 0; i < this.len; i++) {
      const e = lpEntrySize(this.buf[(this.head + i) & this.mask]!);
      if (entries > 0 && cur + e > LIMIT) {
        nodes.push(cur);
        cur = LP_HEADER;
        entries = 0;
      }
      cur += e;
      entries++;
    }
    if (entries > 0 || nodes.length === 0) nodes.push(cur);
    const sample = Math.min(5, nodes.length);
    let sum = 0;
    for (let i = 0; i < sample; i++) sum += jemallocSize(nodes[i]!);
    return 16 + 48 + nodes.length * 32 + Math.round((sum / sample) * nodes.length);
  }

}
