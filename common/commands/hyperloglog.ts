// The hyperloglog commands. Rows imported from Redis 7.0 (tools/import-commands.mjs), then owned here.
import type { CommandSpec } from './spec.js';

export const hyperloglogCommands = [
  {
    name: "pfadd",
    group: "hyperloglog",
    since: "2.8.9",
    summary: "Adds the specified elements to the specified HyperLogLog.",
    complexity: "O(1) to add every element.",
    arity: -2,
    flags: ["write", "denyoom", "fast"],
    acl: ["hyperloglog"],
    keys: [
      { flags: ["RW", "insert"], begin: { index: 1 }, find: { range: { lastkey: 0, step: 1, limit: 0 } } },
    ],
  },
  {
    name: "pfcount",
    group: "hyperloglog",
    since: "2.8.9",
    summary: "Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).",
    complexity: "O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.",
    arity: -2,
    flags: ["readonly"],
    acl: ["hyperloglog"],
    keys: [
      {
        flags: ["RW", "access"],
        begin: { index: 1 },
        find: { range: { lastkey: -1, step: 1, limit: 0 } },
        notes: "RW because it may change the internal representation of the key, and propagate to replicas",
      },
    ],
  },
  {
    name: "pfdebug",
    group: "hyperloglog",
    since: "2.8.9",
    summary: "Internal commands for debugging HyperLogLog values",
    complexity: "N/A",
    docFlags: ["syscmd"],
    arity: 3,
    flags: ["write", "denyoom", "admin"],
    acl: ["hyperloglog"],
    keys: [
      { flags: ["RW", "access"], begin: { index: 2 }, find: { range: { lastkey: 0, step: 1, limit: 0 } } },
    ],
  },
  {
    name: "pfmerge",
    group: "hyperloglog",
    since: "2.8.9",
    summary: "Merge N different HyperLogLogs into a single one.",
    complexity: "O(N) to merge N HyperLogLogs, but with high constant times.",
    arity: -2,
    flags: ["write", "denyoom"],
    acl: ["hyperloglog"],
    keys: [
      {
        flags: ["RW", "access", "insert"],
        begin: { index: 1 },
        find: { range: { lastkey: 0, step: 1, limit: 0 } },
      },
      { flags: ["RO", "access"], begin: { index: 2 }, find: { range: { lastkey: -1, step: 1, limit: 0 } } },
    ],
  },
  {
    name: "pfselftest",
    group: "hyperloglog",
    since: "2.8.9",
    summary: "An internal command for testing HyperLogLog values",
    complexity: "N/A",
    docFlags: ["syscmd"],
    arity: 1,
    flags: ["admin"],
    acl: ["hyperloglog"],
  },
] as const satisfies readonly CommandSpec[];
