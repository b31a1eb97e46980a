/*
 * REPLICAOF/SLAVEOF, ROLE, PSYNC, SYNC, REPLCONF and WAIT (Redis 7.0
 * replication.c semantics; the work is in server/replication/).
 */
import type { Handler } from './index.js';
import type { Client } from '../client.js';
import { E } from '../../common/errors.js';
import { isArg, toInt } from './args.js';
import { replicationOf } from '../replication/replication.js';
import { blockClient } from '../blocking.js';
import { lookupCommand } from '../../common/commands/index.js';
import type { ReplicaHello } from '../replication/master.js';

const WAIT_CMD = lookupCommand('wait')!;

const replicaof: Handler = (c, argv) => {
  const r = replicationOf(c.server);
  const log = c.server.log;
  if (isArg(argv[1]!, 'NO') && isArg(argv[2]!, 'ONE')) {
    if (r.link !== null) {
      r.promote();
      log.notice(`MASTER MODE enabled (user request from 'id=${c.id} addr=${c.conn?.addr ?? ''}')`);
    }
    c.reply.ok();
    return;
  }
  if (c.flags.replica) {
    c.error('ERR Command is not valid when client is a replica.');
    return;
  }
  const port = toInt(argv[2]!);
  if (port === null || port < 0 || port > 65535) {
    c.error('ERR Invalid master port');
    return;
  }
  const host = argv[1]!.toString('latin1');
  if (r.link !== null && r.link.host.toLowerCase() === host.toLowerCase() && r.link.port === port) {
    log.notice('REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.');
    c.reply.simple('OK Already connected to specified master');
    return;
  }
  r.replicaOf(host, port);
  log.notice(`REPLICAOF ${host}:${port} enabled (user request from 'id=${c.id} addr=${c.conn?.addr ?? ''}')`);
  c.reply.ok();
};

/** PSYNC / SYNC: refused from a replica whose own master link is down, as Redis does. */
function syncCommand(c: Client, argv: Buffer[], legacy: boolean): void {
  if (c.flags.replica) return;
  const r = replicationOf(c.server);
  if (c.server.isReplica && r.link?.state !== 'connected') {
    c.error('NOMASTERLINK Can\'t SYNC while not connected with my master');
    return;
  }
  if (r.emptyAfterCrash && !c.server.config.bool('repl-serve-empty-after-crash')) {
    c.error('ERR refusing to serve replicas: this master restarted empty after a crash with persistence off (CONFIG SET repl-serve-empty-after-crash yes to allow)');
    return;
  }
  if (c.conn === null) return;
  const from = legacy ? -1 : Number(argv[2]!.toString('latin1'));
  r.master.sync(c, legacy ? '?' : argv[1]!.toString('latin1'), Number.isInteger(from) ? from : -1, legacy, pendingOf(c));
}

const replconf: Handler = (c, argv) => {
  if (argv.length % 2 === 0) {
    c.error(E.SYNTAX);
    return;
  }
  const m = replicationOf(c.server).master;
  for (let i = 1; i < argv.length; i += 2) {
    const opt = argv[i]!.toString('latin1').toLowerCase();
    const val = argv[i + 1]!.toString('latin1');
    switch (opt) {
      case 'listening-port': {
        const p = toInt(argv[i + 1]!);
        if (p === null) {
          c.error(E.NOT_INTEGER);
          return;
        }
        pendingOf(c).port = p;
        break;
      }
      case 'capa':
        if (val.toLowerCase() === 'eof') pendingOf(c).capaEof = true;
        else if (val.toLowerCase() === 'psync2') pendingOf(c).capaPsync2 = true;
        break;
      case 'ack': {
        // An ACK gets no reply: the stream is on this connection.
        const off = Number(val);
        if (c.flags.replica && Number.isInteger(off)) m.ack(c, off);
        return;
      }
      case 'getack':
        // Only meaningful from a master (the replica link answers it on its own).
        return;
      case 'ip-address':
      case 'rdb-only':
      case 'rdb-filter-only':
        break;
      default:
        c.error(`ERR Unrecognized REPLCONF option: ${argv[i]!.toString('latin1')}`);
        return;
    }
  }
  c.reply.ok();
};

/** What REPLCONF told about a client before its PSYNC. */
const hellos = new WeakMap<Client, ReplicaHello>();
function pendingOf(c: Client): ReplicaHello {
  let h = hellos.get(c);
  if (h === undefined) {
    h = { port: 0, capaEof: false, capaPsync2: false };
    hellos.set(c, h);
  }
  return h;
}

const wait: Handler = (c, argv) => {
  const server = c.server;
  if (server.isReplica) {
    c.error('ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.');
    return;
  }
  const n = toInt(argv[1]!);
  if (n === null) {
    c.error(E.NOT_INTEGER);
    return;
  }
  const t = toInt(argv[2]!);
  if (t === null) {
    c.error('ERR timeout is not an integer or out of range');
    return;
  }
  if (t < 0) {
    c.error('ERR timeout is negative');
    return;
  }
  const m = replicationOf(server).master;
  const acked = m.acked(c.woff);
  if (acked >= n || c.inExec || c.conn === null) {
    c.reply.int(acked);
    return;
  }
  blockClient(c, WAIT_CMD, argv, [], t, (bc) => {
    m.dropWaiter(bc);
    bc.reply.int(m.acked(bc.woff));
  });
  m.addWaiter(c, c.woff, n);
};

export const replicationHandlers: Record<string, Handler> = {
  replicaof,
  slaveof: replicaof,
  role: (c) => replicationOf(c.server).role(c),
  psync: (c, argv) => syncCommand(c, argv, false),
  sync: (c, argv) => syncCommand(c, argv, true),
  replconf,
  wait,
};
