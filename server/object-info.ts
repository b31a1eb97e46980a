/*
 * OBJECT ENCODING names as Redis reports them. Strings: "int" for a
 * canonical 64-bit integer of at most 20 chars, "embstr" up to 44 bytes,
 * "raw" beyond; other types ask their value class.
 */
import { isRawString } from './types/string-ops.js';
import type { RedisObject } from './types/object.js';

function isCanonicalInt(b: Buffer): boolean {
  const n = b.length;
  if (n === 0 || n > 20) return false;
  let i = 0;
  if (b[0] === 45) {
    if (n === 1) return false;
    i = 1;
  }
  if (b[i] === 48 && n > i + 1) return false;
  if (b[i] === 48 && i === 1) return false;
  for (; i < n; i++) if (b[i]! < 48 || b[i]! > 57) return false;
  const v = BigInt(b.toString('latin1'));
  return v <= 9223372036854775807n && v >= -9223372036854775808n;
}

export function objectEncodingName(o: RedisObject): string {
  if (o.type === 'string') {
    // Written in place (APPEND, SETRANGE, SETBIT, BITOP, PFADD...): Redis holds it as a raw sds.
    if (isRawString(o)) return 'raw';
    if (isCanonicalInt(o.value)) return 'int';
    return o.value.length <= 44 ? 'embstr' : 'raw';
  }
  return o.value.encoding();
}
