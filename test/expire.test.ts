/*
 * Active expiry (server/db/expire.ts): keys nobody touches are deleted by
 * the cron's sampling cycle with Redis's side effects (expired events, DEL
 * propagation, stats), not while disabled (DEBUG SET-ACTIVE-EXPIRE 0) nor
 * on a replica; the running averages INFO shows are kept. Compared with a
 * real Redis 7.0 where the behaviour is observable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOurs, startRedis, type ProcServer, type TestServer } from './helpers/servers.js';
import { compareScenario, type Scenario } from './helpers/scenario.js';
import { RawClient, show } from './helpers/raw-client.js';
import type { Engine } from '../server/main.js';
import { ActiveExpire } from '../server/db/expire.js';

let ours: TestServer & { engine: Engine };
let redis: ProcServer;
let c: RawClient;

beforeAll(async () => {
  ours = await startOurs(['--notify-keyspace-events', 'KEA', '--enable-debug-command', 'local']);
  redis = await startRedis(['--notify-keyspace-events', 'KEA', '--enable-debug-command', 'local']);
  c = new RawClient(ours.port);
  await c.connect();
});
afterAll(async () => {
  c.close();
  await ours.stop();
  await redis.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitUntil(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(20);
  }
  return cond();
}

/** Raw dict size: counts keys still stored, expired or not, without touching them. */
function stored(db = 0): number {
  return ours.engine.server.dbs[db]!.dict.size;
}

async function fill(client: RawClient, n: number, prefix: string, px: number | null): Promise<void> {
  for (let i = 0; i < n; i++) {
    const args = ['SET', `${prefix}:${i}`, 'v'];
    if (px !== null) args.push('PX', String(px));
    client.send(args);
  }
  for (let i = 0; i < n; i++) await client.read();
}

