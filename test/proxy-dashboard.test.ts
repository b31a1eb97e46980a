/*
 * A proxy started with --dashboard registers itself (retrying until the
 * dashboard is up) and gets its slot table from the dashboard, also after
 * its own restart.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHARDIS_BIN, startOurs, type TestServer } from './helpers/servers.js';
import { freePort, waitFor } from './helpers/ports.js';
import { RawClient, show } from './helpers/raw-client.js';

const TOKEN = 'proxy-dash-token';
const procs: ChildProcess[] = [];
const dirs: string[] = [];
let engine: TestServer | null = null;
afterAll(async () => {
  for (const p of procs) p.kill('SIGKILL');
  await engine?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function run(args: string[]): { proc: ChildProcess; out: () => string } {
  const proc = spawn(process.execPath, [SHARDIS_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(proc);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  return { proc, out: () => out };
}

describe('proxy --dashboard', () => {
  it('registers (even when started first) and serves with the table the dashboard pushes, again after a restart', async () => {
    engine = await startOurs();
    const [dport, pport, aport] = [await freePort(), await freePort(), await freePort()];
    const proxyArgs = ['proxy', '--listen', `127.0.0.1:${pport}`, '--admin', `127.0.0.1:${aport}`, '--token', TOKEN, '--workers', '1', '--dashboard', `127.0.0.1:${dport}`];
    let proxy = run(proxyArgs);
    await waitFor(() => proxy.out().includes('unreachable'), 10000);
    const dir = mkdtempSync(join(tmpdir(), 'pdash-'));
    dirs.push(dir);
    const dash = run(['dashboard', '--storage', `fs:${dir}`, '--listen', `127.0.0.1:${dport}`, '--token', TOKEN]);
    await waitFor(() => dash.out().includes('shardis dashboard for product'), 10000);
    await waitFor(() => proxy.out().includes('registered with the dashboard'), 10000);
    const api = (method: string, path: string, body?: unknown) => fetch(`http://127.0.0.1:${dport}${path}`, {
      method, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect((await api('POST', '/api/groups', { id: 1 })).ok).toBe(true);
    expect((await api('POST', '/api/groups/1/servers', { addr: `127.0.0.1:${engine.port}` })).ok).toBe(true);
    expect((await api('POST', '/api/slots/assign', { from: 0, to: 1023, groupId: 1 })).ok).toBe(true);
    const proxies = (await (await api('GET', '/api/proxies')).json()) as unknown[];
    expect(proxies.length).toBe(1);
    const c = new RawClient(pport);
    await c.connect();
    expect(await c.call(['SET', 'k', 'v'])).toBe('OK');
    c.close();
    // A restarted proxy has no table until it registers again.
    proxy.proc.kill('SIGKILL');
    await new Promise((r) => proxy.proc.once('exit', r));
    proxy = run(proxyArgs);
    await waitFor(() => proxy.out().includes('registered with the dashboard'), 10000);
    const c2 = new RawClient(pport);
    await c2.connect();
    expect(show(await c2.call(['GET', 'k']))).toBe('$v');
    c2.close();
  }, 40000);
});
