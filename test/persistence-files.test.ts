/*
 * The file readers against damage at every place: an RDB or AOF cut at any
 * offset, or with any byte changed, is refused with the offset or loaded only
 * up to its last whole command, never read as different data.
 */
import { describe, expect, it } from 'vitest';
import { RdbFileReader, RdbFileWriter, type RdbRecord } from '../server/persistence/rdb-file.js';
import { DEFAULT_LOAD_LIMITS, DEFAULT_WRITE_OPTIONS, RdbFormatError } from '../server/persistence/rdb-value.js';
import { AofFormatError, AofReader, AofTruncated, encodeCommand } from '../server/persistence/aof-reader.js';
import { formatManifest, parseManifest, ManifestError } from '../server/persistence/aof-manifest.js';
import { stringObject, type RedisObject } from '../server/types/object.js';
import { ListValue } from '../server/types/list.js';
import { ZSetValue } from '../server/types/zset.js';

function rdbImage(): Buffer {
  const w = new RdbFileWriter({ checksum: true, write: DEFAULT_WRITE_OPTIONS });
  w.header([['redis-ver', '7.0.15'], ['redis-bits', '64']]);
  w.selectDb(0, 3, 1);
  w.entry('s', stringObject(Buffer.from('hello world, long enough to be compressed by LZF '.repeat(3))), undefined);
  const list: RedisObject = { type: 'list', value: ListValue.from(['a', 'b', '12345'].map((x) => Buffer.from(x))), lru: 0, idx: -1, snap: 0, sidx: -1 };
  w.entry('l', list, 4102444800000);
  w.selectDb(2, 1, 0);
  const z: RedisObject = { type: 'zset', value: ZSetValue.fromEntries([[Buffer.from('m'), 1.5], [Buffer.from('n'), -2]]), lru: 0, idx: -1, snap: 0, sidx: -1 };
  w.entry('z', z, undefined);
  w.end();
  return w.take()!;
}

function readAll(buf: Buffer): RdbRecord[] {
  const r = new RdbFileReader(buf, DEFAULT_LOAD_LIMITS, { verifyChecksum: true });
  const out: RdbRecord[] = [];
  for (let rec = r.next(); rec !== null; rec = r.next()) out.push(rec);
  return out;
}

describe('RDB files', () => {
  it('reads back what was written, entries in their databases with their TTLs', () => {
    const recs = readAll(rdbImage()).filter((r) => r.kind === 'entry');
    expect(recs.map((r) => r.kind === 'entry' && [r.db, r.key, r.value.type, r.expireAtMs])).toEqual([
      [0, 's', 'string', undefined], [0, 'l', 'list', 4102444800000], [2, 'z', 'zset', undefined],
    ]);
  });

  it('a file cut at any offset is refused, naming an offset', () => {
    const good = rdbImage();
    for (let cut = 0; cut < good.length; cut++) {
      expect(() => readAll(good.subarray(0, cut)), `cut at ${cut}`).toThrow(/offset \d+/);
    }
  });

  it('any changed byte is refused (structure or checksum), never read as other data', () => {
    const good = rdbImage();
    for (let at = 0; at < good.length; at++) {
      const bad = Buffer.from(good);
      bad[at] ^= 0x41;
      let err: unknown = null;
      try {
        readAll(bad);
      } catch (e) {
        err = e;
      }
      expect(err, `byte ${at}`).toBeInstanceOf(RdbFormatError);
      expect((err as Error).message).toMatch(/offset \d+/);
    }
  });
});

describe('AOF command streams', () => {
  const cmds = [['SET', 'a', '1'], ['MULTI'], ['INCR', 'n'], ['EXEC'], ['DEL', 'a']];
  const image = Buffer.concat([Buffer.from('#TS:1700000000\r\n'), ...cmds.map((c) => encodeCommand(c))]);
  const bounds: number[] = [];
  for (let at = 16, i = 0; i < cmds.length; i++) bounds.push((at += encodeCommand(cmds[i]!).length));

  it('a stream cut anywhere yields exactly the whole commands before the cut, never half a transaction', () => {
    for (let cut = 0; cut < image.length; cut++) {
      const r = new AofReader(image.subarray(0, cut));
      const got: string[][] = [];
      let truncatedAt = -1;
      try {
        for (let a = r.next(); a !== null; a = r.next()) got.push(a.map((b) => b.toString()));
      } catch (e) {
        expect(e).toBeInstanceOf(AofTruncated);
        truncatedAt = (e as AofTruncated).validUpTo;
      }
      const whole = bounds.filter((b) => b <= cut).length;
      // A transaction is open after MULTI (2 whole commands) until EXEC (4).
      const inMulti = whole === 2 || whole === 3;
      const lastBoundary = Math.max(...[0, 16, ...bounds].filter((b) => b <= cut));
      if (truncatedAt < 0) {
        // A clean end only at a command boundary outside a transaction.
        expect(cut, `cut at ${cut}`).toBe(lastBoundary);
        expect(inMulti).toBe(false);
        expect(got).toEqual(cmds.slice(0, whole));
      } else {
        expect(truncatedAt, `cut at ${cut}`).toBe(inMulti ? bounds[0] : lastBoundary);
        // Commands of an open transaction are returned; the loader discards them with the MULTI.
        expect(got).toEqual(cmds.slice(0, whole));
      }
    }
  });

  it('a corrupted command is refused with its offset', () => {
    const bad = Buffer.from(image);
    bad[bounds[1]!] = 0x21;
    const r = new AofReader(bad);
    expect(() => { for (let a = r.next(); a !== null; a = r.next()); }).toThrow(AofFormatError);
    const bad2 = Buffer.from(image);
    bad2[bounds[0]! + 4] = 0x78;
    expect(() => { const r2 = new AofReader(bad2); for (let a = r2.next(); a !== null; a = r2.next()); }).toThrow(/offset \d+/);
  });

  it('manifests round-trip, quote names that need it, and are checked as Redis checks them', () => {
    const m = parseManifest('file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n');
    expect(m.incrs.map((f) => f.seq)).toEqual([1, 2]);
    expect(formatManifest(m)).toBe('file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n');
    const spaced = parseManifest(formatManifest({ ...m, base: { name: 'my file "x".rdb', seq: 1, type: 'b' } }));
    expect(spaced.base!.name).toBe('my file "x".rdb');
    expect(() => parseManifest('')).toThrow('Found an empty AOF manifest');
    expect(() => parseManifest('file a seq 1 type b\nfile b seq 2 type b\n')).toThrow(/line 2 .*Found duplicate base file information/);
    expect(() => parseManifest('file a seq 2 type i\nfile b seq 1 type i\n')).toThrow('Found a non-monotonic sequence number');
    expect(() => parseManifest('file a seq 1\n')).toThrow(ManifestError);
    expect(() => parseManifest('file dir/a seq 1 type b\n')).toThrow("File can't be a path, just a filename");
  });
});
