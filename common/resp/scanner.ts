/*
 * Finds where one RESP2/RESP3 reply ends without decoding it, so a proxy can
 * forward replies as raw bytes. Returns the end offset, or -1 when the
 * buffer does not yet hold the whole reply. Throws on bytes that are not RESP.
 */

const CR = 13;

function lineEnd(buf: Uint8Array, pos: number): number {
  const b = buf as Buffer;
  const i = b.indexOf(CR, pos);
  return i < 0 || i + 1 >= buf.length ? -1 : i;
}

function readInt(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  let neg = false;
  if (buf[i] === 45) { neg = true; i++; }
  let n = 0;
  for (; i < end; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) throw new Error('bad length in reply');
    n = n * 10 + d;
  }
  return neg ? -n : n;
}

export function scanReply(buf: Uint8Array, pos: number): number {
  // Flat replies (+OK, errors, integers, bulk strings: most of a proxy's traffic) need no stack.
  const t0 = buf[pos];
  if (t0 === 43 || t0 === 45 || t0 === 58 || t0 === 36) {
    const le = lineEnd(buf, pos + 1);
    if (le < 0) return -1;
    if (t0 !== 36) return le + 2;
    const n = readInt(buf, pos + 1, le);
    if (n < 0) return le + 2;
    const end = le + 2 + n + 2;
    return end > buf.length ? -1 : end;
  }
  // An explicit stack of pending element counts keeps deep nesting off the JS stack.
  let pending = 1;
  let stack: number[] | null = null;
  while (pending > 0 || (stack !== null && stack.length > 0)) {
    if (pending === 0) { pending = stack!.pop()!; continue; }
    if (pos >= buf.length) return -1;
    const t = buf[pos]!;
    const le = lineEnd(buf, pos + 1);
    if (le < 0) return -1;
    pending--;
    switch (t) {
      case 43: case 45: case 58: case 95: case 44: case 35: case 40: // + - : _ , # (
        pos = le + 2;
        break;
      case 36: case 61: case 33: { // $ = !
        const n = readInt(buf, pos + 1, le);
        pos = le + 2;
        if (n >= 0) {
          if (pos + n + 2 > buf.length) return -1;
          pos += n + 2;
        }
        break;
      }
      case 42: case 126: case 62: case 37: case 124: { // * ~ > % |
        let n = readInt(buf, pos + 1, le);
        pos = le + 2;
        if (n <= 0) break;
        if (t === 37) n *= 2;
        else if (t === 124) n = n * 2 + 1; // attribute map, then the value it annotates
        (stack ??= []).push(pending);
        pending = n;
        break;
      }
      default:
        throw new Error(`unexpected byte ${t} in reply`);
    }
  }
  return pos;
}
