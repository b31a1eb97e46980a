/*
 * Helpers for the string and bitmap commands:
 *
 * - Growable, in-place writable string values (Redis's sds with free space):
 *   APPEND, SETRANGE, SETBIT and BITFIELD reuse a value's spare capacity
 *   instead of copying the whole string each time.
 * - Redis's long double arithmetic for INCRBYFLOAT (x87 80-bit, 64-bit
 *   mantissa), emulated exactly with BigInt, and its "%.17Lf minus trailing
 *   zeros" output, so that e.g. 0.1 + 0.2 gives "0.3" as in Redis.
 */
import type { StringObject } from './object.js';

// ---------------------------------------------------------------- writable strings

/** The reply writer references bulks of this size or more instead of copying them (writer.ts BIG). */
const SHARED_REPLY_LIMIT = 16 * 1024;
const ONE_MB = 1024 * 1024;

/**
 * Values this module allocated with spare capacity, and the object owning
 * each. Only those are written in place: a buffer made elsewhere may be a
 * pooled slab or shared with another object (COPY), so it is copied first.
 */
const owners = new WeakMap<Buffer, StringObject>();

/**
 * Makes o.value `newLen` bytes long (never shorter than now) and writable;
 * bytes past the old length are zeroed. With `overwrite`, the caller will
 * also change bytes inside the old length: a large value may then still be
 * referenced by a queued reply, so it is copied rather than changed under it.
 * Returns the new o.value.
 */
export function growString(o: StringObject, newLen: number, overwrite: boolean): Buffer {
  const v = o.value;
  const oldLen = v.length;
  if (newLen < oldLen) newLen = oldLen;
  let out: Buffer;
  if (owners.get(v) === o && v.buffer.byteLength - v.byteOffset >= newLen &&
      !(overwrite && oldLen >= SHARED_REPLY_LIMIT)) {
    if (newLen === oldLen) return v;
    out = Buffer.from(v.buffer, v.byteOffset, newLen);
  } else {
    // Greedy growth like sdsMakeRoomFor: double below 1MB, +1MB above.
    const cap = newLen === oldLen ? newLen : newLen < ONE_MB ? newLen * 2 : newLen + ONE_MB;
    const back = Buffer.allocUnsafeSlow(Math.max(cap, 1));
    v.copy(back, 0, 0, oldLen);
    out = Buffer.from(back.buffer, back.byteOffset, newLen);
  }
  if (newLen > oldLen) out.fill(0, oldLen, newLen);
  owners.set(out, o);
  o.value = out;
  return out;
}

/**
 * True when the value was written by APPEND/SETRANGE/SETBIT/BITFIELD: Redis
 * then holds it as a "raw" sds (OBJECT ENCODING says raw even when short or
 * numeric), like dbUnshareStringValue does.
 */
export function isRawString(o: StringObject): boolean {
  return owners.get(o.value) === o;
}

/** Takes a freshly allocated, unpooled buffer as a raw, writable value of `o` (BITOP's result). */
export function adoptRaw(o: StringObject): void {
  owners.set(o.value, o);
}

/**
 * Stores a value built by a command that Redis keeps as a raw string (the
 * HyperLogLog commands): copied into a buffer of its own, so OBJECT ENCODING
 * says raw and in-place writes stay safe.
 */
export function setRawValue(o: StringObject, value: Uint8Array): void {
  const b = Buffer.allocUnsafeSlow(value.length);
  b.set(value);
  o.value = b;
  owners.set(b, o);
}

/** APPEND: adds bytes at the end, in place when there is room. */
export function appendString(o: StringObject, add: Uint8Array): number {
  const oldLen = o.value.length;
  const out = growString(o, oldLen + add.length, false);
  out.set(add, oldLen);
  return out.length;
}

// ---------------------------------------------------------------- long double (INCRBYFLOAT)

/** A finite x87 long double: m * 2^e with |m| < 2^64 (m signed; `neg` keeps the sign of zero). */
export interface LongDouble {
  m: bigint;
  e: number;
  neg: boolean;
}

const MANT_BITS = 64;
const TWO64 = 1n << 64n;
/** Largest finite long double is just under 2^16384. */
const MAX_EXP = 16384;
/** Smallest normal is 2^-16382; we do not model denormals (strtold reports ERANGE for them too). */
const MIN_EXP = -16382;
/** MAX_LONG_DOUBLE_CHARS in Redis. */
export const MAX_LONG_DOUBLE_CHARS = 5 * 1024;

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** Rounds num/den (positive) to a 64-bit mantissa, round-half-even. Returns [m, e] with m*2^e ≈ num/den. */
function roundRational(num: bigint, den: bigint): [bigint, number] {
  let s = MANT_BITS - (bitLength(num) - bitLength(den));
  for (;;) {
    const n = s >= 0 ? num << BigInt(s) : num;
    const d = s >= 0 ? den : den << BigInt(-s);
    let q = n / d;
    if (q >= TWO64) { s--; continue; }
    if (q < TWO64 >> 1n) { s++; continue; }
    const r2 = (n - q * d) * 2n;
    if (r2 > d || (r2 === d && (q & 1n) === 1n)) q++;
    if (q === TWO64) return [TWO64 >> 1n, -s + 1];
    return [q, -s];
  }
}

