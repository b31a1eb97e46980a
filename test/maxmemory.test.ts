import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startOurs, startRedis, type ProcServer, type TestServer } from './helpers/servers.js';
import { compareScript } from './helpers/compare.js';
import { RawClient, show } from './helpers/raw-client.js';

const VALUE = 'v'.repeat(200);

async function info(c: RawClient, field: string): Promise<number> {
  const text = String(await c.call(['INFO', 'everything']));
  const m = new RegExp(`\\r\\n${field}:(\\d+)`).exec(text);
  if (!m) throw new Error(`no ${field} in INFO`);
  return Number(m[1]);
}

async function pipeline(c: RawClient, cmds: (string | number)[][]): Promise<unknown[]> {
  for (const cmd of cmds) c.send(cmd);
  const out: unknown[] = [];
  for (let i = 0; i < cmds.length; i++) out.push(show(await c.read()));
  return out;
}

async function exists(c: RawClient, keys: string[]): Promise<boolean[]> {
  // STRLEN: every test key holds a non-empty string (and the check happens after eviction).
  const r = await pipeline(c, keys.map((k) => ['STRLEN', k]));
  return r.map((x) => x !== ':0');
}

describe('maxmemory and eviction', () => {
  let ours: TestServer;
  let c: RawClient;
  beforeAll(async () => {
    ours = await startOurs();
    c = new RawClient(ours.port);
    await c.connect();
  });
  afterAll(async () => {
    c.close();
    await ours.stop();
  });
  beforeEach(async () => {
    await c.call(['CONFIG', 'SET', 'maxmemory', '0']);
    await c.call(['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']);
    await c.call(['CONFIG', 'SET', 'maxmemory-samples', '10']);
    await c.call(['CONFIG', 'SET', 'lfu-log-factor', '10']);
    await c.call(['FLUSHALL']);
    await c.call(['CONFIG', 'RESETSTAT']);
  });

  /** Sets maxmemory so that about `fraction` of the current dataset must go. */
  async function squeeze(fraction: number): Promise<number> {
    await c.call(['FLUSHALL']);
    const empty = await info(c, 'used_memory');
    return empty + Math.floor(fraction);
  }
  void squeeze;

  it('used_memory follows the dataset: grows with writes, shrinks after deletes', async () => {
    const before = await info(c, 'used_memory');
    await pipeline(c, Array.from({ length: 1000 }, (_, i) => ['SET', `k${i}`, VALUE]));
    const after = await info(c, 'used_memory');
    expect(after - before).toBeGreaterThan(1000 * 200);
    expect(after - before).toBeLessThan(1000 * 600);
    await pipeline(c, Array.from({ length: 500 }, (_, i) => ['GETDEL', `k${i}`]));
    const half = await info(c, 'used_memory');
    expect(after - half).toBeGreaterThan(500 * 200);
    await c.call(['RPUSH', 'list', ...Array.from({ length: 1000 }, () => VALUE)]);
    const withList = await info(c, 'used_memory');
    expect(withList - half).toBeGreaterThan(1000 * 200);
    await c.call(['FLUSHALL']);
    const flushed = await info(c, 'used_memory');
    expect(Math.abs(flushed - before)).toBeLessThan(50000);
    // Stable when nothing changes (no GC noise).
    expect(await info(c, 'used_memory')).toBe(flushed);
  });

  it('noeviction refuses denyoom commands with the OOM error, still serves reads and deletes', async () => {
    await pipeline(c, Array.from({ length: 200 }, (_, i) => ['SET', `k${i}`, VALUE]));
    const used = await info(c, 'used_memory');
    await c.call(['CONFIG', 'SET', 'maxmemory', String(used - 10000)]);
    expect(show(await c.call(['SET', 'x', 'y']))).toBe("-OOM command not allowed when used memory > 'maxmemory'.");
    expect(show(await c.call(['GET', 'k1']))).toBe(`$${VALUE}`);
    expect(show(await c.call(['GETDEL', 'k1']))).toBe(`$${VALUE}`);
    // In MULTI every command but EXEC/DISCARD is refused; EXEC then aborts.
    expect(await c.call(['MULTI'])).toBe('OK');
    expect(show(await c.call(['GET', 'k2']))).toBe("-OOM command not allowed when used memory > 'maxmemory'.");
    expect(show(await c.call(['EXEC']))).toBe('-EXECABORT Transaction discarded because of previous errors.');
    expect(await info(c, 'evicted_keys')).toBe(0);
    const st = String(await c.call(['INFO', 'commandstats']));
    expect(st).toMatch(/cmdstat_set:calls=\d+,.*rejected_calls=1,/);
    await c.call(['CONFIG', 'SET', 'maxmemory', '0']);
    expect(await c.call(['SET', 'x', 'y'])).toBe('OK');
  });

  it('allkeys-random evicts keys with and without TTL, keeps memory under the limit', async () => {
    await pipeline(c, Array.from({ length: 400 }, (_, i) => (i % 2 ? ['SET', `p${i}`, VALUE] : ['SET', `v${i}`, VALUE, 'EX', '10000'])));
    const used = await info(c, 'used_memory');
    const limit = used - 40000;
    await c.call(['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random']);
    await c.call(['CONFIG', 'SET', 'maxmemory', String(limit)]);
    // CONFIG SET maxmemory evicts at once.
    expect(await info(c, 'used_memory')).toBeLessThanOrEqual(limit);
    const evicted = await info(c, 'evicted_keys');
    expect(evicted).toBeGreaterThan(50);
    for (let i = 0; i < 300; i++) await c.call(['SET', `n${i}`, VALUE]);
    expect(await info(c, 'used_memory')).toBeLessThanOrEqual(limit + 1000);
    const p = await exists(c, Array.from({ length: 200 }, (_, i) => `p${i * 2 + 1}`));
    const v = await exists(c, Array.from({ length: 200 }, (_, i) => `v${i * 2}`));
    expect(p.filter((x) => !x).length).toBeGreaterThan(10);
    expect(v.filter((x) => !x).length).toBeGreaterThan(10);
  });

  for (const policy of ['volatile-random', 'volatile-lru', 'volatile-lfu', 'volatile-ttl']) {
    it(`${policy} evicts only keys with a TTL, then refuses writes`, async () => {
      await pipeline(c, Array.from({ length: 400 }, (_, i) => (i % 2 ? ['SET', `p${i}`, VALUE] : ['SET', `v${i}`, VALUE, 'EX', String(10000 + i)])));
      const used = await info(c, 'used_memory');
      await c.call(['CONFIG', 'SET', 'maxmemory-policy', policy]);
      await c.call(['CONFIG', 'SET', 'maxmemory', String(used - 20000)]);
      for (let i = 0; i < 100; i++) expect(await c.call(['SET', `n${i}`, VALUE])).toBe('OK');
      const p = await exists(c, Array.from({ length: 200 }, (_, i) => `p${i * 2 + 1}`));
      expect(p.every((x) => x)).toBe(true);
      expect(await info(c, 'evicted_keys')).toBeGreaterThan(100);
      // Push until no volatile key is left: then the OOM error.
      let last: unknown = null;
      for (let i = 0; i < 2000 && last !== "-OOM command not allowed when used memory > 'maxmemory'."; i++) last = show(await c.call(['SET', `m${i}`, VALUE]));
      expect(last).toBe("-OOM command not allowed when used memory > 'maxmemory'.");
      const v = await exists(c, Array.from({ length: 200 }, (_, i) => `v${i * 2}`));
      expect(v.every((x) => !x)).toBe(true);
    });
  }

  it('volatile-ttl evicts the keys closest to expiring first', async () => {
    await pipeline(c, Array.from({ length: 300 }, (_, i) => ['SET', `t${i}`, VALUE, 'EX', String(1000 + i * 100)]));
    const used = await info(c, 'used_memory');
    await c.call(['CONFIG', 'SET', 'maxmemory-policy', 'volatile-ttl']);
    await c.call(['CONFIG', 'SET', 'maxmemory', String(used - 100 * 300)]);
    const alive = await exists(c, Array.from({ length: 300 }, (_, i) => `t${i}`));
    const firstGone = alive.slice(0, 100).filter((x) => !x).length;
    const lastGone = alive.slice(200).filter((x) => !x).length;
    expect(firstGone).toBeGreaterThan(lastGone);
    expect(lastGone).toBe(0);
  });

  it('allkeys-lru keeps recently used keys and evicts idle ones', async () => {
    await pipeline(c, Array.from({ length: 300 }, (_, i) => ['SET', `k${i}`, VALUE]));
    await new Promise((r) => setTimeout(r, 2100)); // the LRU clock has a 1 s resolution
    await pipeline(c, Array.from({ length: 100 }, (_, i) => ['GET', `k${i}`])); // k0..k99 are hot
    const used = await info(c, 'used_memory');
    await c.call(['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru']);
    await c.call(['CONFIG', 'SET', 'maxmemory', String(used - 300 * 100)]);
    const alive = await exists(c, Array.from({ length: 300 }, (_, i) => `k${i}`));
    const hotGone = alive.slice(0, 100).filter((x) => !x).length;
    const coldGone = alive.slice(100).filter((x) => !x).length;
    expect(coldGone).toBeGreaterThan(50);
    expect(hotGone).toBe(0);
  });

  it('allkeys-lfu keeps frequently used keys and evicts rarely used ones', async () => {
    await c.call(['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu']);
    await c.call(['CONFIG', 'SET', 'lfu-log-factor', '0']);
    await pipeline(c, Array.from({ length: 300 }, (_, i) => ['SET', `k${i}`, VALUE]));
    for (let round = 0; round < 10; round++) await pipeline(c, Array.from({ length: 100 }, (_, i) => ['GET', `k${i * 3}`]));
    const freq = show(await c.call(['OBJECT', 'FREQ', 'k0']));
    if (typeof freq === 'string' && freq.startsWith(':')) expect(Number(freq.slice(1))).toBeGreaterThan(5);
    const used = await info(c, 'used_memory');
    await c.call(['CONFIG', 'SET', 'maxmemory', String(used - 300 * 100)]);
    const alive = await exists(c, Array.from({ length: 300 }, (_, i) => `k${i}`));
    const hotGone = alive.filter((x, i) => i % 3 === 0 && !x).length;
    const coldGone = alive.filter((x, i) => i % 3 !== 0 && !x).length;
    expect(coldGone).toBeGreaterThan(50);
    expect(hotGone).toBe(0);
  });

  it('volatile-lfu evicts rarely used keys with a TTL', async () => {
    await c.call(['CONFIG', 'SET', 'maxmemory-policy', 'volatile-lfu']);
    await c.call(['CONFIG', 'SET', 'lfu-log-factor', '0']);
    await pipeline(c, Array.from({ length: 300 }, (_, i) => ['SET', `k${i}`, VALUE, 'EX', '10000']));
    for (let round = 0; round < 10; round++) await pipeline(c, Array.from({ length: 100 }, (_, i) => ['GET', `k${i * 3}`]));
    const used = await info(c, 'used_memory');
    await c.call(['CONFIG', 'SET', 'maxmemory', String(used - 300 * 100)]);
    const alive = await exists(c, Array.from({ length: 300 }, (_, i) => `k${i}`));
    expect(alive.filter((x, i) => i % 3 === 0 && !x).length).toBe(0);
    expect(alive.filter((x, i) => i % 3 !== 0 && !x).length).toBeGreaterThan(50);
  });

  it('volatile-lru evicts idle keys with a TTL', async () => {
    await pipeline(c, Array.from({ length: 300 }, (_, i) => ['SET', `k${i}`, VALUE, 'EX', '10000']));
    await new Promise((r) => setTimeout(r, 2100));
    await pipeline(c, Array.from({ length: 100 }, (_, i) => ['GET', `k${i}`]));
    const used = await info(c, 'used_memory');
    await c.call(['CONFIG', 'SET', 'maxmemory-policy', 'volatile-lru']);
    await c.call(['CONFIG', 'SET', 'maxmemory', String(used - 300 * 100)]);
    const alive = await exists(c, Array.from({ length: 300 }, (_, i) => `k${i}`));
    expect(alive.slice(0, 100).filter((x) => !x).length).toBe(0);
    expect(alive.slice(100).filter((x) => !x).length).toBeGreaterThan(50);
  });

  it('eviction sends the evicted notification and fails WATCH', async () => {
    await c.call(['CONFIG', 'SET', 'notify-keyspace-events', 'Ee']);
    const sub = new RawClient(ours.port);
    await sub.connect();
    await sub.call(['SUBSCRIBE', '__keyevent@0__:evicted']);
    await pipeline(c, Array.from({ length: 50 }, (_, i) => ['SET', `k${i}`, VALUE]));
    const w = new RawClient(ours.port);
    await w.connect();
    for (let i = 0; i < 50; i++) await w.call(['WATCH', `k${i}`]);
    const used = await info(c, 'used_memory');
    await c.call(['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random']);
    await c.call(['CONFIG', 'SET', 'maxmemory', String(used - 2000)]);
    const msg = show(await sub.read(2000)) as string[];
    expect(msg[0]).toBe('$message');
    expect(msg[1]).toBe('$__keyevent@0__:evicted');
    await w.call(['MULTI']);
    await w.call(['PING']);
    expect(await w.call(['EXEC'])).toBe(null);
    await c.call(['CONFIG', 'SET', 'notify-keyspace-events', '']);
    sub.close();
    w.close();
  });
});

