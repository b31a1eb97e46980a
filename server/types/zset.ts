/*
 * PLACEHOLDER (naive) sorted set value — to be replaced by the data-type
 * issue. Keep this API: static fromEntries([member, score]), entries() in
 * score order (ties by member bytes), length, encoding(), memoryUsage().
 */
export class ZSetValue {
  scores = new Map<string, number>();
  static fromEntries(entries: Iterable<[Buffer, number]>): ZSetValue {
    const z = new ZSetValue();
    for (const [m, s] of entries) z.scores.set(m.toString('latin1'), s);
    return z;
  }
  get length(): number {
    return this.scores.size;
  }
  *entries(): IterableIterator<[Buffer, number]> {
    const all = [...this.scores].sort((a, b) => a[1] - b[1] || Buffer.compare(Buffer.from(a[0], 'latin1'), Buffer.from(b[0], 'latin1')));
    for (const [m, s] of all) yield [Buffer.from(m, 'latin1'), s];
  }
  encoding(): string {
    return 'skiplist';
  }
  memoryUsage(): number {
    let n = 64;
    for (const m of this.scores.keys()) n += m.length + 48;
    return n;
  }
}
