/*
 * Whole RDB files (server/persistence/rdb-file.ts) against real Redis 7.0:
 * our files load in redis-server and pass redis-check-rdb, Redis's files read
 * back as what was written (and re-encode to the same bytes), and damaged
 * files are refused with an offset, never read as other data.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RdbFileReader, RdbFileWriter, type RdbRecord } from '../server/persistence/rdb-file.js';
import {
  DEFAULT_LOAD_LIMITS, RdbFormatError, RdbWriter, type RdbWriteOptions,
} from '../server/persistence/rdb-value.js';
import { RDB_OPCODE, RDB_TYPE } from '../server/persistence/rdb-format.js';
import { crc64 } from '../server/persistence/crc64.js';
import { stringObject, type RedisObject } from '../server/types/object.js';
import { ListValue } from '../server/types/list.js';
import { HashValue } from '../server/types/hash.js';
import { SetValue } from '../server/types/set.js';
import { ZSetValue } from '../server/types/zset.js';
import { startRedis, type ProcServer } from './helpers/servers.js';
import { Scratch, client } from './helpers/persist.js';
import { ReplyError, type RawClient, type Reply } from './helpers/raw-client.js';

// ------------------------------------------------------------------ datasets

type Model =
  | { type: 'string'; v: string }
  | { type: 'list'; items: string[] }
  | { type: 'hash'; pairs: [string, string][] }
  | { type: 'set'; members: string[] }
  | { type: 'zset'; entries: [string, number][] };

/** One key; strings are latin1 (any byte), ttl is an absolute time in ms. */
interface Spec { db: number; key: string; m: Model; ttl?: number }

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBytes(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(r() * 256));
  return s;
}

const range = (n: number, f: (i: number) => string): string[] => Array.from({ length: n }, (_, i) => f(i));

/**
 * Every type in every encoding Redis 7.0 has for it (sets: intset and
 * hashtable; lists: quicklist of one node and of many, one of them a lone
 * element over the 8 KB node size), int/short/long/binary strings and keys
 * (an int-like key, a key long enough for LZF), TTLs, in three dbs.
 */
function fullDataset(now: number): Spec[] {
  const r = rng(7);
  const hour = 3600_000;
  return [
    { db: 0, key: 'str:int', m: { type: 'string', v: '12345' } },
    { db: 0, key: 'str:neg', m: { type: 'string', v: '-42' } },
    { db: 0, key: 'str:int64', m: { type: 'string', v: '12345678901' } },
    { db: 0, key: 'str:empty', m: { type: 'string', v: '' } },
    { db: 0, key: 'str:short', m: { type: 'string', v: 'hello' }, ttl: now + hour },
    { db: 0, key: 'str:long', m: { type: 'string', v: 'abcdefghij'.repeat(30) } },
    { db: 0, key: 'str:random', m: { type: 'string', v: randomBytes(r, 300) }, ttl: now + 2 * hour + 1 },
    { db: 0, key: 'str:bin', m: { type: 'string', v: '\x00\xff\r\n\x80zz' } },
    { db: 0, key: '1234', m: { type: 'string', v: 'an int-like key' } },
    { db: 0, key: '\x00\xffbinary key', m: { type: 'string', v: 'x' } },
    { db: 0, key: 'a key long enough to be compressed: aaaaaaaaaaaaaaaaaaaaaaaaaa', m: { type: 'string', v: 'y' } },
    { db: 0, key: 'list:small', m: { type: 'list', items: ['a', 'b', '1', '-2', '70000', 'x'.repeat(30)] }, ttl: now + hour },
    { db: 0, key: 'list:big', m: { type: 'list', items: [...range(1500, (i) => `item-${i}`), 'Z'.repeat(9000), ...range(1500, (i) => String(i * 7))] } },
    { db: 0, key: 'hash:listpack', m: { type: 'hash', pairs: [['f1', 'v1'], ['n', '100'], ['neg', '-7'], ['bin', '\x01\x02']] } },
    { db: 0, key: 'hash:many', m: { type: 'hash', pairs: range(600, (i) => `field-${i}`).map((f, i) => [f, `value-${i * 3}`]) } },
    { db: 0, key: 'hash:longvalue', m: { type: 'hash', pairs: [['a', 'b'], ['long', 'v'.repeat(100)]] }, ttl: now + 3 * hour },
    { db: 0, key: 'set:intset', m: { type: 'set', members: ['1', '2', '3', '-5', '100000', '4294967296'] } },
    { db: 0, key: 'set:strings', m: { type: 'set', members: ['a', 'b', 'c', 'member with spaces'] } },
    { db: 0, key: 'set:manyints', m: { type: 'set', members: range(600, (i) => String(i * 13 - 500)) } },
    { db: 0, key: 'set:manystrings', m: { type: 'set', members: range(300, (i) => `m-${i}`) } },
    { db: 0, key: 'zset:listpack', m: { type: 'zset', entries: [['a', 1], ['b', 1.5], ['c', -Infinity], ['d', Infinity], ['e', 0], ['f', 0.1], ['g', -3], ['h', 1e20]] } },
    { db: 0, key: 'zset:many', m: { type: 'zset', entries: range(200, (i) => `z-${i}`).map((m) => [m, Math.round(r() * 1e6) / 100]) }, ttl: now + hour },
    { db: 0, key: 'zset:longmember', m: { type: 'zset', entries: [['m'.repeat(100), 2], ['short', 1]] } },
    { db: 3, key: 'str:int', m: { type: 'string', v: '7' }, ttl: now + 5 * hour },
    { db: 3, key: 'list:db3', m: { type: 'list', items: ['p', 'q'] } },
    { db: 3, key: 'hash:db3', m: { type: 'hash', pairs: [['k', 'v']] }, ttl: now + 6 * hour },
    { db: 15, key: 'zset:db15', m: { type: 'zset', entries: [['only', 42]] } },
  ];
}

