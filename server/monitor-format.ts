/*
 * MONITOR's line format: +<unix time with µs> [<db> <addr>] "arg" "arg"...,
 * with arguments escaped as sdscatrepr does.
 */
import type { Client } from './client.js';

/** sdscatrepr: a quoted string with \n \r \t \a \b, \" \\ and \xHH for other non-printables. */
export function repr(b: Uint8Array): string {
  let s = '"';
  for (const c of b) {
    switch (c) {
      case 92: s += '\\\\'; break;
      case 34: s += '\\"'; break;
      case 10: s += '\\n'; break;
      case 13: s += '\\r'; break;
      case 9: s += '\\t'; break;
      case 7: s += '\\a'; break;
      case 8: s += '\\b'; break;
      default:
        s += c >= 32 && c < 127 ? String.fromCharCode(c) : '\\x' + c.toString(16).padStart(2, '0');
    }
  }
  return s + '"';
}

export function formatMonitorLine(c: Client, argv: readonly Uint8Array[]): string {
  const now = Date.now();
  const us = Math.floor(performance.timeOrigin * 1000 + performance.now() * 1000) % 1000000;
  const ts = `${Math.floor(now / 1000)}.${String(us).padStart(6, '0')}`;
  const who = c.conn === null ? (c.flags.master ? '' : 'lua') : c.conn.addr.startsWith('/') ? `unix:${c.conn.addr}` : c.conn.addr;
  let s = `${ts} [${c.dbIndex} ${who}]`;
  for (const a of argv) s += ' ' + repr(a);
  return s;
}
