/*
 * The replica side: the link to the master (REPLICAOF host port).
 *
 * Handshake as Redis 7 does it: PING, AUTH (masterauth / masteruser),
 * REPLCONF listening-port, REPLCONF capa eof capa psync2, then PSYNC with the
 * replication id and offset this node's data corresponds to. +CONTINUE keeps
 * the data and resumes the stream; +FULLRESYNC is followed by a snapshot
 * ($<len> or $EOF:<mark> framed), loaded in slices after the old data is
 * dropped. The stream is then applied by the master client, each command
 * advancing the offset by its size, and forwarded byte for byte to this
 * node's backlog and its own replicas (cascading). REPLCONF ACK <offset> goes
 * back every second and when the master asks (GETACK).
 */
import net from 'node:net';
import type { Server } from '../server.js';
import { Client } from '../client.js';
import { RequestParser } from '../../common/resp/decoder.js';
import { processCommand } from '../dispatch.js';
import { isArg } from '../commands/args.js';
import { encodeCommand } from '../persistence/aof-reader.js';
import { persistenceOf } from '../persistence/persistence.js';
import type { ReplicationMaster } from './master.js';

export type LinkState = 'connect' | 'connecting' | 'sync' | 'connected';

class LinkClosed extends Error {}

export class MasterLink {
  state: LinkState = 'connect';
  private socket: net.Socket | null = null;
  private buf: Buffer = Buffer.alloc(0);
  private wake: (() => void) | null = null;
  private master: Client | null = null;
  private parser: RequestParser | null = null;
  lastIo = Date.now();
  downSince = Date.now();
  /** Bytes of the snapshot expected (-1: EOF-marked) and received so far, while a transfer runs. */
  transferSize = -1;
  transferRead = 0;
  private stopped = false;
  /** The db the master's stream had selected (kept across reconnects, and in RDB files as repl-stream-db). */
  streamDb = 0;
  /** Stream bytes of a transaction whose EXEC has not arrived yet. */
  private openTx: Buffer[] = [];

  constructor(private readonly server: Server, private readonly repl: ReplicationMaster,
    readonly host: string, readonly port: number) {}

  /** The db the stream's next command applies to. */
  get currentDb(): number {
    return this.master?.dbIndex ?? this.streamDb;
  }

  get syncInProgress(): boolean {
    return this.state === 'sync';
  }

