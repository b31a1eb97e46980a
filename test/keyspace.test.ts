/*
 * The generic keyspace commands against a real Redis 7.0: replies and
 * errors of DEL UNLINK EXISTS TOUCH TYPE KEYS SCAN RANDOMKEY RENAME
 * RENAMENX MOVE COPY OBJECT PERSIST and the TTL family, keyspace events,
 * WATCH signalling, and SCAN's guarantee under concurrent deletions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOurs, startRedis, type ProcServer, type TestServer } from './helpers/servers.js';
import { compareScript, type Script } from './helpers/compare.js';
import { compareScenario, type Scenario } from './helpers/scenario.js';
import { RawClient, show, type Reply } from './helpers/raw-client.js';
import type { Engine } from '../server/main.js';

let ours: TestServer & { engine: Engine };
let redis: ProcServer;

beforeAll(async () => {
  ours = await startOurs(['--notify-keyspace-events', 'KEA', '--enable-debug-command', 'local']);
  redis = await startRedis(['--notify-keyspace-events', 'KEA', '--enable-debug-command', 'local']);
});
afterAll(async () => {
  await ours.stop();
  await redis.stop();
});

async function expectSame(script: Script, resp: 2 | 3 = 2): Promise<void> {
  const [a, b] = await compareScript(ours.port, redis.port, script, resp);
  expect(a).toEqual(b);
}

async function expectSameScenario(s: Scenario): Promise<void> {
  const [a, b] = await compareScenario(ours.port, redis.port, s);
  expect(a).toEqual(b);
}

const POPULATE: Script = [
  ['SET', 's', 'v'], ['SET', 'n', '123'], ['RPUSH', 'l', 'a', 'b'], ['HSET', 'h', 'f', 'v'], ['SADD', 'st', 'm'],
  ['SADD', 'is', '1', '2'], ['ZADD', 'z', '1', 'a'],
];

describe('DEL, UNLINK, EXISTS, TOUCH, TYPE', () => {
  it('replies and errors', async () => {
    await expectSame([
      ...POPULATE,
      ['EXISTS', 's'], ['EXISTS', 's', 's', 'nokey', 'l'], ['EXISTS', 'nokey'], ['EXISTS'],
      ['TOUCH', 's', 'l', 'nokey', 's'], ['TOUCH'],
      ['TYPE', 's'], ['TYPE', 'n'], ['TYPE', 'l'], ['TYPE', 'h'], ['TYPE', 'st'], ['TYPE', 'z'], ['TYPE', 'nokey'], ['TYPE'], ['TYPE', 'a', 'b'],
      ['DEL', 's', 's', 'nokey'], ['DEL', 'l', 'h'], ['DEL', 'nokey'], ['DEL'], ['UNLINK', 'st', 'z', 'nokey'], ['UNLINK'],
      ['EXISTS', 's', 'l', 'h', 'st', 'z'], ['DBSIZE'],
      ['SET', 'e', 'v', 'PX', '1'], ['DEBUG', 'SLEEP', '0.01'], ['EXISTS', 'e'], ['DEL', 'e'], ['TYPE', 'e'],
    ]);
  });
});

describe('TTL family', () => {
  const FAR_S = String(Math.floor(Date.now() / 1000) + 200000);
  const FAR_MS = String(Date.now() + 200000000);
  it('TTL PTTL EXPIRETIME PEXPIRETIME', async () => {
    await expectSame([
      ['SET', 'k', 'v'], ['TTL', 'k'], ['PTTL', 'k'], ['EXPIRETIME', 'k'], ['PEXPIRETIME', 'k'],
      ['TTL', 'nokey'], ['PTTL', 'nokey'], ['EXPIRETIME', 'nokey'], ['PEXPIRETIME', 'nokey'],
      ['EXPIRE', 'k', '100'], ['TTL', 'k'], ['PEXPIREAT', 'k', FAR_MS], ['PEXPIRETIME', 'k'], ['EXPIRETIME', 'k'],
      ['EXPIREAT', 'k', FAR_S], ['EXPIRETIME', 'k'], ['PEXPIRETIME', 'k'], ['TTL', 'k'],
      { argv: ['PTTL', 'k'], shapeOnly: true },
      ['PERSIST', 'k'], ['TTL', 'k'], ['PERSIST', 'k'], ['PERSIST', 'nokey'], ['TTL'], ['PTTL', 'a', 'b'],
    ]);
  });

  it('EXPIRE options NX XX GT LT and their errors', async () => {
    await expectSame([
      ['SET', 'k', 'v'],
      ['EXPIRE', 'k', '100', 'XX'], ['EXPIRE', 'k', '100', 'GT'], ['TTL', 'k'], ['EXPIRE', 'k', '100', 'LT'], ['TTL', 'k'],
      ['EXPIRE', 'k', '200', 'NX'], ['TTL', 'k'], ['EXPIRE', 'k', '300', 'NX'], ['EXPIRE', 'k', '300', 'XX'], ['TTL', 'k'],
      ['EXPIRE', 'k', '100', 'GT'], ['EXPIRE', 'k', '400', 'GT'], ['TTL', 'k'], ['EXPIRE', 'k', '500', 'LT'], ['EXPIRE', 'k', '50', 'LT'], ['TTL', 'k'],
      ['EXPIRE', 'k', '60', 'XX', 'LT'], ['TTL', 'k'], ['EXPIRE', 'k', '70', 'xx', 'gt'], ['TTL', 'k'],
      ['EXPIRE', 'k', '10', 'NX', 'XX'], ['EXPIRE', 'k', '10', 'NX', 'GT'], ['EXPIRE', 'k', '10', 'GT', 'LT'], ['EXPIRE', 'k', '10', 'NX', 'NX'],
      ['EXPIRE', 'k', '10', 'BOGUS'], ['EXPIRE', 'k', 'abc'], ['EXPIRE', 'k', '1.5'], ['EXPIRE', 'k', ''],
      ['PEXPIRE', 'k', '100000', 'GT'], ['PEXPIRE', 'k', '100000', 'LT'], ['TTL', 'k'],
      ['EXPIRE', 'nokey', '10'], ['EXPIRE', 'nokey', '10', 'NX', 'XX'], ['EXPIRE', 'nokey', 'x'],
      ['EXPIRE', 'k', '9223372036854775807'], ['EXPIRE', 'k', '-9223372036854775808'], ['EXPIRE', 'k', '9223372036854775'],
      ['PEXPIRE', 'k', '9223372036854775807'], ['PEXPIRE', 'k', '9223372036854775000'], ['EXPIREAT', 'k', '9223372036854775807'],
      ['PEXPIREAT', 'k', '9223372036854770000'], ['EXISTS', 'k'], ['PEXPIREAT', 'k', '-9223372036854770000'], ['TTL', 'k'],
      ['SET', 'k', 'v'], ['EXPIRE', 'k', '-1'], ['EXISTS', 'k'], ['SET', 'k', 'v'], ['EXPIRE', 'k', '0'], ['EXISTS', 'k'],
      ['SET', 'k', 'v'], ['EXPIREAT', 'k', '1'], ['EXISTS', 'k'], ['SET', 'k', 'v'], ['PEXPIRE', 'k', '-5', 'NX'], ['EXISTS', 'k'],
      ['SET', 'k', 'v', 'EX', '100'], ['EXPIRE', 'k', '-1', 'GT'], ['EXPIRE', 'k', '-1', 'LT'], ['EXISTS', 'k'],
      ['EXPIRE'], ['EXPIRE', 'k'], ['PEXPIREAT', 'k'],
    ]);
  });
});

describe('KEYS, SCAN, RANDOMKEY', () => {
  it('KEYS patterns', async () => {
    const keys = ['foo', 'fao', 'fooo', 'bar', 'f*o', 'f[o]', 'F00', 'a\\b', ''];
    await expectSame([
      ...keys.map((k) => ['SET', k, '1']),
      { argv: ['KEYS', '*'], unordered: true }, { argv: ['KEYS', 'f?o'], unordered: true }, { argv: ['KEYS', 'f*'], unordered: true },
      { argv: ['KEYS', 'f[ab]o'], unordered: true }, { argv: ['KEYS', 'f[^a]o'], unordered: true }, { argv: ['KEYS', 'f\\*o'], unordered: true },
      { argv: ['KEYS', '[a-c]*'], unordered: true }, { argv: ['KEYS', 'nomatch*'], unordered: true }, { argv: ['KEYS', ''], unordered: true },
      ['SET', 'gone', '1', 'PX', '1'], ['DEBUG', 'SLEEP', '0.01'], { argv: ['KEYS', 'go*'], unordered: true }, ['KEYS'],
    ]);
  });

  it('SCAN errors', async () => {
    await expectSame([
      ['SET', 'a', '1'],
      ['SCAN', 'x'], ['SCAN', '1x'], ['SCAN', ' 1'], ['SCAN', '18446744073709551616'], ['SCAN', '0', 'COUNT', '0'],
      ['SCAN', '0', 'COUNT', '-1'], ['SCAN', '0', 'COUNT', 'x'], ['SCAN', '0', 'COUNT'], ['SCAN', '0', 'MATCH'], ['SCAN', '0', 'BOGUS', 'x'],
      ['SCAN', '0', 'TYPE'], ['SCAN'], ['SCAN', '0', 'TYPE', 'nosuchtype'], ['SCAN', '0', 'MATCH', 'nomatch'], ['SCAN', '0', 'TYPE', 'string'],
      ['SCAN', '0', 'TYPE', 'STRING'], ['SCAN', '0', 'type', 'list'], ['SCAN', '0', 'MATCH', '*', 'COUNT', '100'],
    ]);
  });

  /** Walks a full SCAN and returns the sorted distinct keys (and checks the cursor ends at 0). */
  async function scanAll(port: number, extra: string[]): Promise<string[]> {
    const c = new RawClient(port);
    await c.connect();
    const seen = new Set<string>();
    let cursor = '0';
    let rounds = 0;
    do {
      const r = await c.call(['SCAN', cursor, ...extra]) as Reply[];
      cursor = (r[0] as Buffer).toString();
      for (const k of r[1] as Buffer[]) seen.add(k.toString('latin1'));
      rounds++;
    } while (cursor !== '0' && rounds < 10000);
    c.close();
    return [...seen].sort();
  }

  it('a full SCAN returns what Redis returns, with MATCH, COUNT and TYPE', async () => {
    const setup: Script = [];
    for (let i = 0; i < 300; i++) setup.push(i % 3 === 0 ? ['SET', `key:${i}`, 'v'] : i % 3 === 1 ? ['RPUSH', `list:${i}`, 'x'] : ['SADD', `set:${i}`, 'm']);
    await compareScript(ours.port, redis.port, setup);
    for (const extra of [[], ['COUNT', '7'], ['MATCH', 'key:1*'], ['TYPE', 'list'], ['TYPE', 'set', 'MATCH', '*5', 'COUNT', '1000'], ['TYPE', 'hash']]) {
      const a = await scanAll(ours.port, extra);
      const b = await scanAll(redis.port, extra);
      expect(a).toEqual(b);
    }
  });

  it('SCAN returns every key present for the whole scan despite deletions and insertions', async () => {
    const c = new RawClient(ours.port);
    await c.connect();
    await c.call(['FLUSHALL']);
    for (let i = 0; i < 1000; i++) await c.call(['SET', `stable:${i}`, 'v']);
    for (let i = 0; i < 1000; i++) await c.call(['SET', `temp:${i}`, 'v']);
    const seen = new Set<string>();
    let cursor = '0';
    let step = 0;
    do {
      const r = await c.call(['SCAN', cursor, 'COUNT', '15']) as Reply[];
      cursor = (r[0] as Buffer).toString();
      for (const k of r[1] as Buffer[]) seen.add(k.toString());
      // Churn between calls: delete some temp keys, add new ones.
      for (let j = 0; j < 10; j++) await c.call(['DEL', `temp:${(step * 37 + j * 101) % 1000}`]);
      for (let j = 0; j < 5; j++) await c.call(['SET', `new:${step}:${j}`, 'v']);
      step++;
    } while (cursor !== '0' && step < 5000);
    c.close();
    expect(cursor).toBe('0');
    for (let i = 0; i < 1000; i++) expect(seen.has(`stable:${i}`)).toBe(true);
  });

  it('SCAN skips and deletes expired keys', async () => {
    await expectSame([
      ['SET', 'live', '1'], ['SET', 'dead', '1', 'PX', '1'], ['DEBUG', 'SLEEP', '0.01'],
      { argv: ['SCAN', '0', 'COUNT', '100'], unordered: false }, ['DBSIZE'],
    ]);
  });

  it('RANDOMKEY', async () => {
    await expectSame([['RANDOMKEY'], ['SET', 'only', '1'], ['RANDOMKEY'], ['RANDOMKEY', 'x']]);
  });
});