/** Small but with every encoding (a hashtable from one long value, a skip list from one long member, a 3-node quicklist). */
function compactDataset(now: number): Spec[] {
  return [
    { db: 0, key: 's', m: { type: 'string', v: 'hello world, long enough to be compressed by LZF '.repeat(2) } },
    { db: 0, key: 'i', m: { type: 'string', v: '-300' }, ttl: now + 60_000 },
    { db: 0, key: 'l', m: { type: 'list', items: ['a', 'z'.repeat(9000), '12'] } },
    { db: 0, key: 'h', m: { type: 'hash', pairs: [['f', 'v'], ['g', '1']] } },
    { db: 0, key: 'H', m: { type: 'hash', pairs: [['f', 'v'.repeat(70)]] }, ttl: now + 120_000 },
    { db: 1, key: 'si', m: { type: 'set', members: ['3', '1', '2'] } },
    { db: 1, key: 'ss', m: { type: 'set', members: ['x', 'y'] } },
    { db: 2, key: 'z', m: { type: 'zset', entries: [['a', 1.25], ['b', -1]] } },
    { db: 2, key: 'Z', m: { type: 'zset', entries: [['q'.repeat(70), 3]] } },
  ];
}

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

function toObject(m: Model): RedisObject {
  const base = { lru: 0, idx: -1, snap: 0, sidx: -1 };
  switch (m.type) {
    case 'string': return stringObject(latin1(m.v));
    case 'list': return { ...base, type: 'list', value: ListValue.from(m.items.map(latin1)) };
    case 'hash': return { ...base, type: 'hash', value: HashValue.fromEntries(m.pairs.map(([f, v]) => [latin1(f), latin1(v)])) };
    case 'set': return { ...base, type: 'set', value: SetValue.fromMembers(m.members.map(latin1)) };
    case 'zset': return { ...base, type: 'zset', value: ZSetValue.fromEntries(m.entries.map(([e, s]) => [latin1(e), s])) };
  }
}

/** A value in a form both sides can produce: unordered collections sorted, zsets in rank order, plus the encoding. */
interface View { type: string; value: unknown; enc?: string }

const text = (b: Buffer): string => b.toString('latin1');
const pairsSorted = (p: [string, string][]): [string, string][] => p.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

