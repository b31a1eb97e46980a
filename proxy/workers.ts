/*
 * Running the proxy on several cores with node:cluster. Each worker is a
 * full, stateless proxy holding the same slot table; the primary runs the
 * admin API, pushes tables to every worker (acknowledged before the push
 * is answered) and sums their statistics for /metrics.
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import { parseSlotTable, slotTableToJSON, type SlotTable } from '../common/topology.js';
import { buildAdmin, localProcessMetrics, type ProxyControl } from './admin.js';
import { loadSlotFile, type ProxyLaunch } from './main.js';
import { sumSnapshots, type StatsSnapshot } from './metrics.js';
import { Proxy } from './proxy.js';

type ToWorker = { t: 'table'; id: number; doc: unknown } | { t: 'snapshot'; id: number };
type FromWorker = { t: 'ready'; port: number } | { t: 'ack'; id: number; ok: boolean } | { t: 'snapshot'; id: number; snap: StatsSnapshot };

async function listenAdmin(ctl: ProxyControl, launch: ProxyLaunch): Promise<string> {
  const app = buildAdmin(ctl, launch.token);
  const i = launch.admin.lastIndexOf(':');
  const addr = await app.listen({ host: launch.admin.slice(0, i), port: Number(launch.admin.slice(i + 1)) });
  return addr.replace(/^https?:\/\//, '');
}

/**
 * --dashboard: registers this proxy by its admin address, retrying every
 * second until the dashboard answers (it may start after us, or be in a
 * takeover). Registering again after a restart is how a proxy gets its
 * table back: the dashboard pushes it on registration.
 */
