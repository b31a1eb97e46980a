/*
 * The master side of replication: the stream, the backlog and the replicas.
 *
 * Invariants:
 *  - every byte appended to the stream goes to the backlog and to every
 *    online replica in the same order, so a replica at offset N has applied
 *    exactly the stream's first N bytes;
 *  - a full sync sends a snapshot cut at offset O (+FULLRESYNC <replid> O),
 *    then everything appended after the cut, so the replica ends where the
 *    master is; the snapshot is the fork-less one of server/persistence;
 *  - PSYNC continues only from a replication id this node's history
 *    contains (its own, or the previous one up to second_repl_offset, PSYNC2)
 *    and an offset still in the backlog.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from '../server.js';
import type { Client } from '../client.js';
import { Backlog } from './backlog.js';
import { encodeCommand } from '../persistence/aof-reader.js';
import { persistenceOf } from '../persistence/persistence.js';
import { SnapshotFile } from '../persistence/rdb-persistence.js';
import { unblockWith } from '../blocking.js';
import { readFile, unlink } from 'node:fs/promises';
import { resolve } from 'node:path';

export type ReplicaState = 'wait_bgsave' | 'send_bulk' | 'online';

/** What a replica said in REPLCONF before its PSYNC. */
export interface ReplicaHello {
  port: number;
  capaEof: boolean;
  capaPsync2: boolean;
}

export interface ReplicaEntry {
  client: Client;
  state: ReplicaState;
  ip: string;
  port: number;
  capaEof: boolean;
  capaPsync2: boolean;
  /** Legacy SYNC: no +FULLRESYNC line before the payload. */
  legacy: boolean;
  ackOffset: number;
  ackTime: number;
  /** Stream written while its snapshot is in transfer, sent right after it. */
  pending: Buffer[];
  waitingSince: number;
  /** A diskless transfer is complete; the stream starts at the replica's first ACK. */
  awaitingAck: boolean;
}

interface Waiter {
  client: Client;
  offset: number;
  replicas: number;
}

export const randomId = (): string => randomBytes(20).toString('hex');

export class ReplicationMaster {
  replid = randomId();
  replid2 = '0'.repeat(40);
  secondReplOffset = -1;
  backlog: Backlog | null = null;
  readonly replicas = new Map<Client, ReplicaEntry>();
  /** The db the stream last SELECTed; -1 forces a SELECT before the next command. */
  selectedDb = -1;
  private readonly waiters: Waiter[] = [];
  private pingCounter = 0;
  private aloneSince = 0;

  constructor(private readonly server: Server) {}

  get offset(): number {
    return this.backlog?.offset ?? this.server.replOffset;
  }

  private readonly hook = (db: number, argv: Buffer[]): void => this.feed(db, argv);

  /** The backlog exists while there is a stream to keep: writes propagate to us only meanwhile. */
  createBacklog(offset = this.server.replOffset): void {
    if (this.backlog === null) this.backlog = new Backlog(this.server.config.num('repl-backlog-size'), offset);
    this.server.setPropagationHook(this.hook, true);
  }

  dropBacklog(): void {
    this.backlog = null;
    this.server.setPropagationHook(this.hook, false);
  }

  /** Commands executed here, as they propagate (a replica forwards its master's stream instead). */
  feed(dbIndex: number, argv: Buffer[]): void {
    if (this.backlog === null || this.server.isReplica) return;
    if (dbIndex !== this.selectedDb) {
      this.selectedDb = dbIndex;
      this.append(Buffer.concat([encodeCommand(['SELECT', String(dbIndex)]), encodeCommand(argv)]));
    } else {
      this.append(encodeCommand(argv));
    }
  }

  /** Adds bytes to the stream: backlog, online replicas, and the buffers of those in a transfer. */
  append(bytes: Buffer): void {
    if (this.backlog === null) return;
    this.backlog.append(bytes);
    this.server.replOffset = this.backlog.offset;
    for (const r of this.replicas.values()) {
      if (r.state === 'online') {
        r.client.reply.raw(bytes);
        this.server.queueFlush(r.client);
      } else if (r.state === 'send_bulk') {
        r.pending.push(bytes);
      }
    }
  }

  // ---------------------------------------------------------------- PSYNC

  /** PSYNC replid offset / SYNC from a client that becomes a replica. */
  sync(c: Client, replid: string, from: number, legacy: boolean, hello: ReplicaHello): void {
    const server = this.server;
    const addr = c.conn?.addr ?? '?';
    const entry: ReplicaEntry = {
      client: c, state: 'wait_bgsave', ip: addr.replace(/:\d+$/, ''), port: hello.port,
      capaEof: hello.capaEof, capaPsync2: hello.capaPsync2, legacy,
      ackOffset: 0, ackTime: Date.now(), pending: [], waitingSince: Date.now(), awaitingAck: false,
    };
    server.log.notice(`Replica ${entry.ip}:${entry.port} asks for synchronization`);
    c.flags.replica = true;
    this.replicas.set(c, entry);
    if (!legacy && this.tryPartial(entry, replid, from)) {
      server.stats.syncPartialOk++;
      return;
    }
    if (!legacy && replid !== '?') server.stats.syncPartialErr++;
    if (replid === '?' || legacy) server.log.notice(`Full resync requested by replica ${entry.ip}:${entry.port}`);
    server.stats.syncFull++;
    this.createBacklog();
    if (this.server.config.num('repl-diskless-sync-delay') === 0 || !this.server.config.bool('repl-diskless-sync')) this.startFullSync();
  }

