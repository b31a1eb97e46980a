import { describe, expect, it } from 'vitest';
import { crc32 as zcrc } from 'node:zlib';
import { crc32, hashTagRange, slotOf, slotOfLatin1, SLOT_COUNT } from './slots.js';
import { rng } from '../test/helpers/rng.js';

describe('slot function', () => {
  it.each([
    ['a', 579], ['b', 1017], ['c', 879], ['{a}7836', 579], ['123456789', 294],
  ])('%s -> %d', (k, s) => {
    expect(slotOf(k)).toBe(s);
  });

  it('ignores an empty tag and hashes the whole key', () => {
    expect(slotOf('{}x')).toBe(crc32(Buffer.from('{}x')) % SLOT_COUNT);
    expect(slotOf('{}x')).not.toBe(slotOf(''));
  });

  it('uses the first tag only', () => {
    expect(slotOf('{user1}.{x}')).toBe(slotOf('user1'));
    expect(slotOf('foo{bar}{zap}')).toBe(slotOf('bar'));
    expect(slotOf('foo{{bar}}')).toBe(slotOf('{bar'));
  });

  it('agrees with hashTagRange and crc32 on keys full of braces', () => {
    const alphabet = ['{', '}', 'a', 'b', '{}', 'x'];
    const r = rng(7);
    const rnd = (n: number) => Math.floor(r() * n);
    for (let t = 0; t < 5000; t++) {
      let k = '';
      for (let i = rnd(12); i > 0; i--) k += alphabet[rnd(alphabet.length)];
      const b = Buffer.from(k);
      const [s, e] = hashTagRange(b);
      expect(slotOf(b)).toBe(crc32(b, s, e) % SLOT_COUNT);
      expect(slotOf(k)).toBe(slotOfLatin1(k));
    }
  });

  it('matches zlib crc32 (IEEE)', () => {
    for (const k of ['', 'a', 'hello world', '123456789', 'x'.repeat(1000)]) {
      expect(crc32(Buffer.from(k))).toBe(zcrc(Buffer.from(k)));
    }
  });
});
