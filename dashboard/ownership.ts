/*
 * Tells each group master which slots it owns (the engine's SLOTSSTATE), so
 * that a proxy with a stale table can never read or write a slot in the wrong
 * group: the master answers MOVED and the proxy follows it. Sent before the
 * proxies get the matching table. Best effort: a master that is down, or is
 * a plain Redis without SLOTSSTATE, is reported, not fatal — the next push
 * (any topology change, or a reinit) sends it again.
 */
import { BackendConn } from '../proxy/backend.js';
import type { SlotTable } from '../common/topology.js';

export interface OwnershipResult {
  addr: string;
  ok: boolean;
  error: string;
}

/** The SLOTSSTATE commands for one group: each run of slots, owned here or not (with its owner). */
export function ownershipCommands(t: SlotTable, groupId: number): string[][] {
  const master = new Map(t.groups.map((g) => [g.id, g.master]));
  const out: string[][] = [];
  let from = 0;
  for (let s = 1; s <= t.slots.length; s++) {
    if (s < t.slots.length && t.slots[s] === t.slots[from]) continue;
    const owner = t.slots[from]!;
    const range = `${from}-${s - 1}`;
    out.push(owner === groupId ? ['SLOTSSTATE', 'SET', range, 'OWNED'] : ['SLOTSSTATE', 'SET', range, 'NOTOWNED', master.get(owner)!]);
    from = s;
  }
  return out;
}

export async function pushOwnership(t: SlotTable, auth: string, timeoutMs: number): Promise<OwnershipResult[]> {
  return Promise.all(t.groups.map((g) => new Promise<OwnershipResult>((resolve) => {
    const conn = new BackendConn(g.master, { auth, db: 0, timeoutMs, noReconnect: true });
    // A frozen master must not hold the push up: closing fails what is pending.
    const timer = setTimeout(() => conn.close(), timeoutMs);
    const cmds = ownershipCommands(t, g.id);
    let left = cmds.length;
    let error = '';
    for (const argv of cmds) {
      conn.send(argv, (r) => {
        if (r[0] === 45 && error === '') error = r.toString('latin1').trim().slice(1);
        if (--left === 0) {
          clearTimeout(timer);
          conn.close();
          resolve({ addr: g.master, ok: error === '', error });
        }
      });
    }
  })));
}
