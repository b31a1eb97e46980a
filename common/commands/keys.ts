/*
 * The one key extractor: Redis 7's key-spec walk (getKeysUsingKeySpecs). The
 * engine (WATCH, notifications, slot checks), the proxy (routing) and
 * COMMAND GETKEYS all call it, so no command name is special-cased anywhere.
 */
import type { CommandSpec, KeySpec } from './spec.js';

function eqKeyword(arg: Uint8Array, keyword: string): boolean {
  if (arg.length !== keyword.length) return false;
  for (let i = 0; i < arg.length; i++) {
    let c = arg[i]!;
    if (c >= 97 && c <= 122) c -= 32;
    if (c !== keyword.charCodeAt(i)) return false;
  }
  return true;
}

function parseCount(arg: Uint8Array | undefined): number {
  if (arg === undefined || arg.length === 0 || arg.length > 10) return -1;
  let n = 0;
  for (let i = 0; i < arg.length; i++) {
    const c = arg[i]! - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/**
 * Positions of one key spec's keys in argv, or null when the arguments do not
 * fit the spec (a syntax error the command itself will report).
 */
export function keyPositionsOfSpec(spec: KeySpec, argv: readonly Uint8Array[], arity: number, out: number[]): boolean {
  const argc = argv.length;
  let first = 0;
  const b = spec.begin;
  if ('index' in b) {
    first = b.index;
  } else if ('keyword' in b) {
    const start = b.startfrom > 0 ? b.startfrom : argc + b.startfrom;
    const end = b.startfrom > 0 ? argc - 1 : 0;
    for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
      if (i >= argc || i < 1) break;
      if (eqKeyword(argv[i]!, b.keyword)) { first = i + 1; break; }
    }
    if (first === 0) return true; // keyword absent: no keys from this spec
  } else {
    return false;
  }
  let last: number;
  let step: number;
  const f = spec.find;
  if ('range' in f) {
    const r = f.range;
    if (r.lastkey >= 0) last = first + r.lastkey;
    else if (r.limit === 0) last = argc + r.lastkey;
    else last = first + (Math.floor((argc - first) / r.limit) + r.lastkey);
    step = r.step;
  } else if ('keynum' in f) {
    const k = f.keynum;
    if (k.keynumidx >= argc - first) return false;
    const numkeys = parseCount(argv[first + k.keynumidx]);
    if (numkeys < 0) return false;
    step = k.step;
    first += k.firstkey;
    last = first + numkeys - 1;
  } else {
    return false;
  }
  if (last >= argc || last < first || first >= argc) return false;
  for (let i = first; i <= last; i += step) {
    if (i >= argc) {
      if (arity < 0) continue;
      return false;
    }
    out.push(i);
  }
  return true;
}

/**
 * All key positions of a command (argv[0] is the command name; for a
 * subcommand argv[1] is its name). With `partial`, specs that do not fit are
 * skipped; without it, any misfit returns null.
 */
export function keyPositions(spec: CommandSpec, argv: readonly Uint8Array[], partial = true): number[] | null {
  const out: number[] = [];
  const specs = spec.keys;
  if (specs === undefined) return out;
  for (const ks of specs) {
    if (!keyPositionsOfSpec(ks, argv, spec.arity, out) && !partial) return null;
  }
  return out;
}
