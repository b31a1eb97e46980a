// The scripting commands. Rows imported from Redis 7.0 (tools/import-commands.mjs), then owned here.
import type { CommandSpec } from './spec.js';

export const scriptingCommands = [
  {
    name: "function",
    group: "scripting",
    since: "7.0.0",
    summary: "A container for function commands",
    complexity: "Depends on subcommand.",
    arity: -2,
    flags: [],
    subcommands: [
      {
        name: "flush",
        group: "scripting",
        since: "7.0.0",
        summary: "Deleting all functions",
        complexity: "O(N) where N is the number of functions deleted",
        arity: -2,
        flags: ["write", "noscript"],
        acl: ["scripting"],
        tips: ["request_policy:all_shards", "response_policy:all_succeeded"],
      },
      {
        name: "help",
        group: "scripting",
        since: "7.0.0",
        summary: "Show helpful text about the different subcommands",
        complexity: "O(1)",
        arity: 2,
        flags: ["loading", "stale"],
        acl: ["scripting"],
      },
      {
        name: "list",
        group: "scripting",
        since: "7.0.0",
        summary: "List information about all the functions",
        complexity: "O(N) where N is the number of functions",
        arity: -2,
        flags: ["noscript"],
        acl: ["scripting"],
        tips: ["nondeterministic_output_order"],
      },
    ],
  },
] as const satisfies readonly CommandSpec[];
