/*
 * AOF command streams: encoding a command as Redis appends it (a RESP array
 * of bulk strings), and reading a stream back one command at a time.
 *
 * The reader tells the two ways a file can be wrong apart, as Redis's loader
 * does: cut short (AofTruncated, with the offset up to which the content is
 * whole — before an unfinished MULTI, which must not be applied in part) and
 * corrupted (AofFormatError, with the offset). Lines starting with '#' are
 * annotations (Redis 7's `#TS:` timestamps) and are skipped.
 */

export class AofTruncated extends Error {
  constructor(readonly validUpTo: number) {
    super(`Unexpected end of file reading the append only file (whole up to offset ${validUpTo})`);
  }
}

export class AofFormatError extends Error {
  constructor(readonly offset: number) {
    super(`Bad file format reading the append only file at offset ${offset}`);
  }
}

/** catAppendOnlyGenericCommand, in one allocation: it runs for every write an AOF or a replica gets. */
export function encodeCommand(argv: readonly (Buffer | string)[]): Buffer {
  // Strings are latin1 (keys, numbers, command names): one byte per char.
  let size = 3 + String(argv.length).length;
  for (const a of argv) size += 5 + String(a.length).length + a.length;
  const out = Buffer.allocUnsafe(size);
  let at = out.write(`*${argv.length}\r\n`, 0, 'latin1');
  for (const a of argv) {
    at += out.write(`$${a.length}\r\n`, at, 'latin1');
    at += typeof a === 'string' ? out.write(a, at, 'latin1') : a.copy(out, at);
    out[at++] = 13;
    out[at++] = 10;
  }
  return out;
}


export class AofReader {
  /** Offset of the next command. */
  offset = 0;
  private multiStart = -1;

  constructor(private readonly buf: Buffer) {}

  /** The line starting at `at` without its CRLF, and the offset after it; null when the data ends first. */
  private line(at: number): [string, number] | null {
    const nl = this.buf.indexOf(10, at);
    if (nl < 0) return null;
    const end = nl > at && this.buf[nl - 1] === 13 ? nl - 1 : nl;
    return [this.buf.toString('latin1', at, end), nl + 1];
  }

  /** The next command's argv; null at the end of a whole file. */
  next(): Buffer[] | null {
    const buf = this.buf;
    for (;;) {
      const start = this.offset;
      if (start >= buf.length) {
        if (this.multiStart >= 0) throw new AofTruncated(this.multiStart);
        return null;
      }
      if (buf[start] === 0x23) {
        const l = this.line(start);
        if (l === null) throw this.truncated();
        this.offset = l[1];
        continue;
      }
      if (buf[start] !== 0x2a) throw new AofFormatError(start);
      const head = this.line(start);
      if (head === null) throw this.truncated();
      const argc = Number(head[0].slice(1));
      if (!Number.isInteger(argc) || argc < 1) throw new AofFormatError(start);
      let at = head[1];
      const argv: Buffer[] = [];
      for (let i = 0; i < argc; i++) {
        if (at >= buf.length) throw this.truncated();
        if (buf[at] !== 0x24) throw new AofFormatError(at);
        const l = this.line(at);
        if (l === null) throw this.truncated();
        const len = Number(l[0].slice(1));
        if (!Number.isInteger(len) || len < 0) throw new AofFormatError(at);
        if (l[1] + len + 2 > buf.length) throw this.truncated();
        if (buf[l[1] + len] !== 13 || buf[l[1] + len + 1] !== 10) throw new AofFormatError(l[1] + len);
        argv.push(buf.subarray(l[1], l[1] + len));
        at = l[1] + len + 2;
      }
      this.offset = at;
      const name = argv[0]!.toString('latin1').toLowerCase();
      if (name === 'multi') this.multiStart = start;
      else if (name === 'exec') this.multiStart = -1;
      return argv;
    }
  }

  private truncated(): AofTruncated {
    return new AofTruncated(this.multiStart >= 0 ? this.multiStart : this.offset);
  }
}