describe('active expire cycle', () => {
  it('deletes expired keys nobody accesses, in every db, and counts them', async () => {
    await c.call(['FLUSHALL']);
    const server = ours.engine.server;
    const before = server.stats.expiredKeys;
    await fill(c, 300, 'vol', 400);
    await fill(c, 40, 'keep', null);
    await c.call(['SELECT', '3']);
    await fill(c, 30, 'vol3', 400);
    await c.call(['SELECT', '0']);
    // TTLs long enough that a loaded machine finishes filling before any expires.
    expect(stored()).toBe(340);
    expect(await waitUntil(() => stored() === 40 && stored(3) === 0, 4000)).toBe(true);
    expect(server.stats.expiredKeys - before).toBe(330);
    expect(server.stats.expiredStalePerc).toBeGreaterThan(0);
    expect(show(await c.call(['DBSIZE']))).toBe(':40');
  });

  it('Redis agrees: DBSIZE drops without access', async () => {
    for (const port of [ours.port, redis.port]) {
      const cl = new RawClient(port);
      await cl.connect();
      await cl.call(['FLUSHALL']);
      await fill(cl, 100, 'vol', 50);
      await fill(cl, 10, 'keep', null);
      cl.close();
    }
    await sleep(1500);
    const sizes: unknown[] = [];
    for (const port of [ours.port, redis.port]) {
      const cl = new RawClient(port);
      await cl.connect();
      sizes.push(show(await cl.call(['DBSIZE'])));
      cl.close();
    }
    expect(sizes[0]).toEqual(sizes[1]);
    expect(sizes[0]).toBe(':10');
  });

  it('DEBUG SET-ACTIVE-EXPIRE 0 stops it, 1 resumes it', async () => {
    await c.call(['FLUSHALL']);
    expect(show(await c.call(['DEBUG', 'SET-ACTIVE-EXPIRE', '0']))).toBe('+OK');
    expect(ours.engine.server.activeExpireEnabled).toBe(false);
    await fill(c, 50, 'vol', 20);
    await sleep(400);
    expect(stored()).toBe(50);
    await c.call(['DEBUG', 'SET-ACTIVE-EXPIRE', '1']);
    expect(await waitUntil(() => stored() === 0, 3000)).toBe(true);
  });

  it('a replica does not expire actively', async () => {
    await c.call(['FLUSHALL']);
    const server = ours.engine.server;
    await fill(c, 20, 'vol', 20);
    server.isReplica = true;
    try {
      await sleep(400);
      expect(stored()).toBe(20);
    } finally {
      server.isReplica = false;
    }
    expect(await waitUntil(() => stored() === 0, 3000)).toBe(true);
  });

  it('propagates DEL for actively expired keys', async () => {
    await c.call(['FLUSHALL']);
    const prop: string[][] = [];
    const hook = (_db: number, argv: Buffer[]) => prop.push(argv.map((a) => a.toString('latin1')));
    const server = ours.engine.server;
    server.propagateHooks.push(hook);
    try {
      await c.call(['SET', 'x', '1', 'PX', '30']);
      prop.length = 0;
      expect(await waitUntil(() => stored() === 0, 3000)).toBe(true);
      expect(prop).toEqual([['DEL', 'x']]);
    } finally {
      server.propagateHooks.splice(server.propagateHooks.indexOf(hook), 1);
    }
  });

  it('keeps the average TTL of each db', async () => {
    await c.call(['FLUSHALL']);
    await fill(c, 30, 'long', 100000);
    const db = ours.engine.server.dbs[0]!;
    expect(await waitUntil(() => db.avgTtl > 0, 3000)).toBe(true);
    expect(db.avgTtl).toBeLessThanOrEqual(100000);
    expect(db.avgTtl).toBeGreaterThan(90000);
    await c.call(['FLUSHALL']);
    expect(await waitUntil(() => db.avgTtl === 0, 3000)).toBe(true);
  });

  it('the cycle stops at the time budget and resumes the walk next time', async () => {
    await c.call(['FLUSHALL']);
    await c.call(['DEBUG', 'SET-ACTIVE-EXPIRE', '0']);
    const server = ours.engine.server;
    try {
      await fill(c, 2000, 'vol', 100000);
      const ae = new ActiveExpire(server);
      const realNow = server.cmdTime;
      const capped = server.stats.expiredTimeCapReached;
      const results: number[] = [];
      // Synchronous: the cron cannot interleave. Every key looks expired; a zero budget
      // stops each cycle at its first time check (after 16 samples of 20 keys).
      server.activeExpireEnabled = true;
      server.cmdTime = Date.now() + 200000;
      try {
        while (stored() > 0 && results.length < 100) results.push(ae.cycle(0));
      } finally {
        server.activeExpireEnabled = false;
        server.cmdTime = realNow;
      }
      expect(results).toEqual([320, 320, 320, 320, 320, 320, 80]);
      expect(server.stats.expiredTimeCapReached - capped).toBe(6);
    } finally {
      server.activeExpireEnabled = true;
      await c.call(['DEBUG', 'SET-ACTIVE-EXPIRE', '1']);
    }
  });

  it('stops sampling a db once few of its keys are expired', async () => {
    await c.call(['FLUSHALL']);
    await c.call(['DEBUG', 'SET-ACTIVE-EXPIRE', '0']);
    const server = ours.engine.server;
    try {
      await fill(c, 1000, 'long', 100000);
      await fill(c, 5, 'short', 1);
      await sleep(10);
      const ae = new ActiveExpire(server);
      server.activeExpireEnabled = true;
      server.cmdTime = Date.now();
      let removed: number;
      try {
        removed = ae.cycle();
      } finally {
        server.activeExpireEnabled = false;
      }
      // Sampling goes on only while more than 10% of a sample was expired: the long-lived keys all stay.
      expect(stored()).toBeGreaterThanOrEqual(1000);
      expect(removed).toBeLessThanOrEqual(5);
    } finally {
      server.activeExpireEnabled = true;
      await c.call(['DEBUG', 'SET-ACTIVE-EXPIRE', '1']);
    }
  });
});

describe('expired events', () => {
  it('are published by active expiry as Redis does', async () => {
    const s: Scenario = [
      { c: 1, argv: ['SUBSCRIBE', '__keyevent@0__:expired', '__keyevent@0__:del'], replies: 2 },
      [0, 'SET', 'a', '1', 'PX', '50'], [0, 'SET', 'c', '1'], [0, 'PEXPIRE', 'c', '700'], [0, 'SET', 'd', '1'], [0, 'EXPIRE', 'd', '-1'],
      { c: 1, sleep: 1500, replies: 2 },
      [0, 'DBSIZE'],
    ];
    const [a, b] = await compareScenario(ours.port, redis.port, s);
    expect(a).toEqual(b);
  });

  it('lazy expiry on access looks the same as in Redis', async () => {
    const s: Scenario = [
      [0, 'DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
      [0, 'SET', 'a', '1', 'PX', '30'], [0, 'SET', 'b', '1', 'PX', '30'], [0, 'SET', 'c', '1', 'PX', '30'], [0, 'SET', 'd', '1', 'PX', '30'],
      { c: 0, sleep: 100, argv: ['DBSIZE'] },
      [0, 'GET', 'a'], [0, 'TTL', 'b'], [0, 'EXISTS', 'c'], [0, 'EXPIRE', 'd', '100'], [0, 'DBSIZE'],
      [0, 'DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
    ];
    const [a, b] = await compareScenario(ours.port, redis.port, s);
    expect(a).toEqual(b);
  });
});
