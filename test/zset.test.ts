import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOurs, startRedis, type ProcServer, type TestServer } from './helpers/servers.js';
import { compareScript, type Script } from './helpers/compare.js';
import { RawClient, show } from './helpers/raw-client.js';
import { ZSetValue } from '../server/types/zset.js';
import { HANDLERS } from '../server/commands/index.js';
import { rng } from './helpers/rng.js';

describe('zset commands against real Redis', () => {
  let ours: TestServer;
  let redis: ProcServer;
  beforeAll(async () => {
    ours = await startOurs();
    redis = await startRedis();
  });
  afterAll(async () => {
    await ours?.stop();
    await redis?.stop();
  });

  async function same(script: Script, resp: 2 | 3 = 2): Promise<void> {
    const [a, b] = await compareScript(ours.port, redis.port, script, resp);
    expect(a).toEqual(b);
  }

  const setup: Script = [
    ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd', '5', 'e', '-inf', 'ninf', '+inf', 'pinf', '2', 'bb', '1.5', 'x'],
    ['ZADD', 'lex', '0', 'alpha', '0', 'bar', '0', 'cool', '0', 'down', '0', 'elephant', '0', 'foo', '0', 'great', '0', 'hill', '0', 'omega'],
    ['SET', 'str', 'x'],
  ];

  for (const resp of [2, 3] as const) {
    it(`ZADD options and errors (RESP${resp})`, async () => {
      await same([
        ['ZADD', 'z', '1', 'a', '2', 'b'], ['ZADD', 'z', 'NX', '5', 'a', '3', 'c'], ['ZADD', 'z', 'XX', '10', 'a', '4', 'new'],
        ['ZADD', 'z', 'XX', 'CH', '11', 'a', '2', 'b'], ['ZADD', 'z', 'GT', 'CH', '1', 'a', '20', 'b'], ['ZADD', 'z', 'LT', 'CH', '1', 'a', '30', 'b', '7', 'lt'],
        ['ZADD', 'z', 'INCR', '2.5', 'a'], ['ZADD', 'z', 'INCR', 'NX', '1', 'a'], ['ZADD', 'z', 'INCR', 'XX', '1', 'missing'],
        ['ZADD', 'z', 'GT', 'INCR', '-1', 'a'], ['ZADD', 'z', 'LT', 'INCR', '-1', 'a'],
        ['ZADD', 'z', 'XX', 'NX', '1', 'a'], ['ZADD', 'z', 'GT', 'LT', '1', 'a'], ['ZADD', 'z', 'GT', 'NX', '1', 'a'],
        ['ZADD', 'z', 'INCR', '1', 'a', '2', 'b'], ['ZADD', 'z', '1', 'a', '2'], ['ZADD', 'z', 'nan', 'a'], ['ZADD', 'z', 'abc', 'a'],
        ['ZADD', 'z', '1', 'a', 'x', 'b'], ['ZADD', 'nokey', 'XX', '1', 'a'], ['ZADD', 'nokey', 'XX', 'INCR', '1', 'a'], ['ZCARD', 'nokey'],
        ['ZADD', 'z', '+inf', 'i'], ['ZINCRBY', 'z', '-inf', 'i'], ['ZINCRBY', 'z', '1', 'i'], ['ZADD', 'z', 'INCR', '-inf', 'i'],
        ['ZADD', 'z', '1e400', 'big'], ['ZADD', 'z', '-0', 'negzero'], ['ZADD', 'z', '-0', 'a'], ['ZSCORE', 'z', 'a'], ['ZADD', 'z', '1', 'a'], ['ZADD', 'z', '0x10', 'hex'], ['ZADD', 'z', '1.5e3', 'exp'],
        ['ZINCRBY', 'z', '0.1', 'f'], ['ZINCRBY', 'z', '0.2', 'f'], ['ZINCRBY', 'z', 'x', 'f'], ['ZINCRBY', 'str', '1', 'a'],
        ['ZADD', 'str', '1', 'a'], ['SET', 'str', 'x'], ['ZADD', 'str', '1', 'a'],
        ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], ['ZCARD', 'z'], ['ZCARD', 'nokey'], ['ZCARD', 'str'],
        ['ZSCORE', 'z', 'a'], ['ZSCORE', 'z', 'nope'], ['ZSCORE', 'nokey', 'a'], ['ZSCORE', 'str', 'a'],
        ['ZMSCORE', 'z', 'a', 'nope', 'b'], ['ZMSCORE', 'nokey', 'a', 'b'], ['ZMSCORE', 'str', 'a'],
      ], resp);
    });

    it(`ranks, counts and ranges (RESP${resp})`, async () => {
      await same([
        ...setup,
        ['ZRANK', 'z', 'a'], ['ZRANK', 'z', 'pinf'], ['ZRANK', 'z', 'nope'], ['ZRANK', 'nokey', 'a'], ['ZREVRANK', 'z', 'a'], ['ZREVRANK', 'z', 'ninf'], ['ZRANK', 'str', 'a'],
        ['ZCOUNT', 'z', '-inf', '+inf'], ['ZCOUNT', 'z', '(1', '3'], ['ZCOUNT', 'z', '(1', '(3'], ['ZCOUNT', 'z', '2', '2'], ['ZCOUNT', 'z', '(2', '2'],
        ['ZCOUNT', 'z', '5', '1'], ['ZCOUNT', 'z', 'x', '1'], ['ZCOUNT', 'nokey', '0', '1'], ['ZCOUNT', 'str', '0', '1'], ['ZCOUNT', 'z', '( 1', '3'], ['ZCOUNT', 'z', '(', '3'],
        ['ZLEXCOUNT', 'lex', '-', '+'], ['ZLEXCOUNT', 'lex', '[b', '(f'], ['ZLEXCOUNT', 'lex', '(bar', '[foo'], ['ZLEXCOUNT', 'lex', '+', '-'], ['ZLEXCOUNT', 'lex', '-', '-'],
        ['ZLEXCOUNT', 'lex', 'a', 'b'], ['ZLEXCOUNT', 'lex', '[z', '[a'], ['ZLEXCOUNT', 'lex', '[cool', '[cool'], ['ZLEXCOUNT', 'lex', '(cool', '[cool'],
        ['ZRANGE', 'z', '0', '-1'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'], ['ZRANGE', 'z', '2', '4', 'WITHSCORES'], ['ZRANGE', 'z', '-3', '-1'],
        ['ZRANGE', 'z', '5', '2'], ['ZRANGE', 'z', '100', '200'], ['ZRANGE', 'z', '-100', '1'], ['ZRANGE', 'z', '0', '100'], ['ZRANGE', 'z', 'a', '1'],
        ['ZRANGE', 'z', '0', '-1', 'REV', 'WITHSCORES'], ['ZREVRANGE', 'z', '0', '2', 'WITHSCORES'], ['ZREVRANGE', 'z', '1', '-2'],
        ['ZRANGE', 'z', '(1', '5', 'BYSCORE', 'WITHSCORES'], ['ZRANGE', 'z', '5', '(1', 'BYSCORE', 'REV'], ['ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', '1', '3'],
        ['ZRANGE', 'z', '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', '2', '2', 'WITHSCORES'], ['ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', '-1', '2'],
        ['ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', '2', '-1'], ['ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', '20', '1'], ['ZRANGE', 'z', '-inf', '+inf', 'BYSCORE', 'LIMIT', '0', '0'],
        ['ZRANGE', 'lex', '[b', '[f', 'BYLEX'], ['ZRANGE', 'lex', '[f', '[b', 'BYLEX', 'REV'], ['ZRANGE', 'lex', '-', '+', 'BYLEX', 'LIMIT', '2', '3'], ['ZRANGE', 'lex', '+', '-', 'BYLEX', 'REV', 'LIMIT', '1', '2'],
        ['ZRANGE', 'z', '0', '1', 'LIMIT', '0', '1'], ['ZRANGE', 'lex', '-', '+', 'BYLEX', 'WITHSCORES'], ['ZRANGE', 'z', '0', '1', 'BYSCORE', 'BYLEX'], ['ZRANGE', 'z', '0', '1', 'REV', 'REV'],
        ['ZRANGE', 'z', '0', '1', 'FOO'], ['ZRANGE', 'z', 'x', '1', 'BYSCORE'], ['ZRANGE', 'lex', 'x', '[a', 'BYLEX'], ['ZRANGE', 'z', '0', '1', 'BYSCORE', 'LIMIT', 'x', '1'],
        ['ZRANGE', 'nokey', '0', '-1'], ['ZRANGE', 'str', '0', '-1'], ['ZRANGE', 'z', '0', '-1', 'LIMIT', '1'],
        ['ZRANGEBYSCORE', 'z', '2', '4', 'WITHSCORES'], ['ZRANGEBYSCORE', 'z', '(2', '+inf', 'LIMIT', '1', '2'], ['ZRANGEBYSCORE', 'z', '0', '1', 'REV'], ['ZRANGEBYSCORE', 'z', '0', '1', 'BYSCORE'],
        ['ZREVRANGEBYSCORE', 'z', '4', '2', 'WITHSCORES'], ['ZREVRANGEBYSCORE', 'z', '+inf', '(2', 'LIMIT', '1', '2'], ['ZREVRANGEBYSCORE', 'z', '2', '4'],
        ['ZRANGEBYLEX', 'lex', '(alpha', '[elephant'], ['ZRANGEBYLEX', 'lex', '-', '+', 'LIMIT', '0', '2'], ['ZRANGEBYLEX', 'lex', '[a', '(b'], ['ZRANGEBYLEX', 'lex', '-', '+', 'WITHSCORES'],
        ['ZREVRANGEBYLEX', 'lex', '[elephant', '(alpha'], ['ZREVRANGEBYLEX', 'lex', '+', '-', 'LIMIT', '3', '3'], ['ZRANGEBYLEX', 'lex', '+x', '-'], ['ZRANGEBYLEX', 'lex', '--', '+'],
        ['ZRANGESTORE', 'dst', 'z', '0', '2'], ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'], ['ZRANGESTORE', 'dst', 'z', '(1', '4', 'BYSCORE', 'REV', 'LIMIT', '0', '2'],
        ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'], ['ZRANGESTORE', 'dst', 'lex', '[b', '[e', 'BYLEX'], ['ZRANGE', 'dst', '0', '-1'], ['ZRANGESTORE', 'dst', 'z', '10', '20'], ['ZCARD', 'dst'],
        ['ZRANGESTORE', 'dst', 'z', '0', '1', 'WITHSCORES'], ['ZRANGESTORE', 'dst', 'nokey', '0', '1'], ['ZRANGESTORE', 'dst', 'str', '0', '1'], ['ZRANGESTORE', 'str', 'z', '0', '1'], ['GET', 'str'],
      ], resp);
    });

    it(`removals (RESP${resp})`, async () => {
      await same([
        ...setup,
        ['ZREM', 'z', 'a', 'nope', 'b'], ['ZREM', 'nokey', 'a'], ['ZREM', 'str', 'a'], ['ZRANGE', 'z', '0', '-1'],
        ['ZREMRANGEBYSCORE', 'z', '(1.5', '3'], ['ZREMRANGEBYSCORE', 'z', 'x', '3'], ['ZREMRANGEBYSCORE', 'nokey', '1', '3'], ['ZREMRANGEBYSCORE', 'z', '5', '1'],
        ['ZRANGE', 'z', '0', '-1'], ['ZREMRANGEBYRANK', 'z', '0', '0'], ['ZREMRANGEBYRANK', 'z', '-1', '-1'], ['ZREMRANGEBYRANK', 'z', '5', '1'], ['ZREMRANGEBYRANK', 'z', 'x', '1'],
        ['ZRANGE', 'z', '0', '-1'], ['ZREMRANGEBYRANK', 'z', '0', '100'], ['ZCARD', 'z'],
        ['ZREMRANGEBYLEX', 'lex', '[b', '(e'], ['ZREMRANGEBYLEX', 'lex', 'b', 'e'], ['ZRANGE', 'lex', '0', '-1'], ['ZREMRANGEBYLEX', 'lex', '-', '+'], ['ZCARD', 'lex'],
        ['ZREMRANGEBYLEX', 'str', '-', '+'], ['ZREMRANGEBYRANK', 'str', '0', '1'],
        ['ZADD', 'y', '1', 'a'], ['ZREM', 'y', 'a', 'a'], ['ZCARD', 'y'],
      ], resp);
    });

    it(`set operations (RESP${resp})`, async () => {
      await same([
        ['ZADD', 'z1', '1', 'a', '2', 'b', '3', 'c'], ['ZADD', 'z2', '10', 'b', '20', 'c', '30', 'd'], ['SET', 'str', 'x'],
        ['ZADD', 'inf1', '+inf', 'a', '-inf', 'b'], ['ZADD', 'inf2', '-inf', 'a', '+inf', 'b'],
        ['ZUNION', '2', 'z1', 'z2'], ['ZUNION', '2', 'z1', 'z2', 'WITHSCORES'], 
        ['ZUNION', '2', 'z1', 'z2', 'AGGREGATE', 'MIN', 'WITHSCORES'], ['ZUNION', '2', 'z1', 'z2', 'AGGREGATE', 'MAX', 'WITHSCORES'], ['ZUNION', '2', 'inf1', 'inf2', 'WITHSCORES'],
        ['ZUNION', '2', 'z1', 'nokey', 'WITHSCORES'], ['ZUNION', '1', 'nokey'], ['ZUNION', '0', 'z1'], ['ZUNION', '3', 'z1'], ['ZUNION', 'x', 'z1'], ['ZUNION', '2', 'z1', 'str'],
        ['ZUNION', '1', 'z1', 'WEIGHTS', 'x'], ['ZUNION', '1', 'z1', 'WEIGHTS', '1', '2'], ['ZUNION', '1', 'z1', 'AGGREGATE', 'AVG'], ['ZUNION', '1', 'z1', 'FOO'],
        ['ZUNION', '1', 'z1', 'WEIGHTS', 'inf', 'WITHSCORES'], ['ZUNION', '2', 'z1', 'inf1', 'WEIGHTS', '0', '0', 'WITHSCORES'],
        ['ZINTER', '2', 'z1', 'z2', 'WITHSCORES'], 
        ['ZINTER', '2', 'z1', 'nokey'], ['ZINTER', '2', 'inf1', 'inf2', 'WITHSCORES'],
        ['ZDIFF', '2', 'z1', 'z2', 'WITHSCORES'], ['ZDIFF', '1', 'z1', 'WITHSCORES'], ['ZDIFF', '2', 'nokey', 'z1'], ['ZDIFF', '2', 'z1', 'z2', 'WEIGHTS', '1', '2'],
        ['ZDIFF', '2', 'z1', 'z2', 'AGGREGATE', 'SUM'],
        ['ZINTERCARD', '2', 'z1', 'z2'], ['ZINTERCARD', '2', 'z1', 'z2', 'LIMIT', '1'], ['ZINTERCARD', '2', 'z1', 'z2', 'LIMIT', '0'], ['ZINTERCARD', '2', 'z1', 'z2', 'LIMIT', '-1'],
        ['ZINTERCARD', '0', 'z1'], ['ZINTERCARD', '1', 'z1', 'WITHSCORES'], ['ZINTERCARD', '1', 'z1', 'LIMIT', 'x'],
        ['ZUNIONSTORE', 'dst', '2', 'z1', 'z2'], ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'], ['ZUNIONSTORE', 'dst', '2', 'z1', 'z2', 'WITHSCORES'],
        ['ZINTERSTORE', 'dst', '2', 'z1', 'z2', 'WEIGHTS', '1', '0.5'], ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'], ['ZINTERSTORE', 'dst', '2', 'z1', 'nokey'], ['ZCARD', 'dst'],
        ['ZDIFFSTORE', 'dst', '2', 'z1', 'z2'], ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'], ['ZDIFFSTORE', 'dst', '2', 'z1', 'z1'], ['ZCARD', 'dst'],
        ['ZUNIONSTORE', 'z1', '2', 'z1', 'z2'], ['ZRANGE', 'z1', '0', '-1', 'WITHSCORES'], ['ZUNIONSTORE', 'dst', '0', 'z1'], ['ZINTERSTORE', 'dst', '1', 'str'],
        ['ZUNIONSTORE', 'str', '1', 'z2'], ['GET', 'str'],
      ], resp);
    });

    it(`pops (RESP${resp})`, async () => {
      await same([
        ...setup,
        ['ZPOPMIN', 'z'], ['ZPOPMAX', 'z'], ['ZPOPMIN', 'z', '2'], ['ZPOPMAX', 'z', '1'], ['ZPOPMIN', 'z', '0'], ['ZPOPMIN', 'z', '-1'], ['ZPOPMIN', 'z', 'x'],
        ['ZPOPMIN', 'z', '1', '2'], ['ZPOPMIN', 'nokey'], ['ZPOPMIN', 'nokey', '2'], ['ZPOPMIN', 'nokey', '0'], ['ZPOPMIN', 'str'], ['ZPOPMIN', 'str', '0'],
        ['ZPOPMAX', 'z', '100'], ['ZCARD', 'z'],
        ['ZMPOP', '2', 'nokey', 'lex', 'MIN'], ['ZMPOP', '1', 'lex', 'MAX', 'COUNT', '3'], ['ZMPOP', '1', 'nokey', 'MIN'], ['ZMPOP', '1', 'str', 'MIN'],
        ['ZMPOP', '0', 'lex', 'MIN'], ['ZMPOP', '-1', 'lex', 'MIN'], ['ZMPOP', 'x', 'lex', 'MIN'], ['ZMPOP', '1', 'lex', 'MID'], ['ZMPOP', '1', 'lex'], ['ZMPOP', '2', 'lex', 'MIN'],
        ['ZMPOP', '1', 'lex', 'MIN', 'COUNT', '0'], ['ZMPOP', '1', 'lex', 'MIN', 'COUNT', '1', 'COUNT', '1'], ['ZMPOP', '1', 'lex', 'MIN', 'COUNT'], ['ZMPOP', '1', 'lex', 'MIN', 'FOO'],
        ['ZMPOP', '1', 'lex', 'MIN', 'COUNT', '9223372036854775807'], ['ZMPOP', '9223372036854775807', 'lex', 'MIN'], ['ZMPOP', '1', 'lex', 'MIN', 'COUNT', '9223372036854775808'], ['ZMPOP', '1', 'lex', 'MIN', 'COUNT', '100'], ['ZCARD', 'lex'],
        ['ZADD', 'b', '1', 'x', '2', 'y'], ['BZPOPMIN', 'nokey', 'b', '0'], ['BZPOPMAX', 'b', '0'], ['BZPOPMIN', 'str', '0'], ['BZPOPMIN', 'b', '-1'], ['BZPOPMIN', 'b', 'x'], ['BZPOPMIN', 'nokey', 'inf'], ['BZPOPMIN', 'nokey', '1e300'], ['BZPOPMIN', 'nokey', ' 1'],
        ['ZADD', 'b', '1', 'x', '2', 'y', '3', 'z'], ['BZMPOP', '0', '1', 'b', 'MAX', 'COUNT', '2'], ['BZMPOP', '0', '1', 'b', 'MIN'], ['BZMPOP', 'x', '1', 'b', 'MIN'], ['BZMPOP', '0', '0', 'b', 'MIN'], ['BZMPOP', 'x', '0', 'b', 'MIN'], ['BZMPOP', 'x', '1', 'b', 'MID'], ['BZMPOP', 'x', '1', 'b', 'MIN', 'COUNT', '0'], ['BZPOPMIN', 'str', 'x'],
        ['MULTI'], ['BZPOPMIN', 'nokey', '0'], ['BZMPOP', '0', '1', 'nokey', 'MIN'], ['EXEC'],
        ['BZPOPMIN', 'nokey', '0.01'], ['BZMPOP', '0.01', '1', 'nokey', 'MIN'],
      ], resp);
    });

    it(`ZRANDMEMBER and ZSCAN (RESP${resp})`, async () => {
      await same([
        ...setup,
        ['ZRANDMEMBER', 'nokey'], ['ZRANDMEMBER', 'nokey', '5'], ['ZRANDMEMBER', 'str'], ['ZRANDMEMBER', 'z', '0'], ['ZRANDMEMBER', 'z', 'x'],
        ['ZRANDMEMBER', 'z', '1', 'FOO'], ['ZRANDMEMBER', 'z', '1', 'WITHSCORES', 'x'], ['ZRANDMEMBER', 'z', '-9223372036854775808'],
        ['ZRANDMEMBER', 'z', '9223372036854775807', 'WITHSCORES'], ['ZRANDMEMBER', 'z', '-9223372036854775807', 'WITHSCORES'],
        ['ZRANDMEMBER', 'z', '100'], ['ZRANDMEMBER', 'z', '100', 'WITHSCORES'], ['ZRANDMEMBER', 'z', '9', 'WITHSCORES'],
        { argv: ['ZRANDMEMBER', 'z', '5'], shapeOnly: true }, { argv: ['ZRANDMEMBER', 'z', '-20', 'WITHSCORES'], shapeOnly: true },
        { argv: ['ZRANDMEMBER', 'z'], shapeOnly: true },
        ['ZSCAN', 'z', '0'], ['ZSCAN', 'z', '0', 'MATCH', '*b*'], ['ZSCAN', 'z', '0', 'COUNT', '0'], ['ZSCAN', 'z', 'x'], ['ZSCAN', 'z', '0', 'TYPE', 'zset'],
        ['ZSCAN', 'nokey', '0'], ['ZSCAN', 'str', '0'], ['ZSCAN', 'z', '0', 'COUNT'], ['ZSCAN', 'z', '0', 'COUNT', 'x'],
      ], resp);
    });
  }

  it('a random workload gives the same replies (both encodings)', async () => {
    const r = rng(42);
    const script: Script = [['CONFIG', 'SET', 'zset-max-listpack-entries', '16']];
    const members = Array.from({ length: 60 }, (_, i) => `m${i}`);
    const pick = (): string => members[Math.floor(r() * members.length)]!;
    const score = (): string => (r() < 0.2 ? String(Math.floor(r() * 10)) : (r() * 200 - 100).toFixed(Math.floor(r() * 4)));
    for (let i = 0; i < 400; i++) {
      const k = r() < 0.5 ? 'za' : 'zb';
      const x = r();
      if (x < 0.3) script.push(['ZADD', k, score(), pick(), score(), pick()]);
      else if (x < 0.35) script.push(['ZINCRBY', k, score(), pick()]);
      else if (x < 0.4) script.push(['ZREM', k, pick()]);
      else if (x < 0.45) script.push(['ZRANK', k, pick()], ['ZREVRANK', k, pick()], ['ZSCORE', k, pick()]);
      else if (x < 0.5) script.push(['ZRANGE', k, String(Math.floor(r() * 40) - 20), String(Math.floor(r() * 40) - 20), 'WITHSCORES']);
      else if (x < 0.55) script.push(['ZRANGEBYSCORE', k, `(${score()}`, score(), 'WITHSCORES', 'LIMIT', String(Math.floor(r() * 5)), String(Math.floor(r() * 8) - 1)]);
      else if (x < 0.6) script.push(['ZREVRANGEBYSCORE', k, score(), score()], ['ZCOUNT', k, score(), `(${score()}`]);
      else if (x < 0.65) script.push(['ZADD', 'zl', '0', pick()], ['ZRANGEBYLEX', 'zl', `[${pick()}`, `(${pick()}`], ['ZLEXCOUNT', 'zl', '-', `[${pick()}`], ['ZREVRANGEBYLEX', 'zl', `(${pick()}`, '-', 'LIMIT', '1', '3']);
      else if (x < 0.7) script.push(['ZUNIONSTORE', 'zc', '2', 'za', 'zb', 'WEIGHTS', '2', '0.5'], ['ZRANGE', 'zc', '0', '-1', 'WITHSCORES']);
      else if (x < 0.75) script.push(['ZINTER', '2', 'za', 'zb', 'AGGREGATE', 'MAX', 'WITHSCORES'], ['ZDIFF', '2', 'za', 'zb', 'WITHSCORES']);
      else if (x < 0.8) script.push(['ZREMRANGEBYSCORE', k, score(), score()], ['ZCARD', k]);
      else if (x < 0.83) script.push(['ZREMRANGEBYRANK', k, String(Math.floor(r() * 10)), String(Math.floor(r() * 10))]);
      else if (x < 0.86) script.push(['ZPOPMIN', k, String(Math.floor(r() * 3))], ['ZPOPMAX', k]);
      else if (x < 0.9) script.push(['ZRANGESTORE', 'zd', k, '0', '-1', 'REV'], ['ZRANGE', 'zd', '0', '-1', 'WITHSCORES']);
      else script.push(['ZRANGE', 'zl', '+', '-', 'BYLEX', 'REV', 'LIMIT', '1', '5'], ['ZREMRANGEBYLEX', 'zl', `[${pick()}`, `[${pick()}`], ['ZMSCORE', k, pick(), pick()]);
    }
    script.push(['ZRANGE', 'za', '0', '-1', 'WITHSCORES'], ['ZRANGE', 'zb', '0', '-1', 'WITHSCORES'], ['ZRANGE', 'zl', '0', '-1'], ['CONFIG', 'SET', 'zset-max-listpack-entries', '128']);
    await same(script);
  });

  it('lex ranges on small sets with mixed scores follow the listpack scan', async () => {
    const r = rng(99);
    const script: Script = [];
    const letters = 'abcdefghij';
    const m = (): string => letters[Math.floor(r() * letters.length)]!;
    const bound = (): string => (r() < 0.1 ? '-' : r() < 0.1 ? '+' : (r() < 0.5 ? '[' : '(') + m());
    for (let i = 0; i < 150; i++) {
      if (i % 25 === 0) script.push(['DEL', 'mx'], ['ZADD', 'mx', ...Array.from({ length: 8 }, () => [String(Math.floor(r() * 5)), m()]).flat()]);
      const x = r();
      if (x < 0.3) script.push(['ZRANGEBYLEX', 'mx', bound(), bound()]);
      else if (x < 0.5) script.push(['ZREVRANGEBYLEX', 'mx', bound(), bound(), 'LIMIT', '0', '3']);
      else if (x < 0.8) script.push(['ZLEXCOUNT', 'mx', bound(), bound()]);
      else script.push(['ZREMRANGEBYLEX', 'mx', bound(), bound()], ['ZRANGE', 'mx', '0', '-1', 'WITHSCORES']);
    }
    await same(script);
  });

  it('BZPOPMIN / BZMPOP block and are served by ZADD, or time out', async () => {
    const run = async (port: number): Promise<unknown[]> => {
      const a = new RawClient(port);
      const b = new RawClient(port);
      await a.connect();
      await b.connect();
      try {
        await b.call(['FLUSHALL']);
        const out: unknown[] = [];
        const p1 = a.call(['BZPOPMIN', 'k1', 'k2', '0']);
        await new Promise((res) => setTimeout(res, 50));
        out.push(show(await b.call(['ZADD', 'k2', '5', 'five', '6', 'six'])));
        out.push(show(await p1));
        const p2 = a.call(['BZMPOP', '0', '2', 'k3', 'k2', 'MAX', 'COUNT', '5']);
        out.push(show(await p2));
        const p3 = a.call(['BZPOPMAX', 'k4', '0']);
        await new Promise((res) => setTimeout(res, 50));
        out.push(show(await b.call(['ZUNIONSTORE', 'k4', '1', 'src'])));
        out.push(show(await b.call(['ZADD', 'src', '1', 'q'])));
        out.push(show(await b.call(['ZUNIONSTORE', 'k4', '1', 'src'])));
        out.push(show(await p3));
        out.push(show(await a.call(['BZPOPMIN', 'k5', '0.05'])));
        // Both keys become ready in one transaction: the first signalled key serves.
        const p5 = a.call(['BZPOPMIN', 'k7', 'k8', '0']);
        await new Promise((res) => setTimeout(res, 50));
        out.push(show(await b.call(['MULTI'])), show(await b.call(['ZADD', 'k8', '8', 'eight'])), show(await b.call(['ZADD', 'k7', '7', 'seven'])));
        out.push(show(await b.call(['EXEC'])), show(await p5));
        const p4 = a.call(['BZMPOP', '0', '1', 'k6', 'MIN', 'COUNT', '2']);
        await new Promise((res) => setTimeout(res, 50));
        out.push(show(await b.call(['ZADD', 'k6', '1', 'a', '2', 'b', '3', 'c'])));
        out.push(show(await p4));
        out.push(show(await b.call(['ZRANGE', 'k6', '0', '-1'])));
        return out;
      } finally {
        a.close();
        b.close();
      }
    };
    expect(await run(ours.port)).toEqual(await run(redis.port));
  });

  it.skipIf(!HANDLERS.has('object|encoding'))('reports listpack / skiplist encodings like Redis', async () => {
    await same([
      ['CONFIG', 'SET', 'zset-max-listpack-entries', '4'],
      ['ZADD', 'e', '1', 'a', '2', 'b'], ['OBJECT', 'ENCODING', 'e'], ['ZADD', 'e', '3', 'c', '4', 'd', '5', 'e'], ['OBJECT', 'ENCODING', 'e'],
      ['ZREM', 'e', 'a', 'b', 'c'], ['OBJECT', 'ENCODING', 'e'], ['ZUNIONSTORE', 'f', '1', 'e'], ['OBJECT', 'ENCODING', 'f'],
      ['ZADD', 'g', '1', 'x'.repeat(100)], ['OBJECT', 'ENCODING', 'g'],
      ['CONFIG', 'SET', 'zset-max-listpack-entries', '128'],
    ]);
  });

  it.skipIf(!HANDLERS.has('sadd'))('takes sets as inputs with score 1', async () => {
    await same([
      ['ZADD', 'z1', '1', 'a', '2', 'b', '3', 'c'], ['ZADD', 'z2', '10', 'b', '20', 'c', '30', 'd'], ['SADD', 's', 'a', 'c', 'e'],
      ['ZUNION', '3', 'z1', 'z2', 's', 'WEIGHTS', '1', '2', '3', 'WITHSCORES'], ['ZINTER', '3', 'z1', 'z2', 's', 'WITHSCORES'],
      ['ZINTER', '2', 'z1', 's', 'WEIGHTS', '2', '5', 'AGGREGATE', 'MAX', 'WITHSCORES'], ['ZDIFF', '2', 'z1', 's'], ['ZINTERCARD', '2', 'z1', 's'],
      ['ZUNIONSTORE', 'd', '2', 's', 'z1'], ['ZRANGE', 'd', '0', '-1', 'WITHSCORES'], ['ZDIFF', '2', 's', 'z1', 'WITHSCORES'],
    ]);
  });

  it('publishes the same keyspace events as Redis', async () => {
    const script: string[][] = [
      ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'], ['ZADD', 'z', 'NX', '1', 'a'], ['ZINCRBY', 'z', '1', 'a'], ['ZADD', 'z', 'INCR', '1', 'a'],
      ['ZREM', 'z', 'nope'], ['ZREM', 'z', 'a'], ['ZREMRANGEBYSCORE', 'z', '0', '2'], ['ZADD', 'z', '1', 'x', '2', 'y'], ['ZREMRANGEBYRANK', 'z', '0', '0'],
      ['ZREMRANGEBYLEX', 'z', '-', '+'], ['ZADD', 'z', '1', 'a', '2', 'b'], ['ZPOPMIN', 'z'], ['ZPOPMAX', 'z', '5'], ['ZADD', 'z', '1', 'a', '2', 'b'],
      ['ZMPOP', '1', 'z', 'MIN'], ['BZPOPMAX', 'z', '0'], ['ZADD', 'z', '1', 'a'], ['ZUNIONSTORE', 'u', '1', 'z'], ['ZINTERSTORE', 'u', '2', 'z', 'nokey'],
      ['ZDIFFSTORE', 'u', '1', 'z'], ['ZRANGESTORE', 'u', 'z', '0', '-1'], ['ZRANGESTORE', 'u', 'z', '5', '6'],
      ['GEOADD', 'g', '13.361389', '38.115556', 'Palermo'], ['GEORADIUS', 'g', '13', '38', '100', 'km', 'STORE', 'gs'],
      ['GEOSEARCHSTORE', 'gs2', 'g', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '1', 'km'], ['GEOSEARCHSTORE', 'gs2', 'g', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'km'],
      ['SET', 'end', '1'],
    ];
    const run = async (port: number): Promise<unknown[]> => {
      const sub = new RawClient(port);
      const cl = new RawClient(port);
      await sub.connect();
      await cl.connect();
      try {
        await cl.call(['FLUSHALL']);
        await cl.call(['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']);
        await sub.call(['PSUBSCRIBE', '__keyevent@0__:*']);
        for (const cmd of script) await cl.call(cmd);
        const events: unknown[] = [];
        for (;;) {
          const m = show(await sub.read()) as string[];
          events.push(m.slice(2));
          if (String(m[3]).includes('end')) break;
        }
        return events;
      } finally {
        await cl.call(['CONFIG', 'SET', 'notify-keyspace-events', '']);
        sub.close();
        cl.close();
      }
    };
    const a = await run(ours.port);
    const b = await run(redis.port);
    expect(a.length).toBeGreaterThan(20);
    expect(a).toEqual(b);
  });

  it('propagates pops (with the count actually popped) and GEOADD in the forms Redis uses', async () => {
    const engine = (ours as TestServer & { engine: { server: { propagateHooks: ((db: number, argv: Buffer[]) => void)[] } } }).engine;
    const seen: string[] = [];
    const hook = (_db: number, argv: Buffer[]): void => {
      seen.push(argv.map((x) => x.toString('latin1')).join(' '));
    };
    engine.server.propagateHooks.push(hook);
    const c = new RawClient(ours.port);
    await c.connect();
    try {
      for (const cmd of [
        ['ZADD', 'p', '1', 'a', '2', 'b', '3', 'c', '4', 'd'], ['ZPOPMIN', 'p'], ['ZMPOP', '1', 'p', 'MAX', 'COUNT', '1'], ['BZPOPMIN', 'p', '0'],
        ['BZMPOP', '0', '1', 'p', 'MIN', 'COUNT', '5'], ['ZPOPMIN', 'p'], ['ZADD', 'p', '1', 'a'], ['ZMPOP', '1', 'p', 'MIN', 'COUNT', '9223372036854775807'], ['GEOADD', 'gp', 'CH', '13.361389', '38.115556', 'Palermo'],
      ]) await c.call(cmd);
    } finally {
      c.close();
      engine.server.propagateHooks.splice(engine.server.propagateHooks.indexOf(hook), 1);
    }
    expect(seen).toEqual([
      'ZADD p 1 a 2 b 3 c 4 d', 'ZPOPMIN p', 'ZPOPMAX p 1', 'ZPOPMIN p', 'ZPOPMIN p 1', 'ZADD p 1 a', 'ZPOPMIN p 1', 'zadd gp CH 3479099956230698 Palermo',
    ]);
  });

  it('ZSCAN of a skiplist set returns every element present for the whole scan, under writes', async () => {
    const c = new RawClient(ours.port);
    await c.connect();
    try {
      await c.call(['DEL', 'big']);
      const args: string[] = [];
      for (let i = 0; i < 500; i++) args.push(String(i % 37), `m${i}`);
      await c.call(['ZADD', 'big', ...args]);
      expect(show(await c.call(['OBJECT', 'ENCODING', 'big']))).toBe('$skiplist');
      const seen = new Set<string>();
      let cursor = '0';
      let rounds = 0;
      do {
        const r = show(await c.call(['ZSCAN', 'big', cursor, 'COUNT', '20'])) as [string, string[]];
        cursor = r[0].slice(1);
        for (let i = 0; i < r[1].length; i += 2) seen.add(r[1][i]!.slice(1));
        // Writes during the scan: delete some already-seen members (m0..m99 stay), add new ones, rescore others.
        const seenList = [...seen].filter((m) => Number(m.slice(1)) >= 100);
        if (seenList.length > 0) await c.call(['ZREM', 'big', ...seenList.slice(0, 5)]);
        await c.call(['ZADD', 'big', '5', `new${rounds}`, String(rounds), `m${rounds}`]);
        rounds++;
      } while (cursor !== '0' && rounds < 1000);
      expect(cursor).toBe('0');
      for (let i = 0; i < 100; i++) expect(seen.has(`m${i}`)).toBe(true);
      const r = show(await c.call(['ZSCAN', 'big', '0', 'MATCH', 'm1?', 'COUNT', '1000'])) as [string, string[]];
      expect(r[0]).toBe('$0');
      expect(r[1].filter((_, i) => i % 2 === 0).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `$m1${i}`).sort());
    } finally {
      c.close();
    }
  });

  it('a large set shrunk by ZREM (its node buffer rebuilt) answers like Redis', async () => {
    const next = rng(7);
    const script: Script = [['DEL', 'shrink']];
    const members = Array.from({ length: 6000 }, (_, i) => `m${i}`);
    for (let i = 0; i < members.length; i += 500) {
      const args: string[] = [];
      for (const m of members.slice(i, i + 500)) args.push(String(Math.floor(next() * 300)), m);
      script.push(['ZADD', 'shrink', ...args]);
    }
    // Remove all but every 50th member, in random batches, rescoring survivors on the way.
    const doomed = members.filter((_, i) => i % 50 !== 0).sort(() => next() - 0.5);
    for (let i = 0; i < doomed.length; i += 400) {
      script.push(['ZREM', 'shrink', ...doomed.slice(i, i + 400)]);
      script.push(['ZINCRBY', 'shrink', '7', `m${50 * Math.floor(next() * 120)}`]);
    }
    script.push(['ZCARD', 'shrink'], ['ZRANGE', 'shrink', '0', '-1', 'WITHSCORES'], ['ZRANK', 'shrink', 'm500'],
      ['ZREVRANK', 'shrink', 'm5950'], ['ZRANGE', 'shrink', '(10', '200', 'BYSCORE', 'LIMIT', '3', '20'], ['ZCOUNT', 'shrink', '50', '150']);
    await same(script);
    const z = ZSetValue.fromEntries(members.map((m, i) => [Buffer.from(m), i] as [Buffer, number]));
    const before = z.zsl.bytes;
    for (const m of doomed) z.delete(Buffer.from(m));
    expect(z.zsl.bytes).toBeLessThan(before / 4);
    expect(z.rank(Buffer.from('m100'), false)).toBe(2);
  });

  it('keeps the ZSetValue API other modules rely on', () => {
    const z = ZSetValue.fromEntries([[Buffer.from('b'), 2], [Buffer.from('a'), 2], [Buffer.from('c'), -1]]);
    expect(z.length).toBe(3);
    expect([...z.entries()].map(([m, s]) => `${m.toString()}:${s}`)).toEqual(['c:-1', 'a:2', 'b:2']);
    expect(z.encoding()).toBe('listpack');
    expect(z.memoryUsage()).toBeGreaterThan(0);
    const big = ZSetValue.fromEntries(Array.from({ length: 200 }, (_, i) => [Buffer.from(`m${i}`), i] as [Buffer, number]));
    expect(big.encoding()).toBe('skiplist');
    expect(big.rank(Buffer.from('m150'), false)).toBe(150);
    expect(big.rank(Buffer.from('m150'), true)).toBe(49);
  });
});
