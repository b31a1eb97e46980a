/*
 * The shape of one row of the command table. Every command is declared once,
 * in common/commands/<group>.ts; the engine's dispatcher, the proxy's router,
 * COMMAND and COMMAND DOCS all read these rows. Values not declared here
 * (ACL categories implied by flags, the legacy first/last/step triple,
 * movablekeys) are derived in derive.ts, exactly as Redis 7 derives them.
 */

export type CommandFlag =
  | 'write' | 'readonly' | 'denyoom' | 'module' | 'admin' | 'pubsub' | 'noscript'
  | 'blocking' | 'loading' | 'stale' | 'skip_monitor' | 'skip_slowlog' | 'asking'
  | 'fast' | 'no_auth' | 'may_replicate' | 'sentinel' | 'only_sentinel'
  | 'no_mandatory_keys' | 'no_async_loading' | 'no_multi' | 'movablekeys' | 'allow_busy';

export type KeySpecFlag =
  | 'RO' | 'RW' | 'OW' | 'RM' | 'access' | 'update' | 'insert' | 'delete'
  | 'not_key' | 'incomplete' | 'variable_flags';

export type BeginSearch =
  | { index: number }
  | { keyword: string; startfrom: number }
  | { unknown: true };

export type FindKeys =
  | { range: { lastkey: number; step: number; limit: number } }
  | { keynum: { keynumidx: number; firstkey: number; step: number } }
  | { unknown: true };

export interface KeySpec {
  flags: readonly KeySpecFlag[];
  begin: BeginSearch;
  find: FindKeys;
  notes?: string;
}

/*
 * How the proxy treats a command whose keys may fall into several slots.
 * split: cut the request per slot (keys every `step` arguments from the first
 * key) and merge replies by `merge`; same-slot: forward only if every key maps
 * to one slot, else CROSSSLOT; deny: refused by the proxy; local: answered by
 * the proxy itself (transactions and subscriptions are kept by the proxy and
 * replayed on a pinned backend connection). Commands without a policy and
 * with keys are routed by their first key; blocking ones on a dedicated
 * connection; keyless ones without a policy are denied.
 */
export type ProxyPolicy =
  | { kind: 'split'; merge: 'array' | 'sum' | 'ok' }
  | { kind: 'same-slot' }
  | { kind: 'deny' }
  | { kind: 'local' }
  /** Routed by the slot of the channel name (PUBLISH), so it meets SUBSCRIBE on the same group. */
  | { kind: 'channel' }
  /** Sent to every group and merged (SCAN walks groups in turn; PUBSUB sums). */
  | { kind: 'all-groups' };

export interface CommandSpec {
  /** Lower-case name; for a subcommand only the part after the '|'. */
  name: string;
  group: string;
  since: string;
  summary: string;
  complexity?: string;
  docFlags?: readonly string[];
  deprecatedSince?: string;
  replacedBy?: string;
  /** Redis arity: N exact argument count including the name, -N at least N. */
  arity: number;
  flags: readonly CommandFlag[];
  /** ACL categories besides the ones implied by flags (without '@'). */
  acl?: readonly string[];
  tips?: readonly string[];
  keys?: readonly KeySpec[];
  proxy?: ProxyPolicy;
  subcommands?: readonly CommandSpec[];
}
