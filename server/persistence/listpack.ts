/*
 * Listpack (Redis 7's compact sequence), encoder and decoder.
 *
 * Layout: total bytes (u32 LE) | element count (u16 LE, 65535 = unknown) |
 * entries | 0xFF. Each entry is an encoding + data, then its "backlen": the
 * size of encoding + data written as a reversed varint of 1-5 bytes.
 * Strings that are canonical int64 integers are stored as integers, like
 * lpAppend does.
 */
import { canonicalInt, intBytes } from './intcodec.js';

export const LP_HDR_SIZE = 6;
export const LP_EOF = 0xff;

function backlenSize(l: number): number {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

/** Size in bytes of encoding + data for an integer. */
function intEncodedSize(v: number | bigint): number {
  if (typeof v === 'bigint') return 9;
  if (v >= 0 && v <= 127) return 1;
  if (v >= -4096 && v <= 4095) return 2;
  if (v >= -32768 && v <= 32767) return 3;
  if (v >= -8388608 && v <= 8388607) return 4;
  if (v >= -2147483648 && v <= 2147483647) return 5;
  return 9;
}

function strEncodedSize(len: number): number {
  if (len < 64) return 1 + len;
  if (len < 4096) return 2 + len;
  return 5 + len;
}

/** Bytes one element takes in a listpack (encoding + data + backlen). */
export function lpEntrySize(e: Uint8Array): number {
  const v = canonicalInt(e);
  const l = v !== null ? intEncodedSize(v) : strEncodedSize(e.length);
  return l + backlenSize(l);
}

function writeBacklen(out: Buffer, pos: number, l: number): number {
  if (l <= 127) {
    out[pos] = l;
    return pos + 1;
  }
  if (l < 16383) {
    out[pos] = l >>> 7;
    out[pos + 1] = (l & 127) | 128;
    return pos + 2;
  }
  if (l < 2097151) {
    out[pos] = l >>> 14;
    out[pos + 1] = ((l >>> 7) & 127) | 128;
    out[pos + 2] = (l & 127) | 128;
    return pos + 3;
  }
  if (l < 268435455) {
    out[pos] = l >>> 21;
    out[pos + 1] = ((l >>> 14) & 127) | 128;
    out[pos + 2] = ((l >>> 7) & 127) | 128;
    out[pos + 3] = (l & 127) | 128;
    return pos + 4;
  }
  out[pos] = Math.floor(l / 268435456);
  out[pos + 1] = ((l >>> 21) & 127) | 128;
  out[pos + 2] = ((l >>> 14) & 127) | 128;
  out[pos + 3] = ((l >>> 7) & 127) | 128;
  out[pos + 4] = (l & 127) | 128;
  return pos + 5;
}

/** Builds a listpack of the given elements. */
export function lpEncode(elements: readonly Uint8Array[]): Buffer {
  const ints: (number | bigint | null)[] = new Array(elements.length);
  let total = LP_HDR_SIZE + 1;
  for (let i = 0; i < elements.length; i++) {
    const e = elements[i]!;
    const v = canonicalInt(e);
    ints[i] = v;
    const l = v !== null ? intEncodedSize(v) : strEncodedSize(e.length);
    total += l + backlenSize(l);
  }
  const out = Buffer.alloc(total);
  out.writeUInt32LE(total, 0);
  out.writeUInt16LE(elements.length < 65535 ? elements.length : 65535, 4);
  let p = LP_HDR_SIZE;
  for (let i = 0; i < elements.length; i++) {
    const e = elements[i]!;
    const v = ints[i]!;
    const start = p;
    if (v !== null) {
      const size = intEncodedSize(v);
      if (size === 1) {
        out[p++] = v as number;
      } else if (size === 2) {
        const u = (v as number) < 0 ? (1 << 13) + (v as number) : (v as number);
        out[p++] = 0xc0 | (u >>> 8);
        out[p++] = u & 0xff;
      } else if (size === 3) {
        out[p++] = 0xf1;
        out.writeInt16LE(v as number, p);
        p += 2;
      } else if (size === 4) {
        out[p++] = 0xf2;
        out.writeIntLE(v as number, p, 3);
        p += 3;
      } else if (size === 5) {
        out[p++] = 0xf3;
        out.writeInt32LE(v as number, p);
        p += 4;
      } else {
        out[p++] = 0xf4;
        out.writeBigInt64LE(BigInt(v), p);
        p += 8;
      }
    } else {
      const len = e.length;
      if (len < 64) {
        out[p++] = 0x80 | len;
      } else if (len < 4096) {
        out[p++] = 0xe0 | (len >>> 8);
        out[p++] = len & 0xff;
      } else {
        out[p++] = 0xf0;
        out.writeUInt32LE(len, p);
        p += 4;
      }
      out.set(e, p);
      p += len;
    }
    p = writeBacklen(out, p, p - start);
  }
  out[p] = LP_EOF;
  return out;
}

/**
 * Decodes a listpack into its elements (integers as decimal strings);
 * null when the bytes are not a valid listpack.
 */
export function lpDecode(lp: Uint8Array): Buffer[] | null {
  if (lp.length < LP_HDR_SIZE + 1) return null;
  const b = Buffer.from(lp.buffer, lp.byteOffset, lp.length);
  const total = b.readUInt32LE(0);
  if (total !== b.length) return null;
  const count = b.readUInt16LE(4);
  const out: Buffer[] = [];
  let p = LP_HDR_SIZE;
  const end = total - 1;
  if (b[end] !== LP_EOF) return null;
  while (p < end) {
    const start = p;
    const c = b[p]!;
    if ((c & 0x80) === 0) {
      out.push(intBytes(c));
      p += 1;
    } else if ((c & 0xc0) === 0x80) {
      const len = c & 0x3f;
      if (p + 1 + len > end) return null;
      out.push(Buffer.from(b.subarray(p + 1, p + 1 + len)));
      p += 1 + len;
    } else if ((c & 0xe0) === 0xc0) {
      if (p + 2 > end) return null;
      let v = ((c & 0x1f) << 8) | b[p + 1]!;
      if (v >= 1 << 12) v -= 1 << 13;
      out.push(intBytes(v));
      p += 2;
    } else if ((c & 0xf0) === 0xe0) {
      if (p + 2 > end) return null;
      const len = ((c & 0x0f) << 8) | b[p + 1]!;
      if (p + 2 + len > end) return null;
      out.push(Buffer.from(b.subarray(p + 2, p + 2 + len)));
      p += 2 + len;
    } else if (c === 0xf0) {
      if (p + 5 > end) return null;
      const len = b.readUInt32LE(p + 1);
      if (p + 5 + len > end) return null;
      out.push(Buffer.from(b.subarray(p + 5, p + 5 + len)));
      p += 5 + len;
    } else if (c === 0xf1) {
      if (p + 3 > end) return null;
      out.push(intBytes(b.readInt16LE(p + 1)));
      p += 3;
    } else if (c === 0xf2) {
      if (p + 4 > end) return null;
      out.push(intBytes(b.readIntLE(p + 1, 3)));
      p += 4;
    } else if (c === 0xf3) {
      if (p + 5 > end) return null;
      out.push(intBytes(b.readInt32LE(p + 1)));
      p += 5;
    } else if (c === 0xf4) {
      if (p + 9 > end) return null;
      const v = b.readBigInt64LE(p + 1);
      const n = Number(v);
      out.push(intBytes(Number.isSafeInteger(n) ? n : v));
      p += 9;
    } else {
      return null;
    }
    // Check the backlen matches the entry's size.
    const l = p - start;
    const bl = backlenSize(l);
    if (p + bl > end) return null;
    const tmp = Buffer.alloc(5);
    writeBacklen(tmp, 0, l);
    for (let k = 0; k < bl; k++) if (b[p + k] !== tmp[k]) return null;
    p += bl;
  }
  if (p !== end) return null;
  if (count !== 65535 && count !== out.length) return null;
  return out;
}
