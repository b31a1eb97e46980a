import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOurs, startRedis, type ProcServer, type TestServer } from './helpers/servers.js';
import { compareScript, type Script } from './helpers/compare.js';
import { RawClient } from './helpers/raw-client.js';
import type { Engine } from '../server/main.js';
import { ListValue } from '../server/types/list.js';
import { SetValue } from '../server/types/set.js';
import { ZSetValue } from '../server/types/zset.js';
import { HashValue } from '../server/types/hash.js';
import { stringObject, type RedisObject } from '../server/types/object.js';

type Seed =
  | { type: 'string'; key: string; value: string }
  | { type: 'list'; key: string; items: string[] }
  | { type: 'set'; key: string; members: string[] }
  | { type: 'zset'; key: string; entries: [string, number][] }
  | { type: 'hash'; key: string; fields: [string, string][] };

const b = (s: string) => Buffer.from(s, 'latin1');

/** The same data in both servers: real commands for Redis, the type classes directly for ours (independent of other modules' commands). */
async function seed(engine: Engine, redisPort: number, seeds: Seed[]): Promise<void> {
  const db = engine.server.dbs[0]!;
  db.clear();
  const r = new RawClient(redisPort);
  await r.connect();
  await r.call(['FLUSHALL']);
  for (const s of seeds) {
    let o: RedisObject;
    switch (s.type) {
      case 'string':
        o = stringObject(b(s.value));
        await r.call(['SET', s.key, s.value]);
        break;
      case 'list':
        o = { type: 'list', value: ListValue.from(s.items.map(b)), lru: 0, idx: -1, snap: 0, sidx: -1 };
        await r.call(['RPUSH', s.key, ...s.items]);
        break;
      case 'set':
        o = { type: 'set', value: SetValue.fromMembers(s.members.map(b)), lru: 0, idx: -1, snap: 0, sidx: -1 };
        await r.call(['SADD', s.key, ...s.members]);
        break;
      case 'zset':
        o = { type: 'zset', value: ZSetValue.fromEntries(s.entries.map(([m, sc]) => [b(m), sc] as [Buffer, number])), lru: 0, idx: -1, snap: 0, sidx: -1 };
        await r.call(['ZADD', s.key, ...s.entries.flatMap(([m, sc]) => [String(sc), m])]);
        break;
      case 'hash':
        o = { type: 'hash', value: HashValue.fromEntries(s.fields.map(([f, v]) => [b(f), b(v)] as [Buffer, Buffer])), lru: 0, idx: -1, snap: 0, sidx: -1 };
        await r.call(['HSET', s.key, ...s.fields.flat()]);
        break;
    }
    db.set(s.key, o);
  }
  r.close();
}

