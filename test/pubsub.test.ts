/*
 * Pub/Sub against real Redis 7.0: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH,
 * SPUBLISH and PUBSUB, in RESP2 (arrays, subscribed mode) and RESP3 (pushes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOurs, startRedis, type ProcServer } from './helpers/servers.js';
import type { Engine } from '../server/main.js';
import { compareScript } from './helpers/compare.js';
import { compareScenario, type Scenario } from './helpers/scenario.js';
import { RawClient, show } from './helpers/raw-client.js';

describe('pub/sub', () => {
  let ours: { port: number; engine: Engine; stop(): Promise<void> };
  let redis: ProcServer;
  beforeAll(async () => {
    ours = await startOurs();
    redis = await startRedis();
  });
  afterAll(async () => {
    await ours.stop();
    await redis.stop();
  });

  const both = (name: string, steps: Scenario) => {
    for (const resp of [2, 3] as const) {
      it(`${name} (RESP${resp})`, async () => {
        const [a, b] = await compareScenario(ours.port, redis.port, steps, resp);
        expect(a).toEqual(b);
      });
    }
  };

  both('SUBSCRIBE / PUBLISH / UNSUBSCRIBE basics', [
    { c: 0, argv: ['SUBSCRIBE', 'chan1', 'chan2'], replies: 2 },
    [1, 'PUBLISH', 'chan1', 'hello'], [1, 'PUBLISH', 'chan2', 'world'], [1, 'PUBLISH', 'nobody', 'x'],
    { c: 0, replies: 2 },
    [0, 'UNSUBSCRIBE', 'chan1'],
    [1, 'PUBLISH', 'chan1', 'hello'], [1, 'PUBLISH', 'chan2', 'world'], { c: 0, replies: 1 },
    [0, 'UNSUBSCRIBE', 'chan2'],
    [1, 'PUBLISH', 'chan1', 'hello'], [1, 'PUBLISH', 'chan2', 'world'],
    // Out of subscribed mode.
    [0, 'PING'], [0, 'SET', 'k1', 'v'],
  ]);

  both('two subscribers, repeated and missing subscriptions', [
    [0, 'SUBSCRIBE', 'chan1'], [2, 'SUBSCRIBE', 'chan1'], [1, 'PUBLISH', 'chan1', 'hello'], { c: 0, replies: 1 }, { c: 2, replies: 1 },
    { c: 0, argv: ['SUBSCRIBE', 'chan1', 'chan1', 'chan1'], replies: 3 },
    [1, 'PUBLISH', 'chan1', 'once'], { c: 0, replies: 1 }, { c: 2, replies: 1 },
    { c: 3, argv: ['UNSUBSCRIBE', 'foo', 'bar', 'quux'], replies: 3 },
    [3, 'UNSUBSCRIBE'], [3, 'PUNSUBSCRIBE'], [3, 'SUNSUBSCRIBE'],
    { c: 3, argv: ['PUNSUBSCRIBE', 'foo.*', 'bar.*'], replies: 2 },
    [1, 'PUBSUB', 'NUMSUB', 'chan1', 'none'],
    { c: 2, close: true },
    { c: 1, argv: ['PUBSUB', 'NUMSUB', 'chan1'], sleep: 30 },
    [1, 'PUBLISH', 'chan1', 'x'], { c: 0, replies: 1 },
  ]);

  both('UNSUBSCRIBE without arguments', [
    { c: 0, argv: ['SUBSCRIBE', 'chan1', 'chan2', 'chan3'], replies: 3 },
    { c: 0, argv: ['UNSUBSCRIBE'], replies: 3, unordered: true },
    [1, 'PUBLISH', 'chan1', 'hello'], [1, 'PUBLISH', 'chan2', 'hello'], [1, 'PUBLISH', 'chan3', 'hello'],
    [0, 'UNSUBSCRIBE'], [0, 'PING'],
  ]);

  both('PSUBSCRIBE / PUNSUBSCRIBE', [
    { c: 0, argv: ['PSUBSCRIBE', 'foo.*', 'bar.*'], replies: 2 },
    [1, 'PUBLISH', 'foo.1', 'hello'], [1, 'PUBLISH', 'bar.1', 'hello'], [1, 'PUBLISH', 'foo1', 'hello'], [1, 'PUBLISH', 'barfoo.1', 'hello'],
    { c: 0, replies: 2 },
    [0, 'PUNSUBSCRIBE', 'foo.*'],
    [1, 'PUBLISH', 'foo.1', 'hello'], [1, 'PUBLISH', 'bar.1', 'hello'], { c: 0, replies: 1 },
    [2, 'PSUBSCRIBE', 'foo*'], [3, 'PSUBSCRIBE', 'foo*'], [2, 'PSUBSCRIBE', 'bar*'], [3, 'PSUBSCRIBE', 'baz*'],
    [1, 'PUBSUB', 'NUMPAT'],
    { c: 0, argv: ['PUNSUBSCRIBE'], replies: 1 },
    { c: 2, argv: ['PUNSUBSCRIBE'], replies: 2, unordered: true },
    [1, 'PUBSUB', 'NUMPAT'],
    // Glob features.
    { c: 4, argv: ['PSUBSCRIBE', 'h?llo', 'h[ae]y', 'x\\*y', 'h[^e]llo'], replies: 4 },
    [1, 'PUBLISH', 'hello', 'a'], [1, 'PUBLISH', 'hay', 'b'], [1, 'PUBLISH', 'x*y', 'c'], [1, 'PUBLISH', 'xzy', 'd'], [1, 'PUBLISH', 'hallo', 'e'],
    { c: 4, replies: 3 }, { c: 4, replies: 2, unordered: true },
  ]);

  both('mixed SUBSCRIBE and PSUBSCRIBE count both deliveries', [
    [0, 'SUBSCRIBE', 'foo.bar'], [0, 'PSUBSCRIBE', 'foo.*'], [0, 'PSUBSCRIBE', '*'],
    [1, 'PUBLISH', 'foo.bar', 'hello'], { c: 0, replies: 1 }, { c: 0, replies: 2, unordered: true },
    [0, 'UNSUBSCRIBE', 'foo.bar'], [0, 'PUNSUBSCRIBE', 'foo.*'],
    [1, 'PUBLISH', 'foo.bar', 'hello'], { c: 0, replies: 1 },
    [0, 'PUNSUBSCRIBE', '*'],
  ]);

  both('PUBSUB CHANNELS / NUMSUB / NUMPAT / HELP and errors', [
    { c: 0, argv: ['SUBSCRIBE', 'news.a', 'news.b', 'other'], replies: 3 },
    { c: 2, argv: ['SUBSCRIBE', 'news.a'], replies: 1 },
    { c: 1, argv: ['PUBSUB', 'CHANNELS'], unordered: true },
    { c: 1, argv: ['PUBSUB', 'CHANNELS', 'news.*'], unordered: true },
    { c: 1, argv: ['PUBSUB', 'channels', 'nomatch*'] },
    [1, 'PUBSUB', 'CHANNELS', 'a', 'b'],
    [1, 'PUBSUB', 'NUMSUB'], [1, 'PUBSUB', 'NUMSUB', 'news.a', 'news.b', 'abc'],
    [1, 'PUBSUB', 'NUMPAT'], [1, 'PUBSUB', 'NUMPAT', 'x'],
    [1, 'PUBSUB', 'HELP'], [1, 'PUBSUB', 'help', 'x'], [1, 'PUBSUB'], [1, 'PUBSUB', 'NOSUCH'],
    [1, 'PUBLISH', 'x'], [1, 'PUBLISH', 'x', 'y', 'z'], [1, 'SUBSCRIBE'], [1, 'PSUBSCRIBE'], [1, 'SSUBSCRIBE'], [1, 'SPUBLISH', 'a'],
    [1, 'PUBSUB', 'SHARDCHANNELS'], [1, 'PUBSUB', 'SHARDCHANNELS', 'x', 'y'], [1, 'PUBSUB', 'SHARDNUMSUB'], [1, 'PUBSUB', 'SHARDNUMSUB', 'a', 'b'],
  ]);

  both('SSUBSCRIBE / SPUBLISH / SUNSUBSCRIBE, separate from PUBLISH', [
    { c: 0, argv: ['SSUBSCRIBE', 'chan1', 'chan2'], replies: 2 },
    [2, 'SUBSCRIBE', 'chan1'], [3, 'PSUBSCRIBE', 'chan*'],
    [1, 'SPUBLISH', 'chan1', 'hello'], [1, 'PUBLISH', 'chan1', 'world'], [1, 'SPUBLISH', 'nobody', 'x'],
    { c: 0, replies: 1 }, { c: 2, replies: 1 }, { c: 3, replies: 1 },
    [1, 'PUBSUB', 'SHARDNUMSUB', 'chan1', 'chan2', 'chan3'], [1, 'PUBSUB', 'NUMSUB', 'chan1'],
    { c: 1, argv: ['PUBSUB', 'SHARDCHANNELS'], unordered: true }, [1, 'PUBSUB', 'SHARDCHANNELS', '*1'], [1, 'PUBSUB', 'CHANNELS'],
    // The shard count is separate from the channel/pattern count.
    [0, 'SUBSCRIBE', 'plain'], [0, 'SSUBSCRIBE', 'chan3'], [0, 'PSUBSCRIBE', 'p*'],
    [0, 'SUNSUBSCRIBE', 'chan1'], { c: 0, argv: ['SUNSUBSCRIBE'], replies: 2, unordered: true }, [0, 'SUNSUBSCRIBE'],
    { c: 0, argv: ['SSUBSCRIBE', 'chan1', 'chan1'], replies: 2 },
    { c: 0, argv: ['SUNSUBSCRIBE', 'foo', 'chan1'], replies: 2 },
    [1, 'SPUBLISH', 'chan1', 'gone'],
  ]);

  it('subscribed mode in RESP2 allows only (un)subscribe, PING, QUIT, RESET', async () => {
    const [a, b] = await compareScript(ours.port, redis.port, [
      ['SUBSCRIBE', 'ch'], ['GET', 'k2'], ['PUBLISH', 'ch', 'x'], ['PUBSUB', 'NUMSUB'], ['MULTI'], ['PING'], ['PING', 'hi'],
      ['PSUBSCRIBE', 'p*'], ['UNSUBSCRIBE', 'ch'], ['GET', 'k2'], ['PUNSUBSCRIBE', 'p*'], ['GET', 'k2'],
      ['SSUBSCRIBE', 's'], ['SET', 'k2', 'v'], ['SUNSUBSCRIBE', 's'], ['SET', 'k2', 'v'],
      ['SUBSCRIBE', 'ch'], ['RESET'], ['GET', 'k2'], ['PUBSUB', 'NUMSUB', 'ch'],
    ]);
    expect(a).toEqual(b);
  });

  it('RESP3 clients run any command while subscribed and get pushes in between', async () => {
    const [a, b] = await compareScenario(ours.port, redis.port, [
      [0, 'SUBSCRIBE', 'ch'], [0, 'GET', 'k3'], [0, 'SET', 'k3', 'v'], [0, 'PING'],
      // Publishing to itself: the push comes before the reply.
      { c: 0, argv: ['PUBLISH', 'ch', 'self'], replies: 2 },
      [1, 'PUBLISH', 'ch', 'other'], { c: 0, replies: 1 },
      { c: 0, argv: ['MULTI'] }, [0, 'PUBLISH', 'ch', 'inmulti'], { c: 0, argv: ['EXEC'], replies: 2 },
      [0, 'RESET'], [1, 'PUBLISH', 'ch', 'after-reset'],
    ], 3);
    expect(a).toEqual(b);
  });

  it('pushes are sent under CLIENT REPLY OFF', async () => {
    const [a, b] = await compareScenario(ours.port, redis.port, [
      { c: 0, argv: ['CLIENT', 'REPLY', 'OFF'], replies: 0 },
      [0, 'SUBSCRIBE', 'channel'], [0, 'PSUBSCRIBE', 'ch*'],
      { c: 0, argv: ['PING'], replies: 0 },
      [1, 'PUBLISH', 'channel', 'hello'], { c: 0, replies: 2 },
      [0, 'UNSUBSCRIBE', 'channel'], [0, 'PUNSUBSCRIBE', 'ch*'],
      { c: 0, argv: ['SSUBSCRIBE', 'sh'], replies: 1 }, [1, 'SPUBLISH', 'sh', 'x'], { c: 0, replies: 1 },
      { c: 0, argv: ['SUNSUBSCRIBE'], replies: 1 },
      // Its own messages too, and CLIENT REPLY ON answers.
      [0, 'SUBSCRIBE', 'own'], { c: 0, argv: ['PUBLISH', 'own', 'm'], replies: 1 }, { c: 0, argv: ['SET', 'k5', 'v'], replies: 0 },
      [0, 'CLIENT', 'REPLY', 'ON'], [0, 'PUBLISH', 'own', 'm2'], { c: 0, replies: 1 },
      { c: 2, argv: ['CLIENT', 'REPLY', 'SKIP'], replies: 0 }, [2, 'SUBSCRIBE', 'x'], [2, 'PING'],
    ], 3);
    expect(a).toEqual(b);
  });

  it('binary-safe channel names and messages', async () => {
    const bin = Buffer.from([0, 255, 13, 10, 0x80]);
    const [a, b] = await compareScenario(ours.port, redis.port, [
      [0, 'SUBSCRIBE', bin], [0, 'PSUBSCRIBE', Buffer.concat([bin.subarray(0, 2), Buffer.from('*')])],
      [1, 'PUBLISH', bin, bin], { c: 0, replies: 2 },
      [1, 'PUBSUB', 'NUMSUB', bin], [1, 'PUBSUB', 'CHANNELS'],
    ]);
    expect(a).toEqual(b);
  });

  it('keeps the registries and stats consistent across disconnects and RESET', async () => {
    const server = ours.engine.server;
    const c1 = new RawClient(ours.port);
    const c2 = new RawClient(ours.port);
    await c1.connect();
    await c2.connect();
    c1.send(['SUBSCRIBE', 'r1', 'r2']);
    await c1.read();
    await c1.read();
    await c1.call(['PSUBSCRIBE', 'r*']);
    await c1.call(['SSUBSCRIBE', 'rs']);
    await c2.call(['SUBSCRIBE', 'r1']);
    expect(server.channels.get('r1')?.size).toBe(2);
    expect(server.stats.pubsubChannels).toBe(server.channels.size);
    expect(server.publish(Buffer.from('r1'), Buffer.from('m'))).toBe(3);
    expect(show(await c1.read())).toEqual(['$message', '$r1', '$m']);
    expect(show(await c1.read())).toEqual(['$pmessage', '$r*', '$r1', '$m']);
    expect(show(await c2.read())).toEqual(['$message', '$r1', '$m']);
    c1.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(server.channels.has('r2')).toBe(false);
    expect(server.patterns.has('r*')).toBe(false);
    expect(server.shardChannels.has('rs')).toBe(false);
    expect(server.channels.get('r1')?.size).toBe(1);
    expect(show(await c2.call(['RESET']))).toBe('+RESET');
    expect(server.channels.size).toBe(0);
    expect(server.stats.pubsubChannels).toBe(0);
    expect(show(await c2.call(['PUBLISH', 'r1', 'x']))).toBe(':0');
    c2.close();
  });
});
