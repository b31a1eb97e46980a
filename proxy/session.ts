/*
 * One client connection to the proxy. Requests are parsed, routed by slot
 * and sent to the owning group's shared backend connection at once; replies
 * are written back strictly in request order, whatever order the backends
 * answer in (each request holds its place in `pending`). Stateful commands
 * (transactions, subscriptions, blocking pops) are delegated to
 * transaction.ts, subscriber.ts and a dedicated backend connection.
 */
import type net from 'node:net';
import { RequestParser } from '../common/resp/decoder.js';
import { Writer } from '../common/resp/writer.js';
import { writeHelloReply } from '../common/resp/hello.js';
import { F, keyPositions, lookupCommand, type CommandInfo } from '../common/commands/index.js';
import { E, argsPreview } from '../common/errors.js';
import { slotOf } from '../common/slots.js';
import type { Proxy } from './proxy.js';
import { mergeReplies } from './fanout.js';
import { BackendConn, errorReply } from './backend.js';
import { Transaction } from './transaction.js';
import { Subscriber } from './subscriber.js';
import { scanCommand, allGroupsCommand } from './cluster-commands.js';
import { adoptAccepted } from './socket-reads.js';

/** A request's place in the reply order. */
interface Pending {
  reply: Buffer | null;
}

/** How a command reaches its backend, decided by routeOf(). */
export type Route =
  | { kind: 'error'; msg: string }
  | { kind: 'slot'; slot: number; readOnly: boolean }
  | { kind: 'keyless' };

/** Positions of a command's keys in argv (none for keyless commands). */
function keysOf(cmd: CommandInfo, argv: Buffer[]): number[] {
  return cmd.spec.keys && cmd.spec.keys.length > 0 ? keyPositions(cmd.spec, argv) ?? [] : [];
}

const RESP2_SUBSCRIBED_OK = new Set(['subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe', 'ssubscribe', 'sunsubscribe', 'ping', 'quit', 'reset']);

/** A slot can move again while a redirected request is in flight; past this many hops the redirect is the reply. */
const MAX_REDIRECTS = 5;
const REDIRECT = /^(MOVED|ASK) \d+ (\S+)/;
const NOT_CHASED = 0;
const REDIRECTED = 1;
const RETRIED = 2;
/**
 * A key of the request is in flight between two groups, or a multi-key
 * request has its keys on both sides of a migration (`-TRYAGAIN`): the proxy
 * waits and resends through the current table, for at most this long, so
 * that a slot being handed over delays requests rather than failing them.
 */
const TRYAGAIN_BUDGET_MS = 10_000;
const ASKING = [Buffer.from('ASKING')];
/** Keyless commands served with --admin-commands (see ProxyOptions.adminCommands). */
const ADMIN_COMMANDS = new Set(['flushall', 'flushdb', 'config|get', 'config|set', 'config|resetstat', 'function|flush']);
const ignore = (): void => {};

/*
 * The last command name looked up, as sent (bytes, any case): consecutive
 * requests usually repeat it, and comparing a few bytes is cheaper than
 * making a string of them and hashing it for the table lookup.
 */
const lastName = Buffer.alloc(32);
let lastNameLen = -1;
let lastCommand: CommandInfo | null = null;

function sameName(a: Buffer): boolean {
  const n = a.length;
  if (n !== lastNameLen) return false;
  for (let i = 0; i < n; i++) if (a[i] !== lastName[i]) return false;
  return true;
}

function rememberName(a: Buffer, cmd: CommandInfo): void {
  if (a.length > lastName.length) return;
  lastName.set(a);
  lastNameLen = a.length;
  lastCommand = cmd;
}

export class Session {
  readonly id: number;
  private readonly parser: RequestParser;
  private readonly pending: Pending[] = [];
  private readonly out = new Writer();
  private authenticated: boolean;
  db = 0;
  private closing = false;
  private paused = false;
  readonly createdAt = Date.now();
  lastActive = Date.now();
  /** In the proxy's list of sessions to flush after this poll phase. */
  flushQueued = false;
  ops = 0;
  tx: Transaction | null = null;
  watch: { slot: number; conn: BackendConn } | null = null;
  readonly sub: Subscriber;
  /** Dedicated connection for blocking commands, kept for the next one to the same server. */
  private blockConn: BackendConn | null = null;

