/*
 * The slot function shared by proxy, engine and dashboard:
 * slot = crc32(hashKey) & 1023, CRC-32/IEEE. The hash key is the part between
 * the first '{' and the first '}' after it when that part is non-empty, else
 * the whole key (Redis Cluster's rule; Codis hashes an empty tag to slot 0,
 * which makes a hot spot, so we deliberately differ).
 */
export const SLOT_COUNT = 1024;

const TABLE = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLE[n] = c;
}

/** CRC-32/IEEE of buf[start, end). A table walk: faster than zlib.crc32 for short keys. */
export function crc32(buf: Uint8Array, start = 0, end = buf.length): number {
  let c = -1;
  for (let i = start; i < end; i++) c = TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** [start, end) of the bytes that decide the key's slot. */
export function hashTagRange(key: Uint8Array): [number, number] {
  const open = key.indexOf(123);
  if (open >= 0) {
    const close = key.indexOf(125, open + 1);
    if (close > open + 1) return [open + 1, close];
  }
  return [0, key.length];
}

export function slotOf(key: Uint8Array | string): number {
  const k = typeof key === 'string' ? Buffer.from(key) : key;
  // hashTagRange and crc32 in one pass: the proxy calls this per key of every
  // request, and for keys of a few dozen bytes the native indexOf calls and a
  // second walk over the key cost more than the crc itself.
  const n = k.length;
  let c = -1;
  for (let i = 0; i < n; i++) {
    const b = k[i]!;
    if (b === 123) {
      for (let j = i + 1; j < n; j++) {
        if (k[j] !== 125) continue;
        if (j > i + 1) return crc32(k, i + 1, j) & (SLOT_COUNT - 1);
        break;
      }
      // No tag (unclosed or empty): the whole key, with no more '{' to look for.
      for (let m = i; m < n; m++) c = TABLE[(c ^ k[m]!) & 0xff]! ^ (c >>> 8);
      return ((c ^ -1) >>> 0) & (SLOT_COUNT - 1);
    }
    c = TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  }
  return ((c ^ -1) >>> 0) & (SLOT_COUNT - 1);
}

/** hashTagRange for a key held as a latin1 string (one char per byte). */
export function hashTagRangeLatin1(key: string): [number, number] {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) return [open + 1, close];
  }
  return [0, key.length];
}

/**
 * slotOf for a key held as a latin1 string, as the engine's keyspace holds
 * keys: no Buffer is made for the key.
 */
export function slotOfLatin1(key: string): number {
  const [s, e] = hashTagRangeLatin1(key);
  let c = -1;
  for (let i = s; i < e; i++) c = TABLE[(c ^ key.charCodeAt(i)) & 0xff]! ^ (c >>> 8);
  return ((c ^ -1) >>> 0) & (SLOT_COUNT - 1);
}
