/*
 * Which slots this server may serve, set by the dashboard (SLOTSSTATE), with
 * Redis Cluster's redirects so a proxy holding a stale table can never read
 * or write a key in the wrong group:
 *
 *   owned      served;
 *   migrating  (to addr) served while the key is still here; a command on a
 *              key that is not here answers `-ASK slot addr` (the key moved,
 *              or a new key belongs to the target); keys on both sides, or a
 *              key in an unacknowledged asynchronous batch: `-TRYAGAIN`;
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
import { E } from '../../common/errors.js';
import { keyInFlight } from './async-migrate.js';

export const OWNED = 1;
export const MIGRATING = 2;
export const IMPORTING = 3;
export const NOT_OWNED = 0;
const NAMES = ['notowned', 'owned', 'migrating', 'importing'] as const;
export const FENCED = 'CLUSTERDOWN the master waits for the dashboard to confirm its slots';

export class SlotOwnership {
  readonly state = new Uint8Array(SLOT_COUNT).fill(OWNED);
  /**
   * A managed master (slots-managed yes) serves no key until the dashboard
   * has confirmed its slots: after a start, and after its event loop stood
   * still longer than slots-stall-fence-ms (SIGSTOP, a frozen VM) — meanwhile
   * a replica may have been promoted in its place, and a stale client must
   * not write to the old master. Any SLOTSSTATE SET / RESET lifts it.
   */
  fenced = false;
  /** Time of the last cron tick, to notice a stalled event loop before the next tick runs. */
  lastTick = Date.now();
  /** Migration target, import source, or owner, per slot. */
  readonly peer: (string | null)[] = new Array<string | null>(SLOT_COUNT).fill(null);

  set(from: number, to: number, state: number, peer: string | null): void {
    for (let s = from; s <= to; s++) {
      this.state[s] = state;
      this.peer[s] = peer;
    }
  }

  describe(slot: number, master: boolean): [string, string | null] {
    return this.fenced && master ? ['fenced', null] : [NAMES[this.state[slot]!]!, this.peer[slot]!];
  }

  /**
   * Set by the asynchronous migration: true while a key is in a batch that
   * the target has not acknowledged yet (it may be neither read nor written).
   */
  inFlight: ((dbIndex: number, key: string) => boolean) | null = null;

  /**
   * The redirect for a command on these keys, or null when it may run here.
   * Redis Cluster's rules, which keep every key in one place for readers and
   * writers alike: a migrating slot serves the keys still here and sends the
   * others to the target (ASK), but a multi-key request with keys on both
   * sides must wait (TRYAGAIN); an importing slot serves only after ASKING,
   * and a multi-key request there only when every key has arrived.
   */
  check(c: Client, cmd: CommandInfo, argv: Buffer[]): string | null {
    const positions = keyPositions((cmd.parent ?? cmd).spec, argv);
    if (positions === null || positions.length === 0) return null;
    let missing = 0;
    let existing = 0;
    let importing = false;
    let ask: string | null = null;
    let multiple = false;
    const first = argv[positions[0]!]!;
    for (const i of positions) {
      const key = argv[i]!;
      if (!multiple && i !== positions[0] && !key.equals(first)) multiple = true;
      const slot = slotOf(key);
      const state = this.state[slot];
      if (state === OWNED) continue;
      if (state === NOT_OWNED) return `MOVED ${slot} ${this.peer[slot]}`;
      if (state === IMPORTING) {
        if (!c.asking) return `MOVED ${slot} ${this.peer[slot]}`;
        importing = true;
      }
      const name = key.toString('latin1');
      if (state === MIGRATING && this.inFlight !== null && this.inFlight(c.db.id, name)) return E.TRYAGAIN_IN_FLIGHT;
      if (c.db.exists(name)) existing++;
      else {
        missing++;
        if (state === MIGRATING) ask = `ASK ${slot} ${this.peer[slot]}`;
      }
    }
    if (missing === 0) return null;
    if (ask !== null) return existing > 0 ? E.TRYAGAIN_MULTI : ask;
    return importing && multiple ? E.TRYAGAIN_MULTI : null;
  }
}

const tables = new WeakMap<Server, SlotOwnership>();

/** The server's table, created (all owned; fenced if slots-managed) with its guard on first use, or at start for a managed server. */
export function ownershipOf(server: Server): SlotOwnership {
  let t = tables.get(server);
  if (t === undefined) {
    const table = new SlotOwnership();
    t = table;
    tables.set(server, table);
    table.inFlight = (db, key) => keyInFlight(server, db, key);
    const managed = server.config.get('slots-managed') === 'yes';
    table.fenced = managed;
    // Checked by the next tick and by the next command, whichever comes first after the loop resumes.
    const stalled = (): void => {
      const limit = server.config.num('slots-stall-fence-ms');
      const idle = Date.now() - table.lastTick;
      if (managed && !server.isReplica && limit > 0 && idle > limit && !table.fenced) {
        table.fenced = true;
        server.log.warning(`The event loop stood still for ${idle} ms: no key is served until the dashboard confirms the slots`);
      }
    };
    server.cronHooks.push(() => {
      stalled();
      table.lastTick = Date.now();
    });
    server.guards.push((c, cmd, argv) => {
      if (c.flags.master || isCodisCommand(cmd)) return null;
      if (managed && !server.isReplica) {
        stalled();
        if (table.fenced && (cmd.parent ?? cmd).spec.keys !== undefined && keyPositions((cmd.parent ?? cmd).spec, argv)?.length) return FENCED;
      }
      const r = table.check(c, cmd, argv);
      // ASKING covers exactly the next command.
      if ((cmd.parent ?? cmd).spec.name !== 'asking') c.asking = false;
      return r;
    });
  }
  return t;
}
