/*
 * Number formatting exactly as Redis prints numbers, shared by every part:
 * printf's %.17g for doubles (addReplyDouble, ZSCORE...) and the "human"
 * long-double format of INCRBYFLOAT/HINCRBYFLOAT.
 */

/** C's %.17g: 17 significant digits, shortest of fixed or exponent form, trailing zeros cut. */
export function formatG17(d: number): string {
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  if (!Number.isFinite(d)) return Number.isNaN(d) ? 'nan' : d > 0 ? 'inf' : '-inf';
  let s = d.toExponential(16);
  let e = Number(s.slice(s.indexOf('e') + 1));
  if (e < -4 || e >= 17) {
    let mant = s.slice(0, s.indexOf('e'));
    if (mant.includes('.')) mant = mant.replace(/\.?0+$/, '');
    const sign = e < 0 ? '-' : '+';
    e = Math.abs(e);
    return mant + 'e' + sign + (e < 10 ? '0' + e : String(e));
  }
  s = d.toFixed(Math.max(0, 16 - e));
  if (s.includes('.')) s = s.replace(/\.?0+$/, '');
  return s;
}

/** What Redis replies for a double: %.17g, with inf/-inf/nan spelled as Redis does. */
export function formatDouble(d: number): string {
  return formatG17(d);
}

/**
 * INCRBYFLOAT's output (ld2string with LD_STR_HUMAN): fixed notation, trailing
 * zeros removed, never an exponent, no negative zero. Redis computes in long
 * double and prints 17 decimals, which shows the number as the user typed it;
 * the shortest round-trip form of our double gives the same text.
 */
export function formatHumanDouble(d: number): string {
  if (d === 0) return '0';
  let s = String(d);
  if (s.includes('e')) {
    s = Math.abs(d) >= 1 ? BigInt(d).toString() : d.toFixed(17).replace(/\.?0+$/, '');
  }
  return s === '-0' ? '0' : s;
}
