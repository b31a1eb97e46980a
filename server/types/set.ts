/*
 * PLACEHOLDER (naive) set value — to be replaced by the data-type issue.
 * Keep this API: static fromMembers(members), members() iterator, length,
 * encoding() ('intset' | 'listpack' | 'hashtable'), memoryUsage().
 */
export class SetValue {
  set = new Set<string>();
  static fromMembers(members: Iterable<Buffer>): SetValue {
    const s = new SetValue();
    for (const m of members) s.set.add(m.toString('latin1'));
    return s;
  }
  get length(): number {
    return this.set.size;
  }
  *members(): IterableIterator<Buffer> {
    for (const m of this.set) yield Buffer.from(m, 'latin1');
  }
  encoding(): string {
    return 'hashtable';
  }
  memoryUsage(): number {
    let n = 64;
    for (const m of this.set) n += m.length + 24;
    return n;
  }
}