describe('RENAME, RENAMENX, MOVE, COPY', () => {
  it('RENAME and RENAMENX', async () => {
    await expectSame([
      ['RENAME', 'nokey', 'x'], ['RENAMENX', 'nokey', 'x'], ['SET', 'a', '1'], ['RENAME', 'a', 'a'], ['RENAMENX', 'a', 'a'],
      ['RENAME', 'a', 'b'], ['EXISTS', 'a'], ['GET', 'b'], ['SET', 'c', '2', 'EX', '1000'], ['RENAME', 'c', 'b'], ['GET', 'b'], ['TTL', 'b'],
      ['SET', 'd', '3'], ['RENAMENX', 'd', 'b'], ['RENAMENX', 'd', 'e'], ['GET', 'e'], ['TTL', 'e'],
      ['RPUSH', 'l', 'x', 'y'], ['RENAME', 'l', 'e'], ['TYPE', 'e'], ['LRANGE', 'e', '0', '-1'], ['DBSIZE'],
      ['SET', 'ex', '1', 'PX', '1'], ['DEBUG', 'SLEEP', '0.01'], ['RENAME', 'ex', 'y'], ['RENAME'], ['RENAME', 'a'],
    ]);
  });

  it('MOVE', async () => {
    await expectSame([
      ['SET', 'k', 'v', 'EX', '1000'], ['MOVE', 'k', '0'], ['MOVE', 'k', 'x'], ['MOVE', 'k', '16'], ['MOVE', 'k', '-1'], ['MOVE', 'k', '99999999999'], ['MOVE', 'k', '1.5'],
      ['MOVE', 'nokey', '1'], ['MOVE', 'k', '1'], ['EXISTS', 'k'], ['SELECT', '1'], ['GET', 'k'], ['TTL', 'k'],
      ['SET', 'k2', 'there'], ['SELECT', '0'], ['SET', 'k2', 'here'], ['MOVE', 'k2', '1'], ['GET', 'k2'],
      ['SELECT', '1'], ['GET', 'k2'], ['FLUSHDB'], ['SELECT', '0'],
    ]);
  });

  it('COPY of every type, with DB and REPLACE', async () => {
    await expectSame([
      ...POPULATE, ['EXPIRE', 's', '1000'],
      ['COPY', 's', 's2'], ['GET', 's2'], ['TTL', 's2'], ['COPY', 's', 's2'], ['COPY', 's', 's2', 'REPLACE'],
      ['COPY', 'l', 'l2'], ['RPUSH', 'l2', 'c'], ['LRANGE', 'l', '0', '-1'], ['LRANGE', 'l2', '0', '-1'],
      ['COPY', 'h', 'h2'], ['HSET', 'h2', 'g', 'w'], ['HLEN', 'h'], ['HLEN', 'h2'], ['OBJECT', 'ENCODING', 'h2'],
      ['COPY', 'st', 'st2'], ['SADD', 'st2', 'n'], ['SCARD', 'st'], ['COPY', 'is', 'is2'], ['OBJECT', 'ENCODING', 'is2'], ['SMEMBERS', 'is2'],
      ['COPY', 'z', 'z2'], ['ZADD', 'z2', '2', 'b'], ['ZCARD', 'z'], ['ZRANGE', 'z2', '0', '-1', 'WITHSCORES'],
      ['COPY', 'n', 'n2'], ['OBJECT', 'ENCODING', 'n2'], ['INCR', 'n2'], ['GET', 'n'],
      ['COPY', 's', 's', 'DB', '0'], ['COPY', 's', 's'], ['COPY', 's', 's', 'DB', '1'], ['COPY', 's', 's', 'DB', '1'],
      ['COPY', 's', 's', 'DB', '1', 'REPLACE'], ['COPY', 's', 'x', 'DB', 'x'], ['COPY', 's', 'x', 'DB', '16'], ['COPY', 's', 'x', 'DB', '-1'],
      ['COPY', 's', 'x', 'DB'], ['COPY', 's', 'x', 'BOGUS'], ['COPY', 'nokey', 'x'], ['COPY', 's'],
      ['SELECT', '1'], ['GET', 's'], ['TTL', 's'], ['FLUSHDB'], ['SELECT', '0'],
    ]);
  });
});