function registerWithDashboard(launch: ProxyLaunch, admin: string): void {
  const attempt = async (): Promise<void> => {
    try {
      const r = await fetch(`http://${launch.dashboard}/api/proxies`, {
        method: 'POST', headers: { authorization: `Bearer ${launch.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ adminAddr: admin }), signal: AbortSignal.timeout(5000),
      });
      if (r.ok) {
        process.stdout.write(`registered with the dashboard at ${launch.dashboard}\n`);
        return;
      }
      process.stderr.write(`shardis proxy: dashboard ${launch.dashboard} refused the registration: HTTP ${r.status} ${await r.text()}\n`);
      // A wrong token or address will not fix itself.
      if (r.status === 400 || r.status === 401) return;
    } catch (e) {
      process.stderr.write(`shardis proxy: dashboard ${launch.dashboard} unreachable: ${(e as Error).message}; retrying\n`);
    }
    setTimeout(() => void attempt(), 1000).unref();
  };
  void attempt();
}

function announce(launch: ProxyLaunch, host: string, port: number, admin: string): void {
  process.stdout.write(`shardis proxy listening on ${host}:${port} (admin http://${admin}, workers ${launch.workers})\n`);
  if (launch.tokenGenerated) process.stdout.write(`admin token (generated; pass --token to fix it): ${launch.token}\n`);
}

export async function runProxy(launch: ProxyLaunch): Promise<void> {
  if (launch.workers <= 1) return runSingle(launch);
  if (cluster.isPrimary) return runPrimary(launch);
  return runWorker(launch);
}

async function runSingle(launch: ProxyLaunch): Promise<void> {
  const proxy = new Proxy(launch.opts);
  if (launch.slotsFile !== null) proxy.setTable(loadSlotFile(launch.slotsFile));
  await proxy.listen();
  const ctl: ProxyControl = {
    snapshot: async () => proxy.snapshot(),
    table: () => proxy.router.table,
    setTable: async (t) => proxy.setTable(t),
    model: () => model(launch, proxy.port),
    processMetrics: localProcessMetrics(),
  };
  const admin = await listenAdmin(ctl, launch);
  announce(launch, launch.opts.listen.replace(/:\d+$/, ''), proxy.port, admin);
  if (launch.dashboard !== null) registerWithDashboard(launch, admin);
  const stop = () => void proxy.close().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function model(launch: ProxyLaunch, port: number): Record<string, unknown> {
  return {
    product: launch.opts.product, proxyAddr: `${launch.opts.listen.replace(/:\d+$/, '')}:${port}`, adminAddr: launch.admin,
    pid: process.pid, startTime: new Date(Date.now() - Math.floor(process.uptime() * 1000)).toISOString(), workers: launch.workers,
  };
}

async function runPrimary(launch: ProxyLaunch): Promise<void> {
  // Validate the slot file before forking, so a bad file stops start-up with its message.
  let table: SlotTable | null = launch.slotsFile !== null ? loadSlotFile(launch.slotsFile) : null;
  const workers: Worker[] = [];
  let port = 0;
  let nextId = 1;
  const waiting = new Map<number, (m: FromWorker) => void>();
  const ask = (w: Worker, msg: ToWorker) => new Promise<FromWorker>((resolve) => {
    waiting.set(msg.id, resolve);
    w.send(msg);
  });
  const fork = () => new Promise<Worker>((resolve) => {
    const w = cluster.fork({ SHARDIS_PROXY_WORKER: '1' });
    w.on('message', (m: FromWorker) => {
      if (m.t === 'ready') {
        port = m.port;
        resolve(w);
      } else {
        const r = waiting.get(m.id);
        waiting.delete(m.id);
        r?.(m);
      }
    });
  });
  for (let i = 0; i < launch.workers; i++) workers.push(await fork());
  cluster.on('exit', (w) => {
    // A crashed worker is replaced; the others keep serving meanwhile.
    const i = workers.indexOf(w);
    if (i < 0) return;
    void fork().then(async (nw) => {
      workers[i] = nw;
      if (table !== null) await ask(nw, { t: 'table', id: nextId++, doc: slotTableToJSON(table) });
    });
  });
  const agg = new AggregatorRegistry();
  const ctl: ProxyControl = {
    snapshot: async () => sumSnapshots(await Promise.all(workers.map(async (w) => {
      const r = await ask(w, { t: 'snapshot', id: nextId++ });
      return r.t === 'snapshot' ? r.snap : sumSnapshots([]);
    }))),
    table: () => table,
    setTable: async (t) => {
      if (table !== null && t.epoch < table.epoch) return false;
      table = t;
      const doc = slotTableToJSON(t);
      await Promise.all(workers.map((w) => ask(w, { t: 'table', id: nextId++, doc })));
      return true;
    },
    model: () => model(launch, port),
    processMetrics: async () => (await agg.clusterMetrics()),
  };
  const admin = await listenAdmin(ctl, launch);
  announce(launch, launch.opts.listen.replace(/:\d+$/, ''), port, admin);
  if (launch.dashboard !== null) registerWithDashboard(launch, admin);
  const stop = () => {
    for (const w of workers) w.kill('SIGTERM');
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function runWorker(launch: ProxyLaunch): Promise<void> {
  // prom-client only answers the primary's aggregation requests once a registry exists here.
  new AggregatorRegistry();
  const { collectDefaultMetrics } = await import('prom-client');
  collectDefaultMetrics({ prefix: 'shardis_proxy_' });
  const proxy = new Proxy(launch.opts);
  if (launch.slotsFile !== null) proxy.setTable(loadSlotFile(launch.slotsFile));
  const port = await proxy.listen();
  process.on('message', (m: ToWorker) => {
    if (m.t === 'table') {
      let ok = false;
      try {
        ok = proxy.setTable(parseSlotTable(m.doc));
      } catch {
        ok = false;
      }
      process.send!({ t: 'ack', id: m.id, ok } satisfies FromWorker);
    } else if (m.t === 'snapshot') {
      process.send!({ t: 'snapshot', id: m.id, snap: proxy.snapshot() } satisfies FromWorker);
    }
  });
  process.send!({ t: 'ready', port } satisfies FromWorker);
}