function viewOf(o: RedisObject): View {
  switch (o.type) {
    case 'string': return { type: 'string', value: text(o.value) };
    case 'list': return { type: 'list', value: [...o.value].map(text), enc: o.value.encoding() };
    case 'hash': return { type: 'hash', value: pairsSorted([...o.value.entries()].map(([f, v]) => [text(f), text(v)])), enc: o.value.encoding() };
    case 'set': return { type: 'set', value: [...o.value.members()].map(text).sort(), enc: o.value.encoding() };
    case 'zset': return { type: 'zset', value: [...o.value.entries()].map(([m, s]) => [text(m), s]), enc: o.value.encoding() };
  }
}

const dbKey = (db: number, key: string): string => `${db}/${key}`;

function expectedViews(specs: Spec[]): Map<string, { view: View; ttl: number | undefined }> {
  return new Map(specs.map((s) => [dbKey(s.db, s.key), { view: viewOf(toObject(s.m)), ttl: s.ttl }]));
}

// ------------------------------------------------------------------ files

const WRITE_ON: RdbWriteOptions = { compress: true, listMaxListpackSize: -2 };
const WRITE_OFF: RdbWriteOptions = { compress: false, listMaxListpackSize: -2 };
const AUX: [string, string][] = [
  ['redis-ver', '7.0.15'], ['redis-bits', '64'], ['ctime', '1700000000'], ['used-mem', '1234567'], ['aof-base', '0'],
];

/** Our file for `specs`; `takeEvery` > 0 pulls a chunk after every that many entries, as a snapshot does. */
function writeFile(specs: Spec[], write: RdbWriteOptions, checksum = true, takeEvery = 0): Buffer {
  const w = new RdbFileWriter({ checksum, write });
  const chunks: Buffer[] = [];
  const pull = (): void => {
    const before = w.pending;
    const b = w.take();
    expect(b?.length ?? 0).toBe(before);
    expect(w.pending).toBe(0);
    if (b !== null) chunks.push(b);
  };
  w.header(AUX);
  const dbs = [...new Set(specs.map((s) => s.db))].sort((a, b) => a - b);
  let n = 0;
  for (const db of dbs) {
    const inDb = specs.filter((s) => s.db === db);
    w.selectDb(db, inDb.length, inDb.filter((s) => s.ttl !== undefined).length);
    for (const s of inDb) {
      w.entry(s.key, toObject(s.m), s.ttl);
      if (takeEvery > 0 && ++n % takeEvery === 0) pull();
    }
  }
  w.end();
  pull();
  expect(w.take()).toBeNull();
  return Buffer.concat(chunks);
}

function readAll(buf: Buffer, verifyChecksum = true): RdbRecord[] {
  const r = new RdbFileReader(buf, DEFAULT_LOAD_LIMITS, { verifyChecksum });
  const out: RdbRecord[] = [];
  for (let rec = r.next(); rec !== null; rec = r.next()) out.push(rec);
  expect(r.next()).toBeNull();
  return out;
}

function entryViews(recs: RdbRecord[]): Map<string, { view: View; ttl: number | undefined }> {
  const out = new Map<string, { view: View; ttl: number | undefined }>();
  for (const r of recs) if (r.kind === 'entry') out.set(dbKey(r.db, r.key), { view: viewOf(r.value), ttl: r.expireAtMs });
  return out;
}

/** The error a damaged file gives; the reader must keep failing after it (its position is inside a bad record). */
function readError(buf: Buffer): RdbFormatError {
  let r: RdbFileReader;
  try {
    r = new RdbFileReader(buf, DEFAULT_LOAD_LIMITS, { verifyChecksum: true });
  } catch (e) {
    if (e instanceof RdbFormatError) return e;
    throw e;
  }
  try {
    while (r.next() !== null) { /* until the error */ }
  } catch (e) {
    if (!(e instanceof RdbFormatError)) throw e;
    expect(() => r.next()).toThrow(e);
    return e;
  }
  throw new Error('the damaged file was read without an error');
}

/** A hand-made file: header, `body` bytes, then EOF and the CRC (or zeros). */
function craft(body: (w: RdbWriter) => void, version = '0010', checksum = true): Buffer {
  const w = new RdbWriter();
  w.raw(latin1(`REDIS${version}`));
  body(w);
  w.byte(RDB_OPCODE.EOF);
  const b = w.toBuffer();
  const sum = Buffer.alloc(8);
  if (checksum) sum.writeBigUInt64LE(crc64(b));
  return Buffer.concat([b, sum]);
}

