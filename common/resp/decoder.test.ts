import { describe, expect, it } from 'vitest';
import { RequestParser, splitArgs } from './decoder.js';

const limits = () => ({ maxBulkLen: 512 * 1024 * 1024, authRequired: false });
const strs = (a: Buffer[] | null) => a?.map((b) => b.toString('latin1')) ?? null;

function parseAll(chunks: Buffer[], authRequired = false): { cmds: string[][]; error: string | null } {
  const p = new RequestParser({ maxBulkLen: 512 * 1024 * 1024, authRequired });
  const cmds: string[][] = [];
  for (const c of chunks) {
    p.push(c);
    for (let a = p.next(); a !== null; a = p.next()) cmds.push(strs(a)!);
    if (p.error) break;
  }
  return { cmds, error: p.error };
}

const bytewise = (s: string | Buffer) => [...Buffer.from(s)].map((b) => Buffer.from([b]));

describe('request parser', () => {
  const pipeline = '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\nPING\r\n*1\r\n$4\r\nPING\r\nECHO "a b" \'c\'\r\n\r\n*0\r\n*-1\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n';
  const expected = [['SET', 'k', 'hello'], ['PING'], ['PING'], ['ECHO', 'a b', 'c'], ['ECHO', '']];

  it('parses a mixed pipeline of multibulk and inline commands', () => {
    expect(parseAll([Buffer.from(pipeline)])).toEqual({ cmds: expected, error: null });
  });

  it('gives the same commands when fed one byte at a time', () => {
    expect(parseAll(bytewise(pipeline))).toEqual({ cmds: expected, error: null });
  });

  it('gives the same commands for every split point', () => {
    const b = Buffer.from(pipeline);
    for (let i = 1; i < b.length; i++) {
      expect(parseAll([b.subarray(0, i), b.subarray(i)]).cmds).toEqual(expected);
    }
  });

  it('gives Buffers that work as Buffers with fastViews (the proxy\'s parser), at every split point', () => {
    const b = Buffer.from(pipeline);
    for (let i = 1; i < b.length; i++) {
      const p = new RequestParser(limits(), true);
      const cmds: Buffer[][] = [];
      for (const c of [b.subarray(0, i), b.subarray(i)]) {
        p.push(c);
        for (let a = p.next(); a !== null; a = p.next()) cmds.push(a);
      }
      expect(cmds.map(strs)).toEqual(expected);
      const set = cmds[0]!;
      expect(Buffer.isBuffer(set[2])).toBe(true);
      expect(set[2]!.equals(Buffer.from('hello'))).toBe(true);
      expect(set[2]!.subarray(1, 3).toString()).toBe('el');
      expect(Buffer.concat(set).toString()).toBe('SETkhello');
    }
  });

  it('is binary safe', () => {
    const val = Buffer.from([0, 13, 10, 255, 36, 42]);
    const msg = Buffer.concat([Buffer.from('*2\r\n$3\r\nGET\r\n$6\r\n'), val, Buffer.from('\r\n')]);
    const p = new RequestParser(limits());
    p.push(msg);
    const a = p.next()!;
    expect(a[1]!.equals(val)).toBe(true);
  });

  it('reassembles a large bulk split over many chunks without losing bytes', () => {
    const big = Buffer.alloc(5 * 1024 * 1024, 7);
    const msg = Buffer.concat([Buffer.from(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${big.length}\r\n`), big, Buffer.from('\r\n*1\r\n$4\r\nPING\r\n')]);
    const p = new RequestParser(limits());
    const out: Buffer[][] = [];
    for (let i = 0; i < msg.length; i += 65536) {
      p.push(msg.subarray(i, i + 65536));
      for (let a = p.next(); a !== null; a = p.next()) out.push(a);
    }
    expect(out.length).toBe(2);
    expect(out[0]![2]!.equals(big)).toBe(true);
    expect(strs(out[1]!)).toEqual(['PING']);
  });

  it.each([
    ['bad multibulk count', '*abc\r\n', 'ERR Protocol error: invalid multibulk length'],
    ['huge multibulk count', '*3000000000\r\n', 'ERR Protocol error: invalid multibulk length'],
    ['missing $', '*1\r\nfoo\r\n', "ERR Protocol error: expected '$', got 'f'"],
    ['negative bulk length', '*1\r\n$-1\r\n', 'ERR Protocol error: invalid bulk length'],
    ['bad bulk length', '*1\r\n$abc\r\n', 'ERR Protocol error: invalid bulk length'],
    ['bulk over proto-max-bulk-len', '*1\r\n$600000000\r\n', 'ERR Protocol error: invalid bulk length'],
    ['unbalanced double quote', 'SET "unbalanced\r\n', 'ERR Protocol error: unbalanced quotes in request'],
    ['quote followed by text', "SET 'a'b\r\n", 'ERR Protocol error: unbalanced quotes in request'],
    ['endless multibulk count', '*' + '1'.repeat(70000), 'ERR Protocol error: too big mbulk count string'],
    ['endless bulk count', '*1\r\n$' + '1'.repeat(70000), 'ERR Protocol error: too big bulk count string'],
    ['endless inline line', 'x'.repeat(70000), 'ERR Protocol error: too big inline request'],
  ])('rejects a %s with Redis\'s error', (_name, input, err) => {
    expect(parseAll([Buffer.from(input)]).error).toBe(err);
    expect(parseAll(bytewise(input)).error).toBe(err);
  });

  it('applies the tighter limits before authentication', () => {
    expect(parseAll([Buffer.from('*20\r\n')], true).error).toBe('ERR Protocol error: unauthenticated multibulk length');
    expect(parseAll([Buffer.from('*1\r\n$20000\r\n')], true).error).toBe('ERR Protocol error: unauthenticated bulk length');
    expect(parseAll([Buffer.from('*20\r\n')], false).error).toBe(null);
  });

  it('never throws or loops on random input', () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const alphabet = Buffer.from('*$\r\n0123456789-abcSET "\' \\x');
    for (let n = 0; n < 2000; n++) {
      const len = Math.floor(rnd() * 64);
      const b = Buffer.alloc(len);
      for (let i = 0; i < len; i++) b[i] = rnd() < 0.9 ? alphabet[Math.floor(rnd() * alphabet.length)]! : Math.floor(rnd() * 256);
      const p = new RequestParser(limits());
      let steps = 0;
      for (let i = 0; i < b.length; i += 1 + Math.floor(rnd() * 8)) {
        p.push(b.subarray(i, i + 1 + Math.floor(rnd() * 8)));
        while (p.next() !== null) if (++steps > 1000) throw new Error('parser loops');
      }
    }
  });
});

describe('inline argument splitting (sdssplitargs)', () => {
  it.each([
    ['a b  c', ['a', 'b', 'c']],
    ['"a\\x41\\n" b', ['aA\n', 'b']],
    ["'it\\'s'", ["it's"]],
    ['""', ['']],
    ['  ', []],
  ])('%j', (line, out) => {
    expect(splitArgs(Buffer.from(line))!.map((b) => b.toString())).toEqual(out);
  });
});
