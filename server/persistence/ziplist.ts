/*
 * Ziplist (Redis ≤ 6.2's compact sequence): decoder for RESTORE of old
 * payloads, and an encoder used to produce such payloads in tests.
 *
 * Layout: zlbytes (u32 LE) | zltail (u32 LE) | zllen (u16 LE, 65535 =
 * unknown) | entries | 0xFF. Entry: prevlen (1 byte, or 0xFE + u32 LE) |
 * encoding | data. Encodings: 00pppppp (string, 6-bit length), 01pppppp
 * qqqqqqqq (14-bit BE length), 10000000 + u32 BE length; integers 0xC0
 * int16, 0xD0 int32, 0xE0 int64, 0xF0 int24, 0xFE int8, 0xF1..0xFD the
 * immediate values 0..12 (all little-endian).
 */
import { canonicalInt, intBytes } from './intcodec.js';

const ZL_HEADER = 10;
const ZL_END = 0xff;

/** Decodes a ziplist into its elements (integers as decimal strings); null when corrupt. */
export function zlDecode(zl: Uint8Array): Buffer[] | null {
  if (zl.length < ZL_HEADER + 1) return null;
  const b = Buffer.from(zl.buffer, zl.byteOffset, zl.length);
  if (b.readUInt32LE(0) !== b.length) return null;
  const count = b.readUInt16LE(8);
  const end = b.length - 1;
  if (b[end] !== ZL_END) return null;
  const out: Buffer[] = [];
  let p = ZL_HEADER;
  let prevSize = 0;
  while (p < end) {
    const start = p;
    let prevlen: number;
    if (b[p]! < 254) {
      prevlen = b[p]!;
      p += 1;
    } else {
      if (p + 5 > end) return null;
      prevlen = b.readUInt32LE(p + 1);
      p += 5;
    }
    if (prevlen !== prevSize) return null;
    if (p >= end) return null;
    const c = b[p]!;
    const kind = c >> 6;
    if (kind === 0 || kind === 1 || c === 0x80) {
      let len: number;
      if (kind === 0) {
        len = c & 0x3f;
        p += 1;
      } else if (kind === 1) {
        if (p + 2 > end) return null;
        len = ((c & 0x3f) << 8) | b[p + 1]!;
        p += 2;
      } else {
        if (p + 5 > end) return null;
        len = b.readUInt32BE(p + 1);
        p += 5;
      }
      if (p + len > end) return null;
      out.push(Buffer.from(b.subarray(p, p + len)));
      p += len;
    } else if (kind === 2) {
      return null;
    } else {
      p += 1;
      let v: number | bigint;
      if (c === 0xc0) {
        if (p + 2 > end) return null;
        v = b.readInt16LE(p);
        p += 2;
      } else if (c === 0xd0) {
        if (p + 4 > end) return null;
        v = b.readInt32LE(p);
        p += 4;
      } else if (c === 0xe0) {
        if (p + 8 > end) return null;
        const big = b.readBigInt64LE(p);
        const n = Number(big);
        v = Number.isSafeInteger(n) ? n : big;
        p += 8;
      } else if (c === 0xf0) {
        if (p + 3 > end) return null;
        v = b.readIntLE(p, 3);
        p += 3;
      } else if (c === 0xfe) {
        if (p + 1 > end) return null;
        v = b.readInt8(p);
        p += 1;
      } else if (c >= 0xf1 && c <= 0xfd) {
        v = (c & 0x0f) - 1;
      } else {
        return null;
      }
      out.push(intBytes(v));
    }
    prevSize = p - start;
  }
  if (p !== end) return null;
  if (count !== 65535 && count !== out.length) return null;
  return out;
}

/** Builds a ziplist (as Redis ≤ 6.2 wrote them). */
export function zlEncode(elements: readonly Uint8Array[]): Buffer {
  const parts: Buffer[] = [];
  let prev = 0;
  let tail = ZL_HEADER;
  let offset = ZL_HEADER;
  for (const e of elements) {
    const pl = prev < 254 ? Buffer.from([prev]) : Buffer.concat([Buffer.from([0xfe]), u32le(prev)]);
    let enc: Buffer;
    const v = canonicalInt(e);
    if (v !== null) {
      if (typeof v === 'number' && v >= 0 && v <= 12) enc = Buffer.from([0xf1 + v]);
      else if (typeof v === 'number' && v >= -128 && v <= 127) enc = Buffer.from([0xfe, v & 0xff]);
      else if (typeof v === 'number' && v >= -32768 && v <= 32767) {
        enc = Buffer.alloc(3);
        enc[0] = 0xc0;
        enc.writeInt16LE(v, 1);
      } else if (typeof v === 'number' && v >= -8388608 && v <= 8388607) {
        enc = Buffer.alloc(4);
        enc[0] = 0xf0;
        enc.writeIntLE(v, 1, 3);
      } else if (typeof v === 'number' && v >= -2147483648 && v <= 2147483647) {
        enc = Buffer.alloc(5);
        enc[0] = 0xd0;
        enc.writeInt32LE(v, 1);
      } else {
        enc = Buffer.alloc(9);
        enc[0] = 0xe0;
        enc.writeBigInt64LE(BigInt(v), 1);
      }
    } else if (e.length < 64) {
      enc = Buffer.concat([Buffer.from([e.length]), e]);
    } else if (e.length < 16384) {
      enc = Buffer.concat([Buffer.from([0x40 | (e.length >> 8), e.length & 0xff]), e]);
    } else {
      const h = Buffer.alloc(5);
      h[0] = 0x80;
      h.writeUInt32BE(e.length, 1);
      enc = Buffer.concat([h, e]);
    }
    const entry = Buffer.concat([pl, enc]);
    tail = offset;
    offset += entry.length;
    prev = entry.length;
    parts.push(entry);
  }
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(ZL_HEADER);
  head.writeUInt32LE(ZL_HEADER + body.length + 1, 0);
  head.writeUInt32LE(tail, 4);
  head.writeUInt16LE(Math.min(elements.length, 65535), 8);
  return Buffer.concat([head, body, Buffer.from([ZL_END])]);
}

function u32le(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}
