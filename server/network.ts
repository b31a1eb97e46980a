/*
 * Sockets: TCP and unix listeners, one Conn per client connection. A Conn
 * feeds received bytes to the request parser, runs complete commands until
 * the client blocks or is paused, and writes the replies accumulated by the
 * batch in one go (one socket write per received chunk, as Redis answers a
 * pipeline with one write).
 */
import net from 'node:net';
import { existsSync, unlinkSync, chmodSync } from 'node:fs';
import { RequestParser } from '../common/resp/decoder.js';
import { E } from '../common/errors.js';
import { Client, type Connection } from './client.js';
import { processCommand } from './dispatch.js';
import type { Server } from './server.js';
import { freeClient } from './client-lifecycle.js';

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

class Conn implements Connection {
  readonly client: Client;
  readonly parser: RequestParser;
  readonly addr: string;
  readonly laddr: string;
  readonly fd: number;
  private closing = false;
  private ending = false;
  private closed = false;

  constructor(private readonly server: Server, private readonly socket: net.Socket, unix: boolean) {
    const ra = socket.remoteAddress ?? '';
    this.addr = unix ? `${server.config.get('unixsocket')}:0` : `${ra.includes(':') && !ra.startsWith('::ffff:') ? `[${ra}]` : ra.replace(/^::ffff:/, '')}:${socket.remotePort}`;
    this.laddr = unix ? `${server.config.get('unixsocket')}:0` : `${(socket.localAddress ?? '').replace(/^::ffff:/, '')}:${socket.localPort}`;
    const handle = (socket as unknown as { _handle?: { fd?: number } })._handle;
    this.fd = handle?.fd ?? -1;
    this.client = new Client(server, this);
    this.parser = new RequestParser({ maxBulkLen: server.config.num('proto-max-bulk-len'), authRequired: !this.client.authenticated });
    socket.setNoDelay(true);
    const ka = server.config.num('tcp-keepalive');
    if (ka > 0 && !unix) socket.setKeepAlive(true, ka * 1000);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.close());
    socket.on('close', () => this.onClose());
  }

  /** Bytes in the query buffer; while a command runs it still counts, as in Redis. */
  get queryBufferLength(): number {
    return this.parser.pending + (this.running ? this.parser.lastBytes : 0);
  }
  private running = false;

  private onData(chunk: Buffer): void {
    this.server.stats.netInputBytes += chunk.length;
    this.server.stats.totalReadsProcessed++;
    if (this.closing) return;
    this.parser.push(chunk);
    this.resume();
  }

  resume(): void {
    const c = this.client;
    const parser = this.parser;
    while (!this.closing && c.blocked === null && c.pausedCommand === null) {
      parser.limits.authRequired = !c.authenticated;
      const argv = parser.next();
      if (argv === null) {
        if (parser.error !== null) {
          c.error(parser.error);
          this.server.log.verbose(`Protocol error (${parser.error.slice(20)}) from client: id=${c.id} addr=${this.addr}. Query buffer during protocol error: ''`);
          this.closeAfterReply();
        }
        break;
      }
      this.running = true;
      const go = processCommand(c, argv);
      this.running = false;
      if (!go) break;
    }
    this.flush();
  }

  flush(): void {
    if (this.closed) return;
    const w = this.client.reply;
    if (!w.empty) {
      if (this.server.beforeReplies !== null) this.server.beforeReplies();
      const chunks = w.take();
      let n = 0;
      if (chunks.length === 1) {
        n = chunks[0]!.length;
        this.socket.write(chunks[0]!);
      } else {
        this.socket.cork();
        for (const b of chunks) { n += b.length; this.socket.write(b); }
        this.socket.uncork();
      }
      this.server.stats.netOutputBytes += n;
      this.server.stats.totalWritesProcessed++;
    }
    if (this.closing && !this.ending) {
      // Close fully once the last reply is out, as Redis does: further bytes from
      // the client then get a reset instead of being swallowed by a half-open socket.
      this.ending = true;
      this.socket.end(() => this.socket.destroy());
    }
  }

  writeDirect(b: Buffer): Promise<void> {
    if (this.closed) return Promise.reject(new Error('connection closed'));
    this.server.stats.netOutputBytes += b.length;
    if (this.socket.write(b)) return Promise.resolve();
    return new Promise((res, rej) => {
      const done = () => { this.socket.off('close', gone); res(); };
      const gone = () => { this.socket.off('drain', done); rej(new Error('connection closed')); };
      this.socket.once('drain', done);
      this.socket.once('close', gone);
    });
  }

  closeAfterReply(): void {
    this.closing = true;
    this.server.queueFlush(this.client);
  }

  close(): void {
    this.closing = true;
    this.socket.destroy();
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    freeClient(this.client);
  }
}

export interface Listening {
  port: number;
  close(): Promise<void>;
}

/** Starts the TCP (and unix socket) listeners per `bind`, `port` and `unixsocket`. */
export async function listen(server: Server): Promise<Listening> {
  const servers: net.Server[] = [];
  const onConnection = (unix: boolean) => (socket: net.Socket) => {
    server.stats.totalConnections++;
    const maxclients = server.config.num('maxclients');
    if (server.clients.size >= maxclients) {
      server.stats.rejectedConnections++;
      socket.end(`-${E.MAX_CLIENTS}\r\n`);
      return;
    }
    if (!unix && server.config.bool('protected-mode') && !server.authRequired() && !LOOPBACK.test(socket.remoteAddress ?? '')) {
      server.stats.rejectedConnections++;
      socket.end(`-${E.DENIED}\r\n`);
      return;
    }
    const conn = new Conn(server, socket, unix);
    server.clients.set(conn.client.id, conn.client);
  };
  let port = server.config.num('port');
  const binds = server.config.get('bind').split(/\s+/).filter((b) => b !== '');
  for (const spec of binds.length > 0 ? binds : ['*']) {
    const optional = spec.startsWith('-');
    const addr = optional ? spec.slice(1) : spec;
    const host = addr === '*' ? '0.0.0.0' : addr === '::*' ? '::' : addr;
    const s = net.createServer({ noDelay: true }, onConnection(false));
    try {
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen({ host, port, ipv6Only: host.includes(':'), backlog: server.config.num('tcp-backlog') }, () => resolve());
      });
    } catch (e) {
      if (optional) continue;
      throw new Error(`Warning: Could not create server TCP listening socket ${addr}:${port}: ${(e as Error).message}`);
    }
    // With port 0 the first listener picks a free port; the others share it.
    const a = s.address();
    if (a !== null && typeof a === 'object') port = a.port;
    servers.push(s);
  }
  const unixPath = server.config.get('unixsocket');
  if (unixPath !== '') {
    if (existsSync(unixPath)) unlinkSync(unixPath);
    const s = net.createServer(onConnection(true));
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(unixPath, () => resolve());
    });
    const perm = server.config.get('unixsocketperm');
    if (perm !== '0') chmodSync(unixPath, parseInt(perm, 8));
    servers.push(s);
  }
  server.config.values.set('port', String(port));
  return {
    port,
    close: async () => {
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}
