/*
 * What Redis derives from a command's declaration rather than declaring:
 * implied ACL categories (setImplicitACLCategories), the legacy
 * first/last/step triple of COMMAND (populateCommandLegacyRangeSpec), and a
 * bitmask of flags for the dispatcher's hot path.
 */
import type { CommandFlag, CommandSpec } from './spec.js';

export const F = {
  write: 1 << 0, readonly: 1 << 1, denyoom: 1 << 2, admin: 1 << 3, pubsub: 1 << 4,
  noscript: 1 << 5, blocking: 1 << 6, loading: 1 << 7, stale: 1 << 8, skip_monitor: 1 << 9,
  skip_slowlog: 1 << 10, fast: 1 << 11, no_auth: 1 << 12, may_replicate: 1 << 13,
  no_multi: 1 << 14, movablekeys: 1 << 15, no_mandatory_keys: 1 << 16, allow_busy: 1 << 17,
  asking: 1 << 18, module: 1 << 19, sentinel: 1 << 20, only_sentinel: 1 << 21,
  no_async_loading: 1 << 22,
} as const satisfies Record<CommandFlag, number>;

// Redis's category order, which COMMAND INFO follows.
const CATEGORY_ORDER = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap',
  'hyperloglog', 'geo', 'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking',
  'dangerous', 'connection', 'transaction', 'scripting',
] as const;
export const ACL_CATEGORIES: readonly string[] = CATEGORY_ORDER;

export function flagBits(flags: readonly CommandFlag[]): number {
  let b = 0;
  for (const f of flags) b |= F[f];
  return b;
}

export function aclCategories(spec: CommandSpec): string[] {
  const s = new Set<string>(spec.acl ?? []);
  const fl = spec.flags;
  if (fl.includes('write')) s.add('write');
  if (fl.includes('readonly') && !s.has('scripting')) s.add('read');
  if (fl.includes('admin')) { s.add('admin'); s.add('dangerous'); }
  if (fl.includes('pubsub')) s.add('pubsub');
  if (fl.includes('fast')) s.add('fast');
  if (fl.includes('blocking')) s.add('blocking');
  if (!s.has('fast')) s.add('slow');
  return CATEGORY_ORDER.filter((c) => s.has(c)).map((c) => '@' + c);
}

/** [firstkey, lastkey, step] as COMMAND reports them. */
export function legacyRange(spec: CommandSpec): [number, number, number] {
  const ks = spec.keys ?? [];
  if (ks.length === 0) return [0, 0, 0];
  const only = ks[0]!;
  if (ks.length === 1 && 'index' in only.begin && 'range' in only.find) {
    const first = only.begin.index;
    const r = only.find.range;
    return [first, r.lastkey >= 0 ? r.lastkey + first : r.lastkey, r.step];
  }
  let first = Number.MAX_SAFE_INTEGER;
  let last = 0;
  let prevLast = 0;
  for (const k of ks) {
    if (!('index' in k.begin) || !('range' in k.find)) continue;
    if (k.find.range.step !== 1) continue;
    if (prevLast && prevLast !== k.begin.index - 1) continue;
    first = Math.min(first, k.begin.index);
    let abs = k.find.range.lastkey;
    if (abs >= 0) abs += k.begin.index;
    // Redis compares as unsigned, so a negative (relative-to-end) lastkey wins.
    const u = (x: number) => (x < 0 ? 2 ** 32 + x : x);
    last = u(abs) > u(last) ? abs : last;
    prevLast = last;
  }
  if (first === Number.MAX_SAFE_INTEGER) return [0, 0, 0];
  return [first, last, 1];
}
