/*
 * Argument parsing helpers in Redis's ...OrReply style: on bad input they
 * reply with Redis's error and return null, so a handler just returns.
 */
import { E } from '../../common/errors.js';
import { parseStrictInt } from '../../common/resp/decoder.js';
import type { Client } from '../client.js';
import type { RedisObject } from '../types/object.js';
import { latin1 } from '../types/bytes.js';

/** string2ll over a whole argument; null if not a valid 64-bit integer (range-checked for safe integers). */
export function toInt(b: Uint8Array): number | null {
  if (b.length === 0 || b.length > 20) return null;
  const n = parseStrictInt(b, 0, b.length);
  if (Number.isNaN(n)) return null;
  if (!Number.isSafeInteger(n)) {
    // Outside ±2^53 precision is lost; accept only what fits int64, checked with BigInt.
    const v = BigInt(Buffer.from(b).toString('latin1'));
    if (v > 9223372036854775807n || v < -9223372036854775808n) return null;
  }
  return n;
}

/** Exact int64 as BigInt (INCRBY & co. need all 64 bits); null when not an integer. */
export function toBigInt(b: Uint8Array): bigint | null {
  if (b.length === 0 || b.length > 20) return null;
  const n = parseStrictInt(b, 0, b.length);
  if (Number.isNaN(n)) return null;
  const v = BigInt(Buffer.from(b).toString('latin1'));
  if (v > 9223372036854775807n || v < -9223372036854775808n) return null;
  return v;
}

export function intOrReply(c: Client, b: Uint8Array, msg: string = E.NOT_INTEGER): number | null {
  const n = toInt(b);
  if (n === null) c.error(msg);
  return n;
}

/** Redis's string2d/strtold for user input: no spaces, no trailing junk, NaN refused. */
export function toFloat(b: Uint8Array): number | null {
  const s = Buffer.from(b).toString('latin1');
  if (s.length === 0 || /^\s|\s$/.test(s)) return null;
  const l = s.toLowerCase();
  let d: number;
  if (l === 'inf' || l === '+inf' || l === 'infinity' || l === '+infinity') d = Infinity;
  else if (l === '-inf' || l === '-infinity') d = -Infinity;
  else {
    if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s) && !/^[+-]?0x[0-9a-f]+$/i.test(s)) return null;
    d = Number(s);
  }
  if (Number.isNaN(d)) return null;
  return d;
}

export function floatOrReply(c: Client, b: Uint8Array, msg: string = E.NOT_FLOAT): number | null {
  const d = toFloat(b);
  if (d === null) c.error(msg);
  return d;
}

/** Case-insensitive comparison of an argument with an upper-case ASCII word. */
export function isArg(b: Uint8Array, upper: string): boolean {
  if (b.length !== upper.length) return false;
  for (let i = 0; i < b.length; i++) {
    let ch = b[i]!;
    if (ch >= 97 && ch <= 122) ch -= 32;
    if (ch !== upper.charCodeAt(i)) return false;
  }
  return true;
}

/** The key as the keyspace stores it. */
/** The key as the keyspace stores it. */
export const keyOf: (b: Buffer) => string = latin1;

/** A stored key back to bytes. */
export function keyBytes(k: string): Buffer {
  return Buffer.from(k, 'latin1');
}

/**
 * lookupKey + checkType: the key's object when it has the wanted type,
 * undefined when the key is missing, or null after replying WRONGTYPE.
 * `write` picks lookupWrite (before changing the value) over lookupRead.
 */
export function lookupTyped<T extends RedisObject['type']>(c: Client, key: string, type: T, write: boolean): Extract<RedisObject, { type: T }> | undefined | null {
  const o = write ? c.db.lookupWrite(key) : c.db.lookupRead(key);
  if (o === undefined) return undefined;
  if (o.type !== type) {
    c.error(E.WRONGTYPE);
    return null;
  }
  return o as Extract<RedisObject, { type: T }>;
}
