/*
 * DUMP/RESTORE interoperability with a real Redis 7.0: every type and
 * encoding dumped by Redis restores here with the same contents and
 * encoding, and our payloads restore into Redis; payloads of encodings
 * Redis 7 no longer writes (ziplist, zipmap, quicklist v1, plain types)
 * load on both; byte-identical payloads where the encoding is
 * deterministic; RESTORE's options and errors side by side.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOurs, startRedis, type ProcServer, type TestServer } from './helpers/servers.js';
import { compareScript, type Script } from './helpers/compare.js';
import { RawClient, show, type Reply } from './helpers/raw-client.js';
import type { Engine } from '../server/main.js';
import { RdbWriter } from '../server/persistence/rdb-value.js';
import { crc64Bytes } from '../server/persistence/crc64.js';
import { zlEncode } from '../server/persistence/ziplist.js';
import { lpEncode } from '../server/persistence/listpack.js';
import { RDB_TYPE } from '../server/persistence/rdb-format.js';

let ours: TestServer & { engine: Engine };
let redis: ProcServer;
let co: RawClient;
let cr: RawClient;

beforeAll(async () => {
  ours = await startOurs();
  redis = await startRedis();
  co = new RawClient(ours.port);
  cr = new RawClient(redis.port);
  await co.connect();
  await cr.connect();
});
afterAll(async () => {
  co.close();
  cr.close();
  await ours.stop();
  await redis.stop();
});

async function expectSame(script: Script): Promise<void> {
  const [a, b] = await compareScript(ours.port, redis.port, script);
  expect(a).toEqual(b);
}

type Arg = string | Buffer | number;

async function run(c: RawClient, cmds: Arg[][]): Promise<void> {
  for (const cmd of cmds) {
    const r = await c.call(cmd, 20000);
    expect(show(r)).not.toMatch(/^-/);
  }
}

/** What a key holds, read with type-specific commands, order-normalised where the type has no order. */
async function contents(c: RawClient, key: string): Promise<unknown> {
  const t = show(await c.call(['TYPE', key]));
  const enc = show(await c.call(['OBJECT', 'ENCODING', key]));
  let v: Reply;
  switch (t) {
    case '+string': v = await c.call(['GET', key]); break;
    case '+list': v = await c.call(['LRANGE', key, 0, -1]); break;
    case '+hash': {
      const r = await c.call(['HGETALL', key]) as Reply[];
      const pairs: string[] = [];
      for (let i = 0; i < r.length; i += 2) pairs.push(JSON.stringify([show(r[i]!), show(r[i + 1]!)]));
      return [t, enc, pairs.sort()];
    }
    case '+set': return [t, enc, (show(await c.call(['SMEMBERS', key])) as string[]).sort()];
    case '+zset': v = await c.call(['ZRANGE', key, 0, -1, 'WITHSCORES']); break;
    default: return [t];
  }
  return [t, enc, show(v)];
}

/** Deterministic noise (xorshift32): incompressible bytes. */
function rnd(n: number, seed: number): Buffer {
  let x = seed * 2654435761 >>> 0 || 1;
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}
const range = (n: number, f: (i: number) => Arg) => Array.from({ length: n }, (_, i) => f(i));

/**
 * Builders: each creates key 'k' with commands both servers know. `exact`: payload bytes must match
 * Redis's (all but hashtable-encoded sets and hashes, whose order is Redis's dict order).
 */