describe('maxmemory replies like Redis', () => {
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

  it('LFU counters grow like Redis with lfu-log-factor 0 and survive overwrites', async () => {
    const [a, b] = await compareScript(ours.port, redis.port, [
      ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'], ['CONFIG', 'SET', 'lfu-log-factor', '0'],
      ['SET', 'k', 'v'], ['OBJECT', 'FREQ', 'k'], ...Array.from({ length: 10 }, () => ['GET', 'k']), ['OBJECT', 'FREQ', 'k'],
      ['SET', 'k', 'v2'], ['OBJECT', 'FREQ', 'k'], ['APPEND', 'k', 'x'], ['OBJECT', 'FREQ', 'k'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'], ['CONFIG', 'SET', 'lfu-log-factor', '10'],
    ]);
    expect(a).toEqual(b);
  });

  it('OOM errors and INFO fields', async () => {
    const [a, b] = await compareScript(ours.port, redis.port, [
      ['CONFIG', 'SET', 'maxmemory', '1'], ['SET', 'a', 'b'], ['GET', 'a'], ['GETDEL', 'a'], ['MULTI'], ['SET', 'a', 'b'], ['EXEC'],
      ['RPUSH', 'l', 'x'], ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru'], ['SET', 'a', 'b'],
      ['CONFIG', 'SET', 'maxmemory', '0'], ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'], ['SET', 'a', 'b'],
      ['CONFIG', 'GET', 'maxmemory'],
    ]);
    expect(a).toEqual(b);
  });
});