  start(): void {
    if (this.stopped || this.state !== 'connect') return;
    this.state = 'connecting';
    this.server.log.notice(`Connecting to MASTER ${this.host}:${this.port}`);
    this.server.log.notice('MASTER <-> REPLICA sync started');
    const socket = net.connect(this.port, this.host);
    this.socket = socket;
    socket.setNoDelay(!this.server.config.bool('repl-disable-tcp-nodelay'));
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (e) => {
      if (this.state === 'connecting') this.server.log.warning(`Error condition on socket for SYNC: ${e.message}`);
    });
    socket.on('close', () => this.onClose());
    socket.once('connect', () => {
      this.server.log.notice('Non blocking connect for SYNC fired the event.');
      this.handshake().catch((e: Error) => {
        if (!(e instanceof LinkClosed)) this.server.log.warning(e.message);
        socket.destroy();
      });
    });
  }

  /** REPLICAOF NO ONE / another master: closes for good. */
  stop(): void {
    this.stopped = true;
    this.socket?.destroy();
    this.freeMaster();
  }

  private onData(d: Buffer): void {
    this.lastIo = Date.now();
    this.server.stats.netInputBytes += d.length;
    if (this.state === 'connected') {
      this.parser!.push(d);
      this.applyStream();
      return;
    }
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private onClose(): void {
    if (this.state === 'connected') {
      this.server.log.notice('Connection with master lost.');
      this.server.log.notice('Caching the disconnected master state.');
    }
    this.state = 'connect';
    this.socket = null;
    this.downSince = Date.now();
    this.freeMaster();
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private freeMaster(): void {
    if (this.master?.inMulti) this.master.discardMulti();
    this.openTx = [];
    // A partial resync continues the stream where it stopped, under the db it had selected.
    if (this.master !== null) this.streamDb = this.master.dbIndex;
    this.master = null;
    this.parser = null;
  }

  private async more(): Promise<void> {
    if (this.socket === null) throw new LinkClosed('link closed');
    await new Promise<void>((r) => { this.wake = r; });
    if (this.socket === null) throw new LinkClosed('link closed');
  }

  /** The next reply line, skipping the newlines a master sends as keepalives. */
  private async line(): Promise<string> {
    for (;;) {
      const nl = this.buf.indexOf(10);
      if (nl >= 0) {
        const text = this.buf.toString('latin1', 0, nl).replace(/\r$/, '');
        this.buf = this.buf.subarray(nl + 1);
        if (text !== '') return text;
        continue;
      }
      await this.more();
    }
  }

  private send(argv: string[]): void {
    this.socket?.write(encodeCommand(argv));
  }

  private async handshake(): Promise<void> {
    const server = this.server;
    const log = server.log;
    this.send(['PING']);
    const pong = await this.line();
    if (pong.startsWith('-') && !/^-(NOAUTH|NOPERM|ERR operation not permitted)/.test(pong)) {
      throw new Error(`Error reply to PING from master: '${pong}'`);
    }
    log.notice('Master replied to PING, replication can continue...');
    const pass = server.config.get('masterauth');
    if (pass !== '') {
      const user = server.config.get('masteruser');
      this.send(user !== '' ? ['AUTH', user, pass] : ['AUTH', pass]);
      const r = await this.line();
      if (r.startsWith('-')) throw new Error(`Unable to AUTH to MASTER: ${r}`);
    }
    this.send(['REPLCONF', 'listening-port', String(server.listeningPort)]);
    const lp = await this.line();
    if (lp.startsWith('-')) log.notice(`(Non critical) Master does not understand REPLCONF listening-port: ${lp}`);
    this.send(['REPLCONF', 'capa', 'eof', 'capa', 'psync2']);
    const capa = await this.line();
    if (capa.startsWith('-')) log.notice(`(Non critical) Master does not understand REPLCONF capa: ${capa}`);

    const repl = this.repl;
    const known = repl.backlog !== null;
    const [id, from] = known ? [repl.replid, repl.offset + 1] : ['?', -1];
    if (known) log.notice(`Trying a partial resynchronization (request ${id}:${from}).`);
    else log.notice('Partial resynchronization not possible (no cached master)');
    this.send(['PSYNC', id, String(from)]);
    const reply = await this.line();
    if (reply.startsWith('+CONTINUE')) {
      const newId = reply.split(' ')[1];
      if (newId !== undefined && newId !== repl.replid) {
        // The master's history continues ours under a new id: remember the old one (PSYNC2).
        repl.replid2 = repl.replid;
        repl.secondReplOffset = repl.offset + 1;
        repl.replid = newId;
        log.notice(`Master replication ID changed to ${newId}`);
        this.dropSubReplicas();
      }
      log.notice('Successful partial resynchronization with master.');
      log.notice('MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.');
      this.online();
      return;
    }
    const m = /^\+FULLRESYNC (\S+) (\d+)/.exec(reply);
    if (m === null) throw new Error(`Unexpected reply to PSYNC from master: ${reply}`);
    log.notice(`Full resync from master: ${m[1]}:${m[2]}`);
    await this.fullSync(m[1]!, Number(m[2]));
  }

  private async fullSync(replid: string, offset: number): Promise<void> {
    const server = this.server;
    const log = server.log;
    this.state = 'sync';
    const header = await this.line();
    let payload: Buffer;
    if (header.startsWith('$EOF:')) {
      const mark = Buffer.from(header.slice(5), 'latin1');
      log.notice('MASTER <-> REPLICA sync: receiving streamed RDB from master with EOF to memory');
      this.transferSize = -1;
      let end: number;
      for (;;) {
        this.transferRead = this.buf.length;
        end = this.buf.indexOf(mark);
        if (end >= 0) break;
        await this.more();
      }
      payload = this.buf.subarray(0, end);
      this.buf = this.buf.subarray(end + mark.length);
    } else {
      const len = Number(header.slice(1));
      if (!header.startsWith('$') || !Number.isInteger(len)) throw new Error(`Bad protocol from MASTER, the first byte is not '$' (we received '${header}'), are you sure the host and port are right?`);
      log.notice(`MASTER <-> REPLICA sync: receiving ${len} bytes from master to memory`);
      this.transferSize = len;
      while (this.buf.length < len) {
        this.transferRead = this.buf.length;
        await this.more();
      }
      payload = this.buf.subarray(0, len);
      this.buf = this.buf.subarray(len);
    }
    log.notice('MASTER <-> REPLICA sync: Flushing old data');
    for (const db of server.dbs) db.clear();
    log.notice('MASTER <-> REPLICA sync: Loading DB in memory');
    try {
      await persistenceOf(server).rdb.loadSliced(Buffer.from(payload));
    } catch (e) {
      log.warning(`Failed trying to load the MASTER synchronization DB from socket: ${(e as Error).message}`);
      for (const db of server.dbs) db.clear();
      throw e;
    }
    const repl = this.repl;
    repl.replid = replid;
    repl.replid2 = '0'.repeat(40);
    repl.secondReplOffset = -1;
    repl.dropBacklog();
    repl.createBacklog(offset);
    server.replOffset = offset;
    this.streamDb = 0;
    this.dropSubReplicas();
    log.notice('MASTER <-> REPLICA sync: Finished with success');
    this.online();
  }

  /** Sub-replicas follow a history that just changed: they reconnect and resync from us. */
  private dropSubReplicas(): void {
    for (const r of this.repl.replicas.values()) r.client.conn?.close();
  }

  private online(): void {
    const server = this.server;
    const master = new Client(server, null);
    master.authenticated = true;
    master.flags.master = true;
    master.select(this.streamDb);
    this.master = master;
    this.repl.createBacklog();
    this.parser = new RequestParser({ maxBulkLen: Number.MAX_SAFE_INTEGER, authRequired: false });
    this.state = 'connected';
    this.sendAck();
    const rest = this.buf;
    this.buf = Buffer.alloc(0);
    if (rest.length > 0) {
      this.parser.push(rest);
      this.applyStream();
    }
  }

  /** Runs the commands of the stream received so far. */
  private applyStream(): void {
    const parser = this.parser!;
    const master = this.master!;
    for (;;) {
      const argv = parser.next();
      if (argv === null) {
        if (parser.error !== null) {
          this.server.log.warning(`Protocol error from master: ${parser.error}`);
          this.socket?.destroy();
        }
        return;
      }
      const size = parser.lastBytes;
      if (argv.length >= 2 && isArg(argv[0]!, 'REPLCONF') && isArg(argv[1]!, 'GETACK')) {
        // Answered with the offset before this command, as Redis does.
        this.sendAck();
      } else {
        processCommand(master, argv);
        master.reply.take();
      }
      // Forwarded as the canonical encoding Redis masters write, which is byte for byte what arrived.
      const raw = encodeCommand(argv);
      if (raw.length !== size) this.server.log.warning('Replication stream command with non-canonical encoding: offsets may drift');
      // A transaction counts (offset, backlog, sub-replicas) only once its EXEC ran, as in Redis:
      // a master dying mid-transaction leaves no half transaction anywhere.
      if (master.inMulti) {
        this.openTx.push(raw);
      } else if (this.openTx.length > 0) {
        this.openTx.push(raw);
        this.repl.append(Buffer.concat(this.openTx));
        this.openTx = [];
      } else {
        this.repl.append(raw);
      }
      if (this.state !== 'connected') return;
    }
  }

  sendAck(): void {
    if (this.state === 'connected') this.send(['REPLCONF', 'ACK', String(this.repl.offset)]);
  }

  /** replicationCron's replica part, once a second. */
  cron(): void {
    const timeout = this.server.config.num('repl-timeout') * 1000;
    if (this.state === 'connect') {
      this.start();
    } else if (Date.now() - this.lastIo > timeout) {
      this.server.log.warning(this.state === 'connected'
        ? 'MASTER timeout: no data nor PING received...'
        : 'Timeout connecting to the MASTER...');
      this.socket?.destroy();
    } else if (this.state === 'connected') {
      this.sendAck();
    }
  }
}