const CASES: { name: string; cmds: Arg[][]; exact: boolean }[] = [
  { name: 'short string', cmds: [['SET', 'k', 'hello']], exact: true },
  { name: 'empty string', cmds: [['SET', 'k', '']], exact: true },
  { name: 'int8 string', cmds: [['SET', 'k', '-100']], exact: true },
  { name: 'int16 string', cmds: [['SET', 'k', '30000']], exact: true },
  { name: 'int32 string', cmds: [['SET', 'k', '-2000000000']], exact: true },
  { name: 'int64 string', cmds: [['SET', 'k', '9223372036854775807']], exact: true },
  { name: 'non-canonical int', cmds: [['SET', 'k', '007']], exact: true },
  { name: 'binary string', cmds: [['SET', 'k', Buffer.from([0, 1, 2, 255, 13, 10])]], exact: true },
  { name: 'incompressible string', cmds: [['SET', 'k', rnd(300, 7)]], exact: true },
  { name: 'lzf string', cmds: [['SET', 'k', 'abcdefgh'.repeat(200)]], exact: true },
  { name: 'long lzf string', cmds: [['SET', 'k', Buffer.concat(range(50, (i) => Buffer.from(`item:${i % 7}:` + 'z'.repeat(i))) as Buffer[])]], exact: true },
  { name: 'lzf of long runs and far references', cmds: [['SET', 'k', Buffer.concat([rnd(3000, 5), Buffer.alloc(2000, 97), rnd(9000, 5), rnd(500, 9)])]], exact: true },
  { name: 'string of 21 bytes', cmds: [['SET', 'k', 'aaaaaaaaaaaaaaaaaaaaa']], exact: true },
  { name: 'small list', cmds: [['RPUSH', 'k', 'a', '1', '-5', '300', '70000', '-9000000000', 'hello world', '']], exact: true },
  { name: 'list of many nodes', cmds: [['RPUSH', 'k', ...range(3000, (i) => (i % 3 === 0 ? String(i) : `element-${i}`))]], exact: true },
  { name: 'list of big elements', cmds: [['RPUSH', 'k', ...range(5, (i) => rnd(5000 + i, i + 3))]], exact: true },
  { name: 'listpack hash', cmds: [['HSET', 'k', 'f1', 'v1', 'n', '12', 'neg', '-4097', 'empty', '', 'big', '123456789012']], exact: true },
  { name: 'hashtable hash (entries)', cmds: [['HSET', 'k', ...range(1200, (i) => (i % 2 ? `v${i}` : `field:${i}`))]], exact: false },
  { name: 'hashtable hash (long value)', cmds: [['HSET', 'k', 'a', 'x'.repeat(100), 'b', '2']], exact: false },
  { name: 'listpack hash with long strings restored', cmds: [['HSET', 'k', 'a', 'x'.repeat(60), 'b', 'y'.repeat(5000)], ['CONFIG', 'SET', 'hash-max-listpack-value', '64']], exact: false },
  { name: 'intset 16', cmds: [['SADD', 'k', '1', '-2', '300', '-32768']], exact: true },
  { name: 'intset 32', cmds: [['SADD', 'k', '1', '70000', '-2147483648']], exact: true },
  { name: 'intset 64', cmds: [['SADD', 'k', '1', '9223372036854775807', '-9223372036854775808']], exact: true },
  { name: 'hashtable set', cmds: [['SADD', 'k', 'a', 'b', '1', 'hello']], exact: false },
  { name: 'big integer set', cmds: [['SADD', 'k', ...range(600, (i) => String(i * 3))]], exact: false },
  { name: 'listpack zset', cmds: [['ZADD', 'k', '1', 'a', '-2.5', 'b', '1e300', 'c', 'inf', 'd', '-inf', 'e', '0.1', 'f', '100', '12']], exact: true },
  { name: 'skiplist zset (entries)', cmds: [['ZADD', 'k', ...range(400, (i) => (i % 2 ? `m${i}` : String(i * 0.37)))]], exact: true },
  { name: 'skiplist zset (long member)', cmds: [['ZADD', 'k', '1', 'x'.repeat(80), '2', 'b']], exact: true },
];

describe('DUMP/RESTORE interop with Redis 7.0', () => {
  for (const tc of CASES) {
    it(`${tc.name}: Redis → ours and ours → Redis`, async () => {
      await run(co, [['FLUSHALL'], ...tc.cmds]);
      await run(cr, [['FLUSHALL'], ...tc.cmds]);
      const theirs = await cr.call(['DUMP', 'k']) as Buffer;
      const mine = await co.call(['DUMP', 'k']) as Buffer;
      expect(Buffer.isBuffer(theirs) && Buffer.isBuffer(mine)).toBe(true);
      if (tc.exact) {
        // Byte for byte, with LZF (our compressor makes liblzf's choices) and without.
        expect(mine.toString('hex')).toBe(theirs.toString('hex'));
        await run(co, [['CONFIG', 'SET', 'rdbcompression', 'no']]);
        await run(cr, [['CONFIG', 'SET', 'rdbcompression', 'no']]);
        const a = await co.call(['DUMP', 'k']) as Buffer;
        const b = await cr.call(['DUMP', 'k']) as Buffer;
        await run(co, [['CONFIG', 'SET', 'rdbcompression', 'yes']]);
        await run(cr, [['CONFIG', 'SET', 'rdbcompression', 'yes']]);
        expect(a.toString('hex')).toBe(b.toString('hex'));
      }
      const want = await contents(cr, 'k');
      // Redis's payload restored here.
      expect(show(await co.call(['RESTORE', 'r', 0, theirs]))).toBe('+OK');
      expect(await contents(co, 'r')).toEqual(want);
      // Our payload restored into Redis.
      expect(show(await cr.call(['RESTORE', 'r', 0, mine]))).toBe('+OK');
      expect(await contents(cr, 'r')).toEqual(want);
      // And our own payload back here.
      expect(show(await co.call(['RESTORE', 'r2', 0, mine]))).toBe('+OK');
      expect(await contents(co, 'r2')).toEqual(want);
    });
  }
});

