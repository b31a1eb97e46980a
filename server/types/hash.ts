/*
 * A hash value. Fields are latin1 strings (binary safe), values private
 * Buffers. Two encodings, as Redis reports them:
 *
 *  - 'listpack' while the hash is small (≤ hash-max-listpack-entries fields,
 *    no field or value longer than hash-max-listpack-value): iteration is in
 *    insertion order, like Redis's listpack;
 *  - 'hashtable' after that, never going back.
 *
 * Besides the Map, every field sits in `fields`, an array with swap-remove,
 * giving O(1) random sampling (HRANDFIELD) and a HSCAN cursor with SCAN's
 * guarantee (walked from the end down, see server/db/keyspace.ts).
 *
 * API used by other modules (DUMP/RESTORE, SORT...): fromEntries(pairs),
 * entries(), length, encoding(), memoryUsage(); clone() for COPY.
 */

interface Entry {
  v: Buffer;
  /** Position in `fields`. */
  i: number;
}

export class HashValue {
  readonly map = new Map<string, Entry>();
  readonly fields: string[] = [];
  private listpack = true;

  /** Builds a hash; with limits given, the encoding follows them (else listpack unless > 512 entries / 64 bytes). */
  static fromEntries(pairs: Iterable<[Buffer, Buffer]>, maxEntries = 512, maxValue = 64): HashValue {
    const h = new HashValue();
    for (const [f, v] of pairs) {
      if (h.listpack && (f.length > maxValue || v.length > maxValue)) h.listpack = false;
      h.set(f.toString('latin1'), v);
    }
    if (h.length > maxEntries) h.listpack = false;
    return h;
  }

  get length(): number {
    return this.map.size;
  }

  get isListpack(): boolean {
    return this.listpack;
  }

  *entries(): IterableIterator<[Buffer, Buffer]> {
    for (const [f, e] of this.map) yield [Buffer.from(f, 'latin1'), e.v];
  }

  encoding(): string {
    return this.listpack ? 'listpack' : 'hashtable';
  }

  /** Converts to hashtable for good (hashTypeConvert). */
  convert(): void {
    this.listpack = false;
  }

  memoryUsage(): number {
    let n = 64;
    if (this.listpack) {
      for (const [f, e] of this.map) n += f.length + e.v.length + 4;
    } else {
      for (const [f, e] of this.map) n += f.length + e.v.length + 72;
    }
    return n;
  }

  get(field: string): Buffer | undefined {
    return this.map.get(field)?.v;
  }

  has(field: string): boolean {
    return this.map.has(field);
  }

  /** Sets a field (the value must be a private copy); true when the field is new. */
  set(field: string, v: Buffer): boolean {
    const e = this.map.get(field);
    if (e !== undefined) {
      e.v = v;
      return false;
    }
    this.map.set(field, { v, i: this.fields.length });
    this.fields.push(field);
    return true;
  }

  delete(field: string): boolean {
    const e = this.map.get(field);
    if (e === undefined) return false;
    this.map.delete(field);
    const last = this.fields.pop()!;
    if (e.i < this.fields.length) {
      this.fields[e.i] = last;
      this.map.get(last)!.i = e.i;
    }
    return true;
  }

  /** A deep copy with the same encoding (COPY). */
  clone(): HashValue {
    const h = new HashValue();
    for (const [f, e] of this.map) h.set(f, Buffer.from(e.v));
    h.listpack = this.listpack;
    return h;
  }

  /** A uniformly random field (the hash must not be empty). */
  randomField(): string {
    return this.fields[Math.floor(Math.random() * this.fields.length)]!;
  }
}
