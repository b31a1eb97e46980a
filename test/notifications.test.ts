/*
 * Keyspace notifications end to end against real Redis 7.0: a subscriber to
 * __keyspace@*__ / __keyevent@*__ sees the same messages, in the same order,
 * in RESP2 and RESP3. Each case runs only once the commands it uses exist
 * (other families land their commands independently).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOurs, startRedis, type ProcServer, type TestServer } from './helpers/servers.js';
import { compareScenario, type Scenario } from './helpers/scenario.js';
import { RawClient, show } from './helpers/raw-client.js';
import { HANDLERS } from '../server/commands/index.js';
import type { Engine } from '../server/main.js';

type Cmd = (string | number)[];
const has = (names: string[]) => names.every((n) => HANDLERS.has(n));
// SET with options (PX, NX...) lands with the rest of the string family: PSETEX stands for it.
const namesOf = (cmds: Cmd[]) => [...new Set(cmds.flatMap((c) => {
  const n = String(c[0]).toLowerCase();
  if (n === 'sleep') return [];
  return n === 'set' && c.length > 3 ? ['set', 'psetex'] : [n];
}))];

/** A subscriber on connection 0, the commands on connection 1, then everything the subscriber got. */
function notifScenario(cmds: Cmd[], patterns = ['__key*__:*'], waitMs = 0): Scenario {
  const steps: Scenario = [{ c: 0, argv: ['PSUBSCRIBE', ...patterns], replies: patterns.length }];
  let sleep = 0;
  for (const c of cmds) {
    if (c[0] === 'SLEEP') sleep = Number(c[1]);
    else {
      steps.push(sleep > 0 ? { c: 1, sleep, argv: c } : [1, ...c]);
      sleep = 0;
    }
  }
  if (waitMs > 0) steps.push({ c: 1, sleep: waitMs, argv: ['PING'] });
  return steps;
}

