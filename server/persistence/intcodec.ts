/*
 * string2ll as the RDB encoders use it: a byte string is an integer only in
 * its canonical form (no sign on zero, no leading zeros, no spaces), within
 * int64. Returns a number when it is a safe integer, a bigint otherwise.
 */
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

export function canonicalInt(b: Uint8Array): number | bigint | null {
  const len = b.length;
  if (len === 0 || len > 20) return null;
  let i = 0;
  const neg = b[0] === 45;
  if (neg) i = 1;
  if (i >= len) return null;
  const d0 = b[i]!;
  if (d0 === 48) return len === 1 ? 0 : null;
  if (d0 < 49 || d0 > 57) return null;
  for (let k = i; k < len; k++) {
    const d = b[k]!;
    if (d < 48 || d > 57) return null;
  }
  if (len - i <= 15) {
    let n = 0;
    for (let k = i; k < len; k++) n = n * 10 + (b[k]! - 48);
    return neg ? -n : n;
  }
  const v = BigInt(Buffer.from(b.buffer, b.byteOffset, len).toString('latin1'));
  if (v > INT64_MAX || v < INT64_MIN) return null;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
}

/** An integer as its decimal bytes. */
export function intBytes(v: number | bigint): Buffer {
  return Buffer.from(String(v), 'latin1');
}
