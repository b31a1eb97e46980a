/*
 * Blocking commands (BLPOP, BZPOPMIN, BLMOVE...). A handler that finds
 * nothing to serve calls blockClient(); the client stops reading commands.
 * When a write signals a key as ready, the blocked command is run again in
 * FIFO order of blocking (Redis 7 re-executes the command too); if it is
 * served it replies and the client resumes, otherwise it stays blocked in
 * its place. Timeouts reply with the command's own "nothing" reply.
 */
import type { CommandInfo } from '../common/commands/index.js';
import type { Client } from './client.js';
import { call } from './dispatch.js';
import type { Server } from './server.js';
import { onClientFree } from './client-lifecycle.js';

/** Blocking commands never block inside MULTI/EXEC or for clients without a connection. */
export function canBlock(c: Client): boolean {
  return !c.inExec && c.conn !== null;
}

/**
 * Blocks the client on keys until one is signalled or `timeoutMs` (0 = for
 * ever) passes. Called by the handler instead of replying.
 */
export function blockClient(c: Client, cmd: CommandInfo, argv: Buffer[], keys: string[], timeoutMs: number, onTimeout: (c: Client) => void): void {
  if (c.blockRetry) {
    // Re-run after a signal found nothing to serve: stay blocked where we were.
    c.blockRetry = false;
    return;
  }
  const server = c.server;
  const m = server.blockingKeys[c.dbIndex]!;
  for (const k of keys) {
    let q = m.get(k);
    if (q === undefined) {
      q = [];
      m.set(k, q);
    }
    q.push(c);
  }
  const ownArgv = argv.map((a) => Buffer.from(a));
  c.blocked = { keys, dbIndex: c.dbIndex, deadline: timeoutMs > 0 ? Date.now() + timeoutMs : 0, cmd, argv: ownArgv, onTimeout, timer: null };
  if (timeoutMs > 0) {
    c.blocked.timer = setTimeout(() => {
      if (c.blocked === null) return;
      const b = c.blocked;
      unblockClient(c);
      b.onTimeout(c);
      finishUnblock(c);
    }, timeoutMs);
  }
  server.blockedClients++;
}

/** Removes the client from every wait queue. */
export function unblockClient(c: Client): void {
  const b = c.blocked;
  if (b === null) return;
  if (b.timer !== null) clearTimeout(b.timer);
  const m = c.server.blockingKeys[b.dbIndex]!;
  for (const k of b.keys) {
    const q = m.get(k);
    if (q === undefined) continue;
    const i = q.indexOf(c);
    if (i >= 0) q.splice(i, 1);
    if (q.length === 0) m.delete(k);
  }
  c.blocked = null;
  c.server.blockedClients--;
}

/** After an unblock: flush the reply and go on with the client's pipelined commands. */
function finishUnblock(c: Client): void {
  c.wake();
  const conn = c.conn;
  if (conn !== null) setImmediate(() => conn.resume());
}

/** CLIENT UNBLOCK: ends a block as a timeout or with an UNBLOCKED error. */
export function unblockByRequest(c: Client, asError: boolean): boolean {
  const b = c.blocked;
  if (b === null) return false;
  unblockClient(c);
  if (asError) c.error('UNBLOCKED client unblocked via CLIENT UNBLOCK');
  else b.onTimeout(c);
  finishUnblock(c);
  return true;
}

/** Serves clients blocked on keys signalled ready by the last command. */
export function handleReadyKeys(server: Server): void {
  while (server.readyKeys.size > 0) {
    const ready = [...server.readyKeys];
    server.readyKeys.clear();
    for (const [dbIndex, keys] of ready) {
      for (const key of keys) {
        const q = server.blockingKeys[dbIndex]!.get(key);
        if (q === undefined) continue;
        for (const c of [...q]) {
          const b = c.blocked;
          if (b === null) continue;
          const prevDb = c.dbIndex;
          c.select(b.dbIndex);
          c.blockRetry = true;
          call(c, b.cmd, b.argv);
          const served = c.blockRetry;
          c.blockRetry = false;
          if (served) {
            unblockClient(c);
            // Stats for the blocked command are counted when it is served.
            finishUnblock(c);
          } else {
            c.select(prevDb);
          }
        }
      }
    }
  }
}

export function installBlocking(server: Server): void {
  server.handleReadyKeys = () => handleReadyKeys(server);
}

onClientFree.push((c) => unblockClient(c));
