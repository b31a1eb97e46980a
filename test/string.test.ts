/*
 * The string commands against a real Redis 7.0: replies and errors of every
 * command and option (RESP2 and RESP3), keyspace events, WATCH signalling,
 * dirty counting, and the forms propagated to replicas/AOF.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOurs, startRedis, type ProcServer, type TestServer } from './helpers/servers.js';
import { compareScript, type Script } from './helpers/compare.js';
import { RawClient, show, type Reply } from './helpers/raw-client.js';
import { events } from './helpers/events.js';
import type { Engine } from '../server/main.js';

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

async function expectSame(script: Script, resp: 2 | 3 = 2): Promise<void> {
  const [a, b] = await compareScript(ours.port, redis.port, script, resp);
  expect(a).toEqual(b);
}

const FAR = String(Math.floor(Date.now() / 1000) + 100000);
const FAR_MS = String(Date.now() + 100000000);

describe('SET family', () => {
  it('SET options and errors', async () => {
    await expectSame([
      ['SET', 'a', '1'], ['GET', 'a'], ['SET', 'a', '2', 'EX', '100'], ['SET', 'a', '3', 'KEEPTTL'], ['GET', 'a'],
      ['SET', 'a', '4', 'GET'], ['SET', 'a', '5', 'PX', '100000', 'GET'], ['SET', 'a', '6', 'NX'], ['SET', 'a', '7', 'XX', 'GET'],
      ['GET', 'a'], ['SET', 'b', '1', 'XX'], ['SET', 'b', '1', 'NX', 'GET'], ['SET', 'b', '2', 'NX', 'GET'], ['GET', 'b'],
      ['SET', 'b', '1', 'EX', '10', 'KEEPTTL'], ['SET', 'b', '1', 'KEEPTTL', 'EX', '10'], ['SET', 'b', '1', 'PXAT', FAR_MS, 'EXAT', FAR],
      ['SET', 'b', '1', 'EX', '10', 'EX', '20'], ['SET', 'b', '1', 'PX', '10', 'EX', '20'], ['SET', 'b', '1', 'NX', 'XX'],
      ['SET', 'b', '1', 'XX', 'NX'], ['SET', 'b', 'v', 'GET', 'GET'], ['SET', 'b', 'v', 'KEEPTTL', 'KEEPTTL'],
      ['SET', 'b', '1', 'foo'], ['SET', 'b', '1', 'EX'], ['SET', 'b', '1', 'PERSIST'], ['SET', 'b', '1', 'ex', '0'],
      ['SET', 'b', '1', 'EX', '-1'], ['SET', 'b', '1', 'EX', 'x'], ['SET', 'b', '1', 'EX', '1.5'],
      ['SET', 'b', '1', 'EXAT', '9223372036854775807'], ['SET', 'b', '1', 'EX', '9223372036854775'],
      ['SET', 'b', '1', 'PX', '9223372036854775807'], ['SET', 'b', '1', 'PXAT', '9223372036854775807'],
      ['SET', 'b', '1', 'EX', '9223372036854'], ['SET', 'b', '1', 'EXAT', FAR], ['SET', 'b', '1', 'pxat', FAR_MS, 'get'],
      ['SET', 'b', '1', 'EX', '9223372036854775808'], ['SET', 'x', '1', 'EX', 'abc', 'NX', 'XX'],
      ['LPUSH', 'lst', 'x'], ['SET', 'lst', 'v', 'GET'], ['SET', 'lst', 'v', 'NX', 'GET'], ['SET', 'lst', 'v', 'XX'], ['GET', 'lst'],
      ['SET', 'empty', ''], ['GET', 'empty'], ['SET', 'bin', Buffer.from([0, 255, 13, 10, 128])], ['GET', 'bin'],
      ['SET'], ['SET', 'a'], ['GET'], ['GET', 'a', 'b'],
    ]);
  });

  it('SETNX SETEX PSETEX', async () => {
    await expectSame([
      ['SETNX', 'a', '1'], ['SETNX', 'a', '2'], ['GET', 'a'], ['SETEX', 'd', '10', 'v'], ['GET', 'd'], ['SETEX', 'd', '0', 'v'],
      ['SETEX', 'd', '-1', 'v'], ['SETEX', 'd', 'abc', 'v'], ['SETEX', 'd', '9223372036854775', 'v'], ['PSETEX', 'd', '100000', 'w'],
      ['GET', 'd'], ['PSETEX', 'd', '0', 'v'], ['PSETEX', 'd', 'x', 'v'], ['LPUSH', 'lst', 'x'], ['SETNX', 'lst', 'v'],
      ['SETEX', 'lst', '10', 'v'], ['GET', 'lst'], ['SETNX', 'a'], ['SETEX', 'a', '1'],
    ]);
  });

  it('GETEX GETDEL GETSET', async () => {
    await expectSame([
      ['SET', 'd', 'v'], ['GETEX', 'd'], ['GETEX', 'd', 'PERSIST'], ['GETEX', 'd', 'EX', '100'], ['GETEX', 'd', 'PX', '100', 'PERSIST'],
      ['GETEX', 'd', 'PERSIST', 'EX', '1'], ['GETEX', 'd', 'EX', '10', 'EX', '20'], ['GETEX', 'd', 'EX', '10', 'PX', '20'],
      ['GETEX', 'd', 'PERSIST', 'PERSIST'], ['GETEX', 'd', 'NX'], ['GETEX', 'd', 'KEEPTTL'], ['GETEX', 'd', 'GET'], ['GETEX', 'd', 'EX'],
      ['GETEX', 'nokey', 'EX', '10'], ['GETEX', 'nokey', 'EX', '0'], ['GETEX', 'd', 'EX', '0'], ['GETEX', 'd', 'EX', 'abc'],
      ['GETEX', 'd', 'EXAT', FAR], ['GETEX', 'd', 'PXAT', FAR_MS], ['GETEX', 'd', 'EXAT', '1'], ['GET', 'd'],
      ['SET', 'd', 'v'], ['GETEX', 'd', 'PXAT', '1'], ['GET', 'd'],
      ['LPUSH', 'lst', 'x'], ['GETEX', 'lst'], ['GETEX', 'lst', 'EX', '0'], ['GETEX', 'lst', 'FOO'],
      ['SET', 'a', '1'], ['GETDEL', 'a'], ['GETDEL', 'a'], ['GETDEL', 'lst'], ['GETSET', 'a', '10'], ['GETSET', 'a', '11'],
      ['GET', 'a'], ['GETSET', 'lst', '1'], ['GETDEL'], ['GETSET', 'a'],
    ]);
  });

  it('MGET MSET MSETNX', async () => {
    await expectSame([
      ['MSET', 'x', '1', 'y', '2'], ['MSET', 'x', '1', 'y'], ['MSET', 'x'], ['LPUSH', 'lst', 'a'], ['MGET', 'x', 'y', 'nokey', 'lst'],
      ['MSETNX', 'x', '1', 'z', '3'], ['MSETNX', 'z', '1', 'w', '3'], ['MSETNX', 'z'], ['MSETNX', 'q', '1', 'q'], ['MGET', 'x', 'y', 'z', 'w'],
      ['MSETNX', 'k', 'xxx', 'k', 'yyy'], ['GET', 'k'], ['MSETNX', 'k', 'a', 'k', 'b'], ['GET', 'k'], ['MSET', 'k', '1', 'k', '2'], ['GET', 'k'],
      ['MSET', 'lst', 'v'], ['GET', 'lst'], ['MGET'],
    ]);
  });
});

describe('counters', () => {
  it('INCR DECR INCRBY DECRBY', async () => {
    await expectSame([
      ['INCR', 'n'], ['INCR', 'n'], ['INCRBY', 'n', '10'], ['INCRBY', 'n', '-100'], ['DECR', 'n'], ['DECRBY', 'n', '5'],
      ['DECRBY', 'n', '-9223372036854775808'], ['DECRBY', 'n', '9223372036854775807'], ['INCRBY', 'n', 'abc'], ['INCRBY', 'n', '1.5'],
      ['INCRBY', 'n', '9223372036854775808'], ['SET', 'n', '9223372036854775806'], ['INCR', 'n'], ['INCR', 'n'], ['GET', 'n'],
      ['SET', 'n', '-9223372036854775807'], ['DECR', 'n'], ['DECR', 'n'], ['DECRBY', 'n', '1'], ['INCRBY', 'n', '9223372036854775807'],
      ['SET', 'n', '17179869184'], ['INCRBY', 'n', '17179869184'], ['DECRBY', 'n', '9007199254740993'], ['INCRBY', 'n', '9007199254740993'],
      ['SET', 'n', ' 1'], ['INCR', 'n'], ['SET', 'n', '1 '], ['INCR', 'n'], ['SET', 'n', '01'], ['INCR', 'n'], ['SET', 'n', '+1'],
      ['INCR', 'n'], ['SET', 'n', '-0'], ['INCR', 'n'], ['SET', 'n', '1.5'], ['INCR', 'n'], ['SET', 'n', ''], ['INCR', 'n'],
      ['SET', 'n', '99999999999999999999'], ['INCR', 'n'], ['SET', 'n', '-1'], ['INCR', 'n'], ['GET', 'n'],
      ['SET', 'n', '5', 'EX', '100'], ['INCR', 'n'], ['LPUSH', 'lst', 'x'], ['INCR', 'lst'], ['DECRBY', 'lst', '1'], ['INCR'],
    ]);
  });

  it('INCRBYFLOAT with long double precision and formatting', async () => {
    await expectSame([
      ['INCRBYFLOAT', 'f', '0.1'], ['INCRBYFLOAT', 'f', '0.2'], ['INCRBYFLOAT', 'f', '1e10'], ['INCRBYFLOAT', 'f', '-1e10'],
      ['INCRBYFLOAT', 'f', '1.5e300'], ['INCRBYFLOAT', 'f', 'abc'], ['INCRBYFLOAT', 'f', 'inf'], ['INCRBYFLOAT', 'f', '-inf'],
      ['INCRBYFLOAT', 'f', '+inf'], ['INCRBYFLOAT', 'f', 'nan'], ['SET', 'f', '1'], ['INCRBYFLOAT', 'f', '-1'], ['GET', 'f'],
      ['INCRBYFLOAT', 'f', '0x10'], ['INCRBYFLOAT', 'f', '0x1.8p3'], ['INCRBYFLOAT', 'f', '1e4000'], ['INCRBYFLOAT', 'f', '1e5000'],
      ['INCRBYFLOAT', 'g', '3.0e3'], ['INCRBYFLOAT', 'g', '1e-5'], ['INCRBYFLOAT', 'g', '-3000.00001'], ['INCRBYFLOAT', 'h', '1'],
      ['INCRBYFLOAT', 'h', '1e19'], ['INCRBYFLOAT', 'h', '.5'], ['INCRBYFLOAT', 'h', '5.'], ['INCRBYFLOAT', 'h', ' 1'],
      ['INCRBYFLOAT', 'h', '1 '], ['INCRBYFLOAT', 'h', '.'], ['INCRBYFLOAT', 'h', '1e'], ['INCRBYFLOAT', 'h', ''], ['INCRBYFLOAT', 'h', '-.5e-3'],
      ['INCRBYFLOAT', 'i', String(1 / 41)], ['INCRBYFLOAT', 'i', String(-1 / 41)], ['INCRBYFLOAT', 'j', '10.5'], ['INCRBYFLOAT', 'j', '-0.1'],
      ['INCRBYFLOAT', 'k', '1.23456789012345678901234'], ['INCRBYFLOAT', 'k', '1e-20'], ['INCRBYFLOAT', 'l', '-1e-20'],
      ['INCRBYFLOAT', 'm', '5.0e3'], ['INCRBYFLOAT', 'm', '2.0e2'], ['INCRBYFLOAT', 'm', '1.7976931348623157e308'],
      ['SET', 'n', 'inf'], ['INCRBYFLOAT', 'n', '1'], ['SET', 'n', '1e5000'], ['INCRBYFLOAT', 'n', '1'], ['SET', 'n', '1 '],
      ['INCRBYFLOAT', 'n', '1'], ['SET', 'n', '12345678901234567890'], ['INCRBYFLOAT', 'n', '1'],
      ['SET', 'o', '5', 'EX', '100'], ['INCRBYFLOAT', 'o', '1.5'],
      ['LPUSH', 'lst', 'x'], ['INCRBYFLOAT', 'lst', '1'], ['INCRBYFLOAT', 'f'],
    ]);
  });
});

describe('INCRBYFLOAT fuzz', () => {
  it('matches Redis long double results on random increments', async () => {
    let s = 12345;
    const r = (): number => {
      s = (s * 1664525 + 1013904223) >>> 0;
      return s / 4294967296;
    };
    const int = (a: number, b: number): number => a + Math.floor(r() * (b - a + 1));
    const script: Script = [];
    for (let k = 0; k < 4; k++) {
      for (let i = 0; i < 50; i++) {
        const p = r();
        let v: string;
        if (p < 0.3) v = ((r() * 2000) - 1000).toFixed(int(0, 6));
        else if (p < 0.5) v = `${int(-99, 99)}e${int(-30, 30)}`;
        else if (p < 0.7) v = String((r() * 2 - 1) * 10 ** int(-10, 20));
        else if (p < 0.8) v = String(int(-1e15, 1e15));
        else if (p < 0.9) v = `0.${int(1, 99999)}`;
        else v = ((r() * 2 - 1) * 1e300).toExponential(3);
        script.push(['INCRBYFLOAT', `f${k}`, v]);
      }
    }
    await expectSame(script);
  });
});

describe('ranges', () => {
  it('APPEND STRLEN GETRANGE SUBSTR SETRANGE', async () => {
    await expectSame([
      ['APPEND', 's', 'hello'], ['APPEND', 's', ' world'], ['GET', 's'], ['APPEND', 's', ''], ['LPUSH', 'lst', 'x'], ['APPEND', 'lst', 'x'],
      ['STRLEN', 's'], ['STRLEN', 'nokey'], ['STRLEN', 'lst'], ['GETRANGE', 's', '0', '4'], ['GETRANGE', 's', '-5', '-1'],
      ['GETRANGE', 's', '-1', '-5'], ['GETRANGE', 's', '100', '200'], ['GETRANGE', 's', '3', '100'], ['GETRANGE', 's', '-100', '2'],
      ['GETRANGE', 's', '5', '3'], ['GETRANGE', 'nokey', '0', '1'], ['GETRANGE', 's', 'a', '1'], ['GETRANGE', 's', '0', 'b'],
      ['GETRANGE', 'lst', '0', '1'], ['GETRANGE', 'lst', 'a', '1'], ['SUBSTR', 's', '0', '2'], ['SUBSTR', 's', '-3', '-1'],
      ['SETRANGE', 's', '6', 'WORLD'], ['GET', 's'], ['SETRANGE', 's', '20', 'x'], ['GET', 's'], ['SETRANGE', 's', '-1', 'x'],
      ['SETRANGE', 's', 'abc', 'x'], ['SETRANGE', 'nokey2', '0', ''], ['GET', 'nokey2'], ['SETRANGE', 'nokey2', '3', 'abc'], ['GET', 'nokey2'],
      ['SETRANGE', 's', '0', ''], ['SETRANGE', 'lst', '0', 'x'], ['SETRANGE', 'lst', '-1', 'x'], ['SETRANGE', 's', '536870912', 'x'], ['SETRANGE', 's', '536870900', 'x'.repeat(20)], ['SETRANGE', 'new', '536870912', 'x'], ['SETRANGE', 's', '0', 'A'], ['GET', 's'],
      ['SET', 'i', '1234'], ['SETRANGE', 'i', '1', '9'], ['GET', 'i'], ['APPEND', 'i', '5'], ['INCR', 'i'], ['GETRANGE', 'i', '0', '-1'],
      ['APPEND', 'new2', 'x'], ['APPEND'], ['SETRANGE', 's', '0'],
    ]);
  });

  it('APPEND and SETRANGE on growing values keep earlier replies intact', async () => {
    const big = 'x'.repeat(20000);
    await expectSame([
      ['SET', 'b', big], ['GET', 'b'], ['SETRANGE', 'b', '0', 'yy'], ['GETRANGE', 'b', '0', '3'], ['APPEND', 'b', 'zz'],
      ['STRLEN', 'b'], ['GETRANGE', 'b', '-4', '-1'], ['SETRANGE', 'b', '30000', 'end'], ['GETRANGE', 'b', '29998', '-1'],
      ['GET', 'b'],
    ]);
    // A queued reply of a large value must not see a later in-place write in the same pipeline.
    const c = new RawClient(ours.port);
    await c.connect();
    try {
      c.send(['SET', 'p', big]);
      c.send(['GET', 'p']);
      c.send(['SETRANGE', 'p', '0', 'ABC']);
      c.send(['GET', 'p']);
      const r: Reply[] = [];
      for (let i = 0; i < 4; i++) r.push(await c.read());
      expect((r[1] as Buffer).toString().slice(0, 3)).toBe('xxx');
      expect((r[3] as Buffer).toString().slice(0, 4)).toBe('ABCx');
    } finally {
      c.close();
    }
    // Many appends stay linear and correct.
    const script: Script = [];
    for (let i = 0; i < 200; i++) script.push(['APPEND', 'acc', `<${i}>`]);
    script.push(['GET', 'acc'], ['STRLEN', 'acc']);
    await expectSame(script);
  });

  it('LCS', async () => {
    await expectSame([
      ['SET', 'k1', 'ohmytext'], ['SET', 'k2', 'mynewtext'], ['LCS', 'k1', 'k2'], ['LCS', 'k1', 'k2', 'LEN'], ['LCS', 'k1', 'k2', 'IDX'],
      ['LCS', 'k1', 'k2', 'IDX', 'MINMATCHLEN', '4'], ['LCS', 'k1', 'k2', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'],
      ['LCS', 'k1', 'k2', 'IDX', 'WITHMATCHLEN'], ['LCS', 'k1', 'k2', 'idx', 'minmatchlen', '-5', 'withmatchlen'],
      ['LCS', 'k1', 'k2', 'LEN', 'IDX'], ['LCS', 'k1', 'k2', 'foo'], ['LCS', 'k1', 'k2', 'MINMATCHLEN'], ['LCS', 'k1', 'k2', 'MINMATCHLEN', 'x'],
      ['LPUSH', 'lst', 'x'], ['LCS', 'k1', 'lst'], ['LCS', 'lst', 'k1', 'foo'], ['LCS', 'k1', 'nokey'], ['LCS', 'nokey', 'nokey', 'IDX'],
      ['LCS', 'k1', 'k2', 'LEN', 'WITHMATCHLEN'], ['LCS', 'k1', 'k1', 'IDX', 'WITHMATCHLEN'],
      ['SET', 'r1', 'GGTCAGGTCCCAGTACGTACTTACCGTTACATTGTCAGGCGTGCC'], ['SET', 'r2', 'ACGTGCCGATCTTAGTCCCAAGGTACGGTCATTCCAGCA'],
      ['LCS', 'r1', 'r2'], ['LCS', 'r1', 'r2', 'IDX', 'WITHMATCHLEN'], ['LCS', 'r1', 'r2', 'IDX', 'MINMATCHLEN', '3'], ['LCS', 'k1'],
    ]);
  });

  it('RESP3 replies', async () => {
    await expectSame([
      ['GET', 'nokey'], ['SET', 'a', '1', 'GET'], ['SET', 'a', '2', 'NX'], ['MGET', 'a', 'nokey'], ['GETEX', 'nokey'], ['GETDEL', 'nokey'],
      ['SET', 'k1', 'ohmytext'], ['SET', 'k2', 'mynewtext'], ['LCS', 'k1', 'k2', 'IDX', 'WITHMATCHLEN'], ['INCRBYFLOAT', 'f', '1.5'],
    ], 3);
  });
});

// ---------------------------------------------------------------- side effects


/** For each command: does it fail a WATCH on `key` (run from another client)? */
async function watchTouches(port: number, setup: string[][], cmds: string[][], key: string): Promise<unknown[]> {
  const a = new RawClient(port);
  const b = new RawClient(port);
  await a.connect();
  await b.connect();
  const out: unknown[] = [];
  try {
    for (const cmd of cmds) {
      await a.call(['FLUSHALL']);
      for (const s of setup) await a.call(s);
      await a.call(['WATCH', key]);
      const r = show(await b.call(cmd));
      await a.call(['MULTI']);
      await a.call(['PING']);
      out.push([cmd.join(' '), r, show(await a.call(['EXEC']))]);
    }
  } finally {
    a.close();
    b.close();
  }
  return out;
}

