import { describe, it, expect } from 'vitest';
import { crc64 } from './crc64.js';
import { lzfCompress, lzfDecompress } from './lzf.js';
import { lpDecode, lpEncode, lpEntrySize } from './listpack.js';
import { zlDecode, zlEncode } from './ziplist.js';
import { intsetDecode, intsetEncode } from './intset.js';
import { RdbReader, RdbWriter, createDumpPayload, loadDumpPayload, verifyDumpPayload } from './rdb-value.js';
import { stringObject } from '../types/object.js';

const B = (s: string) => Buffer.from(s, 'latin1');

describe('crc64', () => {
  it('has the Jones check value', () => {
    expect(crc64(B('123456789'))).toBe(0xe9c6d914c4b8d9can);
  });
  it('continues from a previous value', () => {
    expect(crc64(B('6789'), crc64(B('12345')))).toBe(0xe9c6d914c4b8d9can);
  });
});

describe('lzf', () => {
  it('round-trips compressible and random data', () => {
    const samples = [
      B('a'.repeat(1000)), B('abcabcabcabcabcabcabcabcabcabcabc'), B('hello world '.repeat(50)),
      Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 251)),
    ];
    for (const s of samples) {
      const c = lzfCompress(s, s.length * 2);
      expect(c).not.toBeNull();
      expect(lzfDecompress(c!, s.length)!.equals(s)).toBe(true);
    }
  });
  it('compresses repetitive data and gives up when it does not fit', () => {
    const s = B('x'.repeat(500));
    expect(lzfCompress(s, s.length - 4)!.length).toBeLessThan(20);
    expect(lzfCompress(B('abcdefghijklmnopqrstuvwxyz'), 10)).toBeNull();
  });
  it('rejects corrupt input', () => {
    expect(lzfDecompress(Buffer.from([0x20, 0x05]), 10)).toBeNull();
    expect(lzfDecompress(Buffer.from([0x05, 0x41]), 6)).toBeNull();
  });
});

describe('listpack', () => {
  it('round-trips strings and every integer width', () => {
    const els = ['0', '127', '128', '-1', '-4096', '4095', '4096', '-32768', '32767', '40000', '-8388608', '8388607',
      '2147483647', '-2147483648', '9223372036854775807', '-9223372036854775808', '01', '-0', ' 1', '',
      'x'.repeat(63), 'y'.repeat(64), 'z'.repeat(4095), 'w'.repeat(5000), '9223372036854775808'].map(B);
    const lp = lpEncode(els);
    expect(lp.readUInt32LE(0)).toBe(lp.length);
    const back = lpDecode(lp)!;
    expect(back.map((b) => b.toString('latin1'))).toEqual(els.map((b) => b.toString('latin1')));
    let sum = 7;
    for (const e of els) sum += lpEntrySize(e);
    expect(sum).toBe(lp.length);
  });
  it('known bytes: small int and short string', () => {
    expect(lpEncode([B('1'), B('a')]).toString('hex')).toBe('0c000000020001018161' + '02' + 'ff');
  });
  it('rejects corruption', () => {
    const lp = lpEncode([B('abc')]);
    lp[lp.length - 2] = 9;
    expect(lpDecode(lp)).toBeNull();
  });
});

describe('ziplist and intset', () => {
  it('ziplist round-trips', () => {
    const els = ['0', '12', '13', '-128', '300', '-70000', '2147483648', 'abc', 'q'.repeat(300), 'r'.repeat(20000)].map(B);
    expect(zlDecode(zlEncode(els))!.map(String)).toEqual(els.map(String));
  });
  it('intset round-trips and sorts', () => {
    const is = intsetEncode(['5', '-3', '70000', '1'].map(B))!;
    expect(is.readUInt32LE(0)).toBe(4);
    expect(intsetDecode(is)!.map(String)).toEqual(['-3', '1', '5', '70000']);
    expect(intsetEncode([B('a')])).toBeNull();
  });
});

describe('rdb strings and payloads', () => {
  it('encodes integers, lzf and raw strings', () => {
    for (const s of ['1', '-128', '300', '-70000', '2147483647', '12345678901', 'abc', 'a'.repeat(100), '']) {
      const w = new RdbWriter(4);
      w.string(B(s), true);
      const r = new RdbReader(w.toBuffer());
      expect(r.string().toString('latin1')).toBe(s);
    }
  });
  it('lengths', () => {
    for (const n of [0, 63, 64, 16383, 16384, 2 ** 32 - 1, 2 ** 32 + 5]) {
      const w = new RdbWriter(1);
      w.len(n);
      expect(new RdbReader(w.toBuffer()).len()).toBe(n);
    }
  });
  it('payload framing and checksum', () => {
    const p = createDumpPayload(stringObject(B('hello')));
    expect(p.toString('hex').slice(0, 14)).toBe('000568656c6c6f');
    expect(verifyDumpPayload(p)).toBe(true);
    expect(loadDumpPayload(p).value).toEqual(B('hello'));
    const q = Buffer.from(p);
    q[2] ^= 1;
    expect(verifyDumpPayload(q)).toBe(false);
    expect(verifyDumpPayload(q, true)).toBe(true);
  });
});