describe('OBJECT', () => {
  it('RENAME and MOVE keep the idle time, COPY and RESTORE start afresh', async () => {
    const c = new RawClient(redis.port);
    await c.connect();
    await c.call(['SET', 'tmp', 'v']);
    const p = await c.call(['DUMP', 'tmp']) as Buffer;
    c.close();
    await expectSame([
      ['RESTORE', 'a', '0', p, 'IDLETIME', '500'], ['OBJECT', 'IDLETIME', 'a'], ['RENAME', 'a', 'b'], ['OBJECT', 'IDLETIME', 'b'],
      ['RENAMENX', 'b', 'c'], ['OBJECT', 'IDLETIME', 'c'], ['MOVE', 'c', '1'], ['SELECT', '1'], ['OBJECT', 'IDLETIME', 'c'],
      ['COPY', 'c', 'd'], ['OBJECT', 'IDLETIME', 'd'], ['RESTORE', 'e', '0', p], ['OBJECT', 'IDLETIME', 'e'], ['FLUSHDB'], ['SELECT', '0'],
    ]);
  });

  it('ENCODING, REFCOUNT, IDLETIME, FREQ, HELP', async () => {
    await expectSame([
      ['SET', 'int', '12345'], ['SET', 'emb', 'hello'], ['SET', 'raw', 'x'.repeat(50)], ['SET', 'big', '99999'], ['SET', 'neg', '-5'],
      ['RPUSH', 'l', 'a'], ['HSET', 'h', 'f', 'v'], ['SADD', 'is', '1'], ['SADD', 'st', 'a'], ['ZADD', 'z', '1', 'a'],
      ['OBJECT', 'ENCODING', 'int'], ['OBJECT', 'ENCODING', 'emb'], ['OBJECT', 'ENCODING', 'raw'], ['OBJECT', 'ENCODING', 'l'],
      ['OBJECT', 'ENCODING', 'h'], ['OBJECT', 'ENCODING', 'is'], ['OBJECT', 'ENCODING', 'st'], ['OBJECT', 'ENCODING', 'z'],
      ['OBJECT', 'ENCODING', 'nokey'], ['OBJECT', 'REFCOUNT', 'nokey'], ['OBJECT', 'IDLETIME', 'nokey'], ['OBJECT', 'FREQ', 'nokey'],
      ['SET', 'shared', '100'], ['OBJECT', 'REFCOUNT', 'shared'], ['OBJECT', 'REFCOUNT', 'big'], ['OBJECT', 'REFCOUNT', 'emb'], ['OBJECT', 'REFCOUNT', 'l'],
      ['OBJECT', 'IDLETIME', 'emb'], ['OBJECT', 'FREQ', 'emb'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'], ['OBJECT', 'IDLETIME', 'emb'], ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'],
      ['OBJECT', 'HELP'], ['OBJECT', 'help'], ['OBJECT', 'HELP', 'x'], ['OBJECT', 'BOGUS', 'x'], ['OBJECT'], ['OBJECT', 'ENCODING'],
      ['OBJECT', 'ENCODING', 'a', 'b'],
    ]);
  });
});

