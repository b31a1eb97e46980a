// The bitmap commands. Rows imported from Redis 7.0 (tools/import-commands.mjs), then owned here.
import type { CommandSpec } from './spec.js';

export const bitmapCommands = [
  {
    name: "bitcount",
    group: "bitmap",
    since: "2.6.0",
    summary: "Count set bits in a string",
    complexity: "O(N)",
    arity: -2,
    flags: ["readonly"],
    acl: ["bitmap"],
    keys: [
      { flags: ["RO", "access"], begin: { index: 1 }, find: { range: { lastkey: 0, step: 1, limit: 0 } } },
    ],
  },
  {
    name: "bitfield",
    group: "bitmap",
    since: "3.2.0",
    summary: "Perform arbitrary bitfield integer operations on strings",
    complexity: "O(1) for each subcommand specified",
    arity: -2,
    flags: ["write", "denyoom"],
    acl: ["bitmap"],
    keys: [
      {
        flags: ["RW", "access", "update", "variable_flags"],
        begin: { index: 1 },
        find: { range: { lastkey: 0, step: 1, limit: 0 } },
        notes: "This command allows both access and modification of the key",
      },
    ],
  },
  {
    name: "bitfield_ro",
    group: "bitmap",
    since: "6.0.0",
    summary: "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD",
    complexity: "O(1) for each subcommand specified",
    arity: -2,
    flags: ["readonly", "fast"],
    acl: ["bitmap"],
    keys: [
      { flags: ["RO", "access"], begin: { index: 1 }, find: { range: { lastkey: 0, step: 1, limit: 0 } } },
    ],
  },
  {
    name: "bitop",
    group: "bitmap",
    since: "2.6.0",
    summary: "Perform bitwise operations between strings",
    complexity: "O(N)",
    arity: -4,
    flags: ["write", "denyoom"],
    acl: ["bitmap"],
    keys: [
      { flags: ["OW", "update"], begin: { index: 2 }, find: { range: { lastkey: 0, step: 1, limit: 0 } } },
      { flags: ["RO", "access"], begin: { index: 3 }, find: { range: { lastkey: -1, step: 1, limit: 0 } } },
    ],
  },
  {
    name: "bitpos",
    group: "bitmap",
    since: "2.8.7",
    summary: "Find first bit set or clear in a string",
    complexity: "O(N)",
    arity: -3,
    flags: ["readonly"],
    acl: ["bitmap"],
    keys: [
      { flags: ["RO", "access"], begin: { index: 1 }, find: { range: { lastkey: 0, step: 1, limit: 0 } } },
    ],
  },
  {
    name: "getbit",
    group: "bitmap",
    since: "2.2.0",
    summary: "Returns the bit value at offset in the string value stored at key",
    complexity: "O(1)",
    arity: 3,
    flags: ["readonly", "fast"],
    acl: ["bitmap"],
    keys: [
      { flags: ["RO", "access"], begin: { index: 1 }, find: { range: { lastkey: 0, step: 1, limit: 0 } } },
    ],
  },
  {
    name: "setbit",
    group: "bitmap",
    since: "2.2.0",
    summary: "Sets or clears the bit at offset in the string value stored at key",
    complexity: "O(1)",
    arity: 4,
    flags: ["write", "denyoom"],
    acl: ["bitmap"],
    keys: [
      {
        flags: ["RW", "access", "update"],
        begin: { index: 1 },
        find: { range: { lastkey: 0, step: 1, limit: 0 } },
      },
    ],
  },
] as const satisfies readonly CommandSpec[];
