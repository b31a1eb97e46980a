/*
 * A seeded random workload over every data type, sent to our engine and to
 * a real Redis 7; every reply must be identical. Commands with random or
 * time-dependent results (SPOP, SRANDMEMBER, RANDOMKEY, SCAN cursors, TTL
 * races) are left out; everything else is fair game, errors included.
 * SHARDIS_RANDOM_COMMANDS sets the count (default 100,000).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, show } from './helpers/raw-client.js';
import { startOurs, startRedis, type ProcServer, type TestServer } from './helpers/servers.js';

const COUNT = Number(process.env.SHARDIS_RANDOM_COMMANDS ?? 100000);
const BATCH = 500;

let seed = 20261122;
const rnd = (n: number) => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return Math.floor((seed / 2147483648) * n);
};
const pick = <T>(a: readonly T[]): T => a[rnd(a.length)]!;
const key = () => pick(['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8']);
const member = () => pick(['a', 'b', 'c', 'd', 'e', 'f', '1', '2', '10', '-3', 'x'.repeat(70)]);
const int = () => String(rnd(200) - 100);
const score = () => pick(['1', '2.5', '-3', '0', '100', '1e3', '-inf', '+inf', String(rnd(50))]);
const idx = () => String(rnd(14) - 7);

const GENERATORS: (() => string[])[] = [
  () => ['SET', key(), member()], () => ['GET', key()], () => ['APPEND', key(), member()], () => ['INCRBY', key(), int()],
  () => ['STRLEN', key()], () => ['GETRANGE', key(), idx(), idx()], () => ['SETRANGE', key(), String(rnd(10)), member()],
  () => ['MSET', key(), member(), key(), member()], () => ['MGET', key(), key(), key()], () => ['GETDEL', key()],
  () => ['SETBIT', key(), String(rnd(64)), String(rnd(2))], () => ['BITCOUNT', key()], () => ['BITPOS', key(), String(rnd(2))],
  () => ['LPUSH', key(), member(), member()], () => ['RPUSH', key(), member()], () => ['LPOP', key()], () => ['RPOP', key(), String(rnd(3))],
  () => ['LRANGE', key(), idx(), idx()], () => ['LINDEX', key(), idx()], () => ['LSET', key(), idx(), member()],
  () => ['LREM', key(), String(rnd(5) - 2), member()], () => ['LTRIM', key(), idx(), idx()], () => ['LLEN', key()],
  () => ['LINSERT', key(), pick(['BEFORE', 'AFTER']), member(), member()], () => ['LPOS', key(), member()],
  () => ['LMOVE', key(), key(), pick(['LEFT', 'RIGHT']), pick(['LEFT', 'RIGHT'])],
  () => ['HSET', key(), member(), member(), member(), int()], () => ['HGET', key(), member()], () => ['HDEL', key(), member()],
  () => ['HINCRBY', key(), member(), int()], () => ['HLEN', key()], () => ['HEXISTS', key(), member()], () => ['HMGET', key(), member(), member()],
  () => ['HSTRLEN', key(), member()], () => ['HSETNX', key(), member(), int()],
  () => ['SADD', key(), member(), member()], () => ['SREM', key(), member()], () => ['SCARD', key()], () => ['SISMEMBER', key(), member()],
  () => ['SMISMEMBER', key(), member(), member()], () => ['SMOVE', key(), key(), member()], () => ['SINTERCARD', '2', key(), key()],
  () => ['SINTERSTORE', key(), key(), key()], () => ['SUNIONSTORE', key(), key(), key()], () => ['SDIFFSTORE', key(), key(), key()],
  () => ['ZADD', key(), score(), member(), score(), member()], () => ['ZINCRBY', key(), score(), member()], () => ['ZREM', key(), member()],
  () => ['ZSCORE', key(), member()], () => ['ZRANK', key(), member()], () => ['ZREVRANK', key(), member()], () => ['ZCARD', key()],
  () => ['ZRANGE', key(), idx(), idx(), 'WITHSCORES'], () => ['ZRANGE', key(), '-inf', '+inf', 'BYSCORE', 'LIMIT', String(rnd(3)), String(rnd(4))],
  () => ['ZRANGEBYLEX', key(), '-', '+'], () => ['ZCOUNT', key(), pick(['-inf', '(0', '1']), pick(['+inf', '(10', '100'])],
  () => ['ZPOPMIN', key()], () => ['ZPOPMAX', key(), String(rnd(3))], () => ['ZMSCORE', key(), member(), member()],
  () => ['ZUNIONSTORE', key(), '2', key(), key(), 'WEIGHTS', '1', '2'], () => ['ZINTERSTORE', key(), '2', key(), key(), 'AGGREGATE', pick(['SUM', 'MIN', 'MAX'])],
  () => ['ZREMRANGEBYRANK', key(), idx(), idx()], () => ['ZLEXCOUNT', key(), '-', '+'],
  () => ['PFADD', key(), member(), member()], () => ['PFCOUNT', key()],
  () => ['GEOADD', key(), String(rnd(360) - 180), String(rnd(170) - 85), member()], () => ['GEODIST', key(), member(), member(), 'km'],
  () => ['GEOPOS', key(), member()], () => ['GEOSEARCH', key(), 'FROMLONLAT', '0', '0', 'BYRADIUS', '20000', 'km', 'ASC', 'WITHDIST'],
  () => ['DEL', key()], () => ['EXISTS', key(), key()], () => ['TYPE', key()], () => ['RENAME', key(), key()], () => ['RENAMENX', key(), key()],
  () => ['COPY', key(), key(), 'REPLACE'], () => ['PERSIST', key()], () => ['EXPIRE', key(), '1000'],
  () => ['TTL', key()], () => ['SORT', key(), 'ALPHA', 'LIMIT', '0', '5'], () => ['DBSIZE'],
];

describe('randomized comparison with real Redis', () => {
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

  it(`${COUNT} random commands over every type get identical replies`, async () => {
    const a = new RawClient(ours.port);
    const b = new RawClient(redis.port);
    await a.connect();
    await b.connect();
    const diffs: string[] = [];
    const log: string[] = [];
    for (let done = 0; done < COUNT && diffs.length < 10; done += BATCH) {
      const cmds = Array.from({ length: Math.min(BATCH, COUNT - done) }, () => pick(GENERATORS)());
      for (const c of cmds) {
        a.send(c);
        b.send(c);
      }
      for (const c of cmds) {
        const ra = JSON.stringify(show(await a.read(20000)));
        const rb = JSON.stringify(show(await b.read(20000)));
        log.push(c.join(' ').slice(0, 60));
        if (ra !== rb) diffs.push(`${c.join(' ')}\n  ours:  ${ra}\n  redis: ${rb}\n  after: ${log.slice(-6, -1).join(' | ')}`);
      }
    }
    a.close();
    b.close();
    expect(diffs).toEqual([]);
  }, 600000);
});
