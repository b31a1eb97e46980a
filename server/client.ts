/*
 * A logical client: its selected db, protocol, transaction, subscriptions
 * and reply buffer. Handlers see only this, never a socket; AOF replay and
 * the replication stream use clients with no connection (`conn === null`).
 */
import { Writer } from '../common/resp/writer.js';
import type { CommandInfo } from '../common/commands/index.js';
import type { Db } from './db/keyspace.js';
import type { Server } from './server.js';

/** The transport side of a client, implemented by server/network.ts. */
export interface Connection {
  readonly addr: string;
  readonly laddr: string;
  readonly fd: number;
  /** Bytes waiting in the query buffer. */
  readonly queryBufferLength: number;
  /** Writes queued replies to the socket. */
  flush(): void;
  /** Closes after pending replies are written (QUIT, protocol errors, CLIENT KILL). */
  closeAfterReply(): void;
  /** Closes at once. */
  close(): void;
  /** Resumes reading commands after the client was blocked or paused. */
  resume(): void;
  /** Writes bytes past the reply buffer (a replica's RDB transfer); resolves once the socket can take more. */
  writeDirect(b: Buffer): Promise<void>;
}

export interface QueuedCommand {
  cmd: CommandInfo;
  argv: Buffer[];
}

export type ReplyMode = 'on' | 'off' | 'skip';

/** A WATCHed key; `expired` when it was already logically expired at WATCH time (Redis 7.0 watchedKey.expired). */
export interface WatchedKey {
  db: Db;
  key: string;
  expired: boolean;
}

export interface BlockState {
  /** Keys (in db `dbIndex`) whose change may serve the client. */
  keys: string[];
  dbIndex: number;
  /** Absolute deadline in ms, 0 for none. */
  deadline: number;
  /** The blocked command, re-run when a key is signalled. */
  cmd: CommandInfo;
  argv: Buffer[];
  /** Reply on timeout (null array for pops). */
  onTimeout: (c: Client) => void;
  timer: NodeJS.Timeout | null;
}

export class Client {
  readonly id: number;
  name = '';
  libName = '';
  libVer = '';
  dbIndex = 0;
  db: Db;
  readonly reply = new Writer();
  authenticated: boolean;
  user = 'default';
  readonly createdAt = Date.now();
  lastInteraction = Date.now();
  lastCmd = 'NULL';
  /** Argument count and bytes of the command being run, for CLIENT LIST. */
  argvMem = 0;

  // MULTI/EXEC
  inMulti = false;
  multiQueue: QueuedCommand[] = [];
  /** A queued command was rejected: EXEC must abort. */
  multiError = false;
  /** A WATCHed key was touched: EXEC must fail. */
  dirtyCas = false;
  readonly watched: WatchedKey[] = [];
  /** Set while a command runs inside EXEC (blocking commands must not block). */
  inExec = false;

  // Pub/Sub
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  readonly shardChannels = new Set<string>();
  /** Pub/Sub pushes written while CLIENT REPLY OFF|SKIP discards the command's output: call() re-adds them. */
  keptPushes: Buffer[] | null = null;

  replyMode: ReplyMode = 'on';
  /** Set by a handler to propagate a different form of the command (EXPIRE → PEXPIREAT...); [] for nothing. */
  propagateArgv: Buffer[] | null = null;
  monitor = false;
  noEvict = false;
  /** Set when the client must not run further commands until resumed. */
  blocked: BlockState | null = null;
  /** ASKING was the previous command: the next one may touch an importing slot. */
  asking = false;
  /** Replication offset after this client's last propagated write (what WAIT waits for). */
  woff = 0;
  /** Set while a blocked command is re-run after a signal (see blocking.ts). */
  blockRetry = false;
  /** Paused by CLIENT PAUSE with the command that must wait. */
  pausedCommand: Buffer[] | null = null;
  closing = false;
  /** Replication link clients: the master we read from, or a replica we feed. */
  flags = { master: false, replica: false, noConnection: false };

  constructor(public readonly server: Server, public conn: Connection | null) {
    this.id = server.nextClientId++;
    this.db = server.dbs[0]!;
    this.authenticated = !server.authRequired();
  }

  get resp(): 2 | 3 {
    return this.reply.resp;
  }

  set resp(v: 2 | 3) {
    this.reply.resp = v;
  }

  get subscriptionCount(): number {
    return this.channels.size + this.patterns.size + this.shardChannels.size;
  }

  /** In RESP2, a client with subscriptions may only run (un)subscribe commands. */
  get inPubSubContext(): boolean {
    return this.resp === 2 && this.subscriptionCount > 0;
  }

  select(index: number): void {
    this.dbIndex = index;
    this.db = this.server.dbs[index]!;
  }

  /** Replies with an error and counts it in errorstats. */
  error(msg: string): void {
    this.server.countError(msg);
    this.reply.error(msg);
  }

  /** Queues output written outside of this client's own command (pub/sub, unblocking). */
  wake(): void {
    this.server.queueFlush(this);
  }

  unwatchAll(): void {
    for (const w of this.watched) this.server.unwatchKey(this, w.db, w.key);
    this.watched.length = 0;
    this.dirtyCas = false;
  }

  discardMulti(): void {
    this.inMulti = false;
    this.multiQueue = [];
    this.multiError = false;
    this.unwatchAll();
  }
}