const CASES: { name: string; cmds: Cmd[]; waitMs?: number }[] = [
  { name: 'SET / GET', cmds: [['SET', 'k', 'v'], ['GET', 'k'], ['SET', 'k', 'w'], ['GET', 'nokey']] },
  { name: 'SET options and string writes', cmds: [
    ['SET', 's', '1', 'NX'], ['SET', 's', '2', 'NX'], ['SET', 's', '3', 'XX', 'EX', '100'], ['SET', 's', '4', 'KEEPTTL'], ['SET', 's', '5', 'GET'],
    ['SETNX', 's', 'x'], ['SETNX', 's2', 'x'], ['SETEX', 's3', '100', 'v'], ['PSETEX', 's4', '100000', 'v'],
    ['APPEND', 's', 'x'], ['APPEND', 'snew', 'x'], ['SETRANGE', 's', '1', 'yy'], ['SETRANGE', 'srange', '0', ''],
    ['INCR', 'n'], ['INCRBY', 'n', '5'], ['DECR', 'n'], ['DECRBY', 'n', '2'], ['INCRBYFLOAT', 'n', '1.5'], ['INCR', 's'],
    ['MSET', 'm1', 'a', 'm2', 'b'], ['MSETNX', 'm1', 'a', 'm3', 'c'], ['MSETNX', 'm4', 'a', 'm5', 'c'],
    ['GETSET', 'm1', 'z'], ['GETDEL', 'm2'], ['GETDEL', 'm2'], ['GETEX', 'm1', 'EX', '100'], ['GETEX', 'm1', 'PERSIST'], ['GETEX', 'm1'],
  ] },
  { name: 'DEL / UNLINK / EXPIRE family / PERSIST', cmds: [
    ['SET', 'a', '1'], ['SET', 'b', '2'], ['DEL', 'a', 'b', 'c'], ['SET', 'a', '1'], ['UNLINK', 'a', 'zz'],
    ['SET', 'e', '1'], ['EXPIRE', 'e', '100'], ['PEXPIRE', 'e', '100000'], ['EXPIREAT', 'e', '99999999999'], ['PEXPIREAT', 'e', '99999999999999'],
    ['PERSIST', 'e'], ['PERSIST', 'e'], ['EXPIRE', 'e', '0'], ['SET', 'f', '1'], ['EXPIRE', 'f', '-1'], ['EXPIRE', 'nokey', '10'],
  ] },
  { name: 'RENAME / RENAMENX / MOVE / COPY', cmds: [
    ['SET', 'src', '1'], ['RENAME', 'src', 'dst'], ['SET', 'x', '1'], ['RENAMENX', 'x', 'dst'], ['RENAMENX', 'x', 'y'],
    ['RENAME', 'y', 'y'], ['MOVE', 'y', '3'], ['COPY', 'dst', 'cp'], ['COPY', 'dst', 'cp'], ['COPY', 'dst', 'cp', 'REPLACE'],
  ] },
  { name: 'expired events (lazy)', cmds: [['DEBUG', 'SET-ACTIVE-EXPIRE', '0'], ['SET', 'lazy', 'v', 'PX', '5'], ['SLEEP', 20], ['GET', 'lazy'], ['DEBUG', 'SET-ACTIVE-EXPIRE', '1']] },
  { name: 'expired events (active)', cmds: [['SET', 'active', 'v', 'PX', '5']], waitMs: 300 },
  { name: 'list events', cmds: [
    ['LPUSH', 'l', 'a', 'b'], ['RPUSH', 'l', 'c'], ['LPUSHX', 'l', 'd'], ['RPUSHX', 'nol', 'x'], ['LINSERT', 'l', 'BEFORE', 'a', 'z'],
    ['LSET', 'l', '0', 'q'], ['LTRIM', 'l', '0', '3'], ['LREM', 'l', '0', 'z'], ['LPOP', 'l'], ['RPOP', 'l'],
    ['RPUSH', 'l2', 'a', 'b'], ['RPOPLPUSH', 'l2', 'l3'], ['LMOVE', 'l2', 'l3', 'LEFT', 'RIGHT'], ['LPOP', 'l3', '2'],
    ['RPUSH', 'b', 'x'], ['BLPOP', 'b', '0'], ['LTRIM', 'l', '1', '0'],
  ] },
  { name: 'hash events', cmds: [
    ['HSET', 'h', 'f', 'v', 'g', 'w'], ['HSETNX', 'h', 'f', 'x'], ['HSETNX', 'h', 'n', 'x'], ['HMSET', 'h', 'a', 'b'],
    ['HINCRBY', 'h', 'i', '1'], ['HINCRBYFLOAT', 'h', 'fl', '1.5'], ['HDEL', 'h', 'f', 'nof'], ['HDEL', 'h', 'g', 'n', 'a', 'i', 'fl'],
  ] },
  { name: 'set events', cmds: [
    ['SADD', 's', 'a', 'b', 'c'], ['SADD', 's', 'a'], ['SREM', 's', 'a', 'x'], ['SMOVE', 's', 't', 'b'], ['SPOP', 's'],
    ['SADD', 'u', '1', '2'], ['SINTERSTORE', 'dst', 'u', 't'], ['SUNIONSTORE', 'dst', 'u', 't'], ['SDIFFSTORE', 'dst', 'u', 'u'],
  ] },
  { name: 'zset events', cmds: [
    ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'], ['ZADD', 'z', '1', 'a'], ['ZINCRBY', 'z', '1', 'a'], ['ZREM', 'z', 'a', 'x'],
    ['ZREMRANGEBYSCORE', 'z', '0', '2'], ['ZADD', 'z', '5', 'd', '6', 'e'], ['ZREMRANGEBYRANK', 'z', '0', '0'],
    ['ZPOPMIN', 'z'], ['ZPOPMAX', 'z'], ['ZADD', 'z2', '1', 'x'], ['ZUNIONSTORE', 'zu', '1', 'z2'], ['ZINTERSTORE', 'zu', '1', 'nothing'],
  ] },
  { name: 'FLUSHDB / FLUSHALL / SWAPDB produce no key events', cmds: [['SET', 'a', '1'], ['FLUSHDB'], ['SET', 'a', '1'], ['FLUSHALL'], ['SWAPDB', '0', '1']] },
];