  private readonly sock: net.Socket;

  /** `accepted`: a socket the server created paused (pauseOnConnect), taken over by adoptAccepted(). */
  constructor(readonly proxy: Proxy, accepted: net.Socket) {
    this.id = proxy.nextSessionId++;
    this.authenticated = proxy.opts.sessionAuth === '';
    this.parser = new RequestParser({ maxBulkLen: 512 * 1024 * 1024, authRequired: !this.authenticated }, true);
    this.sub = new Subscriber(this);
    const sock = adoptAccepted(accepted, (d) => this.onData(d));
    this.sock = sock;
    sock.setNoDelay(true);
    sock.on('error', () => sock.destroy());
    sock.on('close', () => {
      this.releasePinned();
      proxy.sessionClosed(this);
    });
  }

  get resp(): 2 | 3 {
    return this.out.resp;
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    this.lastActive = Date.now();
    this.parser.push(chunk);
    this.drain();
  }

  /** Parses and dispatches as many requests as the pipeline limit allows. */
  private drain(): void {
    const p = this.parser;
    while (!this.closing) {
      if (this.pending.length >= this.proxy.opts.maxPipeline) {
        // Back-pressure: stop reading until replies drain, instead of growing memory.
        if (!this.paused) {
          this.paused = true;
          this.sock.pause();
        }
        break;
      }
      p.limits.authRequired = !this.authenticated;
      const argv = p.next();
      if (argv === null) {
        if (p.error !== null) {
          this.localReply((w) => w.error(p.error!));
          this.closing = true;
        }
        break;
      }
      this.ops++;
      this.dispatch(argv);
    }
    this.flush();
  }

  /** A request answered by the proxy itself, written in its turn. */
  localReply(fill: (w: Writer) => void): void {
    if (this.pending.length === 0) {
      fill(this.out);
      return;
    }
    const w = new Writer(256);
    w.resp = this.out.resp;
    fill(w);
    this.pending.push({ reply: Buffer.concat(w.take()) });
  }

  error(msg: string, cmd?: string): void {
    this.proxy.stats.error(cmd ?? 'unknown');
    this.localReply((w) => w.error(msg));
  }

  /**
   * Reserves the next place in the reply order; the returned function fills
   * it. With `argv` (a keyed command), a MOVED or ASK redirect from the
   * server is followed instead of answered — the slot moved, or is moving,
   * and the proxy's table has not caught up yet — so clients never see one;
   * with its `slot` too, a TRYAGAIN (keys in flight) is retried.
   */
  reserve(name: string, argv: Buffer[] | null = null, slot = -1): (reply: Buffer) => void {
    const p: Pending = { reply: null };
    this.pending.push(p);
    const t0 = performance.now();
    let hops = 0;
    const fill = (r: Buffer): void => {
      if (argv !== null && r[0] === 45) {
        const k = this.chase(r, argv, slot, t0, hops, fill);
        if (k !== NOT_CHASED) {
          hops = k === REDIRECTED ? hops + 1 : 0;
          return;
        }
      }
      p.reply = r;
      this.proxy.stats.latency(name, (performance.now() - t0) * 1000);
      if (r[0] === 45) this.proxy.stats.error(name);
      if (this.pending[0] === p) this.proxy.queueFlush(this);
    };
    return fill;
  }

  /** `done`, called once the reply is final: for the sub-requests of a split command, which chase redirects like any other. */
  private following(argv: Buffer[], slot: number, done: (reply: Buffer) => void): (reply: Buffer) => void {
    const t0 = performance.now();
    let hops = 0;
    const fill = (r: Buffer): void => {
      if (r[0] === 45) {
        const k = this.chase(r, argv, slot, t0, hops, fill);
        if (k !== NOT_CHASED) {
          hops = k === REDIRECTED ? hops + 1 : 0;
          return;
        }
      }
      done(r);
    };
    return fill;
  }

