/*
 * `shardis admin` against a real dashboard process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHARDIS_BIN, startRedis, type ProcServer } from './helpers/servers.js';
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
afterAll(async () => {
  dash.kill('SIGKILL');
  await redis.stop();
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
});
