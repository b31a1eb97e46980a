/*
 * PLACEHOLDER (naive) hash value — to be replaced by the data-type issue.
 * Keep this API: static fromEntries(pairs), entries() over [field, value],
 * length, encoding(), memoryUsage().
 */
export class HashValue {
  map = new Map<string, Buffer>();
  static fromEntries(pairs: Iterable<[Buffer, Buffer]>): HashValue {
    const h = new HashValue();
    for (const [f, v] of pairs) h.map.set(f.toString('latin1'), v);
    return h;
  }
  get length(): number {
    return this.map.size;
  }
  *entries(): IterableIterator<[Buffer, Buffer]> {
    for (const [f, v] of this.map) yield [Buffer.from(f, 'latin1'), v];
  }
  encoding(): string {
    return 'listpack';
  }
  memoryUsage(): number {
    let n = 64;
    for (const [f, v] of this.map) n += f.length + v.length + 32;
    return n;
  }
}
