/*
 * Reply encoder for RESP2 and RESP3. One Writer accumulates the replies of a
 * connection between flushes; methods that differ by protocol (maps, sets,
 * nulls, doubles, booleans, pushes) pick the encoding from `resp`, so a
 * handler writes the same calls for both. Large bulk values are kept as
 * separate chunks instead of being copied into the buffer.
 */
import { formatDouble } from './format.js';

const BIG = 16 * 1024;
const CRLF = Buffer.from('\r\n');

// Pre-encoded headers for small lengths and integers, the most common replies.
const SHARED = 1024;
const bulkHdr: Buffer[] = [];
const arrHdr: Buffer[] = [];
const ints: Buffer[] = [];
for (let i = 0; i < SHARED; i++) {
  bulkHdr.push(Buffer.from(`$${i}\r\n`));
  arrHdr.push(Buffer.from(`*${i}\r\n`));
  ints.push(Buffer.from(`:${i}\r\n`));
}

type Latin1Writable = Buffer & { latin1Write(s: string, offset: number): number };

export class Writer {
  buf: Buffer;
  len = 0;
  /** Completed chunks waiting in front of buf (large values, full buffers). */
  chunks: Buffer[] = [];
  resp: 2 | 3 = 2;

  constructor(size = 16 * 1024) {
    this.buf = Buffer.allocUnsafe(size);
  }

  get empty(): boolean {
    return this.len === 0 && this.chunks.length === 0;
  }

