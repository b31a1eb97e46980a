import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../server/main.js';
import { startOurs, startRedis, type ProcServer, type TestServer } from './helpers/servers.js';
import type { Script } from './helpers/compare.js';
import { compareIntrospected } from './helpers/introspect.js';
import { RawClient } from './helpers/raw-client.js';

describe('hash commands', () => {
  let ours: TestServer & { engine: Engine };
  let redis: ProcServer;
  beforeAll(async () => {
    ours = await startOurs();
    redis = await startRedis();
  });
  afterAll(async () => {
    await ours.stop();
    await redis.stop();
  });

  const same = async (script: Script, resp: 2 | 3 = 2): Promise<void> => {
    const [a, b] = await compareIntrospected(ours.engine, ours.port, redis.port, script, resp);
    expect(a).toEqual(b);
  };

  it('HSET HGET HMSET HMGET HSETNX HDEL HLEN HEXISTS HSTRLEN', async () => {
    await same([
      ['HSET', 'h', 'a', '1', 'b', '2'], ['HSET', 'h', 'a', '10', 'c', '3'], ['HGET', 'h', 'a'], ['HGET', 'h', 'zz'],
      ['HGET', 'nokey', 'a'], ['HSET', 'h', 'a'], ['HSET', 'h'], ['HMSET', 'h', 'x'], ['HMSET', 'h', 'd', '4', 'e', '5'],
      ['HMGET', 'h', 'a', 'nope', 'd'], ['HMGET', 'nokey', 'a', 'b'], ['HSETNX', 'h', 'a', 'new'], ['HSETNX', 'h', 'f', 'new'],
      ['HGET', 'h', 'f'], ['HSETNX', 'newh', 'f', 'v'], ['HLEN', 'h'], ['HLEN', 'nokey'], ['HEXISTS', 'h', 'a'],
      ['HEXISTS', 'h', 'zz'], ['HEXISTS', 'nokey', 'a'], ['HSTRLEN', 'h', 'a'], ['HSTRLEN', 'h', 'zz'], ['HSTRLEN', 'nokey', 'a'],
      ['HDEL', 'h', 'a', 'a', 'zz', 'b'], ['HDEL', 'nokey', 'a'], ['HDEL', 'newh', 'f'], ['EXISTS', 'newh'],
      ['HGETALL', 'h'], ['HKEYS', 'h'], ['HVALS', 'h'], ['HGETALL', 'nokey'], ['HKEYS', 'nokey'], ['HVALS', 'nokey'],
      ['SET', 's', 'x'], ['HSET', 's', 'a', '1'], ['HGET', 's', 'a'], ['HMGET', 's', 'a'], ['HDEL', 's', 'a'], ['HLEN', 's'],
      ['HSETNX', 's', 'a', 'b'], ['HGETALL', 's'], ['HKEYS', 's'], ['HVALS', 's'], ['HEXISTS', 's', 'a'], ['HSTRLEN', 's', 'a'],
      ['HINCRBY', 's', 'a', '1'], ['HINCRBYFLOAT', 's', 'a', '1'], ['HRANDFIELD', 's'], ['HSCAN', 's', '0'],
      ['HSET', 'bin', Buffer.from([0, 255, 10]), Buffer.from([1, 2, 200])], ['HGETALL', 'bin'],
    ]);
  });

  it('HGETALL is a map in RESP3 and keeps listpack insertion order', async () => {
    await same([
      ['HSET', 'h', 'z', '1', 'a', '2', 'm', '3'], ['HGETALL', 'h'], ['HKEYS', 'h'], ['HVALS', 'h'], ['HGETALL', 'nokey'],
      ['HKEYS', 'nokey'], ['HDEL', 'h', 'a'], ['HSET', 'h', 'a', '9'], ['HGETALL', 'h'],
    ], 3);
  });

  it('HINCRBY and HINCRBYFLOAT', async () => {
    await same([
      ['HINCRBY', 'h', 'n', '5'], ['HINCRBY', 'h', 'n', '-10'], ['HINCRBY', 'h', 'n', 'x'], ['HINCRBY', 'h', 'n', '1.5'],
      ['HSET', 'h', 's', 'abc', 'sp', ' 1', 'plus', '+1', 'big', '9223372036854775807', 'neg', '-9223372036854775808'],
      ['HINCRBY', 'h', 's', '1'], ['HINCRBY', 'h', 'sp', '1'], ['HINCRBY', 'h', 'plus', '1'], ['HINCRBY', 'h', 'big', '1'],
      ['HINCRBY', 'h', 'big', '0'], ['HINCRBY', 'h', 'neg', '-1'], ['HINCRBY', 'h', 'big', '-9223372036854775808'],
      ['HINCRBY', 'h', 'n', '9223372036854775808'], ['HGET', 'h', 'n'],
      ['HINCRBYFLOAT', 'h', 'f', '10.5'], ['HINCRBYFLOAT', 'h', 'f', '0.1'], ['HINCRBYFLOAT', 'h', 'f', '-5'],
      ['HINCRBYFLOAT', 'h', 'f', '1e3'], ['HINCRBYFLOAT', 'h', 'f', '3.0e3'], ['HINCRBYFLOAT', 'h', 'f', 'abc'],
      ['HINCRBYFLOAT', 'h', 'f', 'inf'], ['HINCRBYFLOAT', 'h', 'f', '-inf'], ['HINCRBYFLOAT', 'h', 'f', 'nan'],
      ['HINCRBYFLOAT', 'h', 's', '1'], ['HINCRBYFLOAT', 'h', 'n', '1.5'], ['HINCRBYFLOAT', 'h', 'big', '1'],
      ['HINCRBYFLOAT', 'h', 'g', '17179869184'], ['HINCRBYFLOAT', 'h', 'g', '1.5'], ['HINCRBYFLOAT', 'h', 'z', '-0.0'],
      ['HINCRBYFLOAT', 'h', 'e', '1.23e-5'], ['HINCRBYFLOAT', 'h', 'e', '5e-7'], ['HGET', 'h', 'e'],
      ['HINCRBY', 'h', 'f', '1'], ['HINCRBYFLOAT', 'h', 'q', '0.1'], ['HINCRBYFLOAT', 'h', 'q', '0.2'],
      ['HINCRBYFLOAT', 'h', 'q', '-0.3'], ['HINCRBYFLOAT', 'h', 'r', '1.5e-20'], ['HINCRBYFLOAT', 'h', 'r', '-3e-20'],
      ['HINCRBYFLOAT', 'h', 'w', '1e300'], ['HINCRBYFLOAT', 'h', 'w', '1e300'], ['HINCRBYFLOAT', 'h', 'x', '0x10'],
      ['HINCRBYFLOAT', 'h', 'y', '.5'], ['HINCRBYFLOAT', 'h', 'y', '5.'], ['HINCRBYFLOAT', 'h', 'y', '1 '],
      ['HINCRBYFLOAT', 'h', 'y', '-1234567890123.456789'], ['HINCRBYFLOAT', 'h', 'big', '1.5'],
      ['HSET', 'h', 'inf', 'inf', 'sp2', '1 '], ['HINCRBYFLOAT', 'h', 'inf', '1'], ['HINCRBYFLOAT', 'h', 'sp2', '1'],
      ['HINCRBYFLOAT', 'h', 'w', '1e400'], ['HINCRBYFLOAT', 'h', 'w', '1e5000'], ['HINCRBYFLOAT', 'h', 'w', '-1e-5000'],
      ['HINCRBYFLOAT', 'h', 'w', '+inf'], ['HINCRBYFLOAT', 'h', 'w', '-Infinity'], ['HINCRBYFLOAT', 'newkey', 'w', '1e5000'],
      ['EXISTS', 'newkey'], ['HSET', 'h', 'hugeval', '1e5000'], ['HINCRBYFLOAT', 'h', 'hugeval', '1'],
      ['HINCRBYFLOAT', 'h', 'tiny', '1e-300'], ['HINCRBYFLOAT', 'h', 'tiny', '-1e-300'], ['HINCRBYFLOAT', 'h', 'tiny', '1e-17'],
    ]);
  });

  it('HRANDFIELD argument handling and reply shapes', async () => {
    const script: Script = [
      ['HRANDFIELD', 'nokey'], ['HRANDFIELD', 'nokey', '3'], ['HRANDFIELD', 'nokey', 'x'], ['HRANDFIELD', 'nokey', '1', 'foo'],
      ['HRANDFIELD', 'nokey', '1', 'withvalues', 'x'], ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3'],
      ['HRANDFIELD', 'h', '0'], ['HRANDFIELD', 'h', '0', 'WITHVALUES'], { argv: ['HRANDFIELD', 'h', '3'], unordered: true },
      { argv: ['HRANDFIELD', 'h', '10'], unordered: true },
      ['HRANDFIELD', 'h', '-9223372036854775808'], ['HRANDFIELD', 'h', '-9223372036854775807', 'withvalues'],
      ['HRANDFIELD', 'h', '4611686018427387904', 'withvalues'], ['HRANDFIELD', 'h', '-4611686018427387904', 'withvalues'],
      ['HSET', 'one', 'f', 'v'], ['HRANDFIELD', 'one'], ['HRANDFIELD', 'one', '-3'], ['HRANDFIELD', 'one', '-2', 'withvalues'],
      ['HRANDFIELD', 'one', '5', 'withvalues'], ['HRANDFIELD', 'one', '1', 'withvalues'],
    ];
    await same(script);
    await same(script.filter((s) => Array.isArray(s)), 3);
  });

  it('HRANDFIELD returns distinct fields for positive counts on both encodings', async () => {
    const c = new RawClient(ours.port);
    await c.connect();
    try {
      for (const n of [30, 300]) {
        ours.engine.server.dbs[0]!.delete('h');
        const args: string[] = [];
        for (let i = 0; i < n; i++) args.push(`f${i}`, `v${i}`);
        await c.call(['HSET', 'h', ...args]);
        for (const count of [2, 10, n - 1, n / 2 + 1]) {
          const r = (await c.call(['HRANDFIELD', 'h', count])) as Buffer[];
          expect(r.length).toBe(count);
          expect(new Set(r.map(String)).size).toBe(count);
          const wv = (await c.call(['HRANDFIELD', 'h', count, 'WITHVALUES'])) as Buffer[];
          expect(wv.length).toBe(count * 2);
          for (let i = 0; i < wv.length; i += 2) expect(String(wv[i + 1])).toBe(String(wv[i]).replace('f', 'v'));
        }
        const neg = (await c.call(['HRANDFIELD', 'h', -200])) as Buffer[];
        expect(neg.length).toBe(200);
        expect(new Set(neg.map(String)).size).toBeLessThan(200);
      }
    } finally {
      c.close();
    }
  });

  it('encodings follow hash-max-listpack-entries / -value', async () => {
    const script: Script = [
      ['CONFIG', 'SET', 'hash-max-listpack-entries', '4'], ['CONFIG', 'SET', 'hash-max-listpack-value', '8'],
      ['HSET', 'a', 'f1', 'v', 'f2', 'v', 'f3', 'v', 'f4', 'v'], ['OBJECT', 'ENCODING', 'a'], ['HSET', 'a', 'f5', 'v'],
      ['OBJECT', 'ENCODING', 'a'], ['HDEL', 'a', 'f1', 'f2', 'f3'], ['OBJECT', 'ENCODING', 'a'],
      ['HSET', 'b', 'f', '123456789'], ['OBJECT', 'ENCODING', 'b'], ['HSET', 'c', '123456789', 'v'], ['OBJECT', 'ENCODING', 'c'],
      ['HSET', 'd', 'f', '12345678'], ['OBJECT', 'ENCODING', 'd'], ['HINCRBY', 'd', 'longfieldname', '1'], ['OBJECT', 'ENCODING', 'd'],
      ['HINCRBYFLOAT', 'e', 'longfieldname', '1'], ['OBJECT', 'ENCODING', 'e'], ['HSET', 'g', 'x', '1'],
      ['HSETNX', 'g', 'longfieldname', '1'], ['OBJECT', 'ENCODING', 'g'], ['HMSET', 'i', 'x', '123456789'], ['OBJECT', 'ENCODING', 'i'],
      ['CONFIG', 'SET', 'hash-max-listpack-entries', '512'], ['CONFIG', 'SET', 'hash-max-listpack-value', '64'],
    ];
    await same(script);
  });

  it('HSCAN', async () => {
    await same([
      ['HSCAN', 'nokey', '0'], ['HSCAN', 'nokey', 'x'], ['HSCAN', 'nokey', '0', 'COUNT', '0'], ['HSET', 'h', 'a', '1', 'b', '2', 'ab', '3'],
      ['HSCAN', 'h', '0'], ['HSCAN', 'h', '0', 'MATCH', 'a*'], ['HSCAN', 'h', '0', 'match', '*', 'count', '1'], ['HSCAN', 'h', ''],
      ['HSCAN', 'h', '5'], ['HSCAN', 'h', '-'], ['HSCAN', 'h', ' 5'], ['HSCAN', 'h', '18446744073709551616'], ['HSCAN', 'h', '0', 'COUNT'],
      ['HSCAN', 'h', '0', 'COUNT', 'x'], ['HSCAN', 'h', '0', 'COUNT', '-1'], ['HSCAN', 'h', '0', 'TYPE', 'string'],
      ['HSCAN', 'h', '0', 'NOVALUES'],
    ]);
  });

  it('HSCAN of a hashtable hash returns every field exactly under deletions', async () => {
    const c = new RawClient(ours.port);
    await c.connect();
    try {
      ours.engine.server.dbs[0]!.delete('big');
      const args: string[] = [];
      for (let i = 0; i < 1000; i++) args.push(`k${i}`, String(i));
      await c.call(['HSET', 'big', ...args]);
      const seen = new Map<string, string>();
      let cursor = '0';
      let calls = 0;
      do {
        const [next, items] = (await c.call(['HSCAN', 'big', cursor, 'COUNT', 37])) as [Buffer, Buffer[]];
        cursor = String(next);
        for (let i = 0; i < items.length; i += 2) seen.set(String(items[i]), String(items[i + 1]));
        // Delete a field already returned: nothing present all along may be missed.
        if (calls++ === 3) await c.call(['HDEL', 'big', 'k999', 'k998']);
      } while (cursor !== '0');
      for (let i = 0; i < 998; i++) expect(seen.get(`k${i}`)).toBe(String(i));
      const [, m] = (await c.call(['HSCAN', 'big', '0', 'COUNT', 2000, 'MATCH', 'k1?'])) as [Buffer, Buffer[]];
      expect(m.length).toBe(20);
    } finally {
      c.close();
    }
  });

  it('keyspace notifications and WATCH', async () => {
    const sub = new RawClient(ours.port);
    const c = new RawClient(ours.port);
    await sub.connect();
    await c.connect();
    try {
      await c.call(['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']);
      await sub.call(['PSUBSCRIBE', '__keyevent@0__:*']);
      await c.call(['HSET', 'nh', 'a', '1']);
      await c.call(['HINCRBY', 'nh', 'n', '1']);
      await c.call(['HINCRBYFLOAT', 'nh', 'n', '1.5']);
      await c.call(['HDEL', 'nh', 'a', 'n']);
      const events: string[] = [];
      for (let i = 0; i < 5; i++) {
        const m = (await sub.read()) as Buffer[];
        events.push(String(m[2]).split(':')[1]!);
      }
      expect(events).toEqual(['hset', 'hincrby', 'hincrbyfloat', 'hdel', 'del']);
      await c.call(['CONFIG', 'SET', 'notify-keyspace-events', '']);
    } finally {
      sub.close();
      c.close();
    }
  });

  it('propagates HINCRBYFLOAT as HSET with the final value', async () => {
    const seen: string[] = [];
    const hook = (_db: number, argv: Buffer[]): void => { seen.push(argv.map(String).join(' ')); };
    ours.engine.server.propagateHooks.push(hook);
    const c = new RawClient(ours.port);
    await c.connect();
    try {
      await c.call(['HINCRBYFLOAT', 'pf', 'f', '1.5']);
      await c.call(['HINCRBYFLOAT', 'pf', 'f', '0.25']);
      await c.call(['HINCRBYFLOAT', 'pf', 'f', 'x']);
      expect(seen).toEqual(['HSET pf f 1.5', 'HSET pf f 1.75']);
    } finally {
      c.close();
      ours.engine.server.propagateHooks.splice(ours.engine.server.propagateHooks.indexOf(hook), 1);
    }
  });
});
