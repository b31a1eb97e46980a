/*
 * The proxy process: accepts clients, owns the router (slot table + backend
 * pools), counts statistics, and answers the keyless commands it serves
 * itself (COMMAND, INFO).
 */
import net from 'node:net';
import { COMMANDS, type CommandInfo } from '../common/commands/index.js';
import type { SlotTable } from '../common/topology.js';
import { Router } from './router.js';
import { Session } from './session.js';
import { ProxyStats, type StatsSnapshot } from './metrics.js';

export interface ProxyOptions {
  listen: string;
  sessionAuth: string;
  backendAuth: string;
  backendParallel: number;
  backendTimeoutMs: number;
  maxClients: number;
  maxPipeline: number;
  idleTimeoutSec: number;
  readFromReplicas: boolean;
  product: string;
  /**
   * --admin-commands: FLUSHALL, FLUSHDB, CONFIG SET/RESETSTAT and FUNCTION
   * FLUSH go to every group, CONFIG GET to the first. Off by default, as in
   * Codis (one client must not wipe the cluster); for test rigs such as
   * Redis's own test suite run through the proxy.
   */
  adminCommands: boolean;
}

export const DEFAULT_PROXY_OPTIONS: ProxyOptions = {
  listen: '127.0.0.1:19000', sessionAuth: '', backendAuth: '', backendParallel: 1, backendTimeoutMs: 30000,
  maxClients: 10000, maxPipeline: 10000, idleTimeoutSec: 0, readFromReplicas: false, product: 'shardis', adminCommands: false,
};

export class Proxy {
  readonly router: Router;
  readonly sessions = new Set<Session>();
  readonly stats = new ProxyStats();
  nextSessionId = 1;
  readonly startTime = Date.now();
  private server: net.Server | null = null;
  /** Sessions with replies to write after this poll phase (an array and a flag: a Set cleared every turn rehashes every turn). */
  private readonly flushQueue: Session[] = [];
  private flushScheduled = false;
  private timer: NodeJS.Timeout | null = null;
  port = 0;

  constructor(readonly opts: ProxyOptions) {
    this.router = new Router({
      backendAuth: opts.backendAuth, backendParallel: opts.backendParallel,
      backendTimeoutMs: opts.backendTimeoutMs, readFromReplicas: opts.readFromReplicas,
    });
  }

  setTable(t: SlotTable): boolean {
    return this.router.setTable(t);
  }

