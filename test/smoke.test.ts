import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startOurs, startRedis, type ProcServer, type TestServer } from './helpers/servers.js';
import { compareScript } from './helpers/compare.js';

describe('engine smoke', () => {
  let ours: TestServer;
  let redis: ProcServer;
  beforeAll(async () => {
    ours = await startOurs();
    redis = await startRedis();
  });
  afterAll(async () => {
    await ours.stop();
    await redis.stop();
  });

  it('answers ioredis', async () => {
    const c = new Redis({ port: ours.port, lazyConnect: true });
    await c.connect();
    expect(await c.ping()).toBe('PONG');
    await c.set('k', 'v');
    expect(await c.get('k')).toBe('v');
    c.disconnect();
  });

  it('replies like Redis to basic commands', async () => {
    const [a, b] = await compareScript(ours.port, redis.port, [
      ['PING'], ['PING', 'hello'], ['ECHO', 'x'], ['SET', 'a', '1'], ['GET', 'a'], ['GET', 'missing'], ['NOSUCH', 'x', 'y'],
      ['SELECT', '99'], ['SELECT', 'x'], ['GET'],
    ]);
    expect(a).toEqual(b);
  });
});
