/*
 * HSCAN / SSCAN (and ZSCAN if it wants): cursor and option parsing as
 * Redis's parseScanCursorOrReply and scanGenericCommand, and the walk over
 * a swap-remove array from the end down (the keyspace's SCAN scheme): the
 * cursor is the number of positions not yet visited, so an element present
 * for the whole scan is always returned.
 */
import { E } from '../../common/errors.js';
import { globMatch } from '../../common/glob.js';
import type { Client } from '../client.js';
import { isArg, toInt } from './args.js';

const ULONG_MAX = 18446744073709551615n;

/** strtoul(…, 10) with Redis's checks: no leading space, no trailing junk, no overflow. */
export function parseCursorOrReply(c: Client, b: Uint8Array): bigint | null {
  const s = Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
  const m = /^[+-]?\d*$/.exec(s);
  if (m === null || (s.length > 0 && !/\d/.test(s))) {
    c.error('ERR invalid cursor');
    return null;
  }
  if (s === '') return 0n;
  const neg = s.startsWith('-');
  let v = BigInt(neg || s.startsWith('+') ? s.slice(1) : s);
  if (v > ULONG_MAX) {
    c.error('ERR invalid cursor');
    return null;
  }
  if (neg && v !== 0n) v = ULONG_MAX + 1n - v;
  return v;
}

export interface ScanOptions {
  count: number;
  /** null when every element matches (no MATCH, or MATCH *). */
  pattern: Buffer | null;
}

/** The options after the cursor (argv[i...]); replies with the error and returns null on bad input. */
export function parseScanOptionsOrReply(c: Client, argv: Buffer[], i: number): ScanOptions | null {
  let count = 10;
  let pattern: Buffer | null = null;
  while (i < argv.length) {
    const left = argv.length - i;
    if (isArg(argv[i]!, 'COUNT') && left >= 2) {
      const n = toInt(argv[i + 1]!);
      if (n === null) {
        c.error(E.NOT_INTEGER);
        return null;
      }
      if (n < 1) {
        c.error(E.SYNTAX);
        return null;
      }
      count = n;
      i += 2;
    } else if (isArg(argv[i]!, 'MATCH') && left >= 2) {
      const p = argv[i + 1]!;
      pattern = p.length === 1 && p[0] === 42 ? null : p;
      i += 2;
    } else {
      c.error(E.SYNTAX);
      return null;
    }
  }
  return { count, pattern };
}

export function matches(opts: ScanOptions, s: string): boolean {
  return opts.pattern === null || globMatch(opts.pattern, s);
}

/**
 * One step of a walk over `length` positions from the end down: the
 * positions to visit (high to low) and the next cursor ("0" when done).
 */
export function scanWindow(cursor: bigint, length: number, count: number): { from: number; to: number; next: string } {
  let pos = cursor === 0n || cursor > BigInt(length) ? length : Number(cursor);
  const to = Math.max(0, pos - count);
  const from = pos;
  pos = to;
  return { from, to, next: pos <= 0 ? '0' : String(pos) };
}

/** Replies [cursor, [elements...]] with latin1 string elements. */
export function replyScan(c: Client, cursor: string, items: string[]): void {
  c.reply.array(2);
  c.reply.bulk(Buffer.from(cursor, 'latin1'));
  c.reply.array(items.length);
  for (const s of items) bulkLatin1(c, s);
}

/** A bulk reply from a latin1 (one char per byte) string. */
export function bulkLatin1(c: Client, s: string): void {
  c.reply.ascii('$' + s.length + '\r\n' + s + '\r\n');
}
