/*
 * Automatic failover with real processes: a master killed with SIGKILL
 * under write load through the proxy (after the active dashboard itself was
 * killed and its standby took over), and a master frozen with SIGSTOP that
 * must never accept a write as master once it wakes up.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { SHARDIS_BIN, startOursProcess, startOursProcessIn, type ProcServer } from './helpers/servers.js';
import { freePort, waitFor } from './helpers/ports.js';

const TOKEN = 'failover-token';
const DOWN_AFTER = 1500;
const MANAGED = ['--slots-managed', 'yes', '--slots-stall-fence-ms', '1000', '--enable-debug-command', 'yes'];

interface Proc {
  proc: ChildProcess;
  out: () => string;
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

function run(args: string[]): Proc {
  const proc = spawn(process.execPath, [SHARDIS_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  cleanups.push(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGCONT');
      proc.kill('SIGKILL');
      await new Promise((r) => proc.once('exit', r));
    }
  });
  return { proc, out: () => out };
}

/** Two groups (group 1: master + replica, group 2: master), a dashboard on fs storage, one proxy. */
async function cluster(dashboards = 1) {
  const dir = mkdtempSync(join(tmpdir(), 'failover-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const m1dir = mkdtempSync(join(tmpdir(), 'failover-m1-'));
  cleanups.push(async () => rmSync(m1dir, { recursive: true, force: true }));
  const m1 = await startOursProcessIn(m1dir, MANAGED);
  const r1 = await startOursProcess([...MANAGED, '--replicaof', '127.0.0.1', String(m1.port)]);
  const m2 = await startOursProcess(MANAGED);
  const servers: ProcServer[] = [m1, r1, m2];
  cleanups.push(async () => { await Promise.all(servers.map((s) => { s.proc.kill('SIGCONT'); return s.stop(); })); });
  const ports = await Promise.all(Array.from({ length: dashboards }, () => freePort()));
  const dashArgs = (port: number) => ['dashboard', '--storage', `fs:${dir}`, '--product', 'fo', '--listen', `127.0.0.1:${port}`, '--token', TOKEN,
    '--lease-ttl', '3000', '--health-check-interval', '300', '--down-after', String(DOWN_AFTER)];
  // The first one becomes the active dashboard; the others wait as standbys.
  const dash = [run(dashArgs(ports[0]!))];
  await waitFor(() => dash[0]!.out().includes('shardis dashboard for product'), 15000);
  for (const p of ports.slice(1)) dash.push(run(dashArgs(p)));
  const api = async (port: number, method: string, path: string, body?: unknown): Promise<any> => {
    const r = await fetch(`http://127.0.0.1:${port}${path}`, {
      method, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
    return text === '' ? null : JSON.parse(text);
  };
  const p0 = ports[0]!;
  await api(p0, 'POST', '/api/groups', { id: 1 });
  await api(p0, 'POST', '/api/groups/1/servers', { addr: `127.0.0.1:${m1.port}` });
  await api(p0, 'POST', '/api/groups/1/servers', { addr: `127.0.0.1:${r1.port}` });
  await api(p0, 'POST', '/api/groups', { id: 2 });
  await api(p0, 'POST', '/api/groups/2/servers', { addr: `127.0.0.1:${m2.port}` });
  await api(p0, 'POST', '/api/slots/assign', { from: 0, to: 511, groupId: 1 });
  await api(p0, 'POST', '/api/slots/assign', { from: 512, to: 1023, groupId: 2 });
  const [pport, padmin] = [await freePort(), await freePort()];
  run(['proxy', '--listen', `127.0.0.1:${pport}`, '--admin', `127.0.0.1:${padmin}`, '--token', TOKEN, '--workers', '1', '--dashboard', `127.0.0.1:${p0}`]);
  await waitFor(async () => (await api(p0, 'GET', '/api/proxies')).length === 1, 15000);
  const r1c = new Redis({ port: r1.port });
  await waitFor(async () => (await r1c.info('replication')).includes('master_link_status:up'), 10000);
  r1c.disconnect();
  return { m1, m1dir, r1, m2, dash, ports, api, pport };
}

describe('automatic failover', () => {
  it('replaces a master killed under load within down-after, keeps every replicated write, and takes the old master back as a replica — after a dashboard takeover', { timeout: 90_000 }, async () => {
    const { m1, m1dir, r1, dash, ports, api, pport } = await cluster(2);
    // The standby takes over when the active dashboard dies.
    await waitFor(() => dash[1]!.out().includes('standby'), 10000);
    dash[0]!.proc.kill('SIGKILL');
    await waitFor(() => dash[1]!.out().includes('shardis dashboard for product'), 10000);
    const api1 = (method: string, path: string, body?: unknown) => api(ports[1]!, method, path, body);

    // Writes through the proxy (errors timed), and writes to the master confirmed by WAIT 1 (must survive).
    const errorsAt: number[] = [];
    let okAfterKill = 0;
    let killedAt = 0;
    let writing = true;
    const proxyWriter = (async () => {
      const c = new Redis({ port: pport, maxRetriesPerRequest: 0 });
      for (let i = 0; writing; i++) {
        try {
          await c.set(`p:${i}`, String(i));
          if (killedAt > 0) okAfterKill++;
        } catch {
          errorsAt.push(Date.now());
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      c.disconnect();
    })();
    const replicated: string[] = [];
    const direct = new Redis({ port: m1.port, maxRetriesPerRequest: 0 });
    direct.on('error', () => undefined);
    for (let i = 0; i < 300; i++) {
      await direct.set(`{g20}w${i}`, String(i));
      if ((await direct.call('WAIT', '1', '1000')) === 1) replicated.push(`{g20}w${i}`);
    }
    direct.disconnect();
    expect(replicated.length).toBeGreaterThan(250);
    await new Promise((r) => setTimeout(r, 300));
    killedAt = Date.now();
    m1.proc.kill('SIGKILL');
    await waitFor(async () => (await api1('GET', '/api/overview')).groups[0].servers[0].addr === `127.0.0.1:${r1.port}`, 20000, 100);
    // Writes succeed again through the proxy.
    await waitFor(() => okAfterKill > 200, 15000);
    writing = false;
    await proxyWriter;
    const window = errorsAt.length === 0 ? 0 : Math.max(...errorsAt) - killedAt;
    expect(window).toBeLessThan(DOWN_AFTER + 5000);
    const ha = await api1('GET', '/api/ha');
    expect(ha.events[0]).toMatchObject({ group: 1, from: `127.0.0.1:${m1.port}`, to: `127.0.0.1:${r1.port}` });
    // Every write the replica had acknowledged is there.
    const c = new Redis({ port: pport });
    const got = await c.mget(...replicated);
    expect(replicated.filter((k, i) => got[i] !== k.slice(6))).toEqual([]);
    // The old master comes back (empty, fenced: it serves nothing) and is made a replica of the new master.
    const back = await startOursProcessIn(m1dir, [...MANAGED, '--port', String(m1.port)]);
    cleanups.push(() => back.stop());
    const b = new Redis({ port: back.port, maxRetriesPerRequest: 0 });
    await waitFor(async () => (await b.info('replication')).includes(`master_port:${r1.port}`) && (await b.info('replication')).includes('master_link_status:up'), 20000, 100);
    const r1c = new Redis({ port: r1.port });
    await waitFor(async () => (await b.call('DEBUG', 'DIGEST')) === (await r1c.call('DEBUG', 'DIGEST')), 10000, 100);
    await expect(b.set('x', '1')).rejects.toThrow(/READONLY/);
    b.disconnect();
    r1c.disconnect();
    c.disconnect();
  });

  it('fences a master frozen across its failover: once it wakes up it never accepts a write as master', { timeout: 60_000 }, async () => {
    const { m1, r1, ports, api } = await cluster();
    const probe = new Redis({ port: m1.port, maxRetriesPerRequest: 0, enableOfflineQueue: true });
    await probe.set('{g20}before', '1');
    await probe.call('WAIT', '1', '1000');
    m1.proc.kill('SIGSTOP');
    await waitFor(async () => (await api(ports[0]!, 'GET', '/api/overview')).groups[0].servers[0].addr === `127.0.0.1:${r1.port}`, 20000, 100);
    // A write already waiting in its socket, and new ones after it wakes up: all refused.
    const pending = probe.set('{g20}stale', 'x').then(() => 'accepted', (e: Error) => e.message);
    m1.proc.kill('SIGCONT');
    expect(await pending).toMatch(/CLUSTERDOWN|READONLY/);
    const until = Date.now() + 3000;
    while (Date.now() < until) {
      const r = await probe.set('{g20}stale', 'y').then(() => 'accepted', (e: Error) => e.message);
      expect(r).toMatch(/CLUSTERDOWN|READONLY/);
      await new Promise((res) => setTimeout(res, 50));
    }
    await waitFor(async () => (await probe.info('replication')).includes(`master_port:${r1.port}`), 10000, 100);
    const r1c = new Redis({ port: r1.port });
    expect(await r1c.get('{g20}before')).toBe('1');
    expect(await r1c.exists('{g20}stale')).toBe(0);
    r1c.disconnect();
    probe.disconnect();
  });
});
