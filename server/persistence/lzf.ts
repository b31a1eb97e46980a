/*
 * LZF (liblzf's format, as RDB strings use it).
 *
 * A stream of chunks; the control byte's top 3 bits say which:
 *   000LLLLL                 literal run of L+1 bytes (1..32) that follow;
 *   LLLooooo [LLLLLLLL] oooooooo   back reference: length L+2 (L = 7 means
 *                            an extra length byte is added), offset o+1
 *                            bytes back (up to 8192) in the output so far.
 */

const HLOG = 16;
const HSIZE = 1 << HLOG;
const MAX_OFF = 1 << 13;
const MAX_LIT = 1 << 5;
const MAX_REF = (1 << 8) + (1 << 3); // 264

/** The hash of the 3 bytes ending at the low byte of h (liblzf's "very fast" variant). */
function idx(h: number): number {
  return ((h >>> (3 * 8 - HLOG)) - Math.imul(h, 5)) & (HSIZE - 1);
}

/**
 * Compresses `input` the way liblzf does, so payloads match Redis's byte for
 * byte (same format, same choices; written from the format's description):
 * greedy matching through a 64K-entry hash table of 3-byte prefixes,
 * a reference never pointing at offset 0, and after each match the two
 * positions before its end are hashed. Returns null when the result would
 * not fit in `maxOut` bytes (the caller then stores the data uncompressed).
 */
export function lzfCompress(input: Uint8Array, maxOut: number): Buffer | null {
  const inLen = input.length;
  if (inLen === 0 || maxOut <= 0) return null;
  const out = Buffer.allocUnsafe(maxOut + 8);
  const outEnd = maxOut;
  // Slot = position + 1, 0 = empty (liblzf stores offsets from the input start; 0 never matches).
  const htab = new Int32Array(HSIZE);
  let ip = 0;
  let op = 0;
  let lit = 0;
  op++; // start a literal run
  let hval = ((input[0]! << 8) | (inLen > 1 ? input[1]! : 0)) >>> 0;
  while (ip < inLen - 2) {
    hval = ((hval << 8) | input[ip + 2]!) >>> 0;
    const slot = idx(hval);
    const ref = htab[slot]!;
    htab[slot] = ip;
    const off = ip - ref - 1;
    if (ref > 0 && off < MAX_OFF && input[ref + 2] === input[ip + 2] && input[ref] === input[ip] && input[ref + 1] === input[ip + 1]) {
      let len = 2;
      let maxlen = inLen - ip - len;
      if (maxlen > MAX_REF) maxlen = MAX_REF;
      if (op + 3 + 1 >= outEnd && op - (lit === 0 ? 1 : 0) + 3 + 1 >= outEnd) return null;
      out[op - lit - 1] = lit - 1; // stop the run
      if (lit === 0) op--; // undo an empty run
      // liblzf first compares 16 bytes unrolled, without the maxlen bound (a match
      // may then run up to 2 bytes past it), then goes on byte by byte.
      let mismatch = false;
      if (maxlen > 16) {
        for (let k = 0; k < 16; k++) {
          len++;
          if (input[ref + len] !== input[ip + len]) {
            mismatch = true;
            break;
          }
        }
      }
      if (!mismatch) {
        do len++;
        while (len < maxlen && input[ref + len] === input[ip + len]);
      }
      len -= 2; // the encoded length: match length - 2
      ip++;
      if (len < 7) {
        out[op++] = (off >> 8) + (len << 5);
      } else {
        out[op++] = (off >> 8) + (7 << 5);
        out[op++] = len - 7;
      }
      out[op++] = off & 0xff;
      lit = 0;
      op++; // start a new run
      ip += len + 1;
      if (ip >= inLen - 2) break;
      ip -= 2;
      hval = ((input[ip]! << 8) | input[ip + 1]!) >>> 0;
      hval = ((hval << 8) | input[ip + 2]!) >>> 0;
      htab[idx(hval)] = ip;
      ip++;
      hval = ((hval << 8) | input[ip + 2]!) >>> 0;
      htab[idx(hval)] = ip;
      ip++;
    } else {
      if (op >= outEnd) return null;
      lit++;
      out[op++] = input[ip++]!;
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1;
        lit = 0;
        op++;
      }
    }
  }
  if (op + 3 > outEnd) return null;
  while (ip < inLen) {
    lit++;
    out[op++] = input[ip++]!;
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }
  out[op - lit - 1] = lit - 1; // end the run
  if (lit === 0) op--;
  return Buffer.from(out.subarray(0, op));
}

/** Decompresses into exactly `outLen` bytes; null when the data is corrupt. */
export function lzfDecompress(input: Uint8Array, outLen: number): Buffer | null {
  const out = Buffer.allocUnsafe(outLen);
  let ip = 0;
  let op = 0;
  const n = input.length;
  while (ip < n) {
    const ctrl = input[ip++]!;
    if (ctrl < MAX_LIT) {
      const run = ctrl + 1;
      if (op + run > outLen || ip + run > n) return null;
      for (let k = 0; k < run; k++) out[op++] = input[ip++]!;
    } else {
      let len = ctrl >> 5;
      if (len === 7) {
        if (ip >= n) return null;
        len += input[ip++]!;
      }
      if (ip >= n) return null;
      const ref = op - ((ctrl & 0x1f) << 8) - 1 - input[ip++]!;
      len += 2;
      if (ref < 0 || op + len > outLen) return null;
      for (let k = 0; k < len; k++) out[op++] = out[ref + k]!;
    }
  }
  return op === outLen ? out : null;
}