  /**
   * An error reply that is not final: `-MOVED slot addr` / `-ASK slot addr`
   * resend `argv` where they point; `-TRYAGAIN`, `-READONLY` and
   * `-CLUSTERDOWN` resend it through the current table after a short wait.
   */
  private chase(r: Buffer, argv: Buffer[], slot: number, t0: number, hops: number, fill: (reply: Buffer) => void): number {
    const head = r.toString('latin1', 1, Math.min(r.length, 300));
    if (hops < MAX_REDIRECTS) {
      const m = REDIRECT.exec(head);
      if (m !== null) {
        const conn = this.proxy.router.connTo(m[2]!, this.db, this.resp);
        this.proxy.stats.redirects++;
        // Both go out back to back on one connection: nothing can come between ASKING and its command.
        if (m[1] === 'ASK') conn.send(ASKING, ignore);
        conn.send(argv, fill);
        return REDIRECTED;
      }
    }
    const waited = performance.now() - t0;
    // READONLY: a master was just demoted (switchover or failover) and the new table is on its way;
    // CLUSTERDOWN: a managed master waits for the dashboard to confirm its slots (docs/failover.md).
    if (slot < 0 || !(head.startsWith('TRYAGAIN') || head.startsWith('READONLY') || head.startsWith('CLUSTERDOWN')) || waited > TRYAGAIN_BUDGET_MS || this.closing) return NOT_CHASED;
    this.proxy.stats.redirects++;
    // Quick at first (a batch in flight is acknowledged within milliseconds), then every 20 ms.
    setTimeout(() => {
      const conn = this.proxy.router.backendFor(slot, this.db, false, this.resp);
      if (conn === null) fill(errorReply('ERR the proxy has no slot table yet'));
      else conn.send(argv, fill);
    }, Math.min(Math.ceil(waited / 10), 20));
    return RETRIED;
  }

  /** Resolves argv to a command, or replies with the error and returns null. */
  private resolve(argv: Buffer[]): CommandInfo | null {
    const a0 = argv[0]!;
    let cmd = sameName(a0) ? lastCommand! : undefined;
    if (cmd === undefined) {
      const name = a0.toString('latin1');
      cmd = lookupCommand(name);
      if (cmd === undefined) {
        this.error(E.UNKNOWN_COMMAND(name.slice(0, 128), argsPreview(argv.slice(1))));
        return null;
      }
      rememberName(a0, cmd);
    }
    if (cmd.subcommands !== null && argv.length >= 2) {
      const sub = cmd.subcommands.get(argv[1]!.toString('latin1').toLowerCase());
      if (sub === undefined) {
        this.error(E.UNKNOWN_SUBCOMMAND(argv[1]!.toString('latin1').slice(0, 128), cmd.fullName));
        return null;
      }
      cmd = sub;
    }
    const arity = cmd.spec.arity;
    if ((arity > 0 && argv.length !== arity) || argv.length < -arity) {
      this.error(E.ARITY(cmd.fullName), cmd.fullName);
      return null;
    }
    return cmd;
  }

  /** Where a keyed command goes: one slot, or an error (CROSSSLOT); keyless when it has no keys. */
  routeOf(cmd: CommandInfo, argv: Buffer[], keys: number[] = keysOf(cmd, argv)): Route {
    if (keys.length === 0) return { kind: 'keyless' };
    const slot = slotOf(argv[keys[0]!]!);
    for (let i = 1; i < keys.length; i++) {
      if (slotOf(argv[keys[i]!]!) !== slot) return { kind: 'error', msg: E.CROSSSLOT };
    }
    return { kind: 'slot', slot, readOnly: (cmd.flags & F.readonly) !== 0 };
  }

