import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../server/main.js';
import { startOurs, startRedis, type ProcServer, type TestServer } from './helpers/servers.js';
import type { Script } from './helpers/compare.js';
import { compareIntrospected } from './helpers/introspect.js';
import { RawClient } from './helpers/raw-client.js';

type Arg = string | number | Buffer;
const u = (...argv: Arg[]) => ({ argv, unordered: true });

describe('set commands', () => {
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

  it('SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS and errors', async () => {
    await same([
      ['SADD', 's', 'a', 'b', 'c', 'a'], ['SADD', 's', 'a', 'd'], ['SCARD', 's'], ['SCARD', 'nokey'], ['SISMEMBER', 's', 'a'],
      ['SISMEMBER', 's', 'z'], ['SISMEMBER', 'nokey', 'a'], ['SMISMEMBER', 's', 'a', 'z', 'd'], ['SMISMEMBER', 'nokey', 'a'],
      u('SMEMBERS', 's'), ['SMEMBERS', 'nokey'], ['SREM', 's', 'a', 'z', 'a'], ['SREM', 'nokey', 'a'], u('SMEMBERS', 's'),
      ['SREM', 's', 'b', 'c', 'd'], ['EXISTS', 's'],
      ['SADD', 'i', '3', '1', '2', '-5', '10', '9223372036854775807', '-9223372036854775808'], ['SMEMBERS', 'i'],
      ['SISMEMBER', 'i', '3'], ['SISMEMBER', 'i', '03'], ['SISMEMBER', 'i', 'x'], ['SMISMEMBER', 'i', '1', '+1', '-5'],
      ['SREM', 'i', '03', '3'], ['SMEMBERS', 'i'], ['SADD', 'i', '9223372036854775808'], ['SISMEMBER', 'i', '9223372036854775808'],
      ['SET', 'str', 'x'], ['SADD', 'str', 'a'], ['SREM', 'str', 'a'], ['SCARD', 'str'], ['SISMEMBER', 'str', 'a'],
      ['SMISMEMBER', 'str', 'a'], ['SMEMBERS', 'str'], ['SPOP', 'str'], ['SRANDMEMBER', 'str'], ['SSCAN', 'str', '0'],
      ['SADD', 'bin', Buffer.from([0, 1, 255]), ''], u('SMEMBERS', 'bin'), ['SISMEMBER', 'bin', ''],
    ]);
  });

  it('SMEMBERS and set algebra reply sets in RESP3; intsets come out sorted', async () => {
    await same([
      ['SADD', 'i', '5', '-1', '100', '3'], ['SMEMBERS', 'i'], ['SMEMBERS', 'nokey'], ['SINTER', 'nokey', 'i'], ['SUNION', 'nokey'],
      ['SDIFF', 'nokey', 'i'], ['SADD', 'j', '3', '100', '7'], ['SINTER', 'i', 'j'], ['SUNION', 'i', 'j'], ['SDIFF', 'i', 'j'],
      ['SPOP', 'nokey', '1'], ['SPOP', 'i', '0'], ['SRANDMEMBER', 'nokey', '2'], ['SRANDMEMBER', 'j', '10'], ['SPOP', 'nokey'],
    ], 3);
  });

  it('SINTER SUNION SDIFF and the STORE variants', async () => {
    await same([
      ['SADD', 'a', '1', '2', '3', '4', 'x'], ['SADD', 'b', '2', '3', '5'], ['SADD', 'c', '3', '4', '2', 'y'],
      u('SINTER', 'a', 'b', 'c'), u('SINTER', 'a'), u('SUNION', 'a', 'b', 'c', 'nokey'), u('SDIFF', 'a', 'b', 'c'),
      u('SDIFF', 'a', 'nokey'), ['SDIFF', 'a', 'a'], ['SDIFF', 'nokey', 'a'], ['SINTER', 'a', 'nokey'],
      ['SINTERSTORE', 'd', 'a', 'b'], u('SMEMBERS', 'd'), ['OBJECT', 'ENCODING', 'd'], ['SUNIONSTORE', 'd', 'a', 'b'],
      u('SMEMBERS', 'd'), ['OBJECT', 'ENCODING', 'd'], ['SDIFFSTORE', 'd', 'a', 'b'], u('SMEMBERS', 'd'),
      ['SDIFFSTORE', 'e', 'b', 'a'], ['SMEMBERS', 'e'], ['OBJECT', 'ENCODING', 'e'],
      ['SINTERSTORE', 'd', 'a', 'nokey'], ['EXISTS', 'd'], ['SUNIONSTORE', 'd', 'a'], ['SDIFFSTORE', 'd', 'a', 'a'], ['EXISTS', 'd'],
      ['SET', 'str', 'v'], ['SINTER', 'a', 'str'], ['SINTER', 'nokey', 'str'], ['SUNION', 'a', 'str'], ['SDIFF', 'str', 'a'],
      ['SDIFF', 'nokey', 'str'], ['SINTERSTORE', 'd', 'a', 'str'], ['SUNIONSTORE', 'str', 'a', 'b'], ['TYPE', 'str'],
      ['SET', 'str2', 'v'], ['SINTERSTORE', 'str2', 'a', 'nokey'], ['EXISTS', 'str2'], ['SET', 'str3', 'v'], ['EXPIRE', 'str3', '100'],
      ['SINTERSTORE', 'str3', 'a', 'b'], ['TTL', 'str3'], ['SINTERSTORE', 'a', 'a', 'b'], u('SMEMBERS', 'a'),
      ['SINTERCARD', '3', 'a', 'b', 'c'], ['SINTERCARD', '2', 'a', 'c', 'LIMIT', '1'], ['SINTERCARD', '2', 'a', 'c', 'LIMIT', '0'],
      ['SINTERCARD', '2', 'a', 'nokey'], ['SINTERCARD', '2', 'nokey', 'str'], ['SINTERCARD', '0', 'a'], ['SINTERCARD', 'x', 'a'],
      ['SINTERCARD', '3', 'a', 'b'], ['SINTERCARD', '1', 'a', 'LIMIT', '-1'], ['SINTERCARD', '1', 'a', 'LIMIT', 'x'],
      ['SINTERCARD', '1', 'a', 'LIMIT'], ['SINTERCARD', '1', 'a', 'foo', '1'], ['SINTERCARD', '1', 'a', 'limit', '5'],
    ]);
  });

  it('SMOVE', async () => {
    await same([
      ['SADD', 'a', '1', '2', 'x'], ['SADD', 'b', '3'], ['SMOVE', 'a', 'b', '1'], ['SMOVE', 'a', 'b', 'zz'], ['SMOVE', 'nokey', 'b', '1'],
      u('SMEMBERS', 'b'), ['OBJECT', 'ENCODING', 'b'], ['SMOVE', 'a', 'b', 'x'], ['OBJECT', 'ENCODING', 'b'], ['SMOVE', 'a', 'c', '2'],
      ['EXISTS', 'a'], ['SMEMBERS', 'c'], ['SMOVE', 'b', 'b', '3'], ['SMOVE', 'b', 'b', 'nope'], ['SET', 'str', 'v'],
      ['SMOVE', 'str', 'b', '3'], ['SMOVE', 'b', 'str', '3'], ['SMOVE', 'nokey', 'str', '3'], ['SADD', 'd', '3'], ['SMOVE', 'b', 'd', '3'],
      u('SMEMBERS', 'b'), ['SMEMBERS', 'd'],
    ]);
  });

  it('SPOP and SRANDMEMBER argument handling', async () => {
    await same([
      ['SPOP', 'nokey'], ['SPOP', 'nokey', '0'], ['SPOP', 'nokey', '5'], ['SPOP', 'nokey', '-1'], ['SPOP', 'nokey', 'x'],
      ['SPOP', 'nokey', '1', '2'], ['SRANDMEMBER', 'nokey'], ['SRANDMEMBER', 'nokey', '5'], ['SRANDMEMBER', 'nokey', '-5'],
      ['SRANDMEMBER', 'nokey', 'x'], ['SRANDMEMBER', 'nokey', '1', '2'], ['SRANDMEMBER', 'nokey', '-9223372036854775808'],
      ['SADD', 's', 'a'], ['SPOP', 's'], ['EXISTS', 's'], ['SADD', 's', 'a', 'b', 'c'], u('SPOP', 's', '10'), ['EXISTS', 's'],
      ['SADD', 's', '1', '2', '3'], ['SRANDMEMBER', 's', '-3', 'x'], ['SRANDMEMBER', 's', '0'], ['SRANDMEMBER', 's', '3'],
      ['SRANDMEMBER', 's', '100'], ['SPOP', 's', '0'], ['SPOP', 's', '3'], ['EXISTS', 's'],
      ['SADD', 'one', 'x'], ['SRANDMEMBER', 'one'], ['SRANDMEMBER', 'one', '-3'], ['SRANDMEMBER', 'one', '1'], ['SPOP', 'one', '1'],
    ]);
  });

  it('SPOP and SRANDMEMBER with counts on both encodings', async () => {
    const c = new RawClient(ours.port);
    await c.connect();
    try {
      for (const [kind, n] of [['int', 100], ['int', 600], ['str', 50], ['str', 600]] as const) {
        for (const count of [1, 3, Math.floor(n / 4), Math.floor(n / 2), n - 1, n - 5, n, n + 10]) {
          ours.engine.server.dbs[0]!.delete('s');
          const members = Array.from({ length: n }, (_, i) => (kind === 'int' ? String(i * 3) : `m${i}`));
          await c.call(['SADD', 's', ...members]);
          const r = (await c.call(['SRANDMEMBER', 's', count])) as Buffer[];
          expect(r.length).toBe(Math.min(count, n));
          expect(new Set(r.map(String)).size).toBe(r.length);
          for (const m of r) expect(members).toContain(String(m));
          const neg = (await c.call(['SRANDMEMBER', 's', -count])) as Buffer[];
          expect(neg.length).toBe(count);
          for (const m of neg) expect(members).toContain(String(m));
          const popped = ((await c.call(['SPOP', 's', count])) as Buffer[]).map(String);
          expect(popped.length).toBe(Math.min(count, n));
          expect(new Set(popped).size).toBe(popped.length);
          const rest = ((await c.call(['SMEMBERS', 's'])) as Buffer[]).map(String);
          expect(rest.length + popped.length).toBe(n);
          expect(new Set([...rest, ...popped]).size).toBe(n);
        }
      }
      // Repetitions appear with a negative count on a small set.
      ours.engine.server.dbs[0]!.delete('s');
      await c.call(['SADD', 's', 'a', 'b', 'c']);
      const rep = (await c.call(['SRANDMEMBER', 's', -100])) as Buffer[];
      expect(new Set(rep.map(String)).size).toBe(3);
    } finally {
      c.close();
    }
  });

  it('encodings: intset until set-max-intset-entries or a non-integer', async () => {
    await same([
      ['CONFIG', 'SET', 'set-max-intset-entries', '4'], ['SADD', 'i', '1', '2', '3', '4'], ['OBJECT', 'ENCODING', 'i'],
      ['SADD', 'i', '5'], ['OBJECT', 'ENCODING', 'i'], ['SREM', 'i', '1', '2', '3'], ['OBJECT', 'ENCODING', 'i'],
      ['SADD', 'j', '1'], ['SADD', 'j', 'a'], ['OBJECT', 'ENCODING', 'j'], ['SADD', 'k', 'a'], ['OBJECT', 'ENCODING', 'k'],
      ['SADD', 'l', '01'], ['OBJECT', 'ENCODING', 'l'], ['SADD', 'm', '-0'], ['OBJECT', 'ENCODING', 'm'],
      ['SADD', 'n', '9223372036854775808'], ['OBJECT', 'ENCODING', 'n'], ['SADD', 'o', '-9223372036854775808'],
      ['OBJECT', 'ENCODING', 'o'], ['SADD', 'p', ' 1'], ['OBJECT', 'ENCODING', 'p'],
      ['CONFIG', 'SET', 'set-max-intset-entries', '512'],
    ]);
  });

  it('SSCAN', async () => {
    await same([
      ['SSCAN', 'nokey', '0'], ['SSCAN', 'nokey', 'x'], ['SADD', 'i', '3', '1', '22'], ['SSCAN', 'i', '0'],
      ['SSCAN', 'i', '0', 'MATCH', '2*'], ['SSCAN', 'i', '0', 'COUNT', '0'], ['SSCAN', 'i', '0', 'COUNT', '1'],
      ['SADD', 's', 'a'], ['SSCAN', 's', '0', 'MATCH'], ['SSCAN', 's', 'abc'],
    ]);
    const c = new RawClient(ours.port);
    await c.connect();
    try {
      ours.engine.server.dbs[0]!.delete('big');
      await c.call(['SADD', 'big', ...Array.from({ length: 700 }, (_, i) => `e${i}`)]);
      const seen = new Set<string>();
      let cursor = '0';
      do {
        const [next, items] = (await c.call(['SSCAN', 'big', cursor])) as [Buffer, Buffer[]];
        cursor = String(next);
        for (const m of items) seen.add(String(m));
      } while (cursor !== '0');
      expect(seen.size).toBe(700);
    } finally {
      c.close();
    }
  });

  it('notifications for SPOP, SMOVE and the STORE commands', async () => {
    const sub = new RawClient(ours.port);
    const c = new RawClient(ours.port);
    await sub.connect();
    await c.connect();
    try {
      await c.call(['FLUSHALL']);
      await c.call(['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']);
      await sub.call(['PSUBSCRIBE', '__keyevent@0__:*']);
      await c.call(['SADD', 'a', '1', '2']);
      await c.call(['SPOP', 'a']);
      await c.call(['SMOVE', 'a', 'b', (await c.call(['SRANDMEMBER', 'a'])) as Buffer]);
      await c.call(['SUNIONSTORE', 'c', 'b']);
      await c.call(['SINTERSTORE', 'c', 'b', 'nokey']);
      await c.call(['SADD', 'd', 'x', 'y']);
      await c.call(['SPOP', 'd', '5']);
      await c.call(['SREM', 'b', (await c.call(['SRANDMEMBER', 'b'])) as Buffer]);
      const want = ['sadd', 'spop', 'srem', 'del', 'sadd', 'sunionstore', 'del', 'sadd', 'spop', 'del', 'srem', 'del'];
      const events: string[] = [];
      for (let i = 0; i < want.length; i++) events.push(String(((await sub.read()) as Buffer[])[2]).split(':')[1]!);
      expect(events).toEqual(want);
      await c.call(['CONFIG', 'SET', 'notify-keyspace-events', '']);
    } finally {
      sub.close();
      c.close();
    }
  });

  it('propagates SPOP as SREM (or DEL when the set is emptied)', async () => {
    const seen: string[] = [];
    const hook = (_db: number, argv: Buffer[]): void => { seen.push(argv.map(String).join(' ')); };
    ours.engine.server.propagateHooks.push(hook);
    const c = new RawClient(ours.port);
    await c.connect();
    try {
      await c.call(['SADD', 'p', 'a']);
      const one = String(await c.call(['SPOP', 'p']));
      await c.call(['SADD', 'p', 'x', 'y', 'z']);
      const two = ((await c.call(['SPOP', 'p', '2'])) as Buffer[]).map(String);
      await c.call(['SPOP', 'p', '5']);
      await c.call(['SPOP', 'p', '5']);
      expect(seen[0]).toBe('SADD p a');
      expect(seen[1]).toBe(`SREM p ${one}`);
      expect(seen[2]).toBe('SADD p x y z');
      expect(seen[3]!.split(' ').slice(0, 2)).toEqual(['SREM', 'p']);
      expect(seen[3]!.split(' ').slice(2).sort()).toEqual(two.sort());
      expect(seen[4]).toBe('DEL p');
      expect(seen.length).toBe(5);
    } finally {
      c.close();
      ours.engine.server.propagateHooks.splice(ours.engine.server.propagateHooks.indexOf(hook), 1);
    }
  });
});
