/*
 * Slot actions run by the dashboard's migrator against real servers: the
 * state machine ends with the keys on the target group and the slot
 * ownership moved; rebalance plans move the fewest slots.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Coordinator } from '../dashboard/coordinator.js';
import { planRebalance, quotas } from '../dashboard/rebalance.js';
import { MemoryStore } from '../storage/memory-store.js';
import { slotOf } from '../common/slots.js';
import { startOursProcess, type TestServer } from './helpers/servers.js';
import { RawClient, show } from './helpers/raw-client.js';
import { waitFor } from './helpers/ports.js';

let g1: TestServer;
let g2: TestServer;
beforeAll(async () => {
  // Processes of their own: a synchronous migration holds the source's event loop while the target answers.
  [g1, g2] = await Promise.all([startOursProcess(), startOursProcess()]);
});
afterAll(async () => {
  await Promise.all([g1?.stop(), g2?.stop()]);
});

describe('rebalance plan', () => {
  it('gives each group its weighted share with the fewest moves', () => {
    const owner = new Int32Array(1024).fill(1);
    owner.fill(2, 512);
    // A new empty group 3: about a third of the slots move, all to it, half from each group.
    const moves = planRebalance({ owner, moving: new Map(), weights: new Map([[1, 1], [2, 1], [3, 1]]) });
    expect(moves.length).toBe(1024 - 342 - 341);
    expect(moves.every((m) => m.to === 3)).toBe(true);
    expect(moves.filter((m) => m.from === 1).length).toBe(512 - 342);
    expect(quotas(new Map([[1, 1], [2, 1], [3, 1]]))).toEqual(new Map([[1, 342], [2, 341], [3, 341]]));
    // Balanced already: nothing to do. Weighted 3:1: group 1 takes 768.
    expect(planRebalance({ owner, moving: new Map(), weights: new Map([[1, 1], [2, 1]]) })).toEqual([]);
    const weighted = planRebalance({ owner, moving: new Map(), weights: new Map([[1, 3], [2, 1]]) });
    expect(weighted.length).toBe(256);
    expect(weighted.every((m) => m.from === 2 && m.to === 1)).toBe(true);
    // Slots already on their way count for their target.
    const moving = new Map(moves.map((m) => [m.slot, m.to]));
    expect(planRebalance({ owner, moving, weights: new Map([[1, 1], [2, 1], [3, 1]]) })).toEqual([]);
  });
});

describe('slot actions', () => {
  it('keep a finished slot with its target when the dashboard stopped before the slot record was written', async () => {
    const store = new MemoryStore();
    const coord = new Coordinator(store, 'fin', 'tok');
    await coord.load();
    for (const [id, s] of [[1, g1], [2, g2]] as const) {
      await coord.createGroup(id);
      await coord.addServer(id, `127.0.0.1:${s.port}`);
    }
    await coord.assignSlots(0, 1023, 1);
    await coord.createActions([7], 2);
    for (const st of ['preparing', 'prepared', 'migrating', 'finished'] as const) await coord.advanceAction(7, st);
    // A successor loads what storage holds: the slot record still names group 1.
    const next = new Coordinator(store, 'fin', 'tok');
    await next.load();
    expect(next.slots[7]!.doc.groupId).toBe(1);
    expect(next.ownerOf(7)).toBe(2);
    expect(next.slotTable()!.slots[7]).toBe(2);
    expect(next.ownershipView().owner[7]).toBe(2);
    await next.completeAction(7);
    expect(next.slots[7]!.doc.groupId).toBe(2);
    expect(next.actions.size).toBe(0);
    await next.assignSlots(0, 1023, 1);
  });

  it('walk pending → finished, moving every key of the slots with its tag-mates and TTLs', { timeout: 30000 }, async () => {
    const coord = new Coordinator(new MemoryStore(), 'mig', 'tok');
    await coord.load();
    await coord.setMigration({ method: 'sync', parallelSlots: 4 });
    for (const [id, s] of [[1, g1], [2, g2]] as const) {
      await coord.createGroup(id);
      await coord.addServer(id, `127.0.0.1:${s.port}`);
    }
    await coord.assignSlots(0, 1023, 1);
    const c1 = new RawClient(g1.port);
    const c2 = new RawClient(g2.port);
    await Promise.all([c1.connect(), c2.connect()]);
    const keys: string[] = [];
    for (let i = 0; i < 400; i++) keys.push(`k${i}`, `{t${i % 7}}m${i}`);
    for (const k of keys) c1.send(['SET', k, `v-${k}`]);
    for (const _ of keys) await c1.read();
    await c1.call(['RPUSH', 'list', 'a', 'b', 'c']);
    await c1.call(['PEXPIRE', 'list', '100000']);
    await c1.call(['SELECT', '3']);
    await c1.call(['SET', 'in-db3', 'x']);
    await c1.call(['SELECT', '0']);
    const moved = new Set<number>();
    for (let s = 0; s < 512; s++) moved.add(s);
    await expect(coord.createActions([5000], 2)).rejects.toThrow(/not within/);
    const created = await coord.createActions([...moved], 2);
    expect(created.length).toBe(512);
    await expect(coord.createActions([3], 2)).rejects.toThrow(/already has a migration/);
    await expect(coord.assignSlots(0, 3, 2)).rejects.toThrow(/being migrated/);
    coord.migrator.start(20);
    try {
      await waitFor(() => coord.actions.size === 0, 20000, 50);
    } finally {
      await coord.migrator.stop();
    }
    expect(coord.slots.filter((s) => s.doc.groupId === 2).length).toBe(512);
    for (const k of [...keys, 'list']) {
      expect(show(await (moved.has(slotOf(k)) ? c2 : c1).call(['EXISTS', k])), k).toBe(':1');
    }
    // Nothing of the moved slots is left on the source, nothing else came to the target.
    expect(show(await c1.call(['SLOTSINFO', '0', '512']))).toEqual([]);
    expect(show(await c2.call(['SLOTSINFO', '512', '512']))).toEqual([]);
    expect((await c1.call(['DBSIZE']) as number) + (await c2.call(['DBSIZE']) as number)).toBe(keys.length + 1);
    const listOn = moved.has(slotOf('list')) ? c2 : c1;
    expect(await listOn.call(['PTTL', 'list'])).toBeGreaterThan(90000);
    const db3 = moved.has(slotOf('in-db3')) ? c2 : c1;
    await db3.call(['SELECT', '3']);
    expect(show(await db3.call(['GET', 'in-db3']))).toBe('$x');
    // Ownership follows: the source redirects the moved slots to the target.
    const k = keys.find((x) => moved.has(slotOf(x)))!;
    expect(String(show(await c1.call(['GET', k])))).toContain(`MOVED ${slotOf(k)} 127.0.0.1:${g2.port}`);
    c1.close();
    c2.close();
  });
});