  async listen(): Promise<number> {
    const i = this.opts.listen.lastIndexOf(':');
    const host = this.opts.listen.slice(0, i);
    const port = Number(this.opts.listen.slice(i + 1));
    // Paused: a Session takes the socket over to read with `onread` (proxy/socket-reads.ts).
    const server = net.createServer({ noDelay: true, pauseOnConnect: true }, (sock) => {
      if (this.sessions.size >= this.opts.maxClients) {
        sock.end('-ERR max number of clients reached\r\n');
        return;
      }
      this.stats.sessionsTotal++;
      this.sessions.add(new Session(this, sock));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    const a = server.address();
    this.port = typeof a === 'object' && a !== null ? a.port : port;
    this.timer = setInterval(() => this.tick(), 100);
    this.timer.unref();
    return this.port;
  }

  private tick(): void {
    const now = Date.now();
    for (const p of this.router.allPools()) p.checkTimeouts(now);
    if (this.opts.idleTimeoutSec > 0) {
      for (const s of this.sessions) if (now - s.lastActive > this.opts.idleTimeoutSec * 1000) s.close();
    }
  }

  snapshot(): StatsSnapshot {
    const backends: StatsSnapshot['backends'] = {};
    const now = Date.now();
    for (const p of this.router.allPools()) {
      const last = p.lastDataAt;
      backends[p.addr] = { up: p.up, inFlight: p.inFlight, errors: p.errors, lastReplyAgoMs: last === 0 ? -1 : now - last };
    }
    return {
      commands: this.stats.commandSnapshot(), sessions: this.sessions.size, sessionsTotal: this.stats.sessionsTotal,
      opsTotal: this.stats.total, opsErrors: this.stats.errors, redirects: this.stats.redirects, backends, epoch: this.router.epoch,
    };
  }

  sessionClosed(s: Session): void {
    this.sessions.delete(s);
    s.flushQueued = false;
  }

  queueFlush(s: Session): void {
    if (s.flushQueued) return;
    s.flushQueued = true;
    this.flushQueue.push(s);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // After the whole poll phase: replies from several backends for one client leave in one write.
      setImmediate(this.flushAll);
    }
  }

  private readonly flushAll = (): void => {
    this.flushScheduled = false;
    const q = this.flushQueue;
    // A flush can queue more (a request answered at once): they are in q by then and flushed here too.
    for (let i = 0; i < q.length; i++) {
      const x = q[i]!;
      if (!x.flushQueued) continue;
      x.flushQueued = false;
      x.flush();
    }
    q.length = 0;
  };

  /** COMMAND [COUNT|INFO ...]: from the same table the engine serves. */
  commandReply(s: Session, cmd: CommandInfo, argv: Buffer[]): void {
    const sub = cmd.parent === null ? '' : cmd.spec.name;
    if (sub === 'count') {
      s.localReply((w) => w.int(COMMANDS.size));
      return;
    }
    if (sub === 'list') {
      s.localReply((w) => {
        w.array(COMMANDS.size);
        for (const c of COMMANDS.values()) w.bulkStr(c.fullName);
      });
      return;
    }
    // The full COMMAND / COMMAND INFO layouts are served by the backends, which share our table.
    const conn = this.router.backendFor(0, 0, true);
    if (conn === null) {
      s.localReply((w) => w.error('ERR the proxy has no slot table yet'));
      return;
    }
    const done = s.deferred();
    conn.send(argv, (r) => done((w) => w.raw(r)));
  }

  /** INFO: the proxy's own sections plus the keyspace summed over the groups. */
  infoReply(s: Session, argv: Buffer[]): void {
    const done = s.deferred();
    const masters = this.router.masters();
    const want = argv.slice(1).map((a) => a.toString().toLowerCase());
    const all = want.length === 0 || want.includes('all') || want.includes('default') || want.includes('everything');
    const lines: string[] = [];
    if (all || want.includes('server')) {
      lines.push('# Server', 'redis_version:7.0.15', 'redis_mode:proxy', `shardis_product:${this.opts.product}`, `process_id:${process.pid}`,
        `tcp_port:${this.port}`, `uptime_in_seconds:${Math.floor((Date.now() - this.startTime) / 1000)}`, `slot_table_epoch:${this.router.epoch}`, '');
    }
    if (all || want.includes('clients')) {
      let blocked = 0;
      for (const x of this.sessions) if (x.blocked) blocked++;
      lines.push('# Clients', `connected_clients:${this.sessions.size}`, `maxclients:${this.opts.maxClients}`, `blocked_clients:${blocked}`, '');
    }
    if (all || want.includes('stats')) {
      lines.push('# Stats', `total_commands_processed:${this.stats.total}`, `total_error_replies:${this.stats.errors}`,
        `backend_groups:${masters.length}`, '');
    }
    if (!(all || want.includes('keyspace'))) {
      done((w) => w.verbatim(lines.join('\r\n')));
      return;
    }
    // Sum INFO keyspace over every group master.
    const sums = new Map<string, { keys: number; expires: number }>();
    let left = masters.length;
    const finish = () => {
      lines.push('# Keyspace');
      for (const [db, v] of [...sums].sort()) lines.push(`${db}:keys=${v.keys},expires=${v.expires},avg_ttl=0`);
      done((w) => w.verbatim(lines.join('\r\n') + '\r\n'));
    };
    if (left === 0) finish();
    for (const m of masters) {
      m.pool.get(0).send(['INFO', 'keyspace'], (r) => {
        const text = r.toString('latin1');
        for (const m2 of text.matchAll(/^(db\d+):keys=(\d+),expires=(\d+)/gm)) {
          const cur = sums.get(m2[1]!) ?? { keys: 0, expires: 0 };
          cur.keys += Number(m2[2]);
          cur.expires += Number(m2[3]);
          sums.set(m2[1]!, cur);
        }
        if (--left === 0) finish();
      });
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const s of this.sessions) s.close();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.router.close();
  }
}