describe('keyspace notifications', () => {
  let ours: TestServer & { engine: Engine };
  let redis: ProcServer;
  beforeAll(async () => {
    ours = await startOurs(['--notify-keyspace-events', 'KEA']);
    redis = await startRedis(['--notify-keyspace-events', 'KEA']);
  });
  afterAll(async () => {
    await ours.stop();
    await redis.stop();
  });

  /** Whether the engine deletes expired keys in the background yet (the active expire cycle). */
  let activeExpire: boolean | null = null;
  const probeActiveExpire = async (): Promise<boolean> => {
    if (activeExpire !== null) return activeExpire;
    const c = new RawClient(ours.port);
    await c.connect();
    await c.call(['SET', '__probe_active_expire', 'v', 'PX', '1']);
    await new Promise((r) => setTimeout(r, 400));
    activeExpire = !ours.engine.server.dbs[0]!.dict.has('__probe_active_expire');
    c.close();
    return activeExpire;
  };

  for (const cs of CASES) {
    for (const resp of [2, 3] as const) {
      it.skipIf(!has(namesOf(cs.cmds)))(`${cs.name} (RESP${resp})`, async (ctx) => {
        if (cs.waitMs !== undefined && !(await probeActiveExpire())) ctx.skip();
        const [a, b] = await compareScenario(ours.port, redis.port, notifScenario(cs.cmds, ['__key*__:*'], cs.waitMs ?? 0), resp);
        expect(a).toEqual(b);
      });
    }
  }

  it('delivers to channel subscribers of a keyspace or keyevent channel, per db', async () => {
    const [a, b] = await compareScenario(ours.port, redis.port, [
      [0, 'SUBSCRIBE', '__keyspace@0__:foo'], [2, 'SUBSCRIBE', '__keyevent@3__:set'],
      [1, 'SET', 'foo', 'bar'], [1, 'SET', 'other', 'x'], [1, 'SELECT', '3'], [1, 'SET', 'foo', 'bar'],
      { c: 0, replies: 1 }, { c: 2, replies: 1 },
    ]);
    expect(a).toEqual(b);
  });

  it('works for a client that subscribes to its own key events in RESP3', async () => {
    const [a, b] = await compareScenario(ours.port, redis.port, [
      [0, 'SUBSCRIBE', '__keyspace@0__:mine'],
      // The push comes before the reply of the command that caused it.
      { c: 0, argv: ['SET', 'mine', '1'], replies: 2 },
    ], 3);
    expect(a).toEqual(b);
  });
});

describe('keyspace notification classes', () => {
  const pairs: [string, TestServer, ProcServer][] = [];
  const FLAGS = ['K$', 'Eg', 'KEm', 'KEn', 'E$x', 'Kl'];
  beforeAll(async () => {
    for (const f of FLAGS) pairs.push([f, await startOurs(['--notify-keyspace-events', f]), await startRedis(['--notify-keyspace-events', f])]);
  });
  afterAll(async () => {
    for (const [, o, r] of pairs) {
      await o.stop();
      await r.stop();
    }
  });

  it('masks events by class (K E g $ m n x l)', async () => {
    const cmds: Cmd[] = [['SET', 'a', '1'], ['GET', 'missing'], ['GET', 'a'], ['SET', 'a', '2']];
    for (const extra of [['DEL', 'a'], ['SET', 'b', 'v', 'PX', '1'], ['SLEEP', 10], ['GET', 'b'], ['LPUSH', 'l', 'x'], ['EXPIRE', 'l', '100']] as Cmd[]) {
      if (has(namesOf([extra]))) cmds.push(extra);
    }
    for (const [flags, o, r] of pairs) {
      const [a, b] = await compareScenario(o.port, r.port, notifScenario(cmds, ['__key*__:*']));
      expect([flags, a]).toEqual([flags, b]);
    }
  });

  it('is silent when notifications are off, and PUBLISH still works', async () => {
    const o = await startOurs();
    try {
      const sub = new RawClient(o.port);
      const cl = new RawClient(o.port);
      await sub.connect();
      await cl.connect();
      await sub.call(['PSUBSCRIBE', '*']);
      await cl.call(['SET', 'k', 'v']);
      expect(show(await cl.call(['PUBLISH', 'chan', 'm']))).toBe(':1');
      expect(show(await sub.read())).toEqual(['$pmessage', '$*', '$chan', '$m']);
      expect(sub.unread.length).toBe(0);
      sub.close();
      cl.close();
    } finally {
      await o.stop();
    }
  });
});
