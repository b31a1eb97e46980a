/*
 * CLIENT PAUSE / UNPAUSE: while paused, clients that send a command of the
 * paused kind (all, or writes) stop at that command; on unpause (or when
 * the time runs out) each runs its held command and goes on with its input.
 */
import type { Server } from './server.js';
import { processCommand } from './dispatch.js';

export function pauseClients(server: Server, mode: 'all' | 'write', ms: number): void {
  const until = Date.now() + ms;
  const p = server.pause;
  // A pause never shortens or weakens one already in force.
  const newMode = p !== null && p.mode === 'all' ? 'all' : mode;
  const newUntil = p !== null ? Math.max(p.until, until) : until;
  if (p?.timer) clearTimeout(p.timer);
  server.pause = { mode: newMode, until: newUntil, timer: setTimeout(() => unpauseClients(server), Math.max(0, newUntil - Date.now())) };
}

export function unpauseClients(server: Server): void {
  const p = server.pause;
  if (p === null) return;
  if (p.timer) clearTimeout(p.timer);
  server.stats.pausedTime += Date.now() - (p.until - 0);
  server.pause = null;
  const clients = server.pausedClients.splice(0);
  for (const c of clients) {
    const argv = c.pausedCommand;
    c.pausedCommand = null;
    if (argv === null || !server.clients.has(c.id)) continue;
    processCommand(c, argv);
    c.conn?.resume();
  }
}
