import { describe, expect, it } from 'vitest';
import { scanReply } from './scanner.js';

/** End offsets of the replies in `s`, scanned one after another. */
function ends(s: string): number[] {
  const b = Buffer.from(s);
  const out: number[] = [];
  for (let pos = 0; pos < b.length;) {
    const e = scanReply(b, pos);
    if (e < 0) break;
    out.push(e);
    pos = e;
  }
  return out;
}

describe('reply scanner', () => {
  const replies = ['+OK\r\n', '-ERR x\r\n', ':42\r\n', '$5\r\nhello\r\n', '$-1\r\n', '$0\r\n\r\n', '*-1\r\n', '*0\r\n',
    '*2\r\n$1\r\na\r\n*1\r\n:1\r\n', '%1\r\n+k\r\n$1\r\nv\r\n', '|1\r\n+a\r\n:1\r\n:2\r\n', '>2\r\n+m\r\n$1\r\nx\r\n', '_\r\n', ',1.5\r\n', '#t\r\n'];
  const all = replies.join('');

  it('finds where each reply ends, flat or nested', () => {
    let at = 0;
    expect(ends(all)).toEqual(replies.map((r) => (at += r.length)));
  });

  it('answers -1 at every point short of a whole reply', () => {
    for (const r of replies) {
      const b = Buffer.from(r);
      for (let i = 0; i < b.length; i++) expect(scanReply(b.subarray(0, i), 0)).toBe(-1);
      expect(scanReply(b, 0)).toBe(b.length);
    }
  });

  it('throws on bytes that are not RESP', () => {
    expect(() => scanReply(Buffer.from('?x\r\n'), 0)).toThrow();
    expect(() => scanReply(Buffer.from('$x\r\nab\r\n'), 0)).toThrow();
  });
});
