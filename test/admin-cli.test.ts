/*
 * `shardis admin` against a real dashboard process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHARDIS_BIN, startOursProcess, startRedis, type ProcServer } from './helpers/servers.js';
import { RawClient } from './helpers/raw-client.js';
import { freePort, waitFor } from './helpers/ports.js';

let dash: ChildProcess;
let addr = '';
let redis: ProcServer;
const TOKEN = 'cli-token';

beforeAll(async () => {
  redis = await startRedis();
  const port = await freePort();
  addr = `127.0.0.1:${port}`;
  dash = spawn(process.execPath, [SHARDIS_BIN, 'dashboard', '--storage', `fs:${mkdtempSync(join(tmpdir(), 'cli-'))}`, '--listen', addr, '--token', TOKEN], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  dash.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  await waitFor(() => out.includes('shardis dashboard for product'), 10000);
});
const extra: ProcServer[] = [];
afterAll(async () => {
  dash.kill('SIGKILL');
  await redis.stop();
  await Promise.all(extra.map((s) => s.stop()));
});

const admin = (...args: string[]) => spawnSync(process.execPath, [SHARDIS_BIN, 'admin', '--dashboard', addr, '--token', TOKEN, ...args], { encoding: 'utf8', timeout: 20000 });

describe('shardis admin', () => {
  it('creates a group, adds a server, assigns slots and shows them', () => {
    expect(admin('group', 'create', '1').status).toBe(0);
    expect(admin('group', 'add-server', '1', `127.0.0.1:${redis.port}`).stdout).toContain('added');
    const a = admin('slots', 'assign', '0', '1023', '1');
    expect(a.status).toBe(0);
    expect(a.stdout).toMatch(/slots 0-1023 -> group 1 \(epoch \d+\)/);
    const list = admin('slots', 'list');
    expect(list.stdout).toMatch(/^SLOTS\s+GROUP\n0-1023\s+1$/m);
    const ov = admin('overview');
    expect(ov.stdout).toMatch(/^1\s+1024\s+127\.0\.0\.1:\d+\s+-$/m);
    const j = JSON.parse(admin('--json', 'overview').stdout);
    expect(j.groups[0].slots).toBe(1024);
  });

  it('reports API errors with their code and exits 1, usage errors with 2', () => {
    const r = admin('group', 'create', '1');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('DASH_ERR_GROUP_EXISTS: group-1 already exists');
    expect(admin('group', 'frobnicate').status).toBe(2);
    const bad = spawnSync(process.execPath, [SHARDIS_BIN, 'admin', '--dashboard', addr, '--token', 'wrong', 'overview'], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('DASH_ERR_UNAUTHORIZED');
  });

  it('migrates slots with a progress bar, plans and applies a rebalance, shows servers and settings', { timeout: 60000 }, async () => {
    const [a, b] = await Promise.all([startOursProcess(), startOursProcess()]);
    extra.push(a, b);
    for (const [id, s] of [[2, a], [3, b]] as const) {
      expect(admin('group', 'create', String(id)).status).toBe(0);
      expect(admin('group', 'add-server', String(id), `127.0.0.1:${s.port}`).status).toBe(0);
    }
    // Group 1 is a plain Redis (no SLOTS* commands): give its slots to group 2 first, then move between our servers.
    expect(admin('slots', 'assign', '0', '1023', '2').status).toBe(0);
    expect(admin('group', 'remove-server', '1', `127.0.0.1:${redis.port}`).status).toBe(0);
    const c = new RawClient(a.port);
    await c.connect();
    for (let i = 0; i < 300; i++) c.send(['SET', `key:${i}`, String(i)]);
    for (let i = 0; i < 300; i++) await c.read();
    c.close();
    const set = admin('slots', 'settings', 'method=sync', 'parallelSlots=16');
    expect(set.stdout).toMatch(/^method\s+sync$/m);
    expect(admin('slots', 'settings', 'method=fast').stderr).toContain('DASH_ERR_BAD_REQUEST');
    const m = admin('slots', 'migrate', '0-99', '3', '--wait');
    expect(m.status).toBe(0);
    expect(m.stdout).toContain('queued 100 slot migrations to group 3');
    expect(m.stderr).toMatch(/\[#{30}\] 100\/100 slots/);
    expect(admin('slots', 'actions').stdout).toBe('no migrations\n');
    const plan = admin('slots', 'rebalance');
    expect(plan.stdout).toMatch(/target slots per group: 2=512 3=512/);
    expect(plan.stdout).toMatch(/^2 -> 3\s+412$/m);
    expect(plan.stdout).toContain('plan only');
    const applied = admin('slots', 'rebalance', '--confirm', '--wait');
    expect(applied.stdout).toContain('queued 412 migrations');
    expect(admin('slots', 'rebalance').stdout).toContain('balanced: nothing to move');
    const servers = admin('servers');
    expect(servers.stdout).toMatch(new RegExp(`^3\\s+127\\.0\\.0\\.1:${b.port}\\s+master\\s+up\\s+\\d+`, 'm'));
    const keys = (JSON.parse(admin('--json', 'servers').stdout) as { groupId: number; keys: number }[]).filter((x) => x.groupId !== 1).reduce((n, x) => n + x.keys, 0);
    expect(keys).toBe(300);
  });
});
