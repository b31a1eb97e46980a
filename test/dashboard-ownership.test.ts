/*
 * The dashboard tells each group master which slots it owns, so a stale
 * proxy table cannot make a master serve a slot of another group.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Coordinator } from '../dashboard/coordinator.js';
import { ownershipCommands, viewOfTable } from '../dashboard/ownership.js';
import { MemoryStore } from '../storage/memory-store.js';
import { parseSlotTable } from '../common/topology.js';
import { slotOf } from '../common/slots.js';
import { startOurs, startRedis, type ProcServer, type TestServer } from './helpers/servers.js';
import { RawClient, ReplyError, show } from './helpers/raw-client.js';

let g1: TestServer;
let g2: TestServer;
let plain: ProcServer;
beforeAll(async () => {
  [g1, g2, plain] = await Promise.all([startOurs(), startOurs(), startRedis()]);
});
afterAll(async () => {
  await Promise.all([g1?.stop(), g2?.stop(), plain?.stop()]);
});

describe('slot ownership pushed by the dashboard', () => {
  it('turns a table into one SLOTSSTATE per run of slots', () => {
    const t = parseSlotTable({ groups: [{ id: 1, master: 'h1:1', replicas: [] }, { id: 2, master: 'h2:2', replicas: [] }], slots: { '0-9': 1, '10-1000': 2, '1001-1023': 1 } });
    expect(ownershipCommands(viewOfTable(t), 1)).toEqual([
      ['SLOTSSTATE', 'SET', '0-9', 'OWNED'], ['SLOTSSTATE', 'SET', '10-1000', 'NOTOWNED', 'h2:2'], ['SLOTSSTATE', 'SET', '1001-1023', 'OWNED'],
    ]);
  });

  it('makes each master serve its own slots and redirect the others', async () => {
    const coord = new Coordinator(new MemoryStore(), 'own', 'tok');
    await coord.load();
    for (const [id, s] of [[1, g1], [2, g2]] as const) {
      await coord.createGroup(id);
      await coord.addServer(id, `127.0.0.1:${s.port}`);
    }
    await coord.assignSlots(0, 511, 1);
    await coord.assignSlots(512, 1023, 2);
    expect([...coord.serverHealth.values()].every((r) => r.ok)).toBe(true);
    const c1 = new RawClient(g1.port);
    await c1.connect();
    const keyIn = (lo: number, hi: number): readonly [string, number] => {
      for (let i = 0; ; i++) if (slotOf(`k${i}`) >= lo && slotOf(`k${i}`) <= hi) return [`k${i}`, slotOf(`k${i}`)] as const;
    };
    const [low, high] = [keyIn(0, 511), keyIn(512, 999)];
    expect(await c1.call(['SET', low![0], 'v'])).toBe('OK');
    expect(await c1.call(['SET', high![0], 'v'])).toEqual(new ReplyError(`MOVED ${high![1]} 127.0.0.1:${g2.port}`));
    expect(show(await c1.call(['SLOTSSTATE', 'GET']))).toEqual([[':0', ':511', '$owned', null], [':512', ':1023', '$notowned', `$127.0.0.1:${g2.port}`]]);
    c1.close();
    // A plain Redis master cannot be told: reported, not fatal.
    await coord.createGroup(3);
    await coord.addServer(3, `127.0.0.1:${plain.port}`);
    await coord.assignSlots(1000, 1023, 3);
    const bad = coord.serverHealth.get(`127.0.0.1:${plain.port}`)!;
    expect(bad.ok).toBe(false);
    expect(bad.error).toMatch(/unknown command/);
  });
});