  private tryPartial(r: ReplicaEntry, replid: string, from: number): boolean {
    const log = this.server.log;
    if (replid !== this.replid && !(replid === this.replid2 && from <= this.secondReplOffset)) {
      if (replid !== '?') {
        log.notice(replid !== this.replid2
          ? `Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '${replid}', my replication IDs are '${this.replid}' and '${this.replid2}')`
          : `Partial resynchronization not accepted: Requested offset for second ID was ${from}, but I can reply up to ${this.secondReplOffset}`);
      }
      return false;
    }
    const data = this.backlog?.since(from) ?? null;
    if (data === null) {
      log.notice(`Unable to partial resync with replica ${r.ip}:${r.port} for lack of backlog (Replica request was: ${from}).`);
      return false;
    }
    r.state = 'online';
    r.client.reply.raw(Buffer.from(r.capaPsync2 ? `+CONTINUE ${this.replid}\r\n` : '+CONTINUE\r\n', 'latin1'));
    if (data.length > 0) r.client.reply.raw(data);
    log.notice(`Partial resynchronization request from ${r.ip}:${r.port} accepted. Sending ${data.length} bytes of backlog starting from offset ${from}.`);
    return true;
  }

  /**
   * Starts one snapshot for every replica waiting for a full sync (when no
   * other snapshot runs): straight to their sockets with `repl-diskless-sync`
   * when they all accept an EOF-marked payload, else through a file.
   */
  startFullSync(): void {
    const server = this.server;
    if (server.snapshot !== null) return;
    const targets = [...this.replicas.values()].filter((r) => r.state === 'wait_bgsave');
    if (targets.length === 0) return;
    const diskless = server.config.bool('repl-diskless-sync') && targets.every((r) => r.capaEof);
    const offset = this.offset;
    for (const r of targets) {
      r.state = 'send_bulk';
      r.pending = [];
      if (!r.legacy) r.client.reply.raw(Buffer.from(`+FULLRESYNC ${this.replid} ${offset}\r\n`, 'latin1'));
      r.client.conn?.flush();
    }
    // The first command after the cut must say which db it is for.
    this.selectedDb = -1;
    const p = persistenceOf(server);
    const format = p.rdb.newFormat(false, [['repl-stream-db', '0'], ['repl-id', this.replid], ['repl-offset', String(offset)]]);
    const alive = new Set(targets);
    const toAll = async (b: Buffer): Promise<void> => {
      await Promise.all([...alive].map((r) => r.client.conn!.writeDirect(b).catch(() => { alive.delete(r); })));
    };
    if (diskless) {
      const mark = randomBytes(20).toString('hex');
      server.log.notice(`Starting BGSAVE for SYNC with target: replicas sockets`);
      void toAll(Buffer.from(`$EOF:${mark}\r\n`, 'latin1'));
      const snap = p.rdb.newSnapshot(format, toAll);
      snap.purpose = 'sync';
      server.snapshot = snap;
      void snap.run()
        .then(() => toAll(Buffer.from(mark, 'latin1')))
        .then(() => this.transferred(alive, true), (e: Error) => this.transferFailed(targets, e))
        .finally(() => { if (server.snapshot === snap) server.snapshot = null; });
      return;
    }
    server.log.notice(`Starting BGSAVE for SYNC with target: disk`);
    const path = resolve(server.config.get('dir') || '.', `temp-sync-${process.pid}.rdb`);
    const file = new SnapshotFile(path, true);
    const snap = p.rdb.newSnapshot(format, (b) => file.write(b));
    snap.purpose = 'sync';
    server.snapshot = snap;
    const synced = `${path}.done`;
    void snap.run()
      .then(() => file.commit(synced))
      .then(() => { if (server.snapshot === snap) server.snapshot = null; return readFile(synced); })
      .then(async (rdb) => {
        await unlink(synced).catch(() => {});
        await toAll(Buffer.from(`$${rdb.length}\r\n`, 'latin1'));
        for (let i = 0; i < rdb.length; i += 1 << 20) await toAll(rdb.subarray(i, i + (1 << 20)));
      })
      .then(() => this.transferred(alive, false), (e: Error) => this.transferFailed(targets, e))
      .finally(() => {
        if (server.snapshot === snap) server.snapshot = null;
        void file.discard();
      });
  }

  /**
   * After a disk-based transfer the replica goes online at once. After a
   * diskless one it waits for the replica's first REPLCONF ACK, as Redis
   * does: a replica finds the end of an EOF-marked payload by the last 40
   * bytes it read, so stream bytes arriving in the same read as the mark
   * would hide it.
   */
  private transferred(done: Set<ReplicaEntry>, diskless: boolean): void {
    for (const r of done) {
      if (this.replicas.get(r.client) !== r) continue;
      if (diskless) r.awaitingAck = true;
      else this.online(r);
    }
    // Replicas that arrived during this transfer get the next snapshot.
    this.startFullSync();
  }