describe('RESP3', () => {
  it('null and array replies', async () => {
    await expectSame([
      ['RANDOMKEY'], ['DUMP', 'nokey'], ['OBJECT', 'ENCODING', 'nokey'], ['OBJECT', 'FREQ', 'nokey'], ['SET', 'a', '1'],
      ['SCAN', '0'], ['KEYS', '*'], ['TYPE', 'a'], ['TTL', 'a'], ['OBJECT', 'HELP'], ['RENAME', 'nokey', 'b'],
    ], 3);
  });
});

describe('keyspace events and WATCH', () => {
  it('events of every write', async () => {
    const payload = async (): Promise<Buffer> => {
      const c = new RawClient(redis.port);
      await c.connect();
      await c.call(['SET', 'tmp', 'v']);
      const p = await c.call(['DUMP', 'tmp']) as Buffer;
      await c.call(['DEL', 'tmp']);
      c.close();
      return p;
    };
    const p = await payload();
    await expectSameScenario([
      { c: 1, argv: ['PSUBSCRIBE', '__key*__:*'] },
      [0, 'SET', 'a', '1'], [0, 'EXPIRE', 'a', '100'], [0, 'PERSIST', 'a'], [0, 'PEXPIRE', 'a', '100000'], [0, 'EXPIRE', 'a', '100', 'NX'],
      [0, 'RENAME', 'a', 'b'], [0, 'RENAMENX', 'b', 'c'], [0, 'MOVE', 'c', '1'], [0, 'SELECT', '1'], [0, 'MOVE', 'c', '0'], [0, 'SELECT', '0'],
      [0, 'COPY', 'c', 'd'], [0, 'COPY', 'c', 'd', 'DB', '2', 'REPLACE'], [0, 'DEL', 'd', 'nokey'], [0, 'UNLINK', 'c'],
      [0, 'RESTORE', 'r', '0', p], [0, 'RESTORE', 'r', '0', p, 'REPLACE'], [0, 'RESTORE', 'r', '1', p, 'REPLACE', 'ABSTTL'],
      [0, 'SET', 'e', '1'], [0, 'EXPIRE', 'e', '-1'], [0, 'SET', 'e', '1'], [0, 'EXPIREAT', 'e', '1'], [0, 'TOUCH', 'nokey'], [0, 'EXISTS', 'nokey'],
      [0, 'TYPE', 'nokey'], [0, 'OBJECT', 'ENCODING', 'nokey'], [0, 'SELECT', '2'], [0, 'FLUSHDB'], [0, 'SELECT', '0'],
    ]);
  });

  it('WATCH sees EXPIRE, PERSIST, RENAME, MOVE, COPY, RESTORE, DEL', async () => {
    const c = new RawClient(redis.port);
    await c.connect();
    await c.call(['SET', 'tmp', 'v']);
    const p = await c.call(['DUMP', 'tmp']) as Buffer;
    c.close();
    const watchCase = (setup: (string | Buffer)[][], write: (string | Buffer)[]): Scenario => [
      [0, 'FLUSHDB'], ...setup.map((a): [number, ...(string | Buffer)[]] => [0, ...a]),
      [0, 'WATCH', 'k'], [1, ...write], [0, 'MULTI'], [0, 'PING'], [0, 'EXEC'],
    ];
    await expectSameScenario([
      ...watchCase([['SET', 'k', 'v']], ['EXPIRE', 'k', '100']),
      ...watchCase([['SET', 'k', 'v']], ['EXPIRE', 'nokey', '100']),
      ...watchCase([['SET', 'k', 'v', 'EX', '100']], ['PERSIST', 'k']),
      ...watchCase([['SET', 'k', 'v']], ['PERSIST', 'k']),
      ...watchCase([['SET', 'k', 'v']], ['RENAME', 'k', 'x']),
      ...watchCase([['SET', 'x', 'v']], ['RENAME', 'x', 'k']),
      ...watchCase([['SET', 'k', 'v']], ['MOVE', 'k', '1']),
      ...watchCase([['SET', 'x', 'v']], ['COPY', 'x', 'k']),
      ...watchCase([], ['RESTORE', 'k', '0', p]),
      ...watchCase([['SET', 'k', 'v']], ['DEL', 'k']),
      ...watchCase([['SET', 'k', 'v']], ['UNLINK', 'k']),
      ...watchCase([['SET', 'k', 'v']], ['TOUCH', 'k']),
      ...watchCase([['SET', 'k', 'v']], ['EXPIRE', 'k', '-1']),
      [1, 'SELECT', '1'], [1, 'FLUSHDB'], [1, 'SELECT', '0'],
    ]);
  });
});