// ------------------------------------------------------------------ real Redis

async function redisView(c: RawClient, key: string): Promise<View> {
  const k = latin1(key);
  const call = async (argv: (string | Buffer)[]): Promise<Reply> => {
    const r = await c.call(argv);
    if (r instanceof ReplyError) throw new Error(`${argv.join(' ')}: ${r.message}`);
    return r;
  };
  const bufs = (r: Reply): string[] => (r as Buffer[]).map(text);
  const type = String(await call(['TYPE', k]));
  const enc = text((await call(['OBJECT', 'ENCODING', k])) as Buffer);
  switch (type) {
    case 'string': return { type, value: text((await call(['GET', k])) as Buffer) };
    case 'list': return { type, value: bufs(await call(['LRANGE', k, '0', '-1'])), enc };
    case 'set': return { type, value: bufs(await call(['SMEMBERS', k])).sort(), enc };
    case 'hash': {
      const flat = bufs(await call(['HGETALL', k]));
      const pairs: [string, string][] = [];
      for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i]!, flat[i + 1]!]);
      return { type, value: pairsSorted(pairs), enc };
    }
    case 'zset': {
      const flat = bufs(await call(['ZRANGE', k, '0', '-1', 'WITHSCORES']));
      const entries: [string, number][] = [];
      for (let i = 0; i < flat.length; i += 2) entries.push([flat[i]!, Number(flat[i + 1]!.replace(/^(-?)inf$/, '$1Infinity'))]);
      return { type, value: entries, enc };
    }
    default: throw new Error(`unexpected type ${type} for ${key}`);
  }
}

/** Everything Redis holds, db by db, in the same form as expectedViews. */
async function redisContents(c: RawClient): Promise<Map<string, { view: View; ttl: number | undefined }>> {
  const out = new Map<string, { view: View; ttl: number | undefined }>();
  for (let db = 0; db < 16; db++) {
    await c.call(['SELECT', String(db)]);
    const keys = ((await c.call(['KEYS', '*'])) as Buffer[]).map(text);
    for (const key of keys) {
      const at = (await c.call(['PEXPIRETIME', latin1(key)])) as number;
      out.set(dbKey(db, key), { view: await redisView(c, key), ttl: at === -1 ? undefined : at });
    }
  }
  await c.call(['SELECT', '0']);
  return out;
}

function scoreArg(s: number): string {
  return s === Infinity ? '+inf' : s === -Infinity ? '-inf' : String(s);
}

async function populate(c: RawClient, specs: Spec[]): Promise<void> {
  expect(await c.call(['FLUSHALL'])).toBe('OK');
  for (const s of specs) {
    await c.call(['SELECT', String(s.db)]);
    const k = latin1(s.key);
    const m = s.m;
    let argv: (string | Buffer)[];
    switch (m.type) {
      case 'string': argv = ['SET', k, latin1(m.v)]; break;
      case 'list': argv = ['RPUSH', k, ...m.items.map(latin1)]; break;
      case 'hash': argv = ['HSET', k, ...m.pairs.flatMap(([f, v]) => [latin1(f), latin1(v)])]; break;
      case 'set': argv = ['SADD', k, ...m.members.map(latin1)]; break;
      case 'zset': argv = ['ZADD', k, ...m.entries.flatMap(([e, sc]) => [scoreArg(sc), latin1(e)])]; break;
    }
    const r = await c.call(argv);
    expect(r instanceof ReplyError, `${s.key}: ${String(r instanceof ReplyError ? r.message : '')}`).toBe(false);
    if (s.ttl !== undefined) expect(await c.call(['PEXPIREAT', k, String(s.ttl)])).toBe(1);
  }
  await c.call(['SELECT', '0']);
}

function checkRdb(path: string): void {
  const check = spawnSync('redis-check-rdb', [path], { encoding: 'utf8' });
  expect(check.status, check.stdout + check.stderr).toBe(0);
  expect(check.stdout).toContain('RDB looks OK!');
}