  private online(r: ReplicaEntry): void {
    r.state = 'online';
    r.awaitingAck = false;
    r.ackTime = Date.now();
    for (const b of r.pending) r.client.reply.raw(b);
    r.pending = [];
    this.server.queueFlush(r.client);
    this.server.log.notice(`Synchronization with replica ${r.ip}:${r.port} succeeded`);
  }

  private transferFailed(targets: ReplicaEntry[], e: Error): void {
    this.server.log.warning(`Background transfer error: ${e.message}`);
    for (const r of targets) r.client.conn?.close();
  }

  // ---------------------------------------------------------------- acks, WAIT, cron

  ack(c: Client, offset: number): void {
    const r = this.replicas.get(c);
    if (r === undefined) return;
    if (r.awaitingAck) this.online(r);
    if (offset > r.ackOffset) r.ackOffset = offset;
    r.ackTime = Date.now();
    this.serveWaiters();
  }

  /** Replicas that acknowledged at least `offset`. */
  acked(offset: number): number {
    let n = 0;
    for (const r of this.replicas.values()) if (r.state === 'online' && r.ackOffset >= offset) n++;
    return n;
  }

  /** WAIT that could not be answered at once: answered on acks or by the block's timeout. */
  addWaiter(c: Client, offset: number, replicas: number): void {
    this.waiters.push({ client: c, offset, replicas });
    this.append(encodeCommand(['REPLCONF', 'GETACK', '*']));
  }

  dropWaiter(c: Client): void {
    const i = this.waiters.findIndex((w) => w.client === c);
    if (i >= 0) this.waiters.splice(i, 1);
  }

  private serveWaiters(): void {
    for (let i = 0; i < this.waiters.length;) {
      const w = this.waiters[i]!;
      const n = this.acked(w.offset);
      if (n >= w.replicas) {
        this.waiters.splice(i, 1);
        unblockWith(w.client, (c) => c.reply.int(n));
      } else {
        i++;
      }
    }
  }

  /** Replicas whose last ack is at most min-replicas-max-lag seconds old. */
  goodReplicas(): number {
    const maxLag = this.server.config.num('min-replicas-max-lag') * 1000;
    const now = Date.now();
    let n = 0;
    for (const r of this.replicas.values()) if (r.state === 'online' && now - r.ackTime <= maxLag) n++;
    return n;
  }

  forget(c: Client): void {
    const r = this.replicas.get(c);
    if (r === undefined) return;
    this.replicas.delete(c);
    this.dropWaiter(c);
    this.server.log.notice(`Connection with replica ${r.ip}:${r.port} lost.`);
  }

  /** replicationCron's master part, once a second. */
  cron(): void {
    const server = this.server;
    const now = Date.now();
    const period = Math.max(1, server.config.num('repl-ping-replica-period'));
    const timeout = server.config.num('repl-timeout') * 1000;
    if (!server.isReplica && this.replicas.size > 0 && ++this.pingCounter % period === 0) {
      this.append(encodeCommand(['PING']));
    }
    for (const r of this.replicas.values()) {
      if (r.state === 'wait_bgsave') {
        // Keeps the replica's read timeout from firing while it waits for its snapshot.
        r.client.conn?.writeDirect(Buffer.from('\n')).catch(() => {});
        if (server.config.bool('repl-diskless-sync') && now - r.waitingSince >= server.config.num('repl-diskless-sync-delay') * 1000) this.startFullSync();
      } else if (r.state === 'online' && now - r.ackTime > timeout) {
        server.log.warning(`Disconnecting timedout replica (streaming sync): ${r.ip}:${r.port}`);
        r.client.conn?.close();
      }
    }
    if (this.replicas.size > 0 && server.snapshot === null) this.startFullSync();
    this.expireBacklog(now);
  }

  /** repl-backlog-ttl: a master without replicas for that long frees its backlog and starts a new history. */
  private expireBacklog(now: number): void {
    if (this.server.isReplica || this.replicas.size > 0 || this.backlog === null) {
      this.aloneSince = 0;
      return;
    }
    if (this.aloneSince === 0) this.aloneSince = now;
    const ttl = this.server.config.num('repl-backlog-ttl') * 1000;
    if (ttl > 0 && now - this.aloneSince > ttl) {
      this.dropBacklog();
      this.replid = randomId();
      this.replid2 = '0'.repeat(40);
      this.secondReplOffset = -1;
      this.server.log.notice(`Replication backlog freed after ${ttl / 1000} seconds without connected replicas.`);
    }
  }

  /** REPLICAOF NO ONE on a former replica: a new history that remembers the old one (PSYNC2). */
  shiftReplicationId(): void {
    this.replid2 = this.replid;
    this.secondReplOffset = this.offset + 1;
    this.replid = randomId();
    this.server.log.notice(`Setting secondary replication ID to ${this.replid2}, valid up to offset: ${this.secondReplOffset}. New replication ID is ${this.replid}`);
  }
}
