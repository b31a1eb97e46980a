/*
 * Redis's glob matching (stringmatchlen): * ? [abc] [^a] [a-z] and \ escapes,
 * over bytes. Used by KEYS, SCAN MATCH, PSUBSCRIBE, CONFIG GET and the proxy.
 */
export function globMatch(pattern: Uint8Array | string, str: Uint8Array | string, nocase = false): boolean {
  const p = typeof pattern === 'string' ? Buffer.from(pattern, 'latin1') : pattern;
  const s = typeof str === 'string' ? Buffer.from(str, 'latin1') : str;
  return match(p, 0, s, 0, nocase, 0) === 1;
}

const lower = (c: number) => (c >= 65 && c <= 90 ? c + 32 : c);

// Returns 1 match, 0 no match, -1 give up (no later '*' can help either), as Redis does to stay linear-ish.
function match(p: Uint8Array, pi: number, s: Uint8Array, si: number, nocase: boolean, depth: number): number {
  if (depth > 1000) return -1;
  const plen = p.length;
  const slen = s.length;
  while (pi < plen && si <= slen) {
    const pc = p[pi]!;
    switch (pc) {
      case 42: { // *
        while (pi + 1 < plen && p[pi + 1] === 42) pi++;
        if (pi + 1 === plen) return 1;
        for (let k = si; k <= slen; k++) {
          const r = match(p, pi + 1, s, k, nocase, depth + 1);
          if (r !== 0) return r;
        }
        return -1;
      }
      case 63: // ?
        if (si >= slen) return 0;
        si++;
        break;
      case 91: { // [
        if (si >= slen) return 0;
        pi++;
        const not = p[pi] === 94;
        if (not) pi++;
        let ok = false;
        for (;;) {
          if (pi >= plen) { pi--; break; }
          const c = p[pi]!;
          if (c === 92 && pi + 1 < plen) {
            pi++;
            if (p[pi] === s[si]) ok = true;
          } else if (c === 93) {
            break;
          } else if (pi + 2 < plen && p[pi + 1] === 45) {
            let start = c;
            let end = p[pi + 2]!;
            let ch = s[si]!;
            if (start > end) [start, end] = [end, start];
            if (nocase) { start = lower(start); end = lower(end); ch = lower(ch); }
            pi += 2;
            if (ch >= start && ch <= end) ok = true;
          } else if (nocase ? lower(c) === lower(s[si]!) : c === s[si]) {
            ok = true;
          }
          pi++;
        }
        if (not) ok = !ok;
        if (!ok) return 0;
        si++;
        break;
      }
      default:
        if (pc === 92 && pi + 1 < plen) pi++;
        if (si >= slen) return 0;
        if (nocase ? lower(p[pi]!) !== lower(s[si]!) : p[pi] !== s[si]) return 0;
        si++;
        break;
    }
    pi++;
  }
  if (pi === plen && si === slen) return 1;
  // Trailing stars match the empty rest.
  while (pi < plen && p[pi] === 42) pi++;
  return pi === plen && si === slen ? 1 : 0;
}
