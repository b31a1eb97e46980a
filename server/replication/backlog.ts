/*
 * The replication backlog: a ring buffer with the last `repl-backlog-size`
 * bytes of the replication stream, so a replica that was away for a while
 * can continue from its offset (PSYNC + CONTINUE) instead of a full sync.
 *
 * Offsets are Redis's: `offset` is master_repl_offset, the offset of the last
 * byte of the stream; the backlog holds bytes firstByteOffset..offset.
 */
export class Backlog {
  private buf: Buffer;
  /** Where the next byte goes in `buf`. */
  private idx = 0;
  histlen = 0;

  constructor(size: number, public offset: number) {
    this.buf = Buffer.alloc(Math.max(1, size));
  }

  get size(): number {
    return this.buf.length;
  }

  get firstByteOffset(): number {
    return this.offset - this.histlen + 1;
  }

  append(data: Buffer): void {
    const size = this.buf.length;
    this.offset += data.length;
    // Only the last `size` bytes can be kept.
    const src = data.length > size ? data.subarray(data.length - size) : data;
    const first = Math.min(src.length, size - this.idx);
    src.copy(this.buf, this.idx, 0, first);
    if (first < src.length) src.copy(this.buf, 0, first);
    this.idx = (this.idx + src.length) % size;
    this.histlen = Math.min(size, this.histlen + data.length);
  }

  /**
   * The stream from byte `from` (a replica's offset + 1) to the end, or null
   * when those bytes are no longer (or not yet) here.
   */
  since(from: number): Buffer | null {
    if (from < this.firstByteOffset || from > this.offset + 1) return null;
    const n = this.offset + 1 - from;
    const out = Buffer.allocUnsafe(n);
    const size = this.buf.length;
    const start = (this.idx - n + size) % size;
    const first = Math.min(n, size - start);
    this.buf.copy(out, 0, start, start + first);
    if (first < n) this.buf.copy(out, first, 0, n - first);
    return out;
  }

  /** CONFIG SET repl-backlog-size: keeps as much of the history as fits. */
  resize(size: number): void {
    const keep = this.since(this.offset + 1 - Math.min(this.histlen, size)) ?? Buffer.alloc(0);
    const end = this.offset;
    this.buf = Buffer.alloc(Math.max(1, size));
    this.idx = 0;
    this.histlen = 0;
    this.offset = end - keep.length;
    this.append(keep);
  }
}
