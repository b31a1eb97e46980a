/*
 * The command table: every family's rows gathered into one lookup. Built
 * once at load; both the engine and the proxy index it by lower-case name
 * (and, for the common case of clients sending upper case, by upper case).
 */
import type { CommandSpec } from './spec.js';
import { aclCategories, flagBits, legacyRange } from './derive.js';
import { bitmapCommands } from './bitmap.js';
import { connectionCommands } from './connection.js';
import { keyspaceCommands } from './keyspace.js';
import { pubsubCommands } from './pubsub.js';
import { serverCommands } from './server.js';
import { stringCommands } from './string.js';
import { transactionsCommands } from './transactions.js';
import { scriptingCommands } from './scripting.js';
import { listCommands } from './list.js';
import { hashCommands } from './hash.js';
import { setCommands } from './set.js';
import { zsetCommands } from './zset.js';
import { geoCommands } from './geo.js';
import { hyperloglogCommands } from './hyperloglog.js';
import { replicationCommands } from './replication.js';
import { slotsCommands } from './slots.js';

export type { CommandSpec, KeySpec, CommandFlag, ProxyPolicy } from './spec.js';
export { F, ACL_CATEGORIES } from './derive.js';
export { keyPositions } from './keys.js';

export interface CommandInfo {
  readonly spec: CommandSpec;
  /** 'get', or 'config|get' for a subcommand. */
  readonly fullName: string;
  readonly parent: CommandInfo | null;
  readonly flags: number;
  readonly acl: readonly string[];
  readonly legacy: readonly [number, number, number];
  readonly subcommands: ReadonlyMap<string, CommandInfo> | null;
}

export const FAMILIES: readonly (readonly CommandSpec[])[] = [
  bitmapCommands, connectionCommands, keyspaceCommands, pubsubCommands, serverCommands,
  stringCommands, transactionsCommands, scriptingCommands, listCommands, hashCommands, setCommands,
  zsetCommands, geoCommands, hyperloglogCommands, replicationCommands, slotsCommands,
];

function build(spec: CommandSpec, parent: CommandInfo | null): CommandInfo {
  const fullName = parent ? `${parent.fullName}|${spec.name}` : spec.name;
  const info: { -readonly [K in keyof CommandInfo]: CommandInfo[K] } = {
    spec, fullName, parent, flags: flagBits(spec.flags), acl: aclCategories(spec),
    legacy: legacyRange(spec), subcommands: null,
  };
  if (spec.subcommands) {
    const m = new Map<string, CommandInfo>();
    for (const s of spec.subcommands) m.set(s.name, build(s, info));
    info.subcommands = m;
  }
  return info;
}

/** Every top-level command by lower-case name. */
export const COMMANDS: ReadonlyMap<string, CommandInfo> = (() => {
  const m = new Map<string, CommandInfo>();
  for (const fam of FAMILIES) for (const spec of fam) {
    if (m.has(spec.name)) throw new Error(`command ${spec.name} declared twice`);
    m.set(spec.name, build(spec, null));
  }
  return m;
})();

const byUpper = new Map<string, CommandInfo>();
for (const [name, info] of COMMANDS) byUpper.set(name.toUpperCase(), info);

/** Look a command up by its name as sent (any case), without allocating for all-lower or all-upper names. */
export function lookupCommand(name: string): CommandInfo | undefined {
  return COMMANDS.get(name) ?? byUpper.get(name) ?? COMMANDS.get(name.toLowerCase());
}

/** The subcommand named by argv[1], if the command has subcommands. */
export function lookupSubcommand(cmd: CommandInfo, sub: string): CommandInfo | undefined {
  return cmd.subcommands?.get(sub.toLowerCase());
}

/** Codis's SLOTS* commands: ours, absent from Redis (comparisons with Redis leave them out). */
export function isCodisCommand(c: CommandInfo): boolean {
  return (c.parent ?? c).spec.group === 'slots';
}