// ------------------------------------------------------------------ tests

describe('RDB files in process', () => {
  const now = Date.now();

  it('every type and encoding reads back as written, with TTLs and dbs, compressed or not, whatever the chunking', () => {
    const specs = fullDataset(now);
    const expected = expectedViews(specs);
    // The dataset must really hold every encoding, or the test proves less than it says.
    expect(new Set([...expected.values()].map((e) => `${e.view.type}:${e.view.enc ?? ''}`))).toEqual(new Set([
      'string:', 'list:quicklist', 'hash:listpack', 'hash:hashtable', 'set:intset', 'set:hashtable', 'zset:listpack', 'zset:skiplist',
    ]));
    for (const write of [WRITE_ON, WRITE_OFF]) {
      const whole = writeFile(specs, write);
      expect(writeFile(specs, write, true, 1)).toEqual(whole);
      expect(writeFile(specs, write, true, 7)).toEqual(whole);
      const recs = readAll(whole);
      expect(entryViews(recs)).toEqual(expected);
      expect(recs.filter((r) => r.kind === 'aux').map((r) => r.kind === 'aux' && [r.key, text(r.value)])).toEqual(AUX);
      expect(recs.filter((r) => r.kind !== 'aux' && r.kind !== 'entry')).toEqual([
        { kind: 'select', db: 0 }, { kind: 'resize', db: 0, dbSize: 23, expiresSize: 5 },
        { kind: 'select', db: 3 }, { kind: 'resize', db: 3, dbSize: 3, expiresSize: 2 },
        { kind: 'select', db: 15 }, { kind: 'resize', db: 15, dbSize: 1, expiresSize: 0 },
      ]);
    }
    expect(writeFile(specs, WRITE_ON).length).toBeLessThan(writeFile(specs, WRITE_OFF).length);
  });

  it('an expired key is returned with its time: dropping it is the caller\'s decision', () => {
    const recs = readAll(writeFile([{ db: 0, key: 'gone', m: { type: 'string', v: 'v' }, ttl: 1000 }], WRITE_ON));
    expect(recs.at(-1)).toMatchObject({ kind: 'entry', key: 'gone', expireAtMs: 1000 });
  });

  it('writes the header and AUX fields byte for byte as Redis does (numbers int-encoded when they fit 32 bits)', () => {
    const w = new RdbFileWriter({ checksum: true, write: WRITE_ON });
    w.header([['redis-bits', '64'], ['ctime', '1700000000'], ['used-mem', '12345678901'], ['aof-base', '0']]);
    const aux = (k: string, v: number[]): number[] => [RDB_OPCODE.AUX, k.length, ...latin1(k), ...v];
    expect([...w.take()!]).toEqual([
      ...latin1('REDIS0010'),
      ...aux('redis-bits', [0xc0, 64]),
      ...aux('ctime', [0xc2, 0x00, 0xf1, 0x53, 0x65]),
      ...aux('used-mem', [11, ...latin1('12345678901')]),
      ...aux('aof-base', [0xc0, 0]),
    ]);
    // Long values go through LZF like any string when compression is on (rdbSaveRawString).
    const long = 'ab'.repeat(20);
    for (const [write, first] of [[WRITE_ON, 0xc3], [WRITE_OFF, long.length]] as const) {
      const lw = new RdbFileWriter({ checksum: true, write });
      lw.header([['k', long]]);
      expect(lw.take()![9 + 3]).toBe(first);
    }
  });

  it('ends with EOF and the CRC64 of everything before it, or eight zeros with checksums off', () => {
    const on = writeFile(compactDataset(now), WRITE_ON);
    expect(on[on.length - 9]).toBe(RDB_OPCODE.EOF);
    expect(on.readBigUInt64LE(on.length - 8)).toBe(crc64(on.subarray(0, on.length - 8)));
    const off = writeFile(compactDataset(now), WRITE_ON, false);
    expect(off.subarray(0, -8)).toEqual(on.subarray(0, -8));
    expect(off.readBigUInt64LE(off.length - 8)).toBe(0n);
    expect(entryViews(readAll(off))).toEqual(expectedViews(compactDataset(now)));
    const w = new RdbFileWriter({ checksum: true, write: WRITE_ON });
    w.end();
    expect(() => w.entry('k', stringObject(latin1('v')), undefined)).toThrow(/past its end/);
  });

  it('a file cut at any offset is refused with the offset where it ends', () => {
    for (const write of [WRITE_ON, WRITE_OFF]) {
      const good = writeFile(compactDataset(now), write);
      for (let cut = 0; cut < good.length; cut++) {
        const e = readError(good.subarray(0, cut));
        expect(e.message, `cut at ${cut}`).toContain('Short read or OOM loading DB');
        expect(e.message, `cut at ${cut}`).toContain(`at offset ${cut}`);
      }
    }
  });

  it('any single changed byte is refused with an offset, never read through as other data', () => {
    const good = writeFile(compactDataset(now), WRITE_ON);
    for (const mask of [0x01, 0x80, 0xff]) {
      for (let at = 0; at < good.length; at++) {
        const bad = Buffer.from(good);
        bad[at] ^= mask;
        const e = readError(bad);
        const offsets = [...e.message.matchAll(/offset (\d+)/g)].map((m) => Number(m[1]));
        expect(offsets.length, `byte ${at} ^ ${mask}: ${e.message}`).toBeGreaterThan(0);
        for (const o of offsets) expect(o).toBeLessThanOrEqual(good.length);
      }
    }
  });

  it('a change only the checksum can see is refused with Redis\'s message, and read when verification is off', () => {
    const good = writeFile(compactDataset(now), WRITE_ON);
    const at = good.indexOf('hello world');
    expect(at).toBeGreaterThan(0);
    const bad = Buffer.from(good);
    bad[at] = 'j'.charCodeAt(0);
    const sumAt = good.length - 8;
    expect(readError(bad).message).toMatch(new RegExp(`^Wrong RDB checksum expected: \\([0-9a-f]+\\) but got \\(${good.readBigUInt64LE(sumAt).toString(16)}\\)\\. Aborting now\\. \\(checksum at offset ${sumAt}\\)$`));
    const loose = entryViews(readAll(bad, false));
    expect(loose.get('0/s')?.view.value).toMatch(/^jello world/);
  });

  it('refuses a bad signature and versions newer than 10, and reads older versions', () => {
    const good = writeFile(compactDataset(now), WRITE_ON);
    const renamed = Buffer.from(good);
    renamed.write('REDIX', 0, 'latin1');
    expect(readError(renamed).message).toBe('Wrong signature trying to load DB from file (at offset 0)');
    expect(readError(craft(() => {}, '0011')).message).toBe('Can\'t handle RDB format version 11 (at offset 5)');
    expect(readError(craft(() => {}, '00x1')).message).toBe('Can\'t handle RDB format version "00x1" (at offset 5)');
    // Version 6: a list (type 1) and a zset with text scores (type 3); version 4 files have no checksum at all.
    const old = (w: RdbWriter): void => {
      w.byte(RDB_TYPE.LIST); w.string(latin1('l'), false); w.len(2); w.string(latin1('a'), false); w.string(latin1('b'), false);
      w.byte(RDB_TYPE.ZSET); w.string(latin1('z'), false); w.len(1); w.string(latin1('m'), false); w.byte(3); w.raw(latin1('2.5'));
    };
    for (const file of [craft(old, '0006'), craft(old, '0004').subarray(0, -8)]) {
      expect([...entryViews(readAll(file)).entries()]).toEqual([
        ['0/l', { view: { type: 'list', value: ['a', 'b'], enc: 'quicklist' }, ttl: undefined }],
        ['0/z', { view: { type: 'zset', value: [['m', 2.5]], enc: 'listpack' }, ttl: undefined }],
      ]);
    }
  });

  it('reads EXPIRETIME (seconds), IDLE and FREQ for the key they precede only, and skips empty collections as Redis does', () => {
    const str = (w: RdbWriter, k: string): void => {
      w.byte(RDB_TYPE.STRING); w.string(latin1(k), false); w.string(latin1('v'), false);
    };
    const file = craft((w) => {
      w.byte(RDB_OPCODE.EXPIRETIME); w.raw(Buffer.from([0x00, 0xf1, 0x53, 0x65]));
      w.byte(RDB_OPCODE.IDLE); w.len(1000);
      w.byte(RDB_OPCODE.FREQ); w.byte(200);
      str(w, 'a');
      w.byte(RDB_TYPE.SET); w.string(latin1('empty'), false); w.len(0);
      str(w, 'b');
    });
    const r = new RdbFileReader(file, DEFAULT_LOAD_LIMITS, { verifyChecksum: true });
    expect(r.next()).toMatchObject({ kind: 'entry', key: 'a', expireAtMs: 1700000000000, idleSec: 1000, freq: 200 });
    const b = r.next();
    expect(b).toMatchObject({ kind: 'entry', key: 'b', expireAtMs: undefined });
    expect(b).not.toHaveProperty('idleSec');
    expect(b).not.toHaveProperty('freq');
    expect(r.next()).toBeNull();
    expect(r.emptyKeysSkipped).toBe(1);
    expect(r.offset).toBe(file.length);
  });

  it('refuses functions, module data, streams and unknown types with a clear error at their offset', () => {
    const cases: [(w: RdbWriter) => void, RegExp][] = [
      [(w) => { w.byte(RDB_OPCODE.FUNCTION2); w.string(latin1('#!lua name=x\n'), false); }, /function library.*\(at offset 9\)$/],
      [(w) => { w.byte(RDB_OPCODE.FUNCTION); }, /function library.*\(at offset 9\)$/],
      [(w) => { w.byte(RDB_OPCODE.MODULE_AUX); w.len(12345); }, /AUX module data I can't load.*\(at offset 9\)$/],
      [(w) => { w.byte(RDB_TYPE.MODULE_2); w.string(latin1('k'), false); }, /module data I can't load.*\(at offset 9\)$/],
      [(w) => { w.byte(RDB_TYPE.STREAM_LISTPACKS_2); w.string(latin1('k'), false); }, /stream \(RDB type 19\).*\(at offset 9\)$/],
      [(w) => { w.byte(8); }, /^Unknown RDB encoding type 8 \(at offset 9\)$/],
      [(w) => { w.byte(RDB_OPCODE.SELECTDB); w.len(0); w.byte(200); }, /^Unknown RDB encoding type 200 \(at offset 11\)$/],
    ];
    for (const [body, re] of cases) expect(readError(craft(body)).message).toMatch(re);
  });
});

describe('RDB files and real Redis 7.0', () => {
  const scratch = new Scratch();
  let redis: ProcServer;
  let c: RawClient;
  const now = Date.now();

  beforeAll(async () => {
    redis = scratch.track(await startRedis(['--enable-debug-command', 'yes', '--dbfilename', 'dump.rdb']));
    c = await client(redis.port);
  });
  afterAll(async () => {
    c?.close();
    await scratch.cleanUp();
  });

  it('our files, compressed or not and without checksum, load in redis-server and pass redis-check-rdb', async () => {
    const specs = fullDataset(now);
    const expired: Spec = { db: 3, key: 'expired', m: { type: 'string', v: 'old' }, ttl: now - 1000 };
    const path = join(redis.dir, 'dump.rdb');
    for (const [write, checksum] of [[WRITE_ON, true], [WRITE_OFF, true], [WRITE_ON, false]] as const) {
      writeFileSync(path, writeFile([...specs, expired], write, checksum, 5));
      checkRdb(path);
      // NOSAVE: flush and load the file as it is on disk, as at start-up.
      expect(await c.call(['DEBUG', 'RELOAD', 'NOSAVE'])).toBe('OK');
      expect(await redisContents(c)).toEqual(expectedViews(specs));
    }
    expect(redis.output()).toContain(`keys loaded: ${specs.length}, keys expired: 1.`);
    expect(redis.output()).toContain('RDB file was saved with checksum disabled: no check performed.');
  });

  it('a file saved by Redis reads back as the values, TTLs and encodings written through commands', async () => {
    const specs = fullDataset(now);
    await populate(c, specs);
    expect(await c.call(['SAVE'])).toBe('OK');
    const recs = readAll(readFileSync(join(redis.dir, 'dump.rdb')));
    expect(entryViews(recs)).toEqual(expectedViews(specs));
    expect(recs.filter((r) => r.kind === 'select').map((r) => r.kind === 'select' && r.db)).toEqual([0, 3, 15]);
    const aux = recs.flatMap((r) => (r.kind === 'aux' ? [[r.key, text(r.value)]] : []));
    expect(aux.map(([k]) => k)).toEqual(['redis-ver', 'redis-bits', 'ctime', 'used-mem', 'aof-base']);
    expect(aux[0]).toEqual(['redis-ver', '7.0.15']);
  });

  it('Redis\'s file re-encoded by our writer is the same file, byte for byte', async () => {
    // A hashtable set whose members start with integers is rebuilt through an intset, which reorders it; leave it out.
    const specs = fullDataset(now).filter((s) => s.key !== 'set:manyints');
    await populate(c, specs);
    expect(await c.call(['SAVE'])).toBe('OK');
    const original = readFileSync(join(redis.dir, 'dump.rdb'));
    const recs = readAll(original);
    const w = new RdbFileWriter({ checksum: true, write: WRITE_ON });
    w.header(recs.flatMap((r) => (r.kind === 'aux' ? [[r.key, text(r.value)] as [string, string]] : [])));
    let db = 0;
    for (const r of recs) {
      if (r.kind === 'select') db = r.db;
      if (r.kind === 'resize') w.selectDb(db, r.dbSize, r.expiresSize);
      if (r.kind === 'entry') w.entry(r.key, r.value, r.expireAtMs);
    }
    w.end();
    const ours = w.take()!;
    expect(ours.length).toBe(original.length);
    const firstDiff = ours.findIndex((b, i) => b !== original[i]);
    expect(firstDiff).toBe(-1);
  });

  it('truncated or damaged Redis files are refused with an offset', async () => {
    await populate(c, compactDataset(now));
    expect(await c.call(['SAVE'])).toBe('OK');
    const good = readFileSync(join(redis.dir, 'dump.rdb'));
    expect(entryViews(readAll(good))).toEqual(expectedViews(compactDataset(now)));
    for (let cut = 0; cut < good.length; cut += 7) expect(readError(good.subarray(0, cut)).message).toContain(`at offset ${cut}`);
    for (let at = 0; at < good.length; at += 3) {
      const bad = Buffer.from(good);
      bad[at] ^= 0x10;
      expect(readError(bad).message).toMatch(/offset \d+/);
    }
  });

  it('reads the LRU idle time and LFU counter Redis saves under an eviction policy, and refuses its streams and functions', async () => {
    await populate(c, [{ db: 0, key: 'k', m: { type: 'string', v: 'v' } }]);
    const path = join(redis.dir, 'dump.rdb');
    const entryOf = (): RdbRecord | undefined => readAll(readFileSync(path)).find((r) => r.kind === 'entry');
    try {
      await c.call(['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru']);
      expect(await c.call(['SAVE'])).toBe('OK');
      expect(entryOf()).toMatchObject({ key: 'k', idleSec: expect.any(Number) });
      await c.call(['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu']);
      expect(await c.call(['SAVE'])).toBe('OK');
      expect(entryOf()).toMatchObject({ key: 'k', freq: expect.any(Number) });
    } finally {
      await c.call(['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']);
    }
    await c.call(['XADD', 'stream', '*', 'f', 'v']);
    expect(await c.call(['SAVE'])).toBe('OK');
    expect(readError(readFileSync(path)).message).toMatch(/stream \(RDB type 19\).*\(at offset \d+\)$/);
    await c.call(['DEL', 'stream']);
    expect(await c.call(['FUNCTION', 'LOAD', '#!lua name=lib\nredis.register_function("f", function() return 1 end)'])).toEqual(latin1('lib'));
    expect(await c.call(['SAVE'])).toBe('OK');
    expect(readError(readFileSync(path)).message).toMatch(/function library.*\(at offset \d+\)$/);
    expect(await c.call(['FUNCTION', 'FLUSH'])).toBe('OK');
  });
});
