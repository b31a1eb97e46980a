/*
 * A minimal RESP client for tests: sends commands and parses replies into a
 * value tree that keeps every distinction a client could see (simple vs bulk
 * string, error, null, RESP3 types), so replies of two servers can be
 * compared exactly.
 */
import net from 'node:net';

export class ReplyError {
  constructor(public readonly message: string) {}
}
export type Reply =
  | string // simple string
  | Buffer // bulk string
  | number | bigint
  | null
  | ReplyError
  | Reply[]
  | { type: 'map'; entries: [Reply, Reply][] }
  | { type: 'set'; items: Reply[] }
  | { type: 'push'; items: Reply[] }
  | { type: 'double'; value: string }
  | { type: 'bool'; value: boolean }
  | { type: 'verbatim'; format: string; text: string }
  | { type: 'bignum'; value: string }
  | { type: 'attr'; entries: [Reply, Reply][]; value: Reply };

/** Parses one reply from buf at pos: [value, newPos], or null if incomplete. */
export function parseReply(buf: Buffer, pos: number): [Reply, number] | null {
  if (pos >= buf.length) return null;
  const nl = buf.indexOf('\r\n', pos);
  if (nl < 0) return null;
  const t = String.fromCharCode(buf[pos]!);
  const line = buf.toString('latin1', pos + 1, nl);
  const next = nl + 2;
  const agg = (n: number, p: number): [Reply[], number] | null => {
    const items: Reply[] = [];
    for (let i = 0; i < n; i++) {
      const r = parseReply(buf, p);
      if (r === null) return null;
      items.push(r[0]);
      p = r[1];
    }
    return [items, p];
  };
  switch (t) {
    case '+': return [line, next];
    case '-': return [new ReplyError(line), next];
    case ':': {
      const n = BigInt(line);
      return [n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n, next];
    }
    case '$': case '=': case '!': {
      const n = Number(line);
      if (n < 0) return [null, next];
      if (buf.length < next + n + 2) return null;
      const data = buf.subarray(next, next + n);
      if (t === '=') return [{ type: 'verbatim', format: data.toString('latin1', 0, 3), text: data.toString('latin1', 4) }, next + n + 2];
      if (t === '!') return [new ReplyError(data.toString()), next + n + 2];
      return [Buffer.from(data), next + n + 2];
    }
    case '*': case '~': case '>': {
      const n = Number(line);
      if (n < 0) return [null, next];
      const r = agg(n, next);
      if (r === null) return null;
      if (t === '~') return [{ type: 'set', items: r[0] }, r[1]];
      if (t === '>') return [{ type: 'push', items: r[0] }, r[1]];
      return r;
    }
    case '%': case '|': {
      const n = Number(line);
      const r = agg(n * 2, next);
      if (r === null) return null;
      const entries: [Reply, Reply][] = [];
      for (let i = 0; i < r[0].length; i += 2) entries.push([r[0][i]!, r[0][i + 1]!]);
      if (t === '|') {
        const v = parseReply(buf, r[1]);
        if (v === null) return null;
        return [{ type: 'attr', entries, value: v[0] }, v[1]];
      }
      return [{ type: 'map', entries }, r[1]];
    }
    case '_': return [null, next];
    case ',': return [{ type: 'double', value: line }, next];
    case '#': return [{ type: 'bool', value: line === 't' }, next];
    case '(': return [{ type: 'bignum', value: line }, next];
    default: throw new Error(`bad reply type ${JSON.stringify(t)} in ${JSON.stringify(buf.toString('latin1', pos, Math.min(buf.length, pos + 40)))}`);
  }
}

export class RawClient {
  private sock: net.Socket | null = null;
  private buf = Buffer.alloc(0);
  private waiters: ((r: Reply) => void)[] = [];
  /** Pushes and replies that arrived with nobody waiting. */
  readonly unread: Reply[] = [];
  closed = false;

  constructor(public readonly port: number, public readonly host = '127.0.0.1') {}

  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = net.connect(this.port, this.host, () => resolve());
      s.once('error', reject);
      s.on('data', (d: Buffer) => this.onData(d));
      s.on('close', () => { this.closed = true; });
      this.sock = s;
    });
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    let pos = 0;
    for (;;) {
      const r = parseReply(this.buf, pos);
      if (r === null) break;
      pos = r[1];
      const w = this.waiters.shift();
      if (w) w(r[0]);
      else this.unread.push(r[0]);
    }
    this.buf = this.buf.subarray(pos);
  }

  /** Writes raw bytes (for protocol tests). */
  write(data: string | Buffer): void {
    this.sock!.write(data);
  }

  /** The next reply (an unread one first). */
  read(timeoutMs = 5000): Promise<Reply> {
    const u = this.unread.shift();
    if (u !== undefined) return Promise.resolve(u);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no reply within timeout')), timeoutMs);
      this.waiters.push((r) => { clearTimeout(t); resolve(r); });
    });
  }

  send(argv: (string | Buffer | number)[]): void {
    const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)];
    for (const a of argv) {
      const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a));
      parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
    }
    this.sock!.write(Buffer.concat(parts));
  }

  call(argv: (string | Buffer | number)[], timeoutMs = 5000): Promise<Reply> {
    this.send(argv);
    return this.read(timeoutMs);
  }

  /** Resolves when the server closes the connection. */
  waitClose(timeoutMs = 5000): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('connection not closed')), timeoutMs);
      this.sock!.once('close', () => { clearTimeout(t); resolve(); });
    });
  }

  close(): void {
    this.sock?.destroy();
  }
}

/** A readable form of a reply for assertion messages and snapshots. */
export function show(r: Reply): unknown {
  if (Buffer.isBuffer(r)) return `$${r.toString('latin1')}`;
  if (r instanceof ReplyError) return `-${r.message}`;
  if (typeof r === 'string') return `+${r}`;
  if (typeof r === 'bigint') return `:${r}`;
  if (typeof r === 'number') return `:${r}`;
  if (r === null) return null;
  if (Array.isArray(r)) return r.map(show);
  switch (r.type) {
    case 'map': return { map: r.entries.map(([k, v]) => [show(k), show(v)]) };
    case 'set': return { set: r.items.map(show) };
    case 'push': return { push: r.items.map(show) };
    case 'attr': return { attr: r.entries.map(([k, v]) => [show(k), show(v)]), value: show(r.value) };
    default: return r;
  }
}
