/*
 * Incremental request parser: RESP arrays of bulk strings and inline
 * commands, with Redis's limits and exact protocol error texts
 * (processMultibulkBuffer / processInlineBuffer in networking.c).
 *
 * Arguments are views into the received chunks: a handler that keeps an
 * argument beyond the call must copy it. Chunks are fresh buffers from the
 * socket, never reused, so views stay valid; copying only avoids pinning
 * a whole chunk in memory.
 *
 * After an error, `error` holds the full reply text and the parser stops:
 * Redis replies and closes the connection.
 */

const CR = 13;
const LF = 10;
/** PROTO_INLINE_MAX_SIZE: longest header or inline line without a newline. */
export const INLINE_MAX = 64 * 1024;
const INT_MAX = 2147483647;
const EMPTY = Buffer.alloc(0);

export interface ParserLimits {
  /** proto-max-bulk-len */
  maxBulkLen: number;
  /** When true, the tighter limits for clients that have not authenticated apply. */
  authRequired: boolean;
}

/** string2ll over buf[start, end): Redis's strict integer syntax, or NaN. */
export function parseStrictInt(buf: Uint8Array, start: number, end: number): number {
  const len = end - start;
  if (len <= 0 || len > 20) return NaN;
  let i = start;
  let neg = false;
  if (buf[i] === 45) { neg = true; i++; if (i === end) return NaN; }
  const first = buf[i]!;
  if (first === 48) return len === 1 ? 0 : NaN;
  if (first < 49 || first > 57) return NaN;
  let n = 0;
  for (; i < end; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return neg ? -n : n;
}

/**
 * A view made with `new ArgView(arrayBuffer, offset, length)`: Node's
 * Buffer#subarray checks its bounds in JS and reads the `buffer` and
 * `byteOffset` getters on every call, three times the cost of the view
 * itself, and a MSET of 10 keys has 21 arguments. An ArgView is a Buffer in
 * all but its prototype object (ArgView.prototype, whose own prototype is
 * Buffer.prototype): every Buffer method works and Buffer.isBuffer() holds,
 * but a strict deep equality check tells it from a Buffer, so only parsers
 * made with `fastViews` (the proxy's) return them.
 */
class ArgView extends Uint8Array {}
Object.setPrototypeOf(ArgView.prototype, Buffer.prototype);

/** A view of `length` bytes of `ab` from `offset`, made as an ArgView: for the proxy's reads and replies. */
export function fastView(ab: ArrayBuffer, offset: number, length: number): Buffer {
  return new ArgView(ab, offset, length) as Buffer;
}

/**
 * buf.indexOf(CR, from) over buf[0, len): a byte loop over the first bytes,
 * since headers are a few bytes long and the native call costs more than
 * scanning them (a request of n arguments has n + 1 headers, and the proxy
 * parses every request); the native search beyond, so a long line without
 * CR fed a byte at a time is not scanned again and again in JS.
 */
function findCR(buf: Buffer, from: number, len: number): number {
  const stop = Math.min(len, from + 32);
  for (let i = from; i < stop; i++) if (buf[i] === CR) return i;
  if (stop >= len) return -1;
  const i = buf.indexOf(CR, stop);
  return i < len ? i : -1;
}

export class RequestParser {
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** Chunks held back while a large bulk is incomplete, to avoid quadratic concatenation. */
  private held: Buffer[] = [];
  private heldBytes = 0;
  /** Bytes needed from buf[pos] before parsing can progress. */
  private need = 0;
  private argv: Buffer[] | null = null;
  private argsLeft = 0;
  error: string | null = null;
  /** Size in bytes of the last command returned (CLIENT LIST shows it in qbuf while it runs). */
  lastBytes = 0;
  private cmdStart = 0;

  /**
   * `fastViews`: arguments are ArgViews rather than subarray views (see
   * ArgView); for the proxy, which only forwards and routes them.
   */
  constructor(public limits: ParserLimits, private readonly fastViews = false) {}

  /** Bytes received but not yet returned as commands. */
  get pending(): number {
    return this.buf.length - this.pos + this.heldBytes;
  }

  push(chunk: Buffer): void {
    if (this.need > 0 && this.buf.length - this.pos + this.heldBytes + chunk.length < this.need) {
      this.held.push(chunk);
      this.heldBytes += chunk.length;
      return;
    }
    if (this.pos >= this.buf.length && this.heldBytes === 0) {
      this.buf = chunk;
    } else {
      const parts = [this.buf.subarray(this.pos), ...this.held, chunk];
      this.buf = Buffer.concat(parts);
      this.held = [];
      this.heldBytes = 0;
    }
    this.pos = 0;
    this.cmdStart = 0;
    this.need = 0;
  }

  private fail(msg: string): null {
    this.error = 'ERR Protocol error: ' + msg;
    this.buf = EMPTY;
    this.pos = 0;
    this.argv = null;
    return null;
  }

  /** The next complete command, or null when more input is needed (or after an error). */
  next(): Buffer[] | null {
    if (this.error !== null || this.heldBytes > 0) return null;
    const buf = this.buf;
    const len = buf.length;
    // For ArgViews: buf's memory, read once per call rather than per argument.
    let ab: ArrayBuffer | null = null;
    let base = 0;
    for (;;) {
      let pos = this.pos;
      if (this.argv === null) {
        if (pos >= len) return null;
        this.cmdStart = pos;
        if (buf[pos] !== 42) {
          const args = this.inline();
          if (args === undefined) continue;
          return args;
        }
        const cr = findCR(buf, pos, len);
        if (cr < 0 || cr + 1 >= len) {
          if (len - pos > INLINE_MAX) return this.fail('too big mbulk count string');
          return null;
        }
        const n = parseStrictInt(buf, pos + 1, cr);
        if (Number.isNaN(n) || n > INT_MAX) return this.fail('invalid multibulk length');
        if (n > 10 && this.limits.authRequired) return this.fail('unauthenticated multibulk length');
        this.pos = cr + 2;
        if (n <= 0) continue;
        this.argv = [];
        this.argsLeft = n;
        pos = this.pos;
      }
      const argv = this.argv;
      while (this.argsLeft > 0) {
        if (pos >= len) { this.pos = pos; return null; }
        const cr = findCR(buf, pos, len);
        if (cr < 0 || cr + 1 >= len) {
          this.pos = pos;
          if (len - pos > INLINE_MAX) return this.fail('too big bulk count string');
          return null;
        }
        if (buf[pos] !== 36) return this.fail(`expected '$', got '${String.fromCharCode(buf[pos]!)}'`);
        const n = parseStrictInt(buf, pos + 1, cr);
        if (Number.isNaN(n) || n < 0 || n > this.limits.maxBulkLen) return this.fail('invalid bulk length');
        if (n > 16384 && this.limits.authRequired) return this.fail('unauthenticated bulk length');
        const start = cr + 2;
        if (len - start < n + 2) {
          this.pos = pos;
          this.need = start - pos + n + 2;
          return null;
        }
        if (this.fastViews) {
          if (ab === null) {
            ab = buf.buffer as ArrayBuffer;
            base = buf.byteOffset;
          }
          argv.push(new ArgView(ab, base + start, n) as Buffer);
        } else {
          argv.push(buf.subarray(start, start + n));
        }
        pos = start + n + 2;
        this.argsLeft--;
      }
      this.pos = pos;
      this.argv = null;
      this.lastBytes = pos - Math.min(this.cmdStart, pos);
      return argv;
    }
  }

  /** An inline command, null when incomplete or bad, undefined for an empty line. */
  private inline(): Buffer[] | null | undefined {
    const buf = this.buf;
    const pos = this.pos;
    const nl = buf.indexOf(LF, pos);
    if (nl < 0) {
      if (buf.length - pos > INLINE_MAX) return this.fail('too big inline request');
      return null;
    }
    const end = nl > pos && buf[nl - 1] === CR ? nl - 1 : nl;
    this.pos = nl + 1;
    this.lastBytes = nl + 1 - pos;
    const args = splitArgs(buf.subarray(pos, end));
    if (args === null) return this.fail('unbalanced quotes in request');
    return args.length === 0 ? undefined : args;
  }
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function isSpace(c: number | undefined): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9 || c === 11 || c === 12;
}

/**
 * sdssplitargs: splits a line into arguments, honouring "double quotes" with
 * \xHH \n \r \t \b \a escapes and 'single quotes' with \'. A closing quote
 * must be followed by a space or the end. Returns null on unbalanced quotes.
 */
export function splitArgs(line: Uint8Array): Buffer[] | null {
  const out: Buffer[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && isSpace(line[i])) i++;
    if (i >= n) return out;
    const cur: number[] = [];
    let inq = false;
    let insq = false;
    let done = false;
    while (!done) {
      const c = line[i];
      if (inq) {
        if (c === undefined) return null;
        if (c === 92 && line[i + 1] === 120 && i + 3 < n && hexVal(line[i + 2]!) >= 0 && hexVal(line[i + 3]!) >= 0) {
          cur.push(hexVal(line[i + 2]!) * 16 + hexVal(line[i + 3]!));
          i += 3;
        } else if (c === 92 && i + 1 < n) {
          i++;
          const e = line[i]!;
          cur.push(e === 110 ? 10 : e === 114 ? 13 : e === 116 ? 9 : e === 98 ? 8 : e === 97 ? 7 : e);
        } else if (c === 34) {
          if (i + 1 < n && !isSpace(line[i + 1])) return null;
          done = true;
        } else {
          cur.push(c);
        }
      } else if (insq) {
        if (c === undefined) return null;
        if (c === 92 && line[i + 1] === 39) {
          i++;
          cur.push(39);
        } else if (c === 39) {
          if (i + 1 < n && !isSpace(line[i + 1])) return null;
          done = true;
        } else {
          cur.push(c);
        }
      } else {
        if (c === undefined || isSpace(c)) done = true;
        else if (c === 34) inq = true;
        else if (c === 39) insq = true;
        else cur.push(c);
      }
      if (i < n) i++;
    }
    out.push(Buffer.from(cur));
  }
}
