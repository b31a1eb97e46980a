// The transactions commands. Rows imported from Redis 7.0 (tools/import-commands.mjs), then owned here.
import type { CommandSpec } from './spec.js';

export const transactionsCommands = [
  {
    name: "discard",
    group: "transactions",
    since: "2.0.0",
    summary: "Discard all commands issued after MULTI",
    complexity: "O(N), when N is the number of queued commands",
    arity: 1,
    flags: ["noscript", "loading", "stale", "fast", "allow_busy"],
    acl: ["transaction"],
  },
  {
    name: "exec",
    group: "transactions",
    since: "1.2.0",
    summary: "Execute all commands issued after MULTI",
    complexity: "Depends on commands in the transaction",
    arity: 1,
    flags: ["noscript", "loading", "stale", "skip_slowlog"],
    acl: ["transaction"],
  },
  {
    name: "multi",
    group: "transactions",
    since: "1.2.0",
    summary: "Mark the start of a transaction block",
    complexity: "O(1)",
    arity: 1,
    flags: ["noscript", "loading", "stale", "fast", "allow_busy"],
    acl: ["transaction"],
  },
  {
    name: "unwatch",
    group: "transactions",
    since: "2.2.0",
    summary: "Forget about all watched keys",
    complexity: "O(1)",
    arity: 1,
    flags: ["noscript", "loading", "stale", "fast", "allow_busy"],
    acl: ["transaction"],
  },
  {
    name: "watch",
    group: "transactions",
    since: "2.2.0",
    summary: "Watch the given keys to determine execution of the MULTI/EXEC block",
    complexity: "O(1) for every key.",
    arity: -2,
    flags: ["noscript", "loading", "stale", "fast", "allow_busy"],
    acl: ["transaction"],
    keys: [
      { flags: ["RO"], begin: { index: 1 }, find: { range: { lastkey: -1, step: 1, limit: 0 } } },
    ],
  },
] as const satisfies readonly CommandSpec[];
