// Codis's slot commands (codis-server 3.2 server.c command table), for the
// dashboard's migration and the operator; not Redis commands (isCodisCommand).
import type { CommandSpec } from './spec.js';

export const slotsCommands = [
  // Redis Cluster's, kept with Redis's row: a client's next command may touch an importing slot.
  { name: "asking", group: "cluster", since: "3.0.0", summary: "Sent by cluster clients after an -ASK redirect", complexity: "O(1)", arity: 1, flags: ["fast"], acl: ["connection"] },
  {
    name: "slotsstate", group: "slots", since: "shardis", summary: "Which slots this server owns, migrates or imports (set by the dashboard)", arity: -2, flags: [],
    subcommands: [
      { name: "get", group: "slots", since: "shardis", summary: "Slot states as runs [from, to, state, peer], or one slot's [state, peer]", arity: -2, flags: ["readonly", "fast", "stale"] },
      { name: "set", group: "slots", since: "shardis", summary: "SET <slot|from-to> OWNED | MIGRATING <addr> | IMPORTING <addr> | NOTOWNED <addr>", arity: -4, flags: ["write", "admin", "fast"] },
      { name: "reset", group: "slots", since: "shardis", summary: "Every slot owned again", arity: 2, flags: ["write", "admin", "fast"] },
    ],
  },
  { name: "slotshashkey", group: "slots", since: "codis-3.2", summary: "The slot of each key", arity: -1, flags: ["readonly", "fast"] },
  { name: "slotsinfo", group: "slots", since: "codis-3.2", summary: "Non-empty slots and their key counts, from a slot on", arity: -1, flags: ["readonly", "fast"] },
  { name: "slotsscan", group: "slots", since: "codis-3.2", summary: "Iterate the keys of a slot", arity: -3, flags: ["readonly"] },
  { name: "slotscheck", group: "slots", since: "codis-3.2", summary: "Check the per-slot key index against the keyspace", arity: -1, flags: ["readonly"] },
  { name: "slotsdel", group: "slots", since: "codis-3.2", summary: "Delete every key of the given slots", arity: -2, flags: ["write"] },
  {
    name: "slotsrestore", group: "slots", since: "codis-3.2", summary: "Create or replace keys from DUMP payloads with TTLs (milliseconds, 0 = none)", arity: -4, flags: ["write", "denyoom"],
    keys: [{ flags: ["OW", "update"], begin: { index: 1 }, find: { range: { lastkey: -1, step: 3, limit: 0 } } }],
  },
  { name: "slotsmgrtone", group: "slots", since: "codis-3.2", summary: "Move a key to another server (blocking)", arity: 5, flags: ["write"] },
  { name: "slotsmgrttagone", group: "slots", since: "codis-3.2", summary: "Move a key and the keys sharing its hash tag to another server (blocking)", arity: 5, flags: ["write"] },
  { name: "slotsmgrtslot", group: "slots", since: "codis-3.2", summary: "Move a random key of a slot to another server (blocking)", arity: 5, flags: ["write"] },
  { name: "slotsmgrttagslot", group: "slots", since: "codis-3.2", summary: "Move a random key of a slot and its hash-tag mates to another server (blocking)", arity: 5, flags: ["write"] },
  // The asynchronous migration (codis-server's slots_async.c): the caller waits for the target's ACKs, the server does not.
  { name: "slotsmgrtone-async", group: "slots", since: "codis-3.2", summary: "Move keys to another server in the background; replies the count moved once the target acknowledged them", arity: -7, flags: ["write", "noscript", "no_multi"] },
  { name: "slotsmgrttagone-async", group: "slots", since: "codis-3.2", summary: "Move keys and the keys sharing their hash tags to another server in the background; replies the count moved", arity: -7, flags: ["write", "noscript", "no_multi"] },
  { name: "slotsmgrtslot-async", group: "slots", since: "codis-3.2", summary: "Move a batch of keys of a slot to another server in the background; replies [moved, remaining]", arity: 8, flags: ["write", "noscript", "no_multi"] },
  { name: "slotsmgrttagslot-async", group: "slots", since: "codis-3.2", summary: "Move a batch of keys of a slot, with their hash-tag mates, to another server in the background; replies [moved, remaining]", arity: 8, flags: ["write", "noscript", "no_multi"] },
  { name: "slotsmgrt-async-fence", group: "slots", since: "codis-3.2", summary: "Wait for the asynchronous migration batch of this db to finish", arity: -1, flags: ["readonly", "noscript", "no_multi"] },
  { name: "slotsmgrt-async-cancel", group: "slots", since: "codis-3.2", summary: "Abort the asynchronous migration of this db and drop its connection: 1, or 0 when there was none", arity: -1, flags: ["fast"] },
  { name: "slotsmgrt-async-status", group: "slots", since: "codis-3.2", summary: "The asynchronous migration of this db: connection, batch and current key", arity: -1, flags: ["fast"] },
  {
    name: "slotsrestore-async", group: "slots", since: "codis-3.2", summary: "Apply one message of an asynchronous migration (delete, expire, string, object, list, hash, dict, zset); replies an ACK", arity: -2, flags: ["write", "denyoom"],
    keys: [{ flags: ["OW", "update"], begin: { index: 2 }, find: { range: { lastkey: 0, step: 1, limit: 0 } } }],
  },
  { name: "slotsrestore-async-auth", group: "slots", since: "codis-3.2", summary: "Authenticate an asynchronous migration connection; replies an ACK", arity: 2, flags: ["noscript", "loading", "stale", "fast", "no_auth"] },
  { name: "slotsrestore-async-select", group: "slots", since: "codis-3.2", summary: "Select the db of an asynchronous migration connection; replies an ACK", arity: 2, flags: ["loading", "fast"] },
  { name: "slotsrestore-async-ack", group: "slots", since: "codis-3.2", summary: "The target's acknowledgement of a migration message (read by the source on its own connection; refused from clients)", arity: 3, flags: ["write"] },
  { name: "slotsmgrt-exec-wrapper", group: "slots", since: "codis-3.2", summary: "Run a command on a key of a migrating slot if the key is still here: [code, reply]", arity: -3, flags: ["write", "denyoom"] },
] as const satisfies readonly CommandSpec[];
