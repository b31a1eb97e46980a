/*
 * `shardis demo` (what `npm start` runs): a local cluster on 127.0.0.1 — a
 * dashboard on filesystem storage in ./data, two groups of a master and a
 * replica each, one proxy — set up through the dashboard's REST API like an
 * operator would, then it prints where to connect. Ctrl-C stops everything
 * it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { join, dirname, resolve } from 'node:path';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'shardis.js');

function portOpen(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = net.connect(port, '127.0.0.1', () => { s.destroy(); res(true); });
    s.on('error', () => res(false));
  });
}

async function waitPort(port: number, what: string, p: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (p.exitCode !== null) throw new Error(`${what} exited (code ${p.exitCode})`);
    if (await portOpen(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not start listening on ${port}`);
}

export async function demoMain(args: string[]): Promise<void> {
  const dataDir = resolve(args[0] ?? './data');
  mkdirSync(dataDir, { recursive: true });
  const token = randomBytes(12).toString('hex');
  const ports = { dashboard: 18080, proxy: 19000, admin: 11080, masters: [7001, 7002], replicas: [7011, 7012] };
  for (const p of [ports.dashboard, ports.proxy, ports.admin, ...ports.masters, ...ports.replicas]) {
    if (await portOpen(p)) {
      process.stderr.write(`shardis demo: port ${p} on 127.0.0.1 is already in use; stop whatever holds it and try again\n`);
      process.exit(1);
    }
  }
  const children: ChildProcess[] = [];
  const run = (args2: string[]) => {
    const c = spawn(process.execPath, [BIN, ...args2], { stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(c);
    return c;
  };
  const stop = () => {
    for (const c of children) c.kill('SIGTERM');
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    for (const [i, port] of ports.masters.entries()) {
      const replica = ports.replicas[i]!;
      for (const [p2, extra] of [[port, []], [replica, ['--replicaof', '127.0.0.1', String(port)]]] as const) {
        const dir = join(dataDir, `group-${i + 1}`, String(p2));
        mkdirSync(dir, { recursive: true });
        // RDB snapshots in the data folder, so a restarted demo keeps its data.
        // Managed: a master serves only once the dashboard confirmed its slots (the failover fence, docs/failover.md).
        const c = run(['server', '--port', String(p2), '--bind', '127.0.0.1', '--dir', dir, '--loglevel', 'warning', '--slots-managed', 'yes', ...extra]);
        await waitPort(p2, `engine on ${p2}`, c);
      }
    }
    const d = run(['dashboard', '--storage', `fs:${join(dataDir, 'topology')}`, '--product', 'demo', '--listen', `127.0.0.1:${ports.dashboard}`, '--token', token, '--lease-ttl', '3000']);
    await waitPort(ports.dashboard, 'dashboard', d);
    const p = run(['proxy', '--listen', `127.0.0.1:${ports.proxy}`, '--admin', `127.0.0.1:${ports.admin}`, '--token', token, '--product', 'demo', '--workers', '1', '--dashboard', `127.0.0.1:${ports.dashboard}`]);
    await waitPort(ports.proxy, 'proxy', p);
    const api = async (method: string, path: string, body: unknown) => {
      const r = await fetch(`http://127.0.0.1:${ports.dashboard}${path}`, {
        method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
      });
      // A previous demo run in the same data folder already created these: that is fine.
      if (!r.ok && r.status !== 409) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
    };
    for (const [i, port] of ports.masters.entries()) {
      await api('POST', '/api/groups', { id: i + 1 });
      await api('POST', `/api/groups/${i + 1}/servers`, { addr: `127.0.0.1:${port}` });
      await api('POST', `/api/groups/${i + 1}/servers`, { addr: `127.0.0.1:${ports.replicas[i]}` });
    }
    await api('POST', '/api/slots/assign', { from: 0, to: 511, groupId: 1 });
    await api('POST', '/api/slots/assign', { from: 512, to: 1023, groupId: 2 });
    // The proxy registered itself (--dashboard); wait until it holds the table.
    for (let i = 0; i < 100; i++) {
      const r = await fetch(`http://127.0.0.1:${ports.dashboard}/api/proxies`, { headers: { authorization: `Bearer ${token}` } });
      const list = (await r.json()) as { health: { up: boolean } | null }[];
      if (list.length > 0 && list.every((x) => x.health?.up === true)) break;
      await new Promise((res) => setTimeout(res, 100));
    }
  } catch (e) {
    process.stderr.write(`shardis demo: ${(e as Error).message}\n`);
    for (const c of children) c.kill('SIGTERM');
    process.exit(1);
  }
  process.stdout.write(`Shardis demo cluster is up (data in ${dataDir}):

  connect your Redis client to the proxy:  redis-cli -p ${ports.proxy}
  dashboard REST API:                      http://127.0.0.1:${ports.dashboard}/api/overview  (OpenAPI at /docs)
  proxy metrics:                           http://127.0.0.1:${ports.admin}/metrics
  token (for the REST API and shardis admin): ${token}
    e.g. node dist/bin/shardis.js admin --dashboard 127.0.0.1:${ports.dashboard} --token ${token} overview
  groups: group-1 master 127.0.0.1:${ports.masters[0]} + replica 127.0.0.1:${ports.replicas[0]} (slots 0-511)
          group-2 master 127.0.0.1:${ports.masters[1]} + replica 127.0.0.1:${ports.replicas[1]} (slots 512-1023)

Ctrl-C stops the cluster.
`);
}
