/*
 * The bitmap commands against a real Redis 7.0: replies and errors of every
 * command and option, BITFIELD overflow semantics (including fuzzing),
 * keyspace events, WATCH signalling and dirty counting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOurs, startRedis, type ProcServer, type TestServer } from './helpers/servers.js';
import { compareScript, type Script } from './helpers/compare.js';
import { RawClient, show } from './helpers/raw-client.js';
import { events } from './helpers/events.js';
import type { Engine } from '../server/main.js';
import { rng } from './helpers/rng.js';

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

describe('bits', () => {
  it('SETBIT GETBIT', async () => {
    await expectSame([
      ['SETBIT', 'b', '7', '1'], ['SETBIT', 'b', '7', '1'], ['SETBIT', 'b', '7', '0'], ['GET', 'b'], ['SETBIT', 'b', '100', '1'],
      ['STRLEN', 'b'], ['GETBIT', 'b', '100'], ['GETBIT', 'b', '101'], ['GETBIT', 'b', '1000000'], ['GETBIT', 'nokey', '5'],
      ['GETBIT', 'b', '-1'], ['GETBIT', 'b', 'abc'], ['GETBIT', 'b', '4294967295'], ['GETBIT', 'b', '4294967296'],
      ['GETBIT', 'b', '99999999999999999999'], ['SETBIT', 'b', '4294967296', '1'], ['SETBIT', 'b', '1', '2'], ['SETBIT', 'b', '1', '-1'],
      ['SETBIT', 'b', '1', 'abc'], ['SETBIT', 'b', '-1', '1'], ['SETBIT', 'b', 'x', 'y'], ['LPUSH', 'lst', 'x'], ['SETBIT', 'lst', '0', '1'],
      ['SETBIT', 'lst', '-1', '1'], ['GETBIT', 'lst', '0'], ['SET', 'i', '12'], ['GETBIT', 'i', '2'], ['GETBIT', 'i', '3'],
      ['SETBIT', 'i', '7', '0'], ['GET', 'i'], ['SETBIT', 'n', '0', '1'], ['SETBIT', 'n', '8', '0'], ['GET', 'n'], ['SETBIT', 'b', '1'],
    ]);
  });

  it('BITCOUNT', async () => {
    await expectSame([
      ['SET', 's', 'foobar'], ['BITCOUNT', 's'], ['BITCOUNT', 's', '0', '0'], ['BITCOUNT', 's', '1', '1'], ['BITCOUNT', 's', '1', '1', 'BYTE'],
      ['BITCOUNT', 's', '5', '30', 'BIT'], ['BITCOUNT', 's', '-5', '-1', 'bit'], ['BITCOUNT', 's', '-1', '-5'], ['BITCOUNT', 's', '0', '-1', 'BIT'],
      ['BITCOUNT', 's', '0', '-100'], ['BITCOUNT', 's', '-100', '-1'], ['BITCOUNT', 's', '0', '1', 'foo'], ['BITCOUNT', 's', '0'],
      ['BITCOUNT', 's', 'a', '1'], ['BITCOUNT', 's', '0', 'b'], ['BITCOUNT', 's', '1', '2', 'BIT'], ['BITCOUNT', 's', '7', '9', 'BIT'],
      ['BITCOUNT', 's', '3', '3', 'BIT'], ['BITCOUNT', 's', '100', '200', 'BIT'], ['BITCOUNT', 's', '-1', '-5', 'foo'],
      ['BITCOUNT', 's', 'a', 'b', 'foo'], ['BITCOUNT', 's', '0', '1', 'BIT', 'x'], ['LPUSH', 'lst', 'x'], ['BITCOUNT', 'lst'],
      ['BITCOUNT', 'lst', 'a', 'b'], ['BITCOUNT', 'nokey', '0', '1', 'BIT'], ['BITCOUNT', 'nokey', 'a', 'b'], ['SET', 'e', ''],
      ['BITCOUNT', 'e'], ['BITCOUNT', 'e', '0', '-1'], ['SET', 'n', '12345'], ['BITCOUNT', 'n', '1', '-2'], ['BITCOUNT'],
    ]);
  });

  it('BITPOS', async () => {
    await expectSame([
      ['SET', 'z', Buffer.from([0, 0, 0])], ['BITPOS', 'z', '0'], ['BITPOS', 'z', '1'], ['SET', 'o', Buffer.from([0xff, 0xf0, 0])],
      ['BITPOS', 'o', '0'], ['BITPOS', 'o', '1'], ['BITPOS', 'o', '1', '2'], ['BITPOS', 'o', '0', '0', '0'], ['BITPOS', 'o', '0', '0', '-1'],
      ['BITPOS', 'o', '0', '1'], ['BITPOS', 'o', '1', '1', '1'], ['BITPOS', 'o', '0', '0', '11', 'BIT'], ['BITPOS', 'o', '0', '7', '15', 'bit'],
      ['BITPOS', 'o', '1', '7', '15', 'BIT'], ['BITPOS', 'o', '1', '-3', '-1', 'BIT'], ['BITPOS', 'o', '0', '12', '15', 'BIT'],
      ['BITPOS', 'o', '0', '0', '7', 'BIT'], ['BITPOS', 'o', '1', '17', '23', 'BIT'], ['BITPOS', 'o', '1', '16', '23', 'BYTE'],
      ['BITPOS', 'o', '0', '0', '0', 'foo'], ['BITPOS', 'o', '2'], ['BITPOS', 'o', 'a'], ['BITPOS', 'o', '1', 'a'], ['BITPOS', 'o', '1', '0', 'a'],
      ['BITPOS', 'o', '1', 'a', '0', 'foo'], ['BITPOS', 'o', '1', '0', 'a', 'foo'], ['BITPOS', 'o', '1', '0', '1', 'BIT', 'x'],
      ['BITPOS', 'nokey', '0'], ['BITPOS', 'nokey', '1'], ['BITPOS', 'nokey', '1', '0', '1', 'foo'], ['BITPOS', 'nokey', '2'],
      ['LPUSH', 'lst', 'x'], ['BITPOS', 'lst', '1'], ['SET', 'ff', Buffer.from([0xff, 0xff])], ['BITPOS', 'ff', '0'], ['BITPOS', 'ff', '0', '0'],
      ['BITPOS', 'ff', '0', '0', '-1'], ['BITPOS', 'ff', '0', '0', '1', 'BYTE'], ['BITPOS', 'ff', '0', '5'], ['BITPOS', 'ff', '0', '-1'],
      ['SET', 'e', ''], ['BITPOS', 'e', '0'], ['BITPOS', 'e', '1'], ['BITPOS', 'e', '0', '0'], ['BITPOS', 'ff', '1', '5', '2'],
      ['BITPOS', 'ff', '0', '1', '1', 'BIT'], ['BITPOS', 'ff', '1', '3', '3', 'BIT'], ['BITPOS', 'ff', '0', '-100', '100', 'BIT'],
      ['SET', 'big', Buffer.concat([Buffer.alloc(40, 0xff), Buffer.from([0xfe]), Buffer.alloc(40, 0xff)])],
      ['BITPOS', 'big', '0'], ['BITPOS', 'big', '0', '3', '-3'], ['BITPOS', 'big', '0', '41'], ['BITPOS', 'big', '0', '41', '-1'],
      ['BITPOS', 'big', '0', '7', '330', 'BIT'], ['BITPOS', 'big', '0', '7', '326', 'BIT'], ['BITPOS', 'big', '1', '327', '329', 'BIT'],
      ['BITPOS'],
    ]);
  });

  it('BITPOS and BITCOUNT agree with Redis on random bitmaps and ranges', async () => {
    const r = rng(7);
    const script: Script = [];
    for (let k = 0; k < 6; k++) {
      const len = 1 + Math.floor(r() * 30);
      const bytes = Buffer.alloc(len);
      const dense = r() < 0.5 ? 0x00 : 0xff;
      for (let i = 0; i < len; i++) bytes[i] = r() < 0.7 ? dense : Math.floor(r() * 256);
      script.push(['SET', 'r', bytes]);
      for (let q = 0; q < 25; q++) {
        const bit = String(r() < 0.5 ? 0 : 1);
        const unit = r() < 0.5 ? 'BIT' : 'BYTE';
        const max = unit === 'BIT' ? len * 8 + 4 : len + 2;
        const s = String(Math.floor(r() * 2 * max) - max);
        const e = String(Math.floor(r() * 2 * max) - max);
        script.push(['BITPOS', 'r', bit, s, e, unit], ['BITPOS', 'r', bit, s], ['BITCOUNT', 'r', s, e, unit]);
      }
    }
    await expectSame(script);
  });

  it('BITOP', async () => {
    await expectSame([
      ['SET', 'k1', 'foobar'], ['SET', 'k2', 'abcdef'], ['BITOP', 'AND', 'dest', 'k1', 'k2'], ['GET', 'dest'], ['BITOP', 'or', 'dest', 'k1', 'k2'],
      ['GET', 'dest'], ['BITOP', 'XOR', 'dest', 'k1', 'k2', 'nokey'], ['GET', 'dest'], ['BITOP', 'NOT', 'dest', 'k1'], ['GET', 'dest'],
      ['BITOP', 'NOT', 'dest', 'k1', 'k2'], ['BITOP', 'foo', 'dest', 'k1'], ['BITOP', 'AND', 'dest', 'nokey', 'nokey2'], ['GET', 'dest'],
      ['LPUSH', 'lst', 'x'], ['BITOP', 'AND', 'dest', 'k1', 'lst'], ['BITOP', 'AND', 'lst', 'k1'], ['LPOP', 'lst'], ['SET', 'short', 'ab'],
      ['BITOP', 'AND', 'dest', 'k1', 'short'], ['GET', 'dest'], ['BITOP', 'OR', 'dest', 'short', 'k1'], ['GET', 'dest'],
      ['BITOP', 'XOR', 'dest', 'short', 'k1', 'short'], ['GET', 'dest'], ['BITOP', 'AND', 'dest', 'k1'], ['GET', 'dest'],
      ['BITOP', 'AND', 'dest', 'nokey', 'k1'], ['GET', 'dest'], ['BITOP', 'NOT', 'dest', 'nokey'], ['GET', 'dest'], ['SET', 'e', ''],
      ['BITOP', 'OR', 'dest', 'e'], ['GET', 'dest'], ['SET', 'x', 'v', 'EX', '100'], ['BITOP', 'OR', 'x', 'k1'], ['BITOP', 'AND', 'dest'],
    ]);
  });
});

describe('BITFIELD', () => {
  it('subcommands, types, offsets and errors', async () => {
    await expectSame([
      ['BITFIELD', 'bf', 'SET', 'i8', '0', '100', 'GET', 'i8', '0'], ['BITFIELD', 'bf', 'set', 'u8', '8', '255', 'get', 'u8', '8', 'incrby', 'u8', '8', '10'],
      ['BITFIELD', 'bf', 'OVERFLOW', 'SAT', 'INCRBY', 'u8', '8', '300'], ['BITFIELD', 'bf', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '8', '300'],
      ['BITFIELD', 'bf', 'OVERFLOW', 'WRAP', 'INCRBY', 'i8', '0', '100'], ['BITFIELD', 'bf', 'OVERFLOW', 'SAT', 'INCRBY', 'i8', '0', '-1000'],
      ['BITFIELD', 'bf', 'OVERFLOW', 'SAT', 'SET', 'i8', '0', '-1000'], ['BITFIELD', 'bf', 'OVERFLOW', 'FAIL', 'SET', 'i8', '0', '-1000'],
      ['BITFIELD', 'bf', 'OVERFLOW', 'SAT', 'SET', 'u8', '0', '-1'], ['BITFIELD', 'bf', 'OVERFLOW', 'WRAP', 'SET', 'u8', '0', '-1'],
      ['BITFIELD', 'bf', 'OVERFLOW', 'FAIL', 'SET', 'u8', '0', '-1'], ['BITFIELD', 'bf', 'GET', 'i64', '0', 'GET', 'u63', '0', 'GET', 'u63', '1'],
      ['BITFIELD', 'bf', 'SET', 'i64', '0', '-1', 'GET', 'u63', '0', 'INCRBY', 'i64', '0', '1'],
      ['BITFIELD', 'bf', 'INCRBY', 'i64', '0', '9223372036854775807', 'INCRBY', 'i64', '0', '1'],
      ['BITFIELD', 'bf', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', '0', '9223372036854775807'],
      ['BITFIELD', 'bf', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', '0', '-9223372036854775808', 'INCRBY', 'i64', '0', '-9223372036854775808'],
      ['BITFIELD', 'bf', 'OVERFLOW', 'FAIL', 'INCRBY', 'i64', '0', '-1', 'OVERFLOW', 'WRAP', 'INCRBY', 'i64', '0', '-1'],
      ['BITFIELD', 'bf', 'GET', 'u64', '0'], ['BITFIELD', 'bf', 'GET', 'i65', '0'], ['BITFIELD', 'bf', 'GET', 'i0', '0'],
      ['BITFIELD', 'bf', 'GET', 'x8', '0'], ['BITFIELD', 'bf', 'GET', 'i', '0'], ['BITFIELD', 'bf', 'GET', 'I8', '0'], ['BITFIELD', 'bf', 'GET', 'U8', '0'],
      ['BITFIELD', 'bf', 'GET', 'i8', '-1'], ['BITFIELD', 'bf', 'GET', 'i8', '#1', 'GET', 'u4', '#3'], ['BITFIELD', 'bf', 'SET', 'i8', '#2', '5', 'GET', 'i8', '16'],
      ['BITFIELD', 'bf', 'GET', 'i8', '#'], ['BITFIELD', 'bf', 'GET', 'i8', '#-1'], ['BITFIELD', 'bf', 'GET', 'i8', '#x'], ['BITFIELD', 'bf', 'GET', 'i8', '1.5'],
      ['BITFIELD', 'bf', 'OVERFLOW', 'foo', 'GET', 'i8', '0'], ['BITFIELD', 'bf', 'foo'], ['BITFIELD', 'bf', 'GET', 'i8'], ['BITFIELD', 'bf', 'SET', 'i8', '0'],
      ['BITFIELD', 'bf', 'SET', 'i8', '0', 'abc'], ['BITFIELD', 'bf', 'INCRBY', 'i8', '0', '1.5'], ['BITFIELD', 'bf'], ['BITFIELD', 'bf', 'OVERFLOW', 'SAT'],
      ['BITFIELD', 'bf', 'OVERFLOW'], ['BITFIELD', 'bf', 'GET', 'i8', '0', 'foo'], ['BITFIELD', 'bf', 'GET', 'i8', '0', 'SET', 'x8', '0', '1'],
      ['BITFIELD', 'nokey', 'GET', 'i8', '0', 'GET', 'u16', '100'], ['LPUSH', 'lst', 'x'], ['BITFIELD', 'lst', 'GET', 'i8', '0'],
      ['BITFIELD', 'lst', 'SET', 'i8', '0', '1'], ['BITFIELD', 'lst'], ['BITFIELD_RO', 'bf', 'GET', 'i8', '0'], ['BITFIELD_RO', 'bf', 'SET', 'i8', '0', '1'],
      ['BITFIELD_RO', 'bf', 'INCRBY', 'i8', '0', '1'], ['BITFIELD_RO', 'bf'], ['BITFIELD_RO', 'bf', 'OVERFLOW', 'SAT'], ['BITFIELD_RO', 'lst', 'GET', 'i8', '0'],
      ['BITFIELD_RO', 'nokey', 'GET', 'i8', '0'], ['BITFIELD_RO', 'bf', 'foo'], ['BITFIELD', 'bf', 'GET', 'i8', '4294967288'],
      ['BITFIELD', 'bf', 'GET', 'i8', '4294967296'], ['BITFIELD', 'bf', 'GET', 'i8', '#536870911'], ['BITFIELD', 'bf', 'GET', 'i8', '#536870912'],
      ['BITFIELD', 'bf2', 'INCRBY', 'u2', '100', '1', 'OVERFLOW', 'SAT', 'INCRBY', 'u2', '102', '1', 'INCRBY', 'u2', '100', '1', 'INCRBY', 'u2', '100', '1'],
      ['BITFIELD', 'bf2', 'OVERFLOW', 'WRAP', 'INCRBY', 'i3', '0', '5', 'INCRBY', 'i3', '0', '5', 'INCRBY', 'i3', '0', '-20'],
      ['BITFIELD', 'bf2', 'OVERFLOW', 'SAT', 'INCRBY', 'u63', '0', '-1', 'INCRBY', 'u63', '0', '9223372036854775807'],
      ['BITFIELD', 'bf2', 'SET', 'u1', '3', '5', 'SET', 'i1', '4', '1', 'GET', 'i1', '4', 'GET', 'u8', '0'], ['GET', 'bf2'], ['STRLEN', 'bf'],
      ['SET', 'str', 'hello'], ['BITFIELD', 'str', 'GET', 'u8', '0', 'GET', 'i16', '36', 'GET', 'u63', '1'], ['BITFIELD', 'str', 'SET', 'u8', '36', '33'],
      ['GET', 'str'], ['BITFIELD'],
    ]);
    await expectSame([
      ['BITFIELD', 'bf', 'SET', 'i8', '0', '-3', 'OVERFLOW', 'FAIL', 'INCRBY', 'i8', '0', '1000'], ['BITFIELD_RO', 'nokey', 'GET', 'u8', '0'],
    ], 3);
  });

  it('overflow handling agrees with Redis on random operations', async () => {
    const r = rng(11);
    const script: Script = [];
    const modes = ['WRAP', 'SAT', 'FAIL'];
    for (let i = 0; i < 300; i++) {
      const sign = r() < 0.5;
      const bits = sign ? 1 + Math.floor(r() * 64) : 1 + Math.floor(r() * 63);
      const type = (sign ? 'i' : 'u') + bits;
      const mag = r() < 0.3 ? 2 ** (Math.floor(r() * 62)) : Math.floor(r() * 2 ** Math.min(bits + 1, 53));
      let v = BigInt(Math.floor(mag)) * (r() < 0.5 ? -1n : 1n);
      if (r() < 0.1) v = r() < 0.5 ? 9223372036854775807n : -9223372036854775808n;
      const op = r() < 0.5 ? 'INCRBY' : 'SET';
      const off = String(Math.floor(r() * 40));
      script.push(['BITFIELD', 'f', 'OVERFLOW', modes[Math.floor(r() * 3)]!, op, type, off, v.toString(), 'GET', type, off]);
    }
    script.push(['GET', 'f']);
    await expectSame(script);
  });
});

// ---------------------------------------------------------------- side effects


describe('side effects', () => {
  const script = [
    ['SETBIT', 'b', '7', '1'], ['SETBIT', 'b', '7', '1'], ['SETBIT', 'b', '7', '0'], ['SETBIT', 'b', '20', '0'], ['SETBIT', 'b', '20', '0'],
    ['BITFIELD', 'f', 'SET', 'u8', '0', '0'], ['BITFIELD', 'f', 'SET', 'u8', '0', '0'], ['BITFIELD', 'f', 'SET', 'u8', '0', '5', 'INCRBY', 'u8', '0', '1'],
    ['BITFIELD', 'f', 'GET', 'u8', '0'], ['BITFIELD', 'f', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '1000'], ['BITFIELD', 'f', 'INCRBY', 'u8', '0', '0'],
    ['BITFIELD', 'f', 'SET', 'u8', '16', '0'], ['BITOP', 'OR', 'd', 'b', 'f'], ['BITOP', 'AND', 'd', 'nokey'], ['BITOP', 'AND', 'd', 'nokey'],
    ['GETBIT', 'b', '0'], ['BITCOUNT', 'b'], ['BITPOS', 'nokey', '1'], ['SETBIT', 'b', '7', '1'],
  ];

  it('keyspace notifications like Redis', async () => {
    const expected = await events(redis.port, script);
    expect(expected.length).toBeGreaterThan(15);
    expect(await events(ours.port, script)).toEqual(expected);
  });

  it('WATCH and dirty like Redis', async () => {
    const run = async (port: number, dirty: () => Promise<number>): Promise<unknown[]> => {
      const a = new RawClient(port);
      const b = new RawClient(port);
      await a.connect();
      await b.connect();
      const out: unknown[] = [];
      try {
        await a.call(['FLUSHALL']);
        for (const cmd of script) {
          const key = cmd[0] === 'BITOP' ? cmd[2]! : cmd[1]!;
          await a.call(['WATCH', key]);
          const d0 = await dirty();
          const r = show(await b.call(cmd));
          const d = (await dirty()) - d0;
          await a.call(['MULTI']);
          await a.call(['PING']);
          out.push([cmd.join(' '), r, d, show(await a.call(['EXEC']))]);
        }
      } finally {
        a.close();
        b.close();
      }
      return out;
    };
    const rc = new RawClient(redis.port);
    await rc.connect();
    try {
      const redisDirty = async (): Promise<number> => {
        const info = (await rc.call(['INFO', 'persistence'])) as Buffer;
        return Number(/rdb_changes_since_last_save:(\d+)/.exec(info.toString())![1]);
      };
      const expected = await run(redis.port, redisDirty);
      expect(JSON.stringify(expected)).toContain('null');
      expect(await run(ours.port, async () => ours.engine.server.dirty)).toEqual(expected);
    } finally {
      rc.close();
    }
  });

  it('large bitmaps: SETBIT near the limit and writes under a queued reply', async () => {
    await expectSame([
      ['SETBIT', 'big', String(8 * 300000 - 1), '1'], ['STRLEN', 'big'], ['BITCOUNT', 'big'], ['BITPOS', 'big', '1'],
      ['BITPOS', 'big', '0', '-1'], ['SETBIT', 'big', '0', '1'], ['BITCOUNT', 'big', '0', '0'], ['BITFIELD', 'big', 'INCRBY', 'u8', '#299999', '3'],
    ]);
    const c = new RawClient(ours.port);
    await c.connect();
    try {
      c.send(['GET', 'big']);
      c.send(['SETBIT', 'big', '1', '1']);
      c.send(['GETRANGE', 'big', '0', '0']);
      const first = (await c.read()) as Buffer;
      await c.read();
      const after = (await c.read()) as Buffer;
      expect(first[0]).toBe(0x80);
      expect(after[0]).toBe(0xc0);
    } finally {
      c.close();
    }
  });
});
