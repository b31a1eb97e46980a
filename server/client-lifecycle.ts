/*
 * What happens when a client goes away: its subscriptions, WATCHes, blocking
 * state, MONITOR and pause bookkeeping are released.
 */
import type { Client } from './client.js';

/** Hooks other modules add to release their per-client state (pub/sub, blocking). */
export const onClientFree: ((c: Client) => void)[] = [];

export function freeClient(c: Client): void {
  const s = c.server;
  if (!s.clients.delete(c.id)) return;
  c.unwatchAll();
  s.monitors.delete(c);
  const i = s.pausedClients.indexOf(c);
  if (i >= 0) s.pausedClients.splice(i, 1);
  for (const h of onClientFree) h(c);
}
