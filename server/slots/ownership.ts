/*
 * Which slots this server may serve, set by the dashboard (SLOTSSTATE), with
 * Redis Cluster's redirects so a proxy holding a stale table can never read
 * or write a key in the wrong group:
 *
 *   owned      served;
 *   migrating  (to addr) served while the key is still here; a command on a
 *              key that is not here answers `-ASK slot addr` (the key moved,
 *              or a new key belongs to the target);
 *   importing  (from addr) served only right after ASKING (and to the
 *              migration's own SLOTSRESTORE); otherwise `-MOVED slot addr`
 *              sends the client back to the source;
 *   not owned  (owner addr) always `-MOVED slot addr`.
 *
 * Until a table is set every slot is owned, so a standalone server behaves
 * like Redis. SLOTSSTATE is propagated like a write, so replicas (and a
 * promoted replica) hold the same table as their master. Commands of the
 * master link and Codis's SLOTS* commands are never redirected.
 */
import type { Server } from '../server.js';
import type { Client } from '../client.js';
import type { CommandInfo } from '../../common/commands/index.js';
import { keyPositions, isCodisCommand } from '../../common/commands/index.js';
import { SLOT_COUNT, slotOf } from '../../common/slots.js';

export const OWNED = 1;
export const MIGRATING = 2;
export const IMPORTING = 3;
export const NOT_OWNED = 0;
const NAMES = ['notowned', 'owned', 'migrating', 'importing'] as const;

export class SlotOwnership {
  readonly state = new Uint8Array(SLOT_COUNT).fill(OWNED);
  /** Migration target, import source, or owner, per slot. */
  readonly peer: (string | null)[] = new Array<string | null>(SLOT_COUNT).fill(null);

  set(from: number, to: number, state: number, peer: string | null): void {
    for (let s = from; s <= to; s++) {
      this.state[s] = state;
      this.peer[s] = peer;
    }
  }

  describe(slot: number): [string, string | null] {
    return [NAMES[this.state[slot]!]!, this.peer[slot]!];
  }

  /** The redirect for a command on these keys, or null when it may run here. */
  check(c: Client, cmd: CommandInfo, argv: Buffer[]): string | null {
    const positions = keyPositions((cmd.parent ?? cmd).spec, argv);
    if (positions === null || positions.length === 0) return null;
    for (const i of positions) {
      const key = argv[i]!;
      const slot = slotOf(key);
      switch (this.state[slot]) {
        case OWNED:
          break;
        case MIGRATING:
          if (!c.db.exists(key.toString('latin1'))) return `ASK ${slot} ${this.peer[slot]}`;
          break;
        case IMPORTING:
          if (!c.asking) return `MOVED ${slot} ${this.peer[slot]}`;
          break;
        default:
          return `MOVED ${slot} ${this.peer[slot]}`;
      }
    }
    return null;
  }
}

const tables = new WeakMap<Server, SlotOwnership>();

/** The server's table, created (all owned) with its guard on first use. */
export function ownershipOf(server: Server): SlotOwnership {
  let t = tables.get(server);
  if (t === undefined) {
    const table = new SlotOwnership();
    t = table;
    tables.set(server, table);
    server.guards.push((c, cmd, argv) => {
      if (c.flags.master || isCodisCommand(cmd)) return null;
      const r = table.check(c, cmd, argv);
      // ASKING covers exactly the next command.
      if ((cmd.parent ?? cmd).spec.name !== 'asking') c.asking = false;
      return r;
    });
  }
  return t;
}