describe('side effects', () => {
  it('keyspace notifications like Redis', async () => {
    const script = [
      ['SET', 'a', '1'], ['SET', 'a', '2', 'EX', '100'], ['SET', 'a', '3', 'NX'], ['SET', 'a', '3', 'XX', 'GET'], ['SETNX', 'b', '1'],
      ['SETEX', 'c', '10', 'v'], ['PSETEX', 'c', '10000', 'v'], ['GETEX', 'c', 'EX', '100'], ['GETEX', 'c', 'PERSIST'], ['GETEX', 'c', 'PERSIST'],
      ['GETEX', 'c', 'EXAT', '1'], ['GETDEL', 'a'], ['GETDEL', 'a'], ['GETSET', 'b', '2'], ['MSET', 'x', '1', 'y', '2'], ['MSETNX', 'x', '1', 'z', '1'],
      ['MSETNX', 'z', '1', 'w', '1'], ['INCR', 'n'], ['DECRBY', 'n', '3'], ['INCRBYFLOAT', 'n', '1.5'], ['APPEND', 's', 'x'], ['APPEND', 's', ''],
      ['SETRANGE', 's', '0', 'y'], ['SETRANGE', 's', '0', ''], ['SETRANGE', 'nokey', '0', ''], ['GET', 'nokey'], ['MGET', 'nokey', 's'],
      ['INCR', 's'], ['SET', 'p', '1', 'EXAT', '1'], ['GET', 'p'], ['SET', 'p', '1', 'PXAT', '1'], ['SET', 'p', '2'], ['GET', 'p'],
    ];
    const expected = await events(redis.port, script);
    expect(expected.length).toBeGreaterThan(40);
    expect(await events(ours.port, script)).toEqual(expected);
  });

  it('WATCH is signalled exactly when Redis signals it', async () => {
    const setup = [['SET', 'k', '5'], ['SET', 'j', 'abc']];
    const cmds = [
      ['SET', 'k', '1'], ['SET', 'k', '1', 'NX'], ['SET', 'k', '1', 'XX', 'EX', '10'], ['SETNX', 'k', '1'], ['SETEX', 'k', '10', 'v'],
      ['GETEX', 'k'], ['GETEX', 'k', 'EX', '100'], ['GETEX', 'k', 'PERSIST'], ['GETEX', 'k', 'PXAT', '1'], ['GETDEL', 'k'], ['GETSET', 'k', '1'],
      ['MSET', 'x', '1', 'k', '2'], ['MSETNX', 'j', '1', 'k', '2'], ['INCR', 'k'], ['INCRBY', 'k', 'x'], ['INCRBYFLOAT', 'k', '1'],
      ['APPEND', 'k', ''], ['SETRANGE', 'k', '0', ''], ['SETRANGE', 'k', '0', 'x'], ['GET', 'k'], ['STRLEN', 'k'], ['SET', 'j', '1'],
    ];
    const expected = await watchTouches(redis.port, setup, cmds, 'k');
    expect(JSON.stringify(expected)).toContain('null');
    expect(await watchTouches(ours.port, setup, cmds, 'k')).toEqual(expected);
  });

  it('counts dirty changes like Redis', async () => {
    const cmds = [
      ['SET', 'a', '1'], ['SET', 'a', '1', 'NX'], ['MSET', 'a', '1', 'b', '2', 'c', '3'], ['MSETNX', 'a', '1', 'd', '1'], ['MSETNX', 'e', '1', 'd', '1'],
      ['GETEX', 'a'], ['GETEX', 'a', 'PERSIST'], ['GETEX', 'a', 'EX', '10'], ['GETEX', 'a', 'PERSIST'], ['GETDEL', 'a'], ['GETDEL', 'a'],
      ['INCR', 'n'], ['INCRBYFLOAT', 'n', '1'], ['APPEND', 'n', ''], ['SETRANGE', 'n', '0', ''], ['SETRANGE', 'n', '0', '9'], ['INCRBY', 'n', 'x'],
    ];
    const rc = new RawClient(redis.port);
    const oc = new RawClient(ours.port);
    await rc.connect();
    await oc.connect();
    const changes = async (): Promise<number> => {
      const info = (await rc.call(['INFO', 'persistence'])) as Buffer;
      return Number(/rdb_changes_since_last_save:(\d+)/.exec(info.toString())![1]);
    };
    try {
      await rc.call(['FLUSHALL']);
      await oc.call(['FLUSHALL']);
      for (const cmd of cmds) {
        const r0 = await changes();
        const o0 = ours.engine.server.dirty;
        await rc.call(cmd);
        await oc.call(cmd);
        expect([cmd.join(' '), ours.engine.server.dirty - o0]).toEqual([cmd.join(' '), (await changes()) - r0]);
      }
    } finally {
      rc.close();
      oc.close();
    }
  });

  it('propagates the forms Redis propagates, and sets expires', async () => {
    const server = ours.engine.server;
    const seen: string[] = [];
    const hook = (_db: number, argv: Buffer[]): void => { seen.push(argv.map((a) => a.toString('latin1')).join(' ')); };
    server.propagateHooks.push(hook);
    const c = new RawClient(ours.port);
    await c.connect();
    try {
      await c.call(['FLUSHALL']);
      seen.length = 0;
      const now = Date.now();
      await c.call(['SET', 'a', '1']);
      await c.call(['SET', 'a', '2', 'EX', '100', 'GET']);
      const exp = server.dbs[0]!.getExpire('a')!;
      expect(exp).toBeGreaterThanOrEqual(now + 100000);
      expect(exp).toBeLessThan(Date.now() + 100001);
      await c.call(['SET', 'a', '3', 'GET', 'KEEPTTL', 'get']);
      expect(server.dbs[0]!.getExpire('a')).toBe(exp);
      await c.call(['SET', 'b', 'v', 'PXAT', '99999999999999']);
      await c.call(['SETEX', 'b', '100', 'v']);
      const setexAt = server.dbs[0]!.getExpire('b')!;
      await c.call(['PSETEX', 'b', '5000', 'w']);
      const psetexAt = server.dbs[0]!.getExpire('b')!;
      await c.call(['SET', 'b', 'x', 'NX']); // not performed: not propagated
      await c.call(['GETEX', 'b', 'EXAT', '99999999999']);
      await c.call(['GETEX', 'b', 'PERSIST']);
      await c.call(['GETEX', 'b', 'PERSIST']); // nothing to persist: not propagated
      await c.call(['GETEX', 'b']);
      await c.call(['GETEX', 'b', 'PXAT', '1']);
      await c.call(['SET', 'c', '1']);
      await c.call(['GETDEL', 'c']);
      await c.call(['GETSET', 'c', '2']);
      await c.call(['INCRBYFLOAT', 'c', '0.5']);
      await c.call(['INCR', 'c']); // error: not propagated
      await c.call(['SETRANGE', 'c', '0', '']); // no change: not propagated
      expect(seen).toEqual([
        'SET a 1', `SET a 2 PXAT ${exp}`, 'SET a 3 KEEPTTL', 'SET b v PXAT 99999999999999', `SET b v PXAT ${setexAt}`,
        `SET b w PXAT ${psetexAt}`, 'PEXPIREAT b 99999999999000', 'PERSIST b', 'DEL b', 'SET c 1', 'DEL c', 'SET c 2',
        'SET c 2.5 KEEPTTL',
      ]);
    } finally {
      server.propagateHooks.splice(server.propagateHooks.indexOf(hook), 1);
      c.close();
    }
  });
});