describe('LZF matches liblzf', () => {
  it('200 strings of mixed repetitiveness and length dump to the same bytes as in Redis', async () => {
    const vals: Buffer[] = [];
    for (let i = 0; i < 200; i++) {
      const parts: Buffer[] = [];
      const n = 1 + (i % 9);
      for (let j = 0; j < n; j++) {
        const kind = (i * 7 + j * 3) % 4;
        const len = 1 + ((i * 131 + j * 17) % (kind === 3 ? 600 : 70));
        if (kind === 0) parts.push(rnd(len, i * 10 + j + 1));
        else if (kind === 1) parts.push(Buffer.alloc(len, 65 + (j % 5)));
        else if (kind === 2) parts.push(Buffer.from('abcabd'.repeat(len).slice(0, len * 3)));
        else parts.push(Buffer.from(String(i * j).repeat(len).slice(0, len)));
      }
      vals.push(Buffer.concat(parts));
    }
    await run(co, [['FLUSHALL'], ...vals.map((v, i) => ['SET', `k${i}`, v])]);
    await run(cr, [['FLUSHALL'], ...vals.map((v, i) => ['SET', `k${i}`, v])]);
    for (let i = 0; i < vals.length; i++) {
      const a = await co.call(['DUMP', `k${i}`]) as Buffer;
      const b = await cr.call(['DUMP', `k${i}`]) as Buffer;
      expect(a.toString('hex'), `value ${i} (${vals[i]!.length} bytes)`).toBe(b.toString('hex'));
    }
  });
});

/** A payload in RDB v`ver` framing: type byte, body, version, CRC64. */
function payload(type: number, body: (w: RdbWriter) => void, ver = 9): Buffer {
  const w = new RdbWriter();
  w.byte(type);
  body(w);
  w.byte(ver & 0xff);
  w.byte(ver >> 8);
  const b = w.toBuffer();
  return Buffer.concat([b, crc64Bytes(b)]);
}

const B = (s: string) => Buffer.from(s, 'latin1');
const strings = (xs: string[]) => xs.map(B);

