/*
 * Replication wired into the server: the role (master, or replica of
 * host:port), REPLICAOF, the write guards (READONLY, MASTERDOWN,
 * NOREPLICAS), INFO replication, ROLE, and the replid/offset kept in RDB
 * files so a restarted node continues with a partial resync.
 */
import type { Server } from '../server.js';
import type { Client } from '../client.js';
import { F } from '../../common/commands/index.js';
import { E } from '../../common/errors.js';
import { onClientFree } from '../client-lifecycle.js';
import { existsSync, unlinkSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { persistenceOf } from '../persistence/persistence.js';
import { ReplicationMaster, randomId } from './master.js';
import { MasterLink } from './link.js';

export class Replication {
  readonly master: ReplicationMaster;
  link: MasterLink | null = null;
  /** Restarted empty after a crash with persistence off: replicas are refused (see install). */
  emptyAfterCrash = false;
  private tick = 0;

  constructor(readonly server: Server) {
    this.master = new ReplicationMaster(server);
  }

  /**
   * REPLICAOF host port: from now on a replica. A running master offers its
   * own history to continue from (PSYNC2); at start-up only a history read
   * from the RDB file is offered, else the replica asks for a full sync.
   */
  replicaOf(host: string, port: number, atStartup = false): void {
    const server = this.server;
    // A partial resync with the new master continues the stream where ours stands,
    // under the db that stream had selected (as Redis's cached master keeps it).
    const old = this.link;
    old?.stop();
    const streamDb = old !== null ? old.currentDb : Math.max(0, this.master.selectedDb);
    this.emptyAfterCrash = false;
    if (!atStartup) this.master.createBacklog();
    for (const r of this.master.replicas.values()) r.client.conn?.close();
    server.isReplica = true;
    server.log.role = 'S';
    this.link = new MasterLink(server, this.master, host, port);
    this.link.streamDb = streamDb;
    this.link.start();
  }

  /** REPLICAOF NO ONE. */
  promote(): void {
    if (this.link === null) return;
    this.link.stop();
    this.link = null;
    this.server.isReplica = false;
    this.server.log.role = 'M';
    this.master.createBacklog();
    this.master.shiftReplicationId();
    this.master.selectedDb = -1;
    // Sub-replicas reconnect and continue from us under the new id.
    for (const r of this.master.replicas.values()) r.client.conn?.close();
  }

  cron(): void {
    const hz = Math.max(1, this.server.config.num('hz'));
    if (++this.tick % hz !== 0) return;
    this.master.cron();
    this.link?.cron();
  }

  info(): string {
    const server = this.server;
    const m = this.master;
    const line = (k: string, v: string | number) => `${k}:${v}\r\n`;
    let s = '';
    const link = this.link;
    if (link === null) {
      s += line('role', 'master');
    } else {
      const now = Date.now();
      s += line('role', 'slave') + line('master_host', link.host) + line('master_port', link.port) +
        line('master_link_status', link.state === 'connected' ? 'up' : 'down') +
        line('master_last_io_seconds_ago', link.state === 'connected' ? Math.floor((now - link.lastIo) / 1000) : -1) +
        line('master_sync_in_progress', link.syncInProgress ? 1 : 0) +
        line('slave_read_repl_offset', m.offset) + line('slave_repl_offset', m.offset);
      if (link.syncInProgress) {
        const total = link.transferSize;
        s += line('master_sync_total_bytes', total) + line('master_sync_read_bytes', link.transferRead) +
          line('master_sync_left_bytes', total < 0 ? -1 : total - link.transferRead) +
          line('master_sync_perc', total <= 0 ? '0.00' : ((100 * link.transferRead) / total).toFixed(2)) +
          line('master_sync_last_io_seconds_ago', Math.floor((now - link.lastIo) / 1000));
      }
      if (link.state !== 'connected') s += line('master_link_down_since_seconds', Math.floor((now - link.downSince) / 1000));
      s += line('slave_priority', server.config.num('replica-priority')) +
        line('slave_read_only', server.config.bool('replica-read-only') ? 1 : 0) +
        line('replica_announced', server.config.bool('replica-announced') ? 1 : 0);
    }
    s += line('connected_slaves', m.replicas.size);
    if (server.config.num('min-replicas-to-write') > 0 && server.config.num('min-replicas-max-lag') > 0) {
      s += line('min_slaves_good_slaves', m.goodReplicas());
    }
    let i = 0;
    for (const r of m.replicas.values()) {
      s += line(`slave${i++}`, `ip=${r.ip},port=${r.port},state=${r.state},offset=${r.ackOffset},lag=${Math.floor((Date.now() - r.ackTime) / 1000)}`);
    }
    const b = m.backlog;
    s += line('master_failover_state', 'no-failover') + line('master_replid', m.replid) + line('master_replid2', m.replid2) +
      line('master_repl_offset', m.offset) + line('second_repl_offset', m.secondReplOffset) +
      line('repl_backlog_active', b === null ? 0 : 1) + line('repl_backlog_size', server.config.num('repl-backlog-size')) +
      line('repl_backlog_first_byte_offset', b === null ? 0 : b.firstByteOffset) + line('repl_backlog_histlen', b === null ? 0 : b.histlen);
    return s;
  }

  /** ROLE. */
  role(c: Client): void {
    const m = this.master;
    const link = this.link;
    if (link === null) {
      c.reply.array(3);
      c.reply.bulkStr('master');
      c.reply.int(m.offset);
      const online = [...m.replicas.values()].filter((r) => r.state === 'online');
      c.reply.array(online.length);
      for (const r of online) {
        c.reply.array(3);
        c.reply.bulkStr(r.ip);
        c.reply.bulkStr(String(r.port));
        c.reply.bulkStr(String(r.ackOffset));
      }
      return;
    }
    c.reply.array(5);
    c.reply.bulkStr('slave');
    c.reply.bulkStr(link.host);
    c.reply.int(link.port);
    c.reply.bulkStr(link.state === 'connect' || link.state === 'connecting' ? link.state : link.state === 'sync' ? 'sync' : 'connected');
    c.reply.int(link.state === 'connected' ? m.offset : -1);
  }
}

const installed = new WeakMap<Server, Replication>();

export function replicationOf(server: Server): Replication {
  let r = installed.get(server);
  if (r === undefined) {
    r = new Replication(server);
    installed.set(server, r);
    install(server, r);
  }
  return r;
}

function install(server: Server, r: Replication): void {
  const m = r.master;
  server.cronHooks.push(() => r.cron());
  server.replInfo = () => r.info();
  server.replAux = () => (m.backlog === null ? [] : [['repl-stream-db', String(r.link?.currentDb ?? 0)], ['repl-id', m.replid], ['repl-offset', String(m.offset)]]);
  server.changeReplicationId = () => {
    m.replid = randomId();
    m.replid2 = '0'.repeat(40);
    m.secondReplOffset = -1;
  };
  server.config.onChange((name, value) => {
    if (name === 'repl-backlog-size') m.backlog?.resize(Number(value));
  });
  onClientFree.push((c) => {
    if (c.flags.replica) m.forget(c);
    else m.dropWaiter(c);
  });
  server.guards.push((c, cmd) => {
    if (c.flags.master) return null;
    const write = (cmd.flags & F.write) !== 0;
    if (server.isReplica) {
      if (write && server.config.bool('replica-read-only')) return E.READONLY;
      if (r.link?.state !== 'connected' && !server.config.bool('replica-serve-stale-data') && (cmd.flags & F.stale) === 0) return E.MASTERDOWN;
      return null;
    }
    const min = server.config.num('min-replicas-to-write');
    if (write && min > 0 && server.config.num('min-replicas-max-lag') > 0 && m.goodReplicas() < min) return E.NOREPLICAS;
    return null;
  });

  // A node restarted from its own RDB continues the history the file records (partial resync).
  const aux = persistenceOf(server).rdb.loadedAux;
  const id = aux.get('repl-id');
  const off = Number(aux.get('repl-offset'));
  if (id !== undefined && /^[0-9a-f]{40}$/.test(id) && Number.isInteger(off) && off >= 0) {
    m.replid = id;
    server.replOffset = off;
    m.createBacklog(off);
  }
  // A master that crashed with persistence off comes back empty; replicas syncing from it
  // would drop their copy of the data (Redis documents this trap). Refuse them until told.
  const marker = resolve(server.config.get('dir') || '.', 'shardis.running');
  const persistent = server.config.get('save').trim() !== '' || server.config.bool('appendonly');
  r.emptyAfterCrash = existsSync(marker) && !persistent && server.config.get('replicaof').trim() === '';
  if (r.emptyAfterCrash) {
    server.log.warning("This master restarted after a crash with persistence off: its dataset is empty, and replicas syncing from it would lose theirs. Replicas are refused until 'repl-serve-empty-after-crash yes' or REPLICAOF.");
  }
  try { writeFileSync(marker, String(process.pid)); } catch { /* read-only dir: no protection */ }
  persistenceOf(server).onShutdown.push(() => { try { unlinkSync(marker); } catch { /* already gone */ } });
  const replicaof = server.config.get('replicaof').trim();
  if (replicaof !== '') {
    const [host, port] = replicaof.split(/\s+/);
    r.replicaOf(host!, Number(port), true);
    const db = Number(aux.get('repl-stream-db'));
    if (r.link !== null && Number.isInteger(db) && db >= 0 && db < server.dbs.length) r.link.streamDb = db;
  }
}
