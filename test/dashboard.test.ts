/*
 * The dashboard's REST API over real storage, real redis-server groups and
 * a real proxy; leadership between two dashboard processes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../dashboard/app.js';
import { Coordinator } from '../dashboard/coordinator.js';
import { FsStore } from '../storage/fs-store.js';
import { startProxy } from '../proxy/main.js';
import type { Proxy } from '../proxy/proxy.js';
import { buildAdmin, localProcessMetrics } from '../proxy/admin.js';
import { RawClient, show } from './helpers/raw-client.js';
import { SHARDIS_BIN, startRedis, type ProcServer } from './helpers/servers.js';
import { freePort, waitFor } from './helpers/ports.js';

const TOKEN = 'dash-token';
let app: FastifyInstance;
let coord: Coordinator;
let redis: ProcServer[] = [];
let proxy: Proxy;
let proxyAdmin: FastifyInstance;
let adminAddr = '';

const call = async (method: string, url: string, body?: unknown, token: string | null = TOKEN) => {
  const r = await app.inject({ method: method as 'GET', url, payload: body === undefined ? undefined : (body as object), headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: r.statusCode, body: r.body === '' ? null : r.json() };
};

beforeAll(async () => {
  redis = await Promise.all([startRedis(), startRedis()]);
  coord = new Coordinator(new FsStore(mkdtempSync(join(tmpdir(), 'dash-'))), 'demo', TOKEN);
  await coord.load();
  app = await buildApp(coord, TOKEN);
  proxy = await startProxy(['--listen', '127.0.0.1:0']);
  proxyAdmin = buildAdmin({
    snapshot: async () => proxy.snapshot(), table: () => proxy.router.table, setTable: async (t) => proxy.setTable(t),
    model: () => ({ proxyAddr: `127.0.0.1:${proxy.port}`, adminAddr, pid: process.pid, startTime: new Date().toISOString() }),
    processMetrics: localProcessMetrics(),
  }, TOKEN);
  adminAddr = (await proxyAdmin.listen({ host: '127.0.0.1', port: 0 })).replace('http://', '');
});
afterAll(async () => {
  await app.close();
  await proxyAdmin.close();
  await proxy.close();
  await Promise.all(redis.map((r) => r.stop()));
});

describe('dashboard REST API', () => {
  it('requires the token and validates bodies', async () => {
    expect((await call('GET', '/api/overview', undefined, null)).status).toBe(401);
    const bad = await call('POST', '/api/groups', { id: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('DASH_ERR_BAD_REQUEST');
    expect((await call('POST', '/api/groups/1/servers', { addr: 'nope' })).status).toBe(400);
    expect((await call('POST', '/api/groups/77/servers', { addr: '127.0.0.1:1' })).body.error).toBe('DASH_ERR_NO_GROUP');
  });

  it('builds a cluster: groups, servers, slot ranges, a proxy that routes by the pushed table', async () => {
    expect((await call('POST', '/api/groups', { id: 1 })).status).toBe(201);
    expect((await call('POST', '/api/groups', { id: 1 })).body.error).toBe('DASH_ERR_GROUP_EXISTS');
    expect((await call('POST', '/api/groups', { id: 2 })).status).toBe(201);
    expect((await call('POST', '/api/slots/assign', { from: 0, to: 511, groupId: 1 })).body.error).toBe('DASH_ERR_GROUP_NO_MASTER');
    expect((await call('POST', '/api/groups/1/servers', { addr: `127.0.0.1:${redis[0]!.port}` })).status).toBe(201);
    expect((await call('POST', '/api/groups/2/servers', { addr: `127.0.0.1:${redis[1]!.port}` })).status).toBe(201);
    expect((await call('POST', '/api/groups/2/servers', { addr: `127.0.0.1:${redis[1]!.port}` })).body.error).toBe('DASH_ERR_SERVER_EXISTS');
    expect((await call('POST', '/api/slots/assign', { from: 0, to: 511, groupId: 1 })).status).toBe(200);
    expect((await call('POST', '/api/slots/assign', { from: 512, to: 1023, groupId: 2 })).status).toBe(200);
    expect((await call('POST', '/api/slots/assign', { from: 9, to: 3, groupId: 2 })).body.error).toBe('DASH_ERR_BAD_RANGE');
    const added = await call('POST', '/api/proxies', { adminAddr });
    expect(added.status).toBe(201);
    expect(proxy.router.epoch).toBe(coord.epoch);
    const c = new RawClient(proxy.port);
    await c.connect();
    expect(await c.call(['SET', 'a', '1'])).toBe('OK'); // slot 579 -> group 2
    c.close();
    const d = new RawClient(redis[1]!.port);
    await d.connect();
    expect(show(await d.call(['GET', 'a']))).toBe('$1');
    d.close();
    const ov = (await call('GET', '/api/overview')).body;
    expect(ov.groups.map((g: { slots: number }) => g.slots)).toEqual([512, 512]);
    expect(ov.proxies[0].health.up).toBe(true);
    expect((await call('DELETE', '/api/groups/1')).body.error).toBe('DASH_ERR_GROUP_NOT_EMPTY');
    // The live view: the proxy's counters (the SET above) and both servers.
    const st = (await call('GET', '/api/stats')).body;
    expect(st.proxies[0]).toMatchObject({ up: true, epoch: coord.epoch });
    expect(st.proxies[0].opsTotal).toBeGreaterThanOrEqual(1);
    expect(st.servers.map((x: { up: boolean }) => x.up)).toEqual([true, true]);
  });

  it('survives a restart: a new coordinator on the same storage sees the same topology', async () => {
    const again = new Coordinator(coord.store, 'demo', TOKEN);
    await again.load();
    expect(again.overview()).toEqual({ ...coord.overview(), proxies: coord.overview().proxies.map((p) => ({ ...p, health: null })) });
    expect(again.epoch).toBe(coord.epoch);
  });

  it('marks an unreachable proxy down without blocking the others', async () => {
    const port = await freePort();
    expect((await call('POST', '/api/proxies', { adminAddr: `127.0.0.1:${port}` })).body.error).toBe('DASH_ERR_PROXY_UNREACHABLE');
  });

  it('serves the OpenAPI document', async () => {
    const r = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(r.statusCode).toBe(200);
    expect(Object.keys(r.json().paths)).toContain('/api/slots/assign');
  });
});

describe('dashboard leadership', () => {
  it('a standby takes over within the lease time when the active dashboard is killed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dash-ha-'));
    const start = async (): Promise<[ChildProcess, () => string, number]> => {
      const port = await freePort();
      const p = spawn(process.execPath, [SHARDIS_BIN, 'dashboard', '--storage', `fs:${dir}`, '--product', 'ha', '--listen', `127.0.0.1:${port}`, '--token', TOKEN, '--lease-ttl', '1500'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      p.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
      return [p, () => out, port];
    };
    const [a, outA, portA] = await start();
    await waitFor(() => outA().includes('shardis dashboard for product'), 10000);
    const [b, outB, portB] = await start();
    await waitFor(() => outB().includes('standby'), 10000);
    expect((await fetch(`http://127.0.0.1:${portA}/api/overview`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    a.kill('SIGKILL');
    const t0 = Date.now();
    await waitFor(() => outB().includes('shardis dashboard for product'), 10000);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect((await fetch(`http://127.0.0.1:${portB}/api/overview`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    b.kill('SIGKILL');
  });
});