const OLD: { name: string; p: Buffer }[] = [
  { name: 'plain list', p: payload(RDB_TYPE.LIST, (w) => { w.len(3); for (const s of ['a', '12', 'ccc']) w.string(B(s), false); }) },
  { name: 'plain set', p: payload(RDB_TYPE.SET, (w) => { w.len(3); for (const s of ['x', '1', 'y']) w.string(B(s), false); }) },
  { name: 'plain set of integers', p: payload(RDB_TYPE.SET, (w) => { w.len(3); for (const s of ['3', '1', '2']) w.string(B(s), false); }) },
  { name: 'plain hash', p: payload(RDB_TYPE.HASH, (w) => { w.len(2); for (const s of ['f', 'v', 'g', '2']) w.string(B(s), false); }) },
  {
    name: 'zset with text scores', p: payload(RDB_TYPE.ZSET, (w) => {
      w.len(4);
      for (const [m, s] of [['a', '1.5'], ['b', '-3'], ['c', null], ['d', 'x']] as const) {
        w.string(B(m), false);
        if (s === null) w.byte(254);
        else if (s === 'x') w.byte(255);
        else { w.byte(s.length); w.raw(B(s)); }
      }
    }),
  },
  { name: 'zset_2 binary scores', p: payload(RDB_TYPE.ZSET_2, (w) => { w.len(2); w.string(B('a'), false); w.binaryDouble(2.5); w.string(B('b'), false); w.binaryDouble(-1); }) },
  { name: 'ziplist list', p: payload(RDB_TYPE.LIST_ZIPLIST, (w) => w.string(zlEncode(strings(['a', '5', '-300', '100000', '5000000000', 'q'.repeat(300)])), false)) },
  { name: 'quicklist v1', p: payload(RDB_TYPE.LIST_QUICKLIST, (w) => { w.len(2); w.string(zlEncode(strings(['a', '1'])), false); w.string(zlEncode(strings(['b', '2', '13'])), false); }) },
  { name: 'ziplist hash', p: payload(RDB_TYPE.HASH_ZIPLIST, (w) => w.string(zlEncode(strings(['f1', 'v1', 'f2', '200'])), false)) },
  { name: 'ziplist zset', p: payload(RDB_TYPE.ZSET_ZIPLIST, (w) => w.string(zlEncode(strings(['c', '-7', 'a', '1', 'b', '2.5'])), false)) },
  { name: 'ziplist hash past the listpack limits', p: payload(RDB_TYPE.HASH_ZIPLIST, (w) => w.string(zlEncode(strings(['f', 'v'.repeat(100)])), false)) },
  { name: 'intset', p: payload(RDB_TYPE.SET_INTSET, (w) => { const b = Buffer.alloc(8 + 6); b.writeUInt32LE(2, 0); b.writeUInt32LE(3, 4); b.writeInt16LE(-1, 8); b.writeInt16LE(4, 10); b.writeInt16LE(9, 12); w.string(b, false); }) },
  { name: 'lzf-compressed ziplist', p: payload(RDB_TYPE.LIST_ZIPLIST, (w) => w.string(zlEncode(strings(['abcabcabcabcabcabcabcabc', 'abcabcabcabcabcabcabcabc'])), true)) },
  { name: 'quicklist 2 with a plain node', p: payload(RDB_TYPE.LIST_QUICKLIST_2, (w) => { w.len(2); w.len(2); w.string(lpEncode(strings(['a', '1'])), false); w.len(1); w.string(B('plain-element'), false); }, 10) },
  {
    name: 'zipmap hash', p: payload(RDB_TYPE.HASH_ZIPMAP, (w) => {
      w.string(Buffer.concat([Buffer.from([2]), Buffer.from([1]), B('a'), Buffer.from([2, 0]), B('xy'), Buffer.from([2]), B('bb'), Buffer.from([1, 1]), B('z'), Buffer.from([0]), Buffer.from([255])]), false);
    }),
  },
];

describe('RESTORE of older encodings (as Redis 7.0 loads them)', () => {
  for (const tc of OLD) {
    it(tc.name, async () => {
      await run(co, [['FLUSHALL']]);
      await run(cr, [['FLUSHALL']]);
      const a = show(await cr.call(['RESTORE', 'k', 0, tc.p]));
      const b = show(await co.call(['RESTORE', 'k', 0, tc.p]));
      expect(b).toBe(a);
      expect(a).toBe('+OK');
      expect(await contents(co, 'k')).toEqual(await contents(cr, 'k'));
    });
  }
});

