/*
 * Blocking commands (BLPOP, BZPOPMIN, BLMOVE...). A handler that finds
 * nothing to serve calls blockClient(); the client stops reading commands.
 * When a write signals a key as ready, the blocked command is run again in
 * FIFO order of blocking (Redis 7 re-executes the command too); if it is
 * served it replies and the client resumes, otherwise it stays blocked in
 * its place. Timeouts reply with the command's own "nothing" reply.
 *
 * Contract for blocking handlers: during a re-run (`c.blockRetry`), a key of
 * the wrong type means "not ready" (Redis 7.0 leaves the client blocked),
 * not a WRONGTYPE error; servingKey() names the key that was signalled, so a
 * handler can serve from that key first as Redis 7.0 does. Any reply other
 * than calling blockClient() again ends the block.
 */
import type { CommandInfo } from '../common/commands/index.js';
import type { BlockState, Client } from './client.js';
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
  // A key given twice (BLPOP k k 0) waits once.
  if (keys.length > 1) keys = [...new Set(keys)];
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
  if (timeoutMs > 0) armTimer(c, c.blocked);
  server.blockedClients++;
}

/** Node timers cannot wait more than 2^31-1 ms: long timeouts re-arm until the deadline. */
const MAX_TIMER = 2147483647;

function armTimer(c: Client, b: BlockState): void {
  const left = b.deadline - Date.now();
  b.timer = setTimeout(() => {
    if (c.blocked !== b) return;
    if (b.deadline - Date.now() > 0 && left > MAX_TIMER) {
      armTimer(c, b);
      return;
    }
    unblockClient(c);
    b.onTimeout(c);
    countUnblocked(c, b);
    finishUnblock(c);
  }, Math.max(1, Math.min(left, MAX_TIMER)));
}

/** A command that ends blocked without being served (timeout, CLIENT UNBLOCK) still counts as a call. */
function countUnblocked(c: Client, b: BlockState, failed = false): void {
  const st = c.server.commandStat(b.cmd.fullName);
  st.calls++;
  if (failed) st.failed++;
  c.server.stats.totalCommands++;
}

/**
 * The key whose signal caused the current re-run of a blocked command, or
 * null outside a re-run. Redis 7.0 serves the clients of the key that became
 * ready from that key, so a re-run command should look only at it.
 */
let currentReadyKey: string | null = null;
export function servingKey(): string | null {
  return currentReadyKey;
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

/** Ends a block with a reply of the blocker's choosing (WAIT once enough replicas acknowledged). */
export function unblockWith(c: Client, reply: (c: Client) => void): void {
  const b = c.blocked;
  if (b === null) return;
  unblockClient(c);
  reply(c);
  countUnblocked(c, b);
  finishUnblock(c);
}

/** CLIENT UNBLOCK: ends a block as a timeout or with an UNBLOCKED error. */
export function unblockByRequest(c: Client, asError: boolean): boolean {
  const b = c.blocked;
  if (b === null) return false;
  unblockClient(c);
  if (asError) c.error('UNBLOCKED client unblocked via CLIENT UNBLOCK');
  else b.onTimeout(c);
  countUnblocked(c, b, asError);
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
          currentReadyKey = key;
          try {
            call(c, b.cmd, b.argv);
          } finally {
            currentReadyKey = null;
          }
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