/** Rounds an exact signed m*2^e to a long double; null on overflow. */
function normalize(m: bigint, e: number, negZero: boolean): LongDouble | null {
  if (m === 0n) return { m: 0n, e: 0, neg: negZero };
  const neg = m < 0n;
  let a = neg ? -m : m;
  const bl = bitLength(a);
  if (bl > MANT_BITS) {
    const shift = bl - MANT_BITS;
    const sh = BigInt(shift);
    let q = a >> sh;
    const rem = a - (q << sh);
    const half = 1n << (sh - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q++;
    e += shift;
    if (q === TWO64) { q >>= 1n; e++; }
    a = q;
  }
  if (e + bitLength(a) > MAX_EXP) return null;
  return { m: neg ? -a : a, e, neg };
}

/**
 * Redis's string2ld: strtold over the whole string, no leading space, no
 * trailing junk, no NaN, no overflow/underflow (ERANGE). `inf` spelled out is
 * accepted (as strtold does). Returns null when invalid, or ±Infinity.
 */
export function parseLongDouble(buf: Uint8Array): LongDouble | number | null {
  if (buf.length === 0 || buf.length >= MAX_LONG_DOUBLE_CHARS) return null;
  const s = Buffer.from(buf.buffer, buf.byteOffset, buf.length).toString('latin1');
  let i = 0;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') { neg = s[i] === '-'; i++; }
  const rest = s.slice(i).toLowerCase();
  if (rest === 'inf' || rest === 'infinity') return neg ? -Infinity : Infinity;
  let m: RegExpExecArray | null;
  if ((m = /^0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?\d+))?$/.exec(rest)) !== null) {
    const ip = m[1] ?? '', fp = m[2] ?? '';
    if (ip.length + fp.length === 0) return null;
    const n = BigInt('0x' + (ip + fp || '0'));
    const pexp = m[3] === undefined ? 0 : Number(m[3]);
    if (!Number.isFinite(pexp)) return null;
    const e2 = pexp - 4 * fp.length;
    if (n === 0n) return { m: 0n, e: 0, neg };
    if (e2 + bitLength(n) > MAX_EXP + 64 || e2 + bitLength(n) < MIN_EXP - 64) return null;
    const r = normalize(n, e2, neg);
    if (r === null || r.e + bitLength(r.m) - 1 < MIN_EXP) return null;
    if (neg) r.m = -r.m;
    r.neg = neg;
    return r;
  }
  if ((m = /^(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/.exec(rest)) === null) return null;
  const ip = m[1] ?? '', fp = m[2] ?? '';
  if (ip.length + fp.length === 0) return null;
  const digits = (ip + fp).replace(/^0+/, '');
  if (digits === '') return { m: 0n, e: 0, neg };
  const exp = (m[3] === undefined ? 0 : Number(m[3])) - fp.length;
  // Magnitude about 10^(exp + digits.length): refuse what overflows or underflows long double.
  const mag = exp + digits.length;
  if (mag > 4933) return null;
  if (mag < -4950) return null;
  const n = BigInt(digits);
  const [q, e] = exp >= 0 ? roundRational(n * 10n ** BigInt(exp), 1n) : roundRational(n, 10n ** BigInt(-exp));
  if (e + MANT_BITS > MAX_EXP) return null;
  if (e + MANT_BITS - 1 < MIN_EXP) return null;
  return { m: neg ? -q : q, e, neg };
}

/** a + b rounded to long double; null when the result overflows to infinity. */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | null {
  if (a.m === 0n) return b.m === 0n ? { m: 0n, e: 0, neg: a.neg && b.neg } : b;
  if (b.m === 0n) return a;
  const e0 = Math.min(a.e, b.e);
  const s = (a.m << BigInt(a.e - e0)) + (b.m << BigInt(b.e - e0));
  return normalize(s, e0, false);
}

const TEN17 = 10n ** 17n;

/** ld2string(LD_STR_HUMAN): "%.17Lf" with trailing zeros (and a bare '.') removed, "-0" → "0". */
export function formatLongDoubleHuman(v: LongDouble): string {
  const neg = v.m < 0n || (v.m === 0n && v.neg);
  const a = v.m < 0n ? -v.m : v.m;
  let q: bigint;
  if (v.e >= 0) {
    q = (a << BigInt(v.e)) * TEN17;
  } else {
    const sh = BigInt(-v.e);
    const num = a * TEN17;
    q = num >> sh;
    const rem = num - (q << sh);
    const half = 1n << (sh - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q++;
  }
  let digits = q.toString().padStart(18, '0');
  let s = digits.slice(0, -17) + '.' + digits.slice(-17);
  s = s.replace(/0+$/, '');
  if (s.endsWith('.')) s = s.slice(0, -1);
  digits = (neg ? '-' : '') + s;
  return digits === '-0' ? '0' : digits;
}
