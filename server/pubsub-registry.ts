/*
 * Pub/Sub subscriptions: channel, pattern and shard-channel registries and
 * message delivery (RESP2 arrays or RESP3 pushes).
 *
 * The registries live on the Server (channel/pattern → clients, in
 * subscription order) and on each Client (its own channels, patterns and
 * shard channels). Names are latin1 strings, one char per byte, so they are
 * binary-safe. Delivery writes into the receiver's reply buffer and wakes it,
 * so a message is flushed after the current batch of work, as Redis does.
 *
 * Counts in (un)subscribe confirmations follow Redis 7.0: SUBSCRIBE and
 * PSUBSCRIBE report channels + patterns, SSUBSCRIBE reports shard channels.
 */
import { globMatch } from '../common/glob.js';
import { Writer } from '../common/resp/writer.js';
import type { Client } from './client.js';
import { onClientFree } from './client-lifecycle.js';
import type { Server } from './server.js';

export type PubsubKind = 'channel' | 'pattern' | 'shard';

const B = (s: string) => Buffer.from(s, 'latin1');
const MSG = { message: B('message'), pmessage: B('pmessage'), smessage: B('smessage') };
const SUB_MSG: Record<PubsubKind, Buffer> = { channel: B('subscribe'), pattern: B('psubscribe'), shard: B('ssubscribe') };
const UNSUB_MSG: Record<PubsubKind, Buffer> = { channel: B('unsubscribe'), pattern: B('punsubscribe'), shard: B('sunsubscribe') };

const installed = new WeakSet<Server>();

/** Makes server.publish deliver to subscribers (keyspace notifications, tracking use it). */
export function installPubsub(server: Server): void {
  if (installed.has(server)) return;
  installed.add(server);
  server.publish = (channel, message) => publishMessage(server, channel, message, false);
}

function serverRegistry(server: Server, kind: PubsubKind): Map<string, Set<Client>> {
  return kind === 'channel' ? server.channels : kind === 'pattern' ? server.patterns : server.shardChannels;
}

function clientRegistry(c: Client, kind: PubsubKind): Set<string> {
  return kind === 'channel' ? c.channels : kind === 'pattern' ? c.patterns : c.shardChannels;
}

/** The count shown in confirmations of this kind. */
function subscriptionCount(c: Client, kind: PubsubKind): number {
  return kind === 'shard' ? c.shardChannels.size : c.channels.size + c.patterns.size;
}

function updateStats(server: Server): void {
  server.stats.pubsubChannels = server.channels.size;
}

function confirm(w: Writer, what: Buffer, name: string | null, count: number): void {
  w.push(3);
  w.bulk(what);
  if (name === null) w.nil();
  else w.bulk(B(name));
  w.int(count);
}

/**
 * Where to write a push for a client whose own command is running: its
 * reply buffer, or, under CLIENT REPLY OFF|SKIP (which discards the
 * command's output), a side buffer that call() adds back (see keepPushes).
 */
export function pushWriter(c: Client): Writer {
  if (c.replyMode === 'on') return c.reply;
  const w = new Writer(128);
  w.resp = c.resp;
  return w;
}

/** Hands a side buffer from pushWriter to call(), which sends it after discarding the command's output. */
export function keepPushes(c: Client, w: Writer): void {
  if (w === c.reply) return;
  (c.keptPushes ??= []).push(...w.take());
}

/** Subscribes to a channel, pattern or shard channel and writes the confirmation to `w`. */
export function subscribe(c: Client, kind: PubsubKind, name: string, w: Writer = c.reply): void {
  const server = c.server;
  installPubsub(server);
  const mine = clientRegistry(c, kind);
  if (!mine.has(name)) {
    mine.add(name);
    const reg = serverRegistry(server, kind);
    let set = reg.get(name);
    if (set === undefined) {
      set = new Set();
      reg.set(name, set);
    }
    set.add(c);
    updateStats(server);
  }
  confirm(w, SUB_MSG[kind], name, subscriptionCount(c, kind));
}

/** Removes one subscription; writes the confirmation to `w` unless null. Returns whether it existed. */
export function unsubscribe(c: Client, kind: PubsubKind, name: string, w: Writer | null): boolean {
  const server = c.server;
  const mine = clientRegistry(c, kind);
  const had = mine.delete(name);
  if (had) {
    const reg = serverRegistry(server, kind);
    const set = reg.get(name);
    if (set !== undefined) {
      set.delete(c);
      if (set.size === 0) reg.delete(name);
    }
    updateStats(server);
  }
  if (w !== null) confirm(w, UNSUB_MSG[kind], name, subscriptionCount(c, kind));
  return had;
}

/**
 * Unsubscribes from every subscription of a kind (UNSUBSCRIBE with no
 * argument): one confirmation each, or one with a null name when there were
 * none. Returns how many were removed.
 */
export function unsubscribeAllOf(c: Client, kind: PubsubKind, w: Writer | null): number {
  const mine = clientRegistry(c, kind);
  const names = [...mine];
  for (const n of names) unsubscribe(c, kind, n, w);
  if (w !== null && names.length === 0) confirm(w, UNSUB_MSG[kind], null, subscriptionCount(c, kind));
  return names.length;
}

/** Drops every subscription of a client (RESET, disconnect) without replying. */
export function unsubscribeAll(c: Client): void {
  if (c.subscriptionCount === 0) return;
  unsubscribeAllOf(c, 'channel', null);
  unsubscribeAllOf(c, 'pattern', null);
  unsubscribeAllOf(c, 'shard', null);
}

/**
 * Delivers a message: to the channel's subscribers and matching patterns
 * (PUBLISH, notifications), or to the shard channel's subscribers only
 * (SPUBLISH). Returns the number of deliveries.
 */
export function publishMessage(server: Server, channel: Buffer, message: Buffer, shard: boolean, publisher: Client | null = null): number {
  let receivers = 0;
  const name = channel.toString('latin1');
  const subs = (shard ? server.shardChannels : server.channels).get(name);
  if (subs !== undefined) {
    const kindMsg = shard ? MSG.smessage : MSG.message;
    for (const r of subs) {
      const w = r === publisher ? pushWriter(r) : r.reply;
      w.push(3);
      w.bulk(kindMsg);
      w.bulk(channel);
      w.bulk(message);
      if (w !== r.reply) keepPushes(r, w);
      r.wake();
      receivers++;
    }
  }
  if (shard || server.patterns.size === 0) return receivers;
  for (const [pattern, clients] of server.patterns) {
    if (!globMatch(pattern, channel)) continue;
    const pat = B(pattern);
    for (const r of clients) {
      const w = r === publisher ? pushWriter(r) : r.reply;
      w.push(4);
      w.bulk(MSG.pmessage);
      w.bulk(pat);
      w.bulk(channel);
      w.bulk(message);
      if (w !== r.reply) keepPushes(r, w);
      r.wake();
      receivers++;
    }
  }
  return receivers;
}

/** Active channels (or shard channels) matching an optional glob pattern. */
export function activeChannels(server: Server, shard: boolean, pattern: Buffer | null): string[] {
  const out: string[] = [];
  for (const name of (shard ? server.shardChannels : server.channels).keys()) {
    if (pattern === null || globMatch(pattern, name)) out.push(name);
  }
  return out;
}

onClientFree.push(unsubscribeAll);