describe('corrupt payloads', () => {
  it('decoding mutated payloads either succeeds or throws RdbFormatError, never anything else', async () => {
    const { ListValue } = await import('../types/list.js');
    const { HashValue } = await import('../types/hash.js');
    const { SetValue } = await import('../types/set.js');
    const { ZSetValue } = await import('../types/zset.js');
    const { RdbFormatError } = await import('./rdb-value.js');
    const { crc64Bytes } = await import('./crc64.js');
    const big = Array.from({ length: 300 }, (_, i) => B(i % 2 ? `v${i}` : String(i * 1000)));
    const objs = [
      stringObject(B('hello world, hello world, hello world')),
      stringObject(B('12345')),
      { type: 'list' as const, value: ListValue.from(big), lru: 0, idx: -1, snap: 0, sidx: -1 },
      { type: 'hash' as const, value: HashValue.fromEntries([[B('a'), B('1')], [B('b'), B('xyz')]]), lru: 0, idx: -1, snap: 0, sidx: -1 },
      { type: 'hash' as const, value: HashValue.fromEntries(big.map((b, i): [Buffer, Buffer] => [B(`f${i}`), b]), 10, 64), lru: 0, idx: -1, snap: 0, sidx: -1 },
      { type: 'set' as const, value: SetValue.fromMembers([B('1'), B('2'), B('300000')]), lru: 0, idx: -1, snap: 0, sidx: -1 },
      { type: 'set' as const, value: SetValue.fromMembers([B('a'), B('b')]), lru: 0, idx: -1, snap: 0, sidx: -1 },
      { type: 'zset' as const, value: ZSetValue.fromEntries([[B('a'), 1], [B('b'), 2.5]]), lru: 0, idx: -1, snap: 0, sidx: -1 },
      { type: 'zset' as const, value: ZSetValue.fromEntries(big.map((b, i): [Buffer, number] => [b, i / 3]), 10, 64), lru: 0, idx: -1, snap: 0, sidx: -1 },
    ];
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let ok = 0;
    let bad = 0;
    for (const o of objs) {
      const p = createDumpPayload(o);
      for (let t = 0; t < 300; t++) {
        const q = Buffer.from(p);
        const flips = 1 + rand(3);
        for (let f = 0; f < flips; f++) q[rand(q.length - 10)] = rand(256);
        const body = q.subarray(0, q.length - 8);
        crc64Bytes(body).copy(q, q.length - 8);
        expect(verifyDumpPayload(q)).toBe(true);
        try {
          loadDumpPayload(q);
          ok++;
        } catch (e) {
          expect(e).toBeInstanceOf(RdbFormatError);
          bad++;
        }
      }
    }
    expect(ok + bad).toBe(objs.length * 300);
    expect(bad).toBeGreaterThan(0);
  });
});

describe('hostile lengths', () => {
  it('an LZF string claiming a huge size is refused without allocating it', () => {
    const w = new RdbWriter();
    w.byte(0);
    w.byte(0xc3);
    w.len(3);
    w.len(2 ** 40);
    w.raw(Buffer.from([0x00, 0x41, 0x41]));
    w.byte(10);
    w.byte(0);
    const body = w.toBuffer();
    expect(() => loadDumpPayload(Buffer.concat([body, Buffer.alloc(8)]))).toThrow(/LZF/);
  });
});

describe('quicklist nodes', () => {
  it('elements over the packed threshold become plain nodes and load back in order', async () => {
    const { ListValue } = await import('../types/list.js');
    const items = [B('a'), B('x'.repeat(600)), B('b'), B('c'), B('y'.repeat(700))];
    const o = { type: 'list' as const, value: ListValue.from(items), lru: 0, idx: -1, snap: 0, sidx: -1 };
    const p = createDumpPayload(o, { compress: false, listMaxListpackSize: -2, packedThreshold: 500 });
    const r = new RdbReader(p);
    expect(r.byte()).toBe(18);
    expect(r.len()).toBe(4); // [a] [x…] [b c] [y…]
    expect(r.len()).toBe(2);
    r.string();
    expect(r.len()).toBe(1);
    expect(r.string().length).toBe(600);
    const back = loadDumpPayload(p);
    expect(back.type === 'list' && [...back.value].map(String)).toEqual(items.map(String));
  });
});
