/*
 * Just enough x87 80-bit long double to reproduce HINCRBYFLOAT (and
 * INCRBYFLOAT) exactly: Redis parses with strtold, adds in long double
 * (64-bit mantissa, round to nearest even) and prints with "%.17Lf" minus
 * trailing zeros, so results such as 1005.59999999999999998 show the
 * long double's rounding. Values are exact binary numbers m·2^e in BigInt.
 */

export interface LongDouble {
  neg: boolean;
  /** Mantissa, < 2^64 (0 for zero). */
  m: bigint;
  e: number;
}

const MANT_BITS = 64;

function bitLength(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length;
}

/** Rounds a non-negative value (x·2^e, plus `sticky` when bits below x were lost) to 64 bits, ties to even. */
function round(neg: boolean, x: bigint, e: number, sticky = false): LongDouble {
  const bl = bitLength(x);
  if (bl <= MANT_BITS) return { neg, m: x, e };
  const shift = BigInt(bl - MANT_BITS);
  let q = x >> shift;
  const rem = x - (q << shift);
  const half = 1n << (shift - 1n);
  if (rem > half || (rem === half && (sticky || (q & 1n) === 1n))) q += 1n;
  let ne = e + Number(shift);
  if (bitLength(q) > MANT_BITS) {
    q >>= 1n;
    ne++;
  }
  return { neg, m: q, e: ne };
}

/**
 * strtold for what Redis accepts (no spaces, no trailing junk): decimal with
 * optional exponent, or a hex integer. Null for anything else, including
 * inf and nan (callers check those separately).
 */
export function parseLongDouble(s: string): LongDouble | null {
  const hex = /^([+-]?)0x([0-9a-f]+)$/i.exec(s);
  if (hex !== null) return round(hex[1] === '-', BigInt('0x' + hex[2]!), 0);
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(s);
  if (m === null) return null;
  const intPart = m[2] ?? '';
  const frac = m[3] ?? '';
  if (intPart === '' && frac === '') return null;
  const neg = m[1] === '-';
  const digits = BigInt((intPart + frac).replace(/^0+(?=\d)/, '') || '0');
  const exp = (m[4] !== undefined ? Number(m[4]) : 0) - frac.length;
  if (digits === 0n) return { neg, m: 0n, e: 0 };
  if (Math.abs(exp) > 6000) return null;
  const r = parseExact(neg, digits, exp);
  // Beyond the long double range strtold sets ERANGE, which Redis refuses.
  if (isHuge(r) || r.e + bitLength(r.m) < -16444) return null;
  return r;
}

function parseExact(neg: boolean, digits: bigint, exp: number): LongDouble {
  if (exp >= 0) return round(neg, digits * 10n ** BigInt(exp), 0);
  const d = 10n ** BigInt(-exp);
  // Scale so that the quotient has at least 66 bits, then round with the remainder as sticky bit.
  let k = MANT_BITS + 2 - (bitLength(digits) - bitLength(d));
  if (k < 0) k = 0;
  const num = digits << BigInt(k);
  const q = num / d;
  const rem = num % d;
  return round(neg, q, -k, rem !== 0n);
}

export function fromInteger(n: bigint): LongDouble {
  return round(n < 0n, n < 0n ? -n : n, 0);
}

export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble {
  if (a.m === 0n) return b.m === 0n ? { neg: a.neg && b.neg, m: 0n, e: 0 } : b;
  if (b.m === 0n) return a;
  const e = Math.min(a.e, b.e);
  const va = (a.neg ? -a.m : a.m) << BigInt(a.e - e);
  const vb = (b.neg ? -b.m : b.m) << BigInt(b.e - e);
  const sum = va + vb;
  if (sum === 0n) return { neg: false, m: 0n, e: 0 };
  return round(sum < 0n, sum < 0n ? -sum : sum, e);
}

/** Too big for Redis's 5 KB buffer or beyond the long double range: treated as infinity. */
export function isHuge(a: LongDouble): boolean {
  return a.m !== 0n && a.e + bitLength(a.m) > 16384;
}

/** ld2string(..., LD_STR_HUMAN): "%.17Lf" with trailing zeros (and a bare dot) removed, "-0" as "0". */
export function formatLongDoubleHuman(a: LongDouble): string {
  let s: string;
  if (a.e >= 0) {
    s = (a.m << BigInt(a.e)).toString();
  } else {
    const scaled = a.m * 10n ** 17n;
    const shift = BigInt(-a.e);
    let q = scaled >> shift;
    const rem = scaled - (q << shift);
    const half = 1n << (shift - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
    const ip = q / 10n ** 17n;
    let fp = (q % 10n ** 17n).toString().padStart(17, '0');
    fp = fp.replace(/0+$/, '');
    s = fp === '' ? ip.toString() : `${ip}.${fp}`;
  }
  if (a.neg && s !== '0') s = '-' + s;
  return s;
}