  /** Bytes queued in total. */
  get size(): number {
    let n = this.len;
    for (const c of this.chunks) n += c.length;
    return n;
  }

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    if (this.len > 0) this.chunks.push(Buffer.from(this.buf.subarray(0, this.len)));
    this.len = 0;
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2));
  }

  /** Appends bytes known to fit; a loop beats TypedArray.set for the few bytes of most replies. */
  private put(b: Uint8Array): void {
    const n = b.length;
    const buf = this.buf;
    let at = this.len;
    if (n <= 32) for (let i = 0; i < n; i++) buf[at++] = b[i]!;
    else {
      buf.set(b, at);
      at += n;
    }
    this.len = at;
  }

  raw(b: Uint8Array): void {
    if (b.length >= BIG) {
      if (this.len > 0) {
        this.chunks.push(Buffer.from(this.buf.subarray(0, this.len)));
        this.len = 0;
      }
      this.chunks.push(Buffer.from(b.buffer, b.byteOffset, b.length));
      return;
    }
    this.ensure(b.length);
    this.put(b);
  }

  ascii(s: string): void {
    this.ensure(s.length * 3);
    this.len += this.buf.write(s, this.len, 'latin1');
  }

  /** A position to roll back to (CLIENT REPLY OFF|SKIP discards a command's output). */
  mark(): number {
    return this.chunks.length * 0x100000000 + this.len;
  }

  rollback(mark: number): void {
    const chunks = Math.floor(mark / 0x100000000);
    const len = mark % 0x100000000;
    if (this.chunks.length > chunks) {
      // The output since the mark spilled into chunks: rebuild the buffer from the first of them.
      const first = this.chunks[chunks]!;
      this.chunks.length = chunks;
      this.len = 0;
      this.raw(first.subarray(0, len));
      return;
    }
    this.len = len;
  }

  /** Takes everything queued; the caller writes it to the socket. */
  take(): Buffer[] {
    const out = this.chunks;
    if (this.len > 0) {
      const b = Buffer.allocUnsafe(this.len);
      this.buf.copy(b, 0, 0, this.len);
      out.push(b);
      this.len = 0;
    }
    this.chunks = [];
    return out;
  }

  /**
   * take() without copying when everything queued is still in the writer's
   * own buffer (else null): a view of that buffer, which is written over by
   * the next output. A caller whose socket did not take the bytes at once
   * (writableLength > 0 after the write) calls detach() so the pending write
   * keeps them.
   */
  takeShared(): Buffer | null {
    if (this.chunks.length > 0 || this.len === 0) return null;
    const v = this.buf.subarray(0, this.len);
    this.len = 0;
    return v;
  }

  /** Leaves the buffer to whoever holds views of it and starts a new one. */
  detach(): void {
    this.buf = Buffer.allocUnsafe(this.buf.length);
    this.len = 0;
  }

  ok(): void { this.ascii('+OK\r\n'); }

  simple(s: string): void { this.ascii('+' + s + '\r\n'); }

  /** An error reply; `msg` starts with its code (ERR, WRONGTYPE...); a leading '-' is tolerated. */
  error(msg: string): void {
    const s = msg.charCodeAt(0) === 45 ? msg.slice(1) : msg;
    // Newlines would break the protocol; Redis replaces them with spaces.
    this.ascii('-' + (s.includes('\n') || s.includes('\r') ? s.replace(/[\r\n]/g, ' ') : s) + '\r\n');
  }

  int(n: number | bigint): void {
    if (typeof n === 'number' && n >= 0 && n < SHARED && Number.isInteger(n)) this.raw(ints[n]!);
    else this.ascii(':' + String(n) + '\r\n');
  }

  bulk(b: Uint8Array): void {
    const n = b.length;
    if (n < 1024) {
      // The common case in one bounds check: header, value, CRLF.
      this.ensure(n + 8);
      this.put(bulkHdr[n]!);
      this.put(b);
      this.buf[this.len++] = 13;
      this.buf[this.len++] = 10;
      return;
    }
    this.ascii('$' + n + '\r\n');
    this.raw(b);
    this.raw(CRLF);
  }

  /** A bulk string from a latin1 string (one char per byte), as keys and members are held. */
  bulkLatin1(s: string): void {
    const n = s.length;
    if (n >= 1024) {
      this.bulk(Buffer.from(s, 'latin1'));
      return;
    }
    this.ensure(n + 8);
    this.put(bulkHdr[n]!);
    if (n <= 64) {
      // Short members: a JS loop beats the native call's fixed cost.
      const buf = this.buf;
      let at = this.len;
      for (let i = 0; i < n; i++) buf[at++] = s.charCodeAt(i);
      this.len = at;
    } else {
      this.len += (this.buf as Latin1Writable).latin1Write(s, this.len);
    }
    this.buf[this.len++] = 13;
    this.buf[this.len++] = 10;
  }

  /** A bulk string from a JS string (UTF-8). */
  bulkStr(s: string): void {
    this.bulk(Buffer.from(s));
  }

  /** Null bulk: $-1 in RESP2, _ in RESP3. */
  nil(): void { this.ascii(this.resp === 2 ? '$-1\r\n' : '_\r\n'); }

  /** Null array: *-1 in RESP2, _ in RESP3. */
  nilArray(): void { this.ascii(this.resp === 2 ? '*-1\r\n' : '_\r\n'); }

  array(n: number): void {
    if (n < SHARED) this.raw(arrHdr[n]!);
    else this.ascii('*' + n + '\r\n');
  }

  /** A map of n pairs: %n in RESP3, a flat array of 2n in RESP2. */
  map(n: number): void {
    if (this.resp === 3) this.ascii('%' + n + '\r\n');
    else this.array(n * 2);
  }

  set(n: number): void {
    if (this.resp === 3) this.ascii('~' + n + '\r\n');
    else this.array(n);
  }

  push(n: number): void {
    if (this.resp === 3) this.ascii('>' + n + '\r\n');
    else this.array(n);
  }

  /** RESP3 attribute-free boolean; :1/:0 in RESP2. */
  bool(v: boolean): void {
    if (this.resp === 3) this.ascii(v ? '#t\r\n' : '#f\r\n');
    else this.raw(ints[v ? 1 : 0]!);
  }

  /** A double as Redis's addReplyDouble: a bulk string in RESP2, ',' in RESP3. */
  double(d: number): void {
    const s = formatDouble(d);
    if (this.resp === 3) this.ascii(',' + s + '\r\n');
    else this.bulk(Buffer.from(s, 'latin1'));
  }

  /** Verbatim string (=len\r\ntxt:...) in RESP3; a bulk string in RESP2. */
  verbatim(s: string, format = 'txt'): void {
    const b = Buffer.from(s);
    if (this.resp === 3) {
      this.ascii('=' + (b.length + 4) + '\r\n' + format + ':');
      this.raw(b);
      this.raw(CRLF);
    } else {
      this.bulk(b);
    }
  }

  bigNumber(s: string): void {
    if (this.resp === 3) this.ascii('(' + s + '\r\n');
    else this.bulk(Buffer.from(s, 'latin1'));
  }

  /** An array of bulk strings (a command, when sending to a server). */
  command(argv: readonly (Uint8Array | string)[]): void {
    this.array(argv.length);
    for (const a of argv) {
      if (typeof a === 'string') this.bulkStr(a);
      else this.bulk(a);
    }
  }
}

/** Encodes one command as a RESP array of bulk strings. */
export function encodeCommand(argv: readonly (Uint8Array | string)[]): Buffer {
  const w = new Writer(256);
  w.command(argv);
  return Buffer.concat(w.take());
}