describe('RESTORE errors and options', () => {
  it('checksum, version and data errors match Redis', async () => {
    await run(cr, [['SET', 'src', 'hello world']]);
    const good = await cr.call(['DUMP', 'src']) as Buffer;
    const badCrc = Buffer.from(good);
    badCrc[badCrc.length - 1] ^= 0xff;
    const newer = payload(RDB_TYPE.STRING, (w) => w.string(B('x'), false), 11);
    const truncated = payload(RDB_TYPE.STRING, (w) => { w.len(100); w.raw(B('abc')); });
    const intoFooter = payload(RDB_TYPE.STRING, (w) => { w.len(10); w.raw(B('abc')); });
    const unknownType = payload(200, (w) => w.string(B('x'), false));
    const emptyList = payload(RDB_TYPE.LIST, (w) => w.len(0));
    const dupSet = payload(RDB_TYPE.SET, (w) => { w.len(2); w.string(B('a'), false); w.string(B('a'), false); });
    const badZl = payload(RDB_TYPE.LIST_ZIPLIST, (w) => w.string(B('not a ziplist at all'), false));
    const badLzf = payload(RDB_TYPE.STRING, (w) => { w.byte(0xc3); w.len(3); w.len(50); w.raw(Buffer.from([0x20, 0x00, 0x00])); });
    await expectSame([
      ['RESTORE', 'k', '0', good], ['GET', 'k'], ['RESTORE', 'k', '0', good], ['RESTORE', 'k', '0', good, 'REPLACE'],
      ['RESTORE', 'k2', '0', badCrc], ['RESTORE', 'k2', '0', 'short'], ['RESTORE', 'k2', '0', ''], ['RESTORE', 'k2', '0', newer],
      ['RESTORE', 'k2', '0', truncated], ['RESTORE', 'kf', '0', intoFooter], ['GET', 'kf'], ['RESTORE', 'k2', '0', unknownType], ['RESTORE', 'k2', '0', emptyList],
      ['RESTORE', 'k2', '0', dupSet], ['RESTORE', 'k2', '0', badZl], ['RESTORE', 'k2', '0', badLzf],
      ['EXISTS', 'k2'],
      ['RESTORE', 'k2', '-1', good], ['RESTORE', 'k2', 'abc', good], ['RESTORE', 'k2', '0', good, 'BOGUS'],
      ['RESTORE', 'k2', '0', good, 'IDLETIME'], ['RESTORE', 'k2', '0', good, 'IDLETIME', '-1'], ['RESTORE', 'k2', '0', good, 'IDLETIME', 'x'],
      ['RESTORE', 'k2', '0', good, 'FREQ', '256'], ['RESTORE', 'k2', '0', good, 'FREQ', '-1'],
      ['RESTORE', 'k2', '0', good, 'IDLETIME', '10', 'FREQ', '5'], ['RESTORE', 'k2', '0', good, 'FREQ', '5', 'IDLETIME', '10'],
      ['RESTORE', 'k', '-1', good, 'REPLACE'], ['RESTORE', 'k', '0', good, 'BOGUS', 'REPLACE'],
      ['RESTORE', 'k2', '0', good, 'IDLETIME', '1000'], ['OBJECT', 'IDLETIME', 'k2'],
      ['RESTORE', 'k3', '100000', good], ['TTL', 'k3'],
      ['RESTORE', 'k4', String(Date.now() + 5000000), good, 'ABSTTL'], ['TTL', 'k4'],
      ['RESTORE', 'k5', '1', good, 'ABSTTL'], ['EXISTS', 'k5'],
      ['RESTORE', 'k', '1', good, 'ABSTTL', 'REPLACE'], ['EXISTS', 'k'],
      ['DUMP', 'nokey'], ['RESTORE', 'x', '0', good, 'REPLACE', 'REPLACE', 'ABSTTL'], ['GET', 'x'],
      ['DUMP'], ['RESTORE', 'x', '0'],
    ]);
  });

  it('FREQ under an LFU policy', async () => {
    await run(cr, [['SET', 'src', 'v']]);
    const good = await cr.call(['DUMP', 'src']) as Buffer;
    await expectSame([
      ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu'],
      ['RESTORE', 'f', '0', good, 'FREQ', '100'], ['OBJECT', 'FREQ', 'f'], ['OBJECT', 'IDLETIME', 'f'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'],
    ]);
  });

  it('RESTORE propagates an absolute TTL and signals WATCH', async () => {
    const prop: string[][] = [];
    const hook = (_db: number, argv: Buffer[]) => prop.push(argv.map((a) => a.toString('latin1')));
    ours.engine.server.propagateHooks.push(hook);
    try {
      await run(cr, [['SET', 'src', 'v']]);
      const good = await cr.call(['DUMP', 'src']) as Buffer;
      await run(co, [['FLUSHALL']]);
      prop.length = 0;
      const before = Date.now();
      await run(co, [['RESTORE', 'p', '100000', good]]);
      expect(prop.length).toBe(1);
      expect(prop[0]![0]).toBe('RESTORE');
      expect(Number(prop[0]![2])).toBeGreaterThanOrEqual(before + 100000);
      expect(prop[0]![prop[0]!.length - 1]).toBe('ABSTTL');
      prop.length = 0;
      await run(co, [['RESTORE', 'p', '1', good, 'ABSTTL', 'REPLACE']]);
      expect(prop).toEqual([['DEL', 'p']]);
    } finally {
      ours.engine.server.propagateHooks.splice(ours.engine.server.propagateHooks.indexOf(hook), 1);
    }
  });
});
