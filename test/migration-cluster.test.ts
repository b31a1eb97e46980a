/*
 * The cluster under load while slots move: 50 ioredis clients write and read
 * through two proxies (unique keys, INCR counters, RPUSH lists, hash-tag
 * MSETs) while the dashboard migrates 512 slots from group 1 to group 2 and
 * then rebalances over three groups. Midway the dashboard is killed with
 * SIGKILL and restarted, and one proxy is frozen (SIGSTOP) across a phase
 * change. Afterwards every acknowledged write is there with its value, every
 * counter equals its acknowledged INCRs, no client saw an error, and the
 * frozen proxy serves correctly. Run with fs and with etcd storage.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { SHARDIS_BIN, startOursProcess, type ProcServer } from './helpers/servers.js';
import { startEtcd, type TestEtcd } from './helpers/etcd.js';
import { freePort, waitFor } from './helpers/ports.js';

const TOKEN = 'migration-cluster-token';
const CLIENTS = 50;
/** Each client's pause between requests: 50 clients make a few thousand requests a second. */
const PAUSE_MS = 10;
const METHOD = process.env.SHARDIS_MIGRATION_METHOD ?? 'semi-async';

interface Proc {
  proc: ChildProcess;
  out: () => string;
}

function run(args: string[]): Proc {
  const proc = spawn(process.execPath, [SHARDIS_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  return { proc, out: () => out };
}

async function kill(p: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  p.kill(signal);
  await new Promise((r) => p.once('exit', r));
}

/** What the clients were told succeeded, to check against the store afterwards. */
class Ledger {
  readonly values = new Map<string, string>();
  readonly counters = new Map<string, number>();
  readonly lists = new Map<string, string[]>();
  readonly errors: string[] = [];
  ops = 0;
}

async function clientLoop(id: number, r: Redis, ledger: Ledger, stop: () => boolean): Promise<void> {
  let n = 0;
  while (!stop()) {
    n++;
    try {
      switch (n % 5) {
        case 0: {
          const k = `u:${id}:${n}`;
          await r.set(k, `v${n}`);
          ledger.values.set(k, `v${n}`);
          break;
        }
        case 1: {
          const k = `ctr:${id % 10}`;
          await r.incr(k);
          ledger.counters.set(k, (ledger.counters.get(k) ?? 0) + 1);
          break;
        }
        case 2: {
          const k = `list:${id}`;
          await r.rpush(k, String(n));
          let l = ledger.lists.get(k);
          if (l === undefined) ledger.lists.set(k, (l = []));
          l.push(String(n));
          break;
        }
        case 3: {
          const tag = `{t:${id}:${n % 40}}`;
          await r.mset(`${tag}a`, `a${n}`, `${tag}b`, `b${n}`);
          ledger.values.set(`${tag}a`, `a${n}`);
          ledger.values.set(`${tag}b`, `b${n}`);
          break;
        }
        default: {
          // Read-your-writes on a key written earlier by this client.
          const k = `u:${id}:${Math.max(5, n - 4 - ((n * 7) % 50) * 5)}`;
          const want = ledger.values.get(k);
          const got = await r.get(k);
          if (want !== undefined && got !== want) ledger.errors.push(`client ${id}: GET ${k} = ${got}, wanted ${want}`);
        }
      }
      ledger.ops++;
      // A steady load, not a flood: the point is correctness while slots move.
      await new Promise((res) => setTimeout(res, PAUSE_MS));
    } catch (e) {
      ledger.errors.push(`client ${id} op ${n % 5}: ${(e as Error).message}`);
      await new Promise((res) => setTimeout(res, 50));
    }
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

describe.each(['fs', 'etcd'] as const)('online migration under load (%s storage)', (kind) => {
  it('moves 512 slots and rebalances over three groups with nothing lost, across a dashboard SIGKILL and a frozen proxy', { timeout: 240_000 }, async () => {
    let storage: string;
    if (kind === 'fs') {
      const dir = mkdtempSync(join(tmpdir(), 'mig-fs-'));
      cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
      storage = `fs:${dir}`;
    } else {
      const etcd: TestEtcd = await startEtcd();
      cleanups.push(() => etcd.stop());
      storage = `etcd:${etcd.endpoint}`;
    }
    const servers: ProcServer[] = await Promise.all([startOursProcess(), startOursProcess(), startOursProcess()]);
    cleanups.push(async () => { await Promise.all(servers.map((s) => s.stop())); });
    const dport = await freePort();
    const dashArgs = ['dashboard', '--storage', storage, '--product', `mig-${kind}`, '--listen', `127.0.0.1:${dport}`, '--token', TOKEN,
      '--lease-ttl', '3000', '--migration-method', METHOD, '--migration-parallel-slots', '8'];
    let dash = run(dashArgs);
    cleanups.push(() => kill(dash.proc));
    await waitFor(() => dash.out().includes('shardis dashboard for product'), 15000);
    const api = async (method: string, path: string, body?: unknown): Promise<unknown> => {
      const r = await fetch(`http://127.0.0.1:${dport}${path}`, {
        method, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await r.text();
      if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
      return text === '' ? null : JSON.parse(text);
    };
    for (const [i, s] of servers.entries()) {
      await api('POST', '/api/groups', { id: i + 1 });
      await api('POST', `/api/groups/${i + 1}/servers`, { addr: `127.0.0.1:${s.port}` });
    }
    await api('POST', '/api/slots/assign', { from: 0, to: 1023, groupId: 1 });
    const proxies: { port: number; admin: number; p: Proc }[] = [];
    for (let i = 0; i < 2; i++) {
      const [port, admin] = [await freePort(), await freePort()];
      const p = run(['proxy', '--listen', `127.0.0.1:${port}`, '--admin', `127.0.0.1:${admin}`, '--token', TOKEN, '--workers', '1', '--dashboard', `127.0.0.1:${dport}`]);
      cleanups.push(async () => { p.proc.kill('SIGCONT'); await kill(p.proc); });
      proxies.push({ port, admin, p });
    }
    await waitFor(async () => ((await api('GET', '/api/proxies')) as unknown[]).length === 2, 15000);

    const ledger = new Ledger();
    let stopping = false;
    const clients = Array.from({ length: CLIENTS }, (_, i) => new Redis({ port: proxies[i % 2]!.port, maxRetriesPerRequest: 0, enableOfflineQueue: true }));
    cleanups.push(async () => { for (const c of clients) c.disconnect(); });
    const loops = clients.map((c, i) => clientLoop(i, c, ledger, () => stopping));
    await waitFor(() => ledger.ops > 2000, 30000);

    // Phase 1: half of the slots to group 2.
    await api('POST', '/api/slots/actions', { from: 0, to: 511, groupId: 2 });
    const actions = async () => (await api('GET', '/api/slots/actions')) as { state: string }[];
    await waitFor(async () => (await actions()).length <= 400, 60000, 50);
    // The dashboard dies mid-migration; its successor resumes every action where it stopped.
    await kill(dash.proc);
    const opsAtKill = ledger.ops;
    dash = run(dashArgs);
    await waitFor(() => dash.out().includes('shardis dashboard for product'), 15000);
    // One proxy frozen while slots change hands; the servers' redirects keep it safe when it wakes.
    const frozen = proxies[1]!.p.proc;
    frozen.kill('SIGSTOP');
    await waitFor(async () => (await actions()).length <= 200, 60000, 50);
    frozen.kill('SIGCONT');
    await waitFor(async () => (await actions()).length === 0, 120000, 100);
    expect(ledger.ops).toBeGreaterThan(opsAtKill);

    // Phase 2: rebalance over the three groups (plan first, then apply).
    const plan = (await api('POST', '/api/slots/rebalance', {})) as { moves: { to: number }[]; applied: boolean };
    expect(plan.applied).toBe(false);
    expect(plan.moves.length).toBe(341);
    expect(plan.moves.every((m) => m.to === 3)).toBe(true);
    await api('POST', '/api/slots/rebalance', { confirm: true });
    await waitFor(async () => (await actions()).length === 0, 120000, 100);
    const opsDone = ledger.ops;
    await waitFor(() => ledger.ops > opsDone + 500, 20000);
    stopping = true;
    await Promise.all(loops);

    expect(ledger.errors.slice(0, 10)).toEqual([]);
    const slots = (await api('GET', '/api/slots')) as { groupId: number }[];
    expect([1, 2, 3].map((g) => slots.filter((s) => s.groupId === g).length).sort()).toEqual([341, 341, 342]);
    // Every acknowledged write, read back through each proxy (the frozen one too).
    for (const { port } of proxies) {
      const r = new Redis({ port, maxRetriesPerRequest: 0 });
      try {
        const keys = [...ledger.values.keys()];
        for (let i = 0; i < keys.length; i += 500) {
          const part = keys.slice(i, i + 500);
          const got = await r.mget(...part);
          const bad = part.filter((k, j) => got[j] !== ledger.values.get(k));
          expect(bad.slice(0, 5)).toEqual([]);
        }
        for (const [k, n] of ledger.counters) expect(await r.get(k), k).toBe(String(n));
        for (const [k, l] of ledger.lists) expect(await r.lrange(k, 0, -1), k).toEqual(l);
      } finally {
        r.disconnect();
      }
    }
    // The frozen proxy woke up with a stale table: the masters' redirects, not luck, kept it right.
    const redirects = await fetch(`http://127.0.0.1:${proxies[1]!.admin}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } }).then((r) => r.text());
    expect(Number(/^shardis_proxy_redirects_total (\d+)/m.exec(redirects)?.[1])).toBeGreaterThan(0);
    // Each server holds exactly the slots its group owns.
    for (const [i, s] of servers.entries()) {
      const c = new Redis({ port: s.port });
      const info = (await c.call('SLOTSINFO')) as [number, number][];
      c.disconnect();
      expect(info.filter(([slot]) => slots[slot]!.groupId !== i + 1)).toEqual([]);
    }
  });
});
