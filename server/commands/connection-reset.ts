/*
 * RESET: puts a connection back to its initial state (resetCommand in Redis):
 * leaves MULTI, unwatches, unsubscribes, leaves MONITOR, db 0, RESP2,
 * no name, CLIENT REPLY ON, and re-authenticates as default only when no
 * password is required.
 */
import type { Client } from '../client.js';
import { unsubscribeAll } from '../pubsub-registry.js';

export function resetClientState(c: Client): void {
  if (c.inMulti) c.discardMulti();
  c.unwatchAll();
  unsubscribeAll(c);
  c.server.monitors.delete(c);
  c.monitor = false;
  c.select(0);
  c.resp = 2;
  c.name = '';
  c.replyMode = 'on';
  c.noEvict = false;
  c.user = 'default';
  c.authenticated = !c.server.authRequired();
}
