/*
 * Tells each group master which slots it owns (the engine's SLOTSSTATE), so
 * that a proxy with a stale table can never read or write a slot in the wrong
 * group: the master answers MOVED (or ASK / TRYAGAIN while the slot moves)
 * and the proxy follows it. Sent before the proxies get the matching table.
 *
 * Order matters when a slot changes hands: the group receiving it is told
 * first (IMPORTING, then OWNED) and the group giving it up second
 * (MIGRATING, then NOTOWNED), so a redirect never points at a master that
 * would send the request straight back.
 *
 * A master that is down, or is a plain Redis without SLOTSSTATE, is
 * reported, not fatal here; a migration step checks the two masters it
 * needs and retries until both accepted.
 */
import { BackendConn } from '../proxy/backend.js';
import type { SlotTable } from '../common/topology.js';

export interface OwnershipResult {
  addr: string;
  ok: boolean;
  error: string;
}

export interface Migration {
  from: number;
  to: number;
}

/** What every master must be told: the owner of each slot, the slots moving, and each group's master. */
export interface OwnershipView {
  /** slot → owning group id */
  owner: Int32Array;
  /** slot → the migration in progress (between prepared and finished) */
  moving: ReadonlyMap<number, Migration>;
  /** group id → master address, for every group that has a master */
  masters: ReadonlyMap<number, string>;
}

export function viewOfTable(t: SlotTable): OwnershipView {
  return { owner: t.slots, moving: new Map(), masters: new Map(t.groups.map((g) => [g.id, g.master])) };
}

/** The SLOTSSTATE commands for one group: each run of slots in one state. */
export function ownershipCommands(v: OwnershipView, groupId: number): string[][] {
  const states: string[] = [];
  for (let s = 0; s < v.owner.length; s++) {
    const m = v.moving.get(s);
    const owner = v.owner[s]!;
    if (m !== undefined && m.from === groupId) states.push(`MIGRATING ${v.masters.get(m.to)}`);
    else if (m !== undefined && m.to === groupId) states.push(`IMPORTING ${v.masters.get(m.from)}`);
    else if (owner === groupId) states.push('OWNED');
    else states.push(`NOTOWNED ${v.masters.get(owner)}`);
  }
  const out: string[][] = [];
  let from = 0;
  for (let s = 1; s <= states.length; s++) {
    if (s < states.length && states[s] === states[from]) continue;
    out.push(['SLOTSSTATE', 'SET', `${from}-${s - 1}`, ...states[from]!.split(' ')]);
    from = s;
  }
  return out;
}

function pushTo(addr: string, cmds: string[][], auth: string, timeoutMs: number): Promise<OwnershipResult> {
  return new Promise<OwnershipResult>((resolve) => {
    const conn = new BackendConn(addr, { auth, db: 0, timeoutMs, noReconnect: true });
    // A frozen master must not hold the push up: closing fails what is pending.
    const timer = setTimeout(() => conn.close(), timeoutMs);
    let left = cmds.length;
    let error = '';
    for (const argv of cmds) {
      conn.send(argv, (r) => {
        if (r[0] === 45 && error === '') error = r.toString('latin1').trim().slice(1);
        if (--left === 0) {
          clearTimeout(timer);
          conn.close();
          resolve({ addr, ok: error === '', error });
        }
      });
    }
  });
}

/** Pushes every group's states; the groups in `first` (those gaining slots) before the others. */
export async function pushOwnership(v: OwnershipView, auth: string, timeoutMs: number, first: ReadonlySet<number> = new Set()): Promise<OwnershipResult[]> {
  const wave = (ids: number[]) => Promise.all(ids.map((id) => pushTo(v.masters.get(id)!, ownershipCommands(v, id), auth, timeoutMs)));
  const ids = [...v.masters.keys()];
  return [...await wave(ids.filter((id) => first.has(id))), ...await wave(ids.filter((id) => !first.has(id)))];
}