describe('propagation and dirty counting', () => {
  it('EXPIRE family propagates PEXPIREAT, a past time DEL; dirty counts changes', async () => {
    const prop: string[][] = [];
    const hook = (_db: number, argv: Buffer[]) => prop.push(argv.map((a) => a.toString('latin1')));
    const server = ours.engine.server;
    server.propagateHooks.push(hook);
    const c = new RawClient(ours.port);
    await c.connect();
    try {
      await c.call(['FLUSHALL']);
      await c.call(['MSET', 'a', '1', 'b', '2', 'c', '3']);
      prop.length = 0;
      const t0 = Date.now();
      await c.call(['EXPIRE', 'a', '100']);
      await c.call(['PEXPIRE', 'b', '5000', 'NX']);
      await c.call(['EXPIREAT', 'c', '4000000000']);
      await c.call(['PEXPIREAT', 'c', '4000000000001']);
      await c.call(['EXPIRE', 'nokey', '100']);
      await c.call(['EXPIRE', 'a', '100', 'NX']);
      expect(prop.map((p) => p[0])).toEqual(['PEXPIREAT', 'PEXPIREAT', 'PEXPIREAT', 'PEXPIREAT']);
      expect(Number(prop[0]![2]) - t0).toBeGreaterThanOrEqual(100000);
      expect(Number(prop[0]![2]) - Date.now()).toBeLessThanOrEqual(100000);
      expect(prop[2]).toEqual(['PEXPIREAT', 'c', '4000000000000']);
      expect(prop[3]).toEqual(['PEXPIREAT', 'c', '4000000000001']);
      prop.length = 0;
      await c.call(['EXPIRE', 'a', '-1']);
      await c.call(['PERSIST', 'b']);
      expect(prop).toEqual([['DEL', 'a'], ['PERSIST', 'b']]);
      prop.length = 0;
      const d0 = server.dirty;
      expect(show(await c.call(['DEL', 'b', 'c', 'nokey']))).toBe(':2');
      expect(server.dirty - d0).toBe(2);
      await c.call(['SET', 'x', '1']);
      const d1 = server.dirty;
      await c.call(['RENAME', 'x', 'y']);
      await c.call(['COPY', 'y', 'z']);
      await c.call(['MOVE', 'z', '1']);
      await c.call(['RENAMENX', 'y', 'y']);
      expect(server.dirty - d1).toBe(3);
      expect(prop.map((p) => p[0])).toEqual(['DEL', 'SET', 'RENAME', 'COPY', 'MOVE']);
    } finally {
      c.close();
      server.propagateHooks.splice(server.propagateHooks.indexOf(hook), 1);
    }
  });
});
