/*
 * PLACEHOLDER (naive) list value — to be replaced by the data-type issue
 * with O(1) push/pop at both ends. Keep this API (other modules use it):
 * static from(items), [Symbol.iterator] over elements head→tail, length,
 * encoding() (Redis OBJECT ENCODING name), memoryUsage() (bytes estimate).
 */
export class ListValue {
  items: Buffer[] = [];
  static from(items: Buffer[]): ListValue {
    const l = new ListValue();
    l.items = items;
    return l;
  }
  get length(): number {
    return this.items.length;
  }
  [Symbol.iterator](): Iterator<Buffer> {
    return this.items[Symbol.iterator]();
  }
  encoding(): string {
    return 'listpack';
  }
  memoryUsage(): number {
    let n = 64;
    for (const b of this.items) n += b.length + 16;
    return n;
  }
}
