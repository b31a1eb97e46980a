/*
 * The transactions commands: MULTI EXEC DISCARD WATCH UNWATCH (Redis 7.0
 * multi.c). Queueing is done by dispatch.ts (+QUEUED, or an error that sets
 * c.multiError); EXEC runs the queue through call() with c.inExec set, so
 * blocking commands answer at once instead of blocking.
 *
 * Propagation: the writes of a transaction are collected while it runs and
 * sent wrapped in MULTI/EXEC when there is more than one, alone when there
 * is one, not at all when there is none (as Redis 7.0 does).
 */
import { E } from '../../common/errors.js';
import type { Client } from '../client.js';
import { call } from '../dispatch.js';
import { keyOf } from './args.js';
import type { Handler } from './index.js';

const MULTI_ARGV = [Buffer.from('MULTI')];
const EXEC_ARGV = [Buffer.from('EXEC')];

function multiCommand(c: Client): void {
  if (c.inMulti) {
    c.error(E.MULTI_NESTED);
    return;
  }
  c.inMulti = true;
  c.multiQueue = [];
  c.multiError = false;
  c.reply.ok();
}

function discardCommand(c: Client): void {
  if (!c.inMulti) {
    c.error(E.DISCARD_NO_MULTI);
    return;
  }
  c.discardMulti();
  c.reply.ok();
}

/**
 * Replies EXECABORT with the reason a queued command would be rejected if
 * it ran now (Redis checks EXEC against the flags of the queued commands:
 * OOM, read-only replica, min-replicas...), or returns false. The guards see
 * each command as if sent outside MULTI.
 */
function abortOnGuards(c: Client): boolean {
  const guards = c.server.guards;
  if (guards.length === 0) return false;
  let err: string | null = null;
  c.inMulti = false;
  try {
    for (const q of c.multiQueue) {
      for (const g of guards) {
        err = g(c, q.cmd, q.argv);
        if (err !== null) break;
      }
      if (err !== null) break;
    }
  } finally {
    c.inMulti = true;
  }
  if (err === null) return false;
  c.discardMulti();
  c.error(`EXECABORT Transaction discarded because of: ${err.replace(/^-?(ERR )?/, '')}`);
  return true;
}

function execCommand(c: Client): void {
  if (!c.inMulti) {
    c.error(E.EXEC_NO_MULTI);
    return;
  }
  const server = c.server;
  // A watched key that expired after WATCH fails the transaction (Redis 7.0).
  if (!c.dirtyCas && c.watched.length > 0 && server.watchedKeyExpired(c)) c.dirtyCas = true;
  if (c.multiError || c.dirtyCas) {
    if (c.multiError) c.error(E.EXEC_ABORT);
    else c.reply.nilArray();
    c.discardMulti();
    return;
  }
  // The server's state may have changed since the commands were queued (OOM, replicas, stale master...).
  if (abortOnGuards(c)) return;

  const queue = c.multiQueue;
  c.unwatchAll();
  const collect = server.propagateHooks.length > 0;
  const propagated: [number, Buffer[]][] = [];
  const propagate = server.propagate;
  if (collect) {
    server.propagate = (dbIndex, argv) => {
      propagated.push([dbIndex, argv.map((a) => Buffer.from(a))]);
    };
  }
  c.inExec = true;
  c.reply.array(queue.length);
  try {
    for (const q of queue) call(c, q.cmd, q.argv);
  } finally {
    c.inExec = false;
    c.lastCmd = 'exec';
    if (collect) server.propagate = propagate;
    c.inMulti = false;
    c.multiQueue = [];
    c.multiError = false;
  }
  if (propagated.length === 1) {
    server.propagate(propagated[0]![0], propagated[0]![1]);
  } else if (propagated.length > 1) {
    server.propagate(propagated[0]![0], MULTI_ARGV);
    for (const [db, argv] of propagated) server.propagate(db, argv);
    server.propagate(propagated[propagated.length - 1]![0], EXEC_ARGV);
  }
}

function watchCommand(c: Client, argv: Buffer[]): void {
  if (c.inMulti) {
    c.error(E.WATCH_IN_MULTI);
    return;
  }
  // No point in watching when the transaction already failed.
  if (!c.dirtyCas) for (let i = 1; i < argv.length; i++) c.server.watchKey(c, c.db, keyOf(argv[i]!));
  c.reply.ok();
}

function unwatchCommand(c: Client): void {
  c.unwatchAll();
  c.reply.ok();
}

export const transactionHandlers: Record<string, Handler> = {
  multi: multiCommand,
  exec: execCommand,
  discard: discardCommand,
  watch: watchCommand,
  unwatch: unwatchCommand,
};
