/*
 * Rebalance: the fewest slot moves that give every group its share of the
 * 1024 slots, in proportion to its weight (equal by default). A slot already
 * being moved counts for its target and is not moved again. Shares are
 * rounded by largest remainder (ties to the lower group id), so adding an
 * empty group to N equal groups moves about 1024/(N+1) slots, all of them to
 * the new group. Donors give their highest-numbered slots, as Codis does.
 */
import { SLOT_COUNT } from '../common/slots.js';

export interface Move {
  slot: number;
  from: number;
  to: number;
}

export interface RebalanceInput {
  /** slot → group (0 = unassigned) */
  owner: ArrayLike<number>;
  /** slot → target of a migration already queued or under way */
  moving: ReadonlyMap<number, number>;
  /** group id → weight (> 0); the groups that take part */
  weights: ReadonlyMap<number, number>;
}

export function quotas(weights: ReadonlyMap<number, number>): Map<number, number> {
  const ids = [...weights.keys()].sort((a, b) => a - b);
  const total = ids.reduce((s, id) => s + weights.get(id)!, 0);
  const exact = ids.map((id) => (SLOT_COUNT * weights.get(id)!) / total);
  const q = new Map(ids.map((id, i) => [id, Math.floor(exact[i]!)]));
  let left = SLOT_COUNT - [...q.values()].reduce((s, n) => s + n, 0);
  const byRemainder = ids.map((id, i) => ({ id, r: exact[i]! - Math.floor(exact[i]!) })).sort((a, b) => b.r - a.r || a.id - b.id);
  for (const { id } of byRemainder) {
    if (left-- <= 0) break;
    q.set(id, q.get(id)! + 1);
  }
  return q;
}

export function planRebalance(input: RebalanceInput): Move[] {
  const q = quotas(input.weights);
  // Where each slot will be once queued migrations are done; which slots may move.
  const movable = new Map<number, number[]>();
  const count = new Map<number, number>([...q.keys()].map((id) => [id, 0]));
  for (let s = 0; s < input.owner.length; s++) {
    const target = input.moving.get(s);
    const g = target ?? input.owner[s]!;
    // Unassigned slots hold no data: they are assigned, not migrated.
    if (g === 0) continue;
    count.set(g, (count.get(g) ?? 0) + 1);
    if (target !== undefined) continue;
    let l = movable.get(g);
    if (l === undefined) movable.set(g, (l = []));
    l.push(s);
  }
  const moves: Move[] = [];
  // Slots of groups that take no part (weight missing) go too.
  const givers: { group: number; slot: number }[] = [];
  for (const [g, slots] of movable) {
    const keep = q.get(g) ?? 0;
    const extra = (count.get(g) ?? 0) - keep;
    for (let i = 0; i < extra && slots.length > 0; i++) givers.push({ group: g, slot: slots.pop()! });
  }
  givers.sort((a, b) => a.slot - b.slot);
  const takers = [...q.keys()].sort((a, b) => a - b);
  for (const { group, slot } of givers) {
    const to = takers.find((id) => (count.get(id) ?? 0) < q.get(id)!);
    if (to === undefined) break;
    count.set(to, count.get(to)! + 1);
    count.set(group, count.get(group)! - 1);
    moves.push({ slot, from: group, to });
  }
  return moves;
}
