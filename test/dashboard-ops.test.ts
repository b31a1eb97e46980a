/*
 * The dashboard's operations REST API on real servers: slot-action and
 * settings validation, a lossless switchover (promote), replica resync,
 * server summaries and the Prometheus metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../dashboard/app.js';
import { Coordinator } from '../dashboard/coordinator.js';
import { dashboardRegistry } from '../dashboard/metrics.js';
import { MemoryStore } from '../storage/memory-store.js';
import { RawClient, ReplyError, show } from './helpers/raw-client.js';
import { startOursProcess, type ProcServer } from './helpers/servers.js';
import { waitFor } from './helpers/ports.js';

const TOKEN = 'ops-token';
let app: FastifyInstance;
let coord: Coordinator;
let servers: ProcServer[] = [];

const call = async (method: string, url: string, body?: unknown) => {
  const r = await app.inject({ method: method as 'GET', url, payload: body === undefined ? undefined : (body as object), headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: r.statusCode, body: r.body === '' ? null : r.headers['content-type']?.toString().includes('json') ? r.json() : r.body };
};

beforeAll(async () => {
  servers = await Promise.all([startOursProcess(), startOursProcess(), startOursProcess()]);
  coord = new Coordinator(new MemoryStore(), 'ops', TOKEN);
  await coord.load();
  const reg = dashboardRegistry(coord);
  app = await buildApp(coord, TOKEN, { extra: (a) => { a.get('/metrics', async (_q, reply) => reply.type(reg.contentType).send(await reg.metrics())); } });
});
afterAll(async () => {
  await app?.close();
  await Promise.all(servers.map((s) => s.stop()));
});

const addr = (s: ProcServer) => `127.0.0.1:${s.port}`;

describe('dashboard operations', () => {
  it('validates slot actions, settings and rebalance bodies with coded errors', async () => {
    expect((await call('POST', '/api/groups', { id: 1 })).status).toBe(201);
    expect((await call('POST', '/api/groups/1/servers', { addr: addr(servers[0]!) })).status).toBe(201);
    expect((await call('POST', '/api/groups', { id: 2 })).status).toBe(201);
    expect((await call('POST', '/api/slots/actions', { groupId: 1, slot: 3 })).body.error).toBe('DASH_ERR_SLOT_UNASSIGNED');
    expect((await call('POST', '/api/slots/assign', { from: 0, to: 1023, groupId: 1 })).status).toBe(200);
    const two = await call('POST', '/api/slots/actions', { groupId: 1, slot: 3, count: 2 });
    expect([two.status, two.body.error]).toEqual([400, 'DASH_ERR_BAD_REQUEST']);
    expect((await call('POST', '/api/slots/actions', { groupId: 1, slot: 1024 })).status).toBe(400);
    expect((await call('POST', '/api/slots/actions', { groupId: 1, from: 9, to: 3 })).body.error).toBe('DASH_ERR_BAD_RANGE');
    expect((await call('POST', '/api/slots/actions', { groupId: 2, slot: 3 })).body.error).toBe('DASH_ERR_GROUP_NO_MASTER');
    expect((await call('POST', '/api/slots/actions', { groupId: 7, slot: 3 })).status).toBe(404);
    expect((await call('POST', '/api/slots/actions', { groupId: 1, slot: 3 })).body).toEqual({ created: 0, actions: [] });
    expect((await call('PUT', '/api/slots/migration', { method: 'fast' })).status).toBe(400);
    expect((await call('PUT', '/api/slots/migration', { parallelSlots: 0 })).status).toBe(400);
    expect((await call('PUT', '/api/slots/migration', { color: 'red' })).status).toBe(400);
    expect((await call('PUT', '/api/slots/migration', { parallelSlots: 3 })).body.parallelSlots).toBe(3);
    expect((await call('POST', '/api/slots/rebalance', { weights: { 9: 1 } })).body.error).toBe('DASH_ERR_NO_GROUP');
    expect((await call('DELETE', '/api/slots/actions/5')).body.error).toBe('DASH_ERR_NO_ACTION');
    // Pending actions (the migrator is not running here) can be listed and removed; a count takes slots from the fullest group.
    await call('POST', '/api/groups/2/servers', { addr: addr(servers[2]!) });
    const created = await call('POST', '/api/slots/actions', { groupId: 2, count: 3 });
    expect(created.body.actions.map((a: { slot: number }) => a.slot)).toEqual([1021, 1022, 1023]);
    expect((await call('POST', '/api/slots/actions', { groupId: 2, slot: 1023 })).body.error).toBe('DASH_ERR_ACTION_EXISTS');
    const plan = await call('POST', '/api/slots/rebalance', {});
    expect(plan.body.applied).toBe(false);
    expect(plan.body.moves.length).toBe(512 - 3);
    // Weight 0 empties a group (before removing it).
    const empty = await call('POST', '/api/slots/rebalance', { weights: { 1: 0, 2: 1 } });
    expect(empty.body.quotas).toEqual({ 2: 1024 });
    expect(empty.body.moves.length).toBe(1024 - 3);
    for (const s of [1021, 1022, 1023]) expect((await call('DELETE', `/api/slots/actions/${s}`)).status).toBe(204);
    expect((await call('GET', '/api/slots/actions')).body).toEqual([]);
  });

  it('promotes a replica without losing a write, repointing the old master', async () => {
    const [m, r] = [servers[0]!, servers[1]!];
    expect((await call('POST', '/api/groups/1/servers', { addr: addr(r) })).status).toBe(201);
    expect((await call('POST', '/api/groups/1/resync')).body).toEqual([{ addr: addr(r), ok: true, error: '' }]);
    const cm = new RawClient(m.port);
    const cr = new RawClient(r.port);
    await Promise.all([cm.connect(), cr.connect()]);
    await waitFor(async () => show(await cr.call(['INFO', 'replication'])).toString().includes('master_link_status:up'), 10000);
    for (let i = 0; i < 2000; i++) cm.send(['SET', `k${i}`, String(i)]);
    for (let i = 0; i < 2000; i++) await cm.read();
    // Writes keep coming while the switchover runs; each is either refused (READONLY, retried by proxies) or kept.
    let acked = 0;
    let writing = true;
    const writer = (async () => {
      const w = new RawClient(m.port);
      await w.connect();
      for (let i = 0; writing; i++) {
        const res = await w.call(['SET', `late${i}`, 'x']);
        if (res === 'OK') acked = i + 1;
        else break;
      }
      w.close();
    })();
    const res = await call('POST', '/api/groups/1/promote', { addr: addr(r) });
    expect(res.status).toBe(200);
    expect(res.body.servers).toEqual([{ addr: addr(r), role: 'master' }, { addr: addr(m), role: 'replica' }]);
    writing = false;
    await writer;
    expect(await cm.call(['SET', 'after', '1'])).toEqual(new ReplyError("READONLY You can't write against a read only replica."));
    expect(await cr.call(['SET', 'after', '1'])).toBe('OK');
    expect(await cr.call(['DBSIZE'])).toBe(2000 + acked + 1);
    for (let i = 0; i < acked; i++) expect(show(await cr.call(['GET', `late${i}`]))).toBe('$x');
    await waitFor(async () => show(await cm.call(['INFO', 'replication'])).toString().includes('master_link_status:up'), 10000);
    await waitFor(async () => show(await cm.call(['DEBUG', 'DIGEST'])) === show(await cr.call(['DEBUG', 'DIGEST'])), 10000);
    // The new master was told its slots.
    expect(show(await cr.call(['SLOTSSTATE', 'GET', '0']))).toEqual(['$owned', null]);
    expect((await call('POST', '/api/groups/1/promote', { addr: addr(r) })).body.error).toBe('DASH_ERR_BAD_REQUEST');
    cm.close();
    cr.close();
  });

  it('moves a spare replica to a group left without one (replica migration)', { timeout: 30000 }, async () => {
    const extra = await Promise.all([startOursProcess(), startOursProcess()]);
    servers.push(...extra);
    for (const s of extra) expect((await call('POST', '/api/groups/1/servers', { addr: addr(s) })).status).toBe(201);
    await call('POST', '/api/groups/1/resync');
    coord.ha.settings = { ...coord.ha.settings, replicaMigration: true };
    await coord.ha.round();
    const groups = (await call('GET', '/api/groups')).body as { id: number; servers: { addr: string; role: string }[] }[];
    const g2 = groups.find((g) => g.id === 2)!;
    expect(g2.servers.filter((s) => s.role === 'replica').length).toBe(1);
    expect(groups.find((g) => g.id === 1)!.servers.filter((s) => s.role === 'replica').length).toBe(2);
    const moved = new RawClient(Number(g2.servers.find((s) => s.role === 'replica')!.addr.split(':')[1]));
    await moved.connect();
    await waitFor(async () => show(await moved.call(['INFO', 'replication'])).toString().includes(`master_port:${servers[2]!.port}`), 10000);
    moved.close();
    expect((await call('GET', '/api/ha')).body.events.at(-1).reason).toMatch(/replica migration/);
    coord.ha.settings = { ...coord.ha.settings, replicaMigration: false };
  });

  it('summarizes servers and exports them with the topology as Prometheus metrics', async () => {
    const ss = (await call('GET', '/api/servers')).body as { addr: string; role: string; up: boolean; keys: number; lag: number | null }[];
    const master = ss.find((s) => s.addr === addr(servers[1]!))!;
    expect(master).toMatchObject({ role: 'master', up: true, keys: expect.any(Number) });
    expect(master.keys).toBeGreaterThanOrEqual(2001);
    expect(ss.filter((s) => s.role === 'replica').every((s) => typeof s.lag === 'number')).toBe(true);
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(/^shardis_dashboard_group_slots\{group="1"\} 1024$/m);
    expect(text).toMatch(/^shardis_dashboard_actions\{state="pending"\} 0$/m);
    expect(text).toMatch(new RegExp(`^shardis_dashboard_server_up\\{group="1",addr="${addr(servers[1]!)}",role="master"\\} 1$`, 'm'));
    expect(text).toMatch(/^shardis_dashboard_server_repl_lag_bytes\{group="1",addr="[^"]+",role="replica"\} \d+$/m);
    expect(text).toMatch(/^shardis_dashboard_epoch \d+$/m);
    expect(text).toMatch(/^shardis_dashboard_migration_keys_per_second 0$/m);
  });
});
