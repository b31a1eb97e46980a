/*
 * The pubsub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH
 * and PUBSUB. Registries and delivery are in ../pubsub-registry.ts.
 *
 * PUBLISH and SPUBLISH change no data but Redis propagates them to replicas
 * (forceCommandPropagation), so they call server.propagate themselves.
 */
import type { Writer } from '../../common/resp/writer.js';
import type { Client } from '../client.js';
import {
  activeChannels, keepPushes, publishMessage, pushWriter, subscribe, unsubscribe, unsubscribeAllOf, type PubsubKind,
} from '../pubsub-registry.js';
import { keyOf } from './args.js';
import { replyHelp } from './connection.js';
import type { Handler } from './index.js';

const PUBSUB_HELP = [
  'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
  'HELP',
  '    Prints this help.',
];

/**
 * Pub/Sub confirmations are pushes: Redis sends them even under CLIENT
 * REPLY OFF|SKIP, which otherwise discards the command's output. Then they
 * are written aside, and call() adds them back after discarding.
 */
function withPushes(c: Client, fn: (w: Writer) => void): void {
  const w = pushWriter(c);
  fn(w);
  keepPushes(c, w);
}

function subscribeGeneric(kind: PubsubKind): Handler {
  return (c, argv) => withPushes(c, (w) => {
    for (let i = 1; i < argv.length; i++) subscribe(c, kind, keyOf(argv[i]!), w);
  });
}

function unsubscribeGeneric(kind: PubsubKind): Handler {
  return (c, argv) => withPushes(c, (w) => {
    if (argv.length === 1) unsubscribeAllOf(c, kind, w);
    else for (let i = 1; i < argv.length; i++) unsubscribe(c, kind, keyOf(argv[i]!), w);
  });
}

function publishGeneric(shard: boolean): Handler {
  return (c, argv) => {
    const server = c.server;
    const n = publishMessage(server, argv[1]!, argv[2]!, shard, c);
    if (server.propagateHooks.length > 0) server.propagate(c.dbIndex, argv.map((a) => Buffer.from(a)));
    c.reply.int(n);
  };
}

function channelsGeneric(shard: boolean): Handler {
  return (c, argv) => {
    if (argv.length > 3) {
      syntaxError(c, argv);
      return;
    }
    const list = activeChannels(c.server, shard, argv.length === 3 ? argv[2]! : null);
    c.reply.array(list.length);
    for (const name of list) c.reply.bulk(Buffer.from(name, 'latin1'));
  };
}

function numsubGeneric(shard: boolean): Handler {
  return (c, argv) => {
    const reg = shard ? c.server.shardChannels : c.server.channels;
    c.reply.array((argv.length - 2) * 2);
    for (let i = 2; i < argv.length; i++) {
      c.reply.bulk(argv[i]!);
      c.reply.int(reg.get(keyOf(argv[i]!))?.size ?? 0);
    }
  };
}

function syntaxError(c: Client, argv: Buffer[]): void {
  c.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]!.toString('latin1').slice(0, 128)}'. Try PUBSUB HELP.`);
}

export const pubsubHandlers: Record<string, Handler> = {
  subscribe: subscribeGeneric('channel'),
  psubscribe: subscribeGeneric('pattern'),
  ssubscribe: subscribeGeneric('shard'),
  unsubscribe: unsubscribeGeneric('channel'),
  punsubscribe: unsubscribeGeneric('pattern'),
  sunsubscribe: unsubscribeGeneric('shard'),
  publish: publishGeneric(false),
  spublish: publishGeneric(true),
  'pubsub|channels': channelsGeneric(false),
  'pubsub|shardchannels': channelsGeneric(true),
  'pubsub|numsub': numsubGeneric(false),
  'pubsub|shardnumsub': numsubGeneric(true),
  'pubsub|numpat': (c) => c.reply.int(c.server.patterns.size),
  'pubsub|help': (c) => replyHelp(c, PUBSUB_HELP),
};