  private dispatch(argv: Buffer[]): void {
    const cmd = this.resolve(argv);
    if (cmd === null) {
      if (this.tx !== null) this.tx.failed = true;
      return;
    }
    if (!this.authenticated && (cmd.flags & F.no_auth) === 0) {
      this.error(E.NOAUTH, cmd.fullName);
      return;
    }
    const top = cmd.parent ?? cmd;
    const name = top.spec.name;
    if (this.resp === 2 && this.sub.count > 0 && !RESP2_SUBSCRIBED_OK.has(name)) {
      this.error(E.SUBSCRIBE_CONTEXT(cmd.fullName), cmd.fullName);
      return;
    }
    this.proxy.stats.call(cmd.fullName);
    if (this.tx !== null && name !== 'exec' && name !== 'discard' && name !== 'multi' && name !== 'watch' && name !== 'quit' && name !== 'reset') {
      this.tx.queue(cmd, argv);
      return;
    }
    const policy = top.spec.proxy;
    switch (policy?.kind) {
      case 'local':
        this.local(name, cmd, argv);
        return;
      case 'channel':
        this.forward(slotOf(argv[1]!), argv, false, cmd.fullName);
        return;
      case 'all-groups':
        if (name === 'scan') scanCommand(this, argv);
        else allGroupsCommand(this, cmd, argv);
        return;
      case 'deny':
        this.error(`ERR command '${cmd.fullName}' is not allowed through the proxy`, cmd.fullName);
        return;
    }
    // Fast path: one key at a fixed position (GET, SET, INCR, HSET...), no key array built.
    const first = cmd.legacy[0];
    if (first > 0 && cmd.legacy[1] === first && cmd.spec.keys!.length === 1 && first < argv.length) {
      if (cmd.flags & F.blocking) this.forwardBlocking(slotOf(argv[first]!), argv, cmd.fullName);
      else this.forward(slotOf(argv[first]!), argv, (cmd.flags & F.readonly) !== 0, cmd.fullName);
      return;
    }
    const keys = keysOf(cmd, argv);
    if (policy?.kind === 'split' && keys.length > 1) {
      this.split(cmd, argv, keys, policy.merge);
      return;
    }
    const route = this.routeOf(cmd, argv, keys);
    if (route.kind === 'keyless') {
      if (this.proxy.opts.adminCommands && ADMIN_COMMANDS.has(cmd.fullName)) allGroupsCommand(this, cmd, argv);
      // A command that has keys but where none were found (a bad numkeys) touches no data: any group gives Redis's argument error.
      else if ((cmd.spec.keys?.length ?? 0) > 0) this.forward(0, argv, false, cmd.fullName);
      else this.error(`ERR command '${cmd.fullName}' is not allowed through the proxy`, cmd.fullName);
    }
    else if (route.kind === 'error') this.error(route.msg, cmd.fullName);
    else if (cmd.flags & F.blocking) this.forwardBlocking(route.slot, argv, cmd.fullName);
    else this.forward(route.slot, argv, route.readOnly, cmd.fullName);
  }

  forward(slot: number, argv: Buffer[], readOnly: boolean, name: string): void {
    const conn = this.proxy.router.backendFor(slot, this.db, readOnly, this.resp);
    if (conn === null) {
      this.error('ERR the proxy has no slot table yet', name);
      return;
    }
    conn.send(argv, this.reserve(name, argv, slot));
  }

  /** Waiting for the reply of a blocking command (what INFO's blocked_clients counts through the proxy). */
  get blocked(): boolean {
    return this.blockConn !== null && this.blockConn.inFlight > 0;
  }

  /** A connection of this session's own to the master of a slot's group (WATCH, blocking pops). */
  dedicated(slot: number): BackendConn | null {
    const addr = this.proxy.router.masterAddr(slot);
    if (addr === null) return null;
    return new BackendConn(addr, { auth: this.proxy.opts.backendAuth, db: this.db, timeoutMs: 0, noReconnect: true, resp: this.resp });
  }

  /** Blocking commands wait on a dedicated connection so they never hold up the shared one. */
  private forwardBlocking(slot: number, argv: Buffer[], name: string): void {
    const addr = this.proxy.router.masterAddr(slot);
    if (addr === null) {
      this.error('ERR the proxy has no slot table yet', name);
      return;
    }
    if (this.blockConn === null || this.blockConn.addr !== addr) {
      this.blockConn?.close();
      const c = this.dedicated(slot)!;
      c.onGone = () => {
        if (this.blockConn === c) this.blockConn = null;
      };
      this.blockConn = c;
    }
    this.blockConn.send(argv, this.reserve(name));
  }

