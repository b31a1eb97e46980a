/*
 * --admin-commands: FLUSHALL/FLUSHDB/CONFIG SET reach every group and CONFIG
 * GET the first one; without the flag the proxy refuses them, as Codis does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxy } from '../proxy/main.js';
import type { Proxy } from '../proxy/proxy.js';
import { parseSlotTable } from '../common/topology.js';
import { RawClient, ReplyError, show } from './helpers/raw-client.js';
import { startRedis, type ProcServer } from './helpers/servers.js';

let backends: ProcServer[] = [];
let open: Proxy;
let closed: Proxy;
beforeAll(async () => {
  backends = await Promise.all([startRedis(), startRedis()]);
  const table = parseSlotTable({
    groups: backends.map((b, i) => ({ id: i + 1, master: `127.0.0.1:${b.port}`, replicas: [] })),
    slots: { '0-511': 1, '512-1023': 2 },
  });
  open = await startProxy(['--listen', '127.0.0.1:0', '--admin-commands']);
  closed = await startProxy(['--listen', '127.0.0.1:0']);
  open.setTable(table);
  closed.setTable(table);
});
afterAll(async () => {
  await open.close();
  await closed.close();
  await Promise.all(backends.map((b) => b.stop()));
});

describe('--admin-commands', () => {
  it('fans FLUSHALL and CONFIG SET out to every group, CONFIG GET to one', async () => {
    const c = new RawClient(open.port);
    await c.connect();
    for (let i = 0; i < 50; i++) await c.call(['SET', `k${i}`, 'v']);
    expect(await c.call(['DBSIZE'])).toBe(50);
    expect(await c.call(['FLUSHALL'])).toBe('OK');
    expect(await c.call(['DBSIZE'])).toBe(0);
    expect(await c.call(['CONFIG', 'SET', 'maxmemory-samples', '7'])).toBe('OK');
    for (const b of backends) {
      const d = new RawClient(b.port);
      await d.connect();
      expect(show(await d.call(['CONFIG', 'GET', 'maxmemory-samples']))).toEqual(['$maxmemory-samples', '$7']);
      d.close();
    }
    expect(show(await c.call(['CONFIG', 'GET', 'maxmemory-samples']))).toEqual(['$maxmemory-samples', '$7']);
    c.close();
    const r = new RawClient(closed.port);
    await r.connect();
    expect(await r.call(['FLUSHALL'])).toEqual(new ReplyError("ERR command 'flushall' is not allowed through the proxy"));
    r.close();
  });
});
