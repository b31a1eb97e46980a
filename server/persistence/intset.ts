/*
 * Intset (the compact set of integers): encoding width (u32 LE: 2, 4 or 8
 * bytes) | count (u32 LE) | the integers, sorted ascending, little-endian.
 */
import { canonicalInt } from './intcodec.js';

/** Builds an intset of the given integer members (any order; duplicates dropped). */
export function intsetEncode(members: readonly Uint8Array[]): Buffer | null {
  const vals: bigint[] = [];
  for (const m of members) {
    const v = canonicalInt(m);
    if (v === null) return null;
    vals.push(BigInt(v));
  }
  vals.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const uniq = vals.filter((v, i) => i === 0 || v !== vals[i - 1]);
  let width = 2;
  for (const v of uniq) {
    if (v < -2147483648n || v > 2147483647n) width = 8;
    else if ((v < -32768n || v > 32767n) && width < 4) width = 4;
  }
  const out = Buffer.alloc(8 + uniq.length * width);
  out.writeUInt32LE(width, 0);
  out.writeUInt32LE(uniq.length, 4);
  let p = 8;
  for (const v of uniq) {
    if (width === 2) out.writeInt16LE(Number(v), p);
    else if (width === 4) out.writeInt32LE(Number(v), p);
    else out.writeBigInt64LE(v, p);
    p += width;
  }
  return out;
}

/** Decodes an intset to its members as decimal strings; null when corrupt. */
export function intsetDecode(is: Uint8Array): Buffer[] | null {
  if (is.length < 8) return null;
  const b = Buffer.from(is.buffer, is.byteOffset, is.length);
  const width = b.readUInt32LE(0);
  if (width !== 2 && width !== 4 && width !== 8) return null;
  const n = b.readUInt32LE(4);
  if (8 + n * width !== b.length) return null;
  const out: Buffer[] = [];
  let prev: bigint | null = null;
  for (let i = 0, p = 8; i < n; i++, p += width) {
    const v = width === 2 ? BigInt(b.readInt16LE(p)) : width === 4 ? BigInt(b.readInt32LE(p)) : b.readBigInt64LE(p);
    if (prev !== null && v <= prev) return null;
    prev = v;
    out.push(Buffer.from(v.toString(), 'latin1'));
  }
  return out;
}