  /** MGET/MSET/DEL/...: one sub-request per group, merged in key order. */
  private split(cmd: CommandInfo, argv: Buffer[], keys: number[], merge: 'array' | 'sum' | 'ok'): void {
    const ks = cmd.spec.keys![0]!;
    const step = 'range' in ks.find ? ks.find.range.step : 1;
    const router = this.proxy.router;
    // A handful of groups: parallel arrays searched in a line cost less than a Map per request.
    const gids: number[] = [];
    const parts: { argv: Buffer[]; slot: number }[] = [];
    const orders: number[][] = [];
    for (let i = 0; i < keys.length; i++) {
      const pos = keys[i]!;
      const slot = slotOf(argv[pos]!);
      const gid = router.groupOfSlot(slot);
      let k = 0;
      while (k < gids.length && gids[k] !== gid) k++;
      if (k === gids.length) {
        gids.push(gid);
        parts.push({ argv: [argv[0]!], slot });
        orders.push([]);
      }
      const part = parts[k]!;
      for (let j = 0; j < step; j++) part.argv.push(argv[pos + j]!);
      orders[k]!.push(i);
    }
    const readOnly = (cmd.flags & F.readonly) !== 0;
    if (parts.length === 1) {
      this.forward(parts[0]!.slot, argv, readOnly, cmd.fullName);
      return;
    }
    const fill = this.reserve(cmd.fullName);
    const replies: Buffer[] = new Array<Buffer>(parts.length);
    let left = parts.length;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const done = (r: Buffer): void => {
        replies[i] = r;
        if (--left === 0) fill(mergeReplies(merge, replies, orders, keys.length));
      };
      const conn = router.backendFor(part.slot, this.db, readOnly, this.resp);
      if (conn === null) done(errorReply('ERR the proxy has no slot table yet'));
      else conn.send(part.argv, this.following(part.argv, part.slot, done));
    }
  }

  private local(name: string, cmd: CommandInfo, argv: Buffer[]): void {
    switch (name) {
      case 'ping':
        if (this.resp === 2 && this.sub.count > 0) {
          this.localReply((w) => {
            w.array(2);
            w.bulkStr('pong');
            w.bulk(argv.length > 1 ? argv[1]! : Buffer.alloc(0));
          });
        } else this.localReply((w) => (argv.length > 1 ? w.bulk(argv[1]!) : w.simple('PONG')));
        return;
      case 'echo':
        this.localReply((w) => w.bulk(argv[1]!));
        return;
      case 'quit':
        this.localReply((w) => w.ok());
        this.closing = true;
        return;
      case 'select': {
        const s = argv[1]!.toString();
        const n = Number(s);
        if (!/^-?\d+$/.test(s)) this.error(E.NOT_INTEGER, 'select');
        else if (n < 0 || n >= 16) this.error(E.DB_INDEX, 'select');
        else {
          this.db = n;
          this.localReply((w) => w.ok());
        }
        return;
      }
      case 'auth':
        this.auth(argv);
        return;
      case 'hello':
        this.hello(argv);
        return;
      case 'reset':
        this.tx = null;
        this.releasePinned();
        this.sub.reset();
        this.db = 0;
        this.out.resp = 2;
        this.authenticated = this.proxy.opts.sessionAuth === '';
        this.localReply((w) => w.simple('RESET'));
        return;
      case 'time': {
        const now = Date.now();
        this.localReply((w) => {
          w.array(2);
          w.bulkStr(String(Math.floor(now / 1000)));
          w.bulkStr(String((now % 1000) * 1000 + Math.floor(Math.random() * 1000)));
        });
        return;
      }
      case 'command':
        this.proxy.commandReply(this, cmd, argv);
        return;
      case 'info':
        this.proxy.infoReply(this, argv);
        return;
      case 'multi': case 'exec': case 'discard': case 'watch': case 'unwatch':
        Transaction.command(this, name, cmd, argv);
        return;
      case 'subscribe': case 'unsubscribe': case 'psubscribe': case 'punsubscribe': case 'ssubscribe': case 'sunsubscribe':
        this.sub.command(name, argv);
        return;
      default:
        this.error(`ERR command '${cmd.fullName}' is not allowed through the proxy`, cmd.fullName);
    }
  }

  private auth(argv: Buffer[]): void {
    const pass = argv[argv.length - 1]!.toString();
    const user = argv.length === 3 ? argv[1]!.toString() : 'default';
    if (argv.length > 3) this.error(E.SYNTAX, 'auth');
    else if (this.proxy.opts.sessionAuth === '') this.error(argv.length === 2 ? E.AUTH_NOT_SET : E.WRONGPASS, 'auth');
    else if (user === 'default' && pass === this.proxy.opts.sessionAuth) {
      this.authenticated = true;
      this.localReply((w) => w.ok());
    } else this.error(E.WRONGPASS, 'auth');
  }

  /** A reply computed asynchronously by the proxy (INFO aggregates): reserves the place now. */
  deferred(): (fill: (w: Writer) => void) => void {
    const done = this.reserve('deferred');
    return (fill) => {
      const w = new Writer(1024);
      w.resp = this.out.resp;
      fill(w);
      done(Buffer.concat(w.take()));
    };
  }

  private hello(argv: Buffer[]): void {
    let ver = 0;
    let i = 1;
    if (argv.length >= 2) {
      const s = argv[1]!.toString();
      if (!/^-?\d+$/.test(s)) {
        this.error('ERR Protocol version is not an integer or out of range', 'hello');
        return;
      }
      ver = Number(s);
      i = 2;
      if (ver < 2 || ver > 3) {
        this.error(E.NOPROTO, 'hello');
        return;
      }
    }
    for (; i < argv.length; i++) {
      const opt = argv[i]!.toString().toUpperCase();
      if (opt === 'AUTH' && i + 2 < argv.length) {
        const user = argv[i + 1]!.toString();
        const pass = argv[i + 2]!.toString();
        if (this.proxy.opts.sessionAuth === '' || user !== 'default' || pass !== this.proxy.opts.sessionAuth) {
          this.error(E.WRONGPASS, 'hello');
          return;
        }
        this.authenticated = true;
        i += 2;
      } else if (opt === 'SETNAME' && i + 1 < argv.length) {
        i += 1;
      } else {
        this.error(`ERR Syntax error in HELLO option '${argv[i]!.toString()}'`, 'hello');
        return;
      }
    }
    if (!this.authenticated) {
      this.error(E.NOAUTH, 'hello');
      return;
    }
    if (ver !== 0) this.out.resp = ver as 2 | 3;
    this.localReply((w) => {
      w.resp = this.out.resp;
      writeHelloReply(w, this.id, 'master');
    });
  }

  /** Pushes an unsolicited message (pub/sub) after the replies already due. */
  push(raw: Buffer): void {
    this.pending.push({ reply: raw });
    if (this.pending.length === 1) this.proxy.queueFlush(this);
  }

  /** Writes every reply that is next in order. */
  flush(): void {
    const q = this.pending;
    let n = 0;
    while (n < q.length && q[n]!.reply !== null) n++;
    if (n === 1 && this.out.empty) {
      // The common unpipelined case: the reply (a view of the backend's read) leaves as is, uncopied.
      this.sock.write(q.shift()!.reply!);
    } else if (n > 0) {
      for (let i = 0; i < n; i++) this.out.raw(q[i]!.reply!);
      q.splice(0, n);
    }
    const shared = this.out.takeShared();
    if (shared !== null) {
      this.sock.write(shared);
      if (this.sock.writableLength > 0) this.out.detach();
    } else if (!this.out.empty) {
      const chunks = this.out.take();
      if (chunks.length === 1) this.sock.write(chunks[0]!);
      else {
        this.sock.cork();
        for (const c of chunks) this.sock.write(c);
        this.sock.uncork();
      }
    }
    if (this.paused && q.length < this.proxy.opts.maxPipeline / 2) {
      this.paused = false;
      this.sock.resume();
      this.drain();
      return;
    }
    if (this.closing && q.length === 0) this.sock.end();
  }

  releasePinned(): void {
    this.watch?.conn.close();
    this.watch = null;
    this.blockConn?.close();
    this.blockConn = null;
  }

  close(): void {
    this.sub.reset();
    this.sock.destroy();
  }
}