describe('SORT vs Redis', () => {
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

  async function same(seeds: Seed[], script: Script, resp: 2 | 3 = 2): Promise<void> {
    await seed(ours.engine, redis.port, seeds);
    // compareScript's FLUSHALL would drop the seeds: run the transcripts directly.
    const { transcript } = await import('./helpers/compare.js');
    const a = await transcript(ours.port, script, resp);
    const c = await transcript(redis.port, script, resp);
    expect(a).toEqual(c);
  }
  void compareScript;

  const nums = ['3', '1', '10', '2', '-5', '2.5', '1e2', '0'];
  const weights: Seed[] = [
    { type: 'string', key: 'w_a', value: '3' }, { type: 'string', key: 'w_b', value: '1' }, { type: 'string', key: 'w_c', value: '2' },
    { type: 'string', key: 'o_a', value: 'A!' }, { type: 'string', key: 'o_c', value: 'C!' },
    { type: 'hash', key: 'h_a', fields: [['f', '30'], ['name', 'zed']] }, { type: 'hash', key: 'h_b', fields: [['f', '10'], ['name', 'amy']] },
    { type: 'hash', key: 'h_c', fields: [['f', '20']] },
  ];

  it('lists: numeric, ALPHA, DESC, LIMIT', async () => {
    await same([{ type: 'list', key: 'l', items: nums }, { type: 'list', key: 'w', items: ['b', 'a', 'C', 'aa', '', 'b'] }], [
      ['SORT', 'l'], ['SORT', 'l', 'DESC'], ['SORT', 'l', 'ASC'], ['SORT', 'l', 'LIMIT', '0', '3'], ['SORT', 'l', 'LIMIT', '2', '3', 'DESC'],
      ['SORT', 'l', 'LIMIT', '-1', '2'], ['SORT', 'l', 'LIMIT', '5', '-1'], ['SORT', 'l', 'LIMIT', '100', '10'], ['SORT', 'l', 'LIMIT', '0', '0'],
      ['SORT', 'l', 'LIMIT', '7', '5'], ['SORT', 'l', 'ALPHA'], ['SORT', 'l', 'alpha', 'desc', 'limit', '1', '2'],
      ['SORT', 'w', 'ALPHA'], ['SORT', 'w', 'ALPHA', 'DESC'], ['SORT', 'w'], ['SORT_RO', 'l'], ['SORT_RO', 'w', 'ALPHA', 'LIMIT', '1', '3'],
      ['SORT', 'nokey'], ['SORT', 'nokey', 'ALPHA', 'LIMIT', '0', '5', 'DESC'],
      ['SORT', 'l', 'LIMIT', '0'], ['SORT', 'l', 'LIMIT', 'x', '1'], ['SORT', 'l', 'LIMIT', '0', 'y'], ['SORT', 'l', 'FOO'], ['SORT', 'l', 'BY'],
      ['SORT', 'l', 'GET'], ['SORT', 'l', 'STORE'], ['SORT_RO', 'l', 'STORE', 'dst'],
    ]);
  });

  it('BY patterns, nosort, hash fields, GET', async () => {
    await same([{ type: 'list', key: 'l', items: ['a', 'b', 'c'] }, ...weights], [
      ['SORT', 'l', 'BY', 'w_*'], ['SORT', 'l', 'BY', 'w_*', 'DESC'], ['SORT', 'l', 'BY', 'w_*', 'GET', '#', 'GET', 'w_*', 'GET', 'o_*'],
      ['SORT', 'l', 'BY', 'h_*->f'], ['SORT', 'l', 'BY', 'h_*->f', 'DESC', 'GET', 'h_*->name', 'GET', '#'], ['SORT', 'l', 'BY', 'h_*->name', 'ALPHA'],
      ['SORT', 'l', 'BY', 'o_*', 'ALPHA'], ['SORT', 'l', 'BY', 'o_*', 'ALPHA', 'DESC'], ['SORT', 'l', 'BY', 'missing_*'], ['SORT', 'l', 'BY', 'missing_*', 'ALPHA'],
      ['SORT', 'l', 'BY', 'nosort'], ['SORT', 'l', 'BY', 'nosort', 'DESC'], ['SORT', 'l', 'BY', 'nosort', 'LIMIT', '1', '5'],
      ['SORT', 'l', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '1'], ['SORT', 'l', 'BY', 'nosort', 'LIMIT', '5', '1'], ['SORT', 'l', 'BY', 'nosort', 'GET', 'w_*'],
      ['SORT', 'l', 'GET', 'nostar'], ['SORT', 'l', 'GET', 'h_*->'], ['SORT', 'l', 'GET', 'h_*->f', 'GET', 'h_*->zz'], ['SORT', 'l', 'GET', 'l'],
      ['SORT', 'l', 'BY', 'o_*'], ['SORT', 'l', 'BY', 'h_*'], ['SORT', 'l', 'GET', 'h_*'], ['SORT', 'l', 'BY', 'w_*', 'BY', 'nosort'],
      ['SORT', 'l', 'GET', '#', 'LIMIT', '0', '1', 'GET', 'w_*'], ['SORT', 'l', 'GET', '##'], ['SORT', 'l', 'BY', 'w_*->'],
    ]);
    await same([{ type: 'list', key: 'l', items: ['a', 'b', 'c'] }, ...weights], [['SORT', 'l', 'GET', 'o_*', 'GET', 'h_*->name']], 3);
  });

  it('score conversion', async () => {
    const cases: [string, string[]][] = [
      ['ok', ['1.5', ' 2', '-inf', 'inf', '+3', '.5', '5.', '1e-3', '0x10', '', '-0']],
      // ERANGE cases last: Redis does not reset errno before strtod, so a stale ERANGE fails the next SORT too.
      ['trail', ['1', '2 ']], ['word', ['1', 'abc']], ['nan', ['nan']], ['inf2', ['Infinity', '-INF']], ['overflow', ['1e400']], ['under', ['1e-400']],
    ];
    const seeds: Seed[] = cases.map(([k, items]) => ({ type: 'list', key: k, items }));
    seeds.push({ type: 'list', key: 'by', items: ['x', 'y', 'z'] }, { type: 'string', key: 's_x', value: 'bad' }, { type: 'string', key: 's_y', value: '1' });
    const script: Script = cases.map(([k]) => ['SORT', k]);
    script.push(['SORT', 'by', 'BY', 's_*'], ['SORT', 'by', 'BY', 's_*', 'ALPHA'], ['SORT', 'by', 'BY', 's_*', 'STORE', 'dst'], ['LLEN', 'dst']);
    await same(seeds, script);
  });

  it('STORE', async () => {
    await same([{ type: 'list', key: 'l', items: ['3', '1', '2'] }, { type: 'string', key: 'str', value: 'x' }, ...weights,
      { type: 'list', key: 'abc', items: ['a', 'b', 'c'] }, { type: 'list', key: 'dst3', items: ['old'] }], [
      ['SORT', 'l', 'STORE', 'dst'], ['LRANGE', 'dst', '0', '-1'], ['SORT', 'l', 'DESC', 'STORE', 'dst'], ['LRANGE', 'dst', '0', '-1'],
      ['SORT', 'l', 'STORE', 'str'], ['LRANGE', 'str', '0', '-1'], ['SORT', 'abc', 'BY', 'nosort', 'GET', 'w_*', 'GET', 'o_*', 'STORE', 'd2'],
      ['LRANGE', 'd2', '0', '-1'], ['SORT', 'nokey', 'STORE', 'dst3'], ['LLEN', 'dst3'], ['SORT', 'nokey', 'STORE', 'dst3'],
      ['SORT', 'l', 'LIMIT', '0', '0', 'STORE', 'dst'], ['LLEN', 'dst'], ['SORT', 'l', 'STORE', 'a', 'STORE', 'b'], ['LLEN', 'a'], ['LLEN', 'b'],
      ['SORT', 'l', 'STORE', 'l'], ['LRANGE', 'l', '0', '-1'], ['SORT', 'str', 'ALPHA', 'STORE', 'str'], ['LRANGE', 'str', '0', '-1'],
    ]);
  });

  it('sets and sorted sets', async () => {
    await same([
      { type: 'set', key: 's', members: ['5', '3', '10', '1', '4'] }, { type: 'set', key: 'sa', members: ['b', 'c', 'a'] },
      { type: 'zset', key: 'z', entries: [['c', 1], ['a', 3], ['b', 2], ['d', 0]] }, { type: 'zset', key: 'zn', entries: [['30', 1], ['10', 3], ['20', 2]] },
      { type: 'set', key: 'sk', members: ['a', 'b', 'c'] }, ...weights,
    ], [
      ['SORT', 's'], ['SORT', 's', 'DESC', 'LIMIT', '1', '2'], ['SORT', 'sa', 'ALPHA'], ['SORT', 'sa'], ['SORT', 'sk', 'BY', 'w_*', 'GET', 'o_*'],
      { argv: ['SORT', 's', 'BY', 'nosort'], unordered: true }, ['SORT', 's', 'BY', 'nosort', 'STORE', 'd'], ['LRANGE', 'd', '0', '-1'],
      ['SORT', 'sa', 'BY', 'nosort', 'DESC', 'STORE', 'd'], ['LRANGE', 'd', '0', '-1'],
      ['SORT', 'z', 'BY', 'nosort'], ['SORT', 'z', 'BY', 'nosort', 'DESC'], ['SORT', 'z', 'BY', 'nosort', 'LIMIT', '1', '2'],
      ['SORT', 'z', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '2'], ['SORT', 'z', 'ALPHA'], ['SORT', 'z'], ['SORT', 'zn'], ['SORT', 'zn', 'BY', 'nosort', 'STORE', 'd'],
      ['LRANGE', 'd', '0', '-1'], ['SORT', 'h_a'], ['SORT', 'w_a'], ['SORT_RO', 'w_a'], ['SORT', 'z', 'BY', 'w_*', 'GET', '#'],
    ]);
  });

  it('STORE notifications', async () => {
    await seed(ours.engine, redis.port, [{ type: 'list', key: 'l', items: ['2', '1'] }, { type: 'string', key: 'dst2', value: 'x' }]);
    const results: string[][] = [];
    for (const port of [ours.port, redis.port]) {
      const [sub, w] = [new RawClient(port), new RawClient(port)];
      await sub.connect();
      await w.connect();
      await w.call(['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']);
      await sub.call(['PSUBSCRIBE', '__key*__:*']);
      await w.call(['SORT', 'l', 'STORE', 'dst']);
      await w.call(['SORT', 'nokey', 'STORE', 'dst']);
      await w.call(['SORT', 'nokey', 'STORE', 'dst']);
      await w.call(['SORT', 'l', 'STORE', 'dst2']);
      await w.call(['CONFIG', 'SET', 'notify-keyspace-events', '']);
      await new Promise((r) => setTimeout(r, 50));
      results.push(sub.unread.map((m) => JSON.stringify(m)));
      sub.close();
      w.close();
    }
    expect(results[1]!.length).toBeGreaterThan(4);
    expect(results[0]).toEqual(results[1]);
  });

  it('a blocked BLPOP is served by SORT ... STORE', async () => {
    await seed(ours.engine, redis.port, [{ type: 'list', key: 'src', items: ['hello', 'hola', 'aguacate'] }]);
    const results: unknown[] = [];
    for (const port of [ours.port, redis.port]) {
      const [bl, w] = [new RawClient(port), new RawClient(port)];
      await bl.connect();
      await w.connect();
      bl.send(['BLPOP', 'foo', '5']);
      await new Promise((r) => setTimeout(r, 50));
      await w.call(['SORT', 'src', 'ALPHA', 'STORE', 'foo']);
      results.push(await bl.read());
      bl.close();
      w.close();
    }
    expect(results[0]).toEqual(results[1]);
  });
});
