/*
 * The proxy as a process: admin API (token, slot push with epochs, stats,
 * Prometheus metrics), several workers sharing one table, and start-up
 * errors for bad slot files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RawClient, show } from './helpers/raw-client.js';
import { SHARDIS_BIN, startRedis, type ProcServer } from './helpers/servers.js';
import { waitFor } from './helpers/ports.js';

let backends: ProcServer[] = [];
let proc: ChildProcess;
let port = 0;
let admin = '';
const dir = mkdtempSync(join(tmpdir(), 'shardis-proxy-'));
const TOKEN = 'test-token-123';

const doc = (ports: number[], epoch: number, split = 511) => ({
  epoch, groups: ports.map((p, i) => ({ id: i + 1, master: `127.0.0.1:${p}`, replicas: [] })),
  slots: { [`0-${split}`]: 1, [`${split + 1}-1023`]: 2 },
});

beforeAll(async () => {
  backends = await Promise.all([startRedis(), startRedis()]);
  const file = join(dir, 'slots.json');
  writeFileSync(file, JSON.stringify(doc(backends.map((b) => b.port), 1)));
  proc = spawn(process.execPath, [SHARDIS_BIN, 'proxy', '--slots', file, '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--workers', '2', '--token', TOKEN], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  await waitFor(() => /listening on 127\.0\.0\.1:(\d+) \(admin http:\/\/([^,]+),/.test(out), 15000);
  const m = /listening on 127\.0\.0\.1:(\d+) \(admin http:\/\/([^,]+),/.exec(out)!;
  port = Number(m[1]);
  admin = `http://${m[2]}`;
});
afterAll(async () => {
  proc.kill('SIGKILL');
  await Promise.all(backends.map((b) => b.stop()));
});

const api = (path: string, init: RequestInit = {}, token: string | null = TOKEN) =>
  fetch(admin + path, { ...init, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) } });

describe('proxy admin API', () => {
  it('requires the token on /api/*', async () => {
    expect((await api('/api/proxy/stats', {}, null)).status).toBe(401);
    expect((await api('/api/proxy/stats', {}, 'wrong')).status).toBe(401);
    expect((await api('/api/proxy/stats')).status).toBe(200);
  });

  it('serves traffic on both workers and sums their stats', async () => {
    const clients = await Promise.all(Array.from({ length: 8 }, async () => {
      const c = new RawClient(port);
      await c.connect();
      return c;
    }));
    for (const [i, c] of clients.entries()) expect(await c.call(['SET', `k${i}`, String(i)])).toBe('OK');
    const stats = (await (await api('/api/proxy/stats')).json()) as { commands: Record<string, { calls: number }>; sessions: number };
    expect(stats.commands.set!.calls).toBe(8);
    expect(stats.sessions).toBe(8);
    for (const c of clients) c.close();
  });

  it('refuses bad tables with 400 and older epochs with 409, and installs newer ones on every worker', async () => {
    const ports = backends.map((b) => b.port);
    const bad = await api('/api/proxy/slots', { method: 'PUT', body: JSON.stringify({ groups: [], slots: {} }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toContain('groups');
    expect((await api('/api/proxy/slots', { method: 'PUT', body: JSON.stringify(doc(ports, 0)) })).status).toBe(409);
    // Epoch 2 sends every slot to group 1.
    const all1 = { epoch: 2, groups: doc(ports, 2).groups, slots: { '0-1023': 1 } };
    expect((await api('/api/proxy/slots', { method: 'PUT', body: JSON.stringify(all1) })).status).toBe(200);
    for (let i = 0; i < 6; i++) {
      const c = new RawClient(port);
      await c.connect();
      expect(await c.call(['SET', `moved${i}`, 'x'])).toBe('OK');
      c.close();
    }
    const direct = new RawClient(backends[0]!.port);
    await direct.connect();
    for (let i = 0; i < 6; i++) expect(show(await direct.call(['GET', `moved${i}`]))).toBe('$x');
    direct.close();
    const t = (await (await api('/api/proxy/slots')).json()) as { epoch: number };
    expect(t.epoch).toBe(2);
  });

  it('exports Prometheus metrics', async () => {
    const text = await (await fetch(admin + '/metrics')).text();
    expect(text).toMatch(/^shardis_proxy_commands_total\{cmd="set"\} \d+$/m);
    expect(text).toMatch(/^shardis_proxy_command_duration_seconds_bucket\{cmd="set",le="\+Inf"\} \d+$/m);
    expect(text).toMatch(/^shardis_proxy_backend_up\{addr="127\.0\.0\.1:\d+"\} 1$/m);
    expect(text).toMatch(/^shardis_proxy_slot_table_epoch 2$/m);
    expect(text).toMatch(/^shardis_proxy_process_cpu_seconds_total/m);
  });
});

describe('proxy start-up errors', () => {
  it.each([
    ['a slot covered by no group', { groups: [{ id: 1, master: '127.0.0.1:1' }], slots: { '0-1000': 1 } }, 'slot 1001 is not assigned to any group'],
    ['an unknown group', { groups: [{ id: 1, master: '127.0.0.1:1' }], slots: { '0-1023': 2 } }, 'unknown group 2'],
    ['a bad address', { groups: [{ id: 1, master: 'nowhere' }], slots: { '0-1023': 1 } }, 'groups[0].master must be "host:port"'],
  ])('stops on %s', (_n, body, msg) => {
    const f = join(dir, 'bad.json');
    writeFileSync(f, JSON.stringify(body));
    const r = spawnSync(process.execPath, [SHARDIS_BIN, 'proxy', '--slots', f, '--listen', '127.0.0.1:0', '--admin', '127.0.0.1:0', '--workers', '1'], { encoding: 'utf8', timeout: 10000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(msg);
  });
});
