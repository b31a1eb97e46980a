/*
 * The proxy follows the engine's MOVED / ASK redirects (a slot moved, or is
 * moving, before the proxy's table caught up), so clients never see one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy } from '../proxy/main.js';
import type { Proxy } from '../proxy/proxy.js';
import { parseSlotTable } from '../common/topology.js';
import { slotOf } from '../common/slots.js';
import { RawClient, show } from './helpers/raw-client.js';
import { startOurs, type TestServer } from './helpers/servers.js';

let a: TestServer;
let b: TestServer;
let proxy: Proxy;
const clients: RawClient[] = [];
async function client(port: number): Promise<RawClient> {
  const c = new RawClient(port);
  await c.connect();
  clients.push(c);
  return c;
}

beforeAll(async () => {
  [a, b] = await Promise.all([startOurs(), startOurs()]);
  proxy = await startProxy(['--listen', '127.0.0.1:0']);
  // The proxy's (stale) table sends every slot to A.
  proxy.setTable(parseSlotTable({ groups: [{ id: 1, master: `127.0.0.1:${a.port}`, replicas: [] }], slots: { '0-1023': 1 } }));
});
afterAll(async () => {
  for (const c of clients) c.close();
  await proxy.close();
  await Promise.all([a.stop(), b.stop()]);
});

describe('redirects', () => {
  it('follows MOVED to the owner and ASK (with ASKING) to the import target', async () => {
    const [ca, cb, cp] = [await client(a.port), await client(b.port), await client(proxy.port)];
    const slot = slotOf('a');
    // The slot now lives on B; A knows it, the proxy does not.
    await cb.call(['SET', 'a', 'from-b']);
    await ca.call(['SLOTSSTATE', 'SET', String(slot), 'NOTOWNED', `127.0.0.1:${b.port}`]);
    expect(show(await cp.call(['GET', 'a']))).toBe('$from-b');
    expect(await cp.call(['SET', 'a', 'via-proxy'])).toBe('OK');
    expect(show(await cb.call(['GET', 'a']))).toBe('$via-proxy');

    // A migrating slot: keys still on A are served there, the others (and new ones) on B after ASKING.
    const s2 = slotOf('{m}x');
    await ca.call(['SET', '{m}x', 'on-a']);
    await cb.call(['SET', '{m}y', 'on-b']);
    await ca.call(['SLOTSSTATE', 'SET', String(s2), 'MIGRATING', `127.0.0.1:${b.port}`]);
    await cb.call(['SLOTSSTATE', 'SET', String(s2), 'IMPORTING', `127.0.0.1:${a.port}`]);
    expect(show(await cp.call(['MGET', '{m}x']))).toEqual(['$on-a']);
    expect(show(await cp.call(['GET', '{m}y']))).toBe('$on-b');
    expect(await cp.call(['SET', '{m}new', '1'])).toBe('OK');
    expect(await ca.call(['SLOTSINFO', String(s2), '1'])).toEqual([[s2, 1]]);
    expect(await cb.call(['ASKING'])).toBe('OK');
    expect(show(await cb.call(['GET', '{m}new']))).toBe('$1');
    // A pipeline mixing redirected and direct requests keeps its order.
    for (let i = 0; i < 50; i++) cp.send(i % 2 ? ['GET', '{m}y'] : ['GET', '{m}x']);
    for (let i = 0; i < 50; i++) expect(show(await cp.read())).toBe(i % 2 ? '$on-b' : '$on-a');
    expect(proxy.stats.redirects).toBeGreaterThanOrEqual(27);
  });
});
