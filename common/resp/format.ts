/*
 * Number formatting exactly as Redis prints doubles, shared by every part:
 * printf's %.17g (addReplyDouble, ZSCORE...). INCRBYFLOAT's long-double
 * format is server/types/string-ops.ts's.
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
