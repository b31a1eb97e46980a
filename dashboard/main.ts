/*
 * `shardis dashboard`: one active dashboard per product, elected by a lease
 * lock in storage. A second one waits as a standby and takes over when the
 * active one's lease lapses (it crashed or was cut off); a dashboard that
 * loses its lease exits at once rather than act on a stale view.
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { parse as parseToml } from 'smol-toml';
import type { Store } from '../storage/store.js';
import { FsStore } from '../storage/fs-store.js';
import { EtcdStore } from '../storage/etcd-store.js';
import { dashboardKey } from '../storage/paths.js';
import { Coordinator } from './coordinator.js';
import { buildApp } from './app.js';
import { dashboardRegistry } from './metrics.js';
import type { MigrationSettings } from './model.js';
import { DEFAULT_HA, type HaSettings } from './ha.js';

const FLAGS = {
  product: { type: 'string' }, storage: { type: 'string' }, listen: { type: 'string' }, token: { type: 'string' },
  config: { type: 'string' }, 'lease-ttl': { type: 'string' }, 'backend-auth': { type: 'string' },
  'migration-method': { type: 'string' }, 'migration-parallel-slots': { type: 'string' },
  'health-check-interval': { type: 'string' }, 'down-after': { type: 'string' }, 'auto-failover': { type: 'string' }, 'replica-migration': { type: 'string' },
} as const;

export class DashboardConfigError extends Error {}

export interface DashboardOptions {
  product: string;
  storage: string;
  listen: string;
  token: string;
  tokenGenerated: boolean;
  leaseTtlMs: number;
  backendAuth: string;
  /** Migration settings given at start (they are kept in storage and can be changed through the REST API). */
  migration: Partial<Pick<MigrationSettings, 'method' | 'parallelSlots'>>;
  ha: HaSettings;
}

export function dashboardOptions(args: string[]): DashboardOptions {
  let parsed;
  try {
    parsed = parseArgs({ args, options: FLAGS, strict: true });
  } catch (e) {
    throw new DashboardConfigError((e as Error).message);
  }
  const v: Record<string, string> = {};
  if (parsed.values.config) {
    let doc: Record<string, unknown>;
    try {
      doc = parseToml(readFileSync(parsed.values.config, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new DashboardConfigError(`cannot read ${parsed.values.config}: ${(e as Error).message}`);
    }
    for (const [k, val] of Object.entries(doc)) {
      const key = k.replace(/_/g, '-');
      if (!(key in FLAGS) || key === 'config') throw new DashboardConfigError(`${parsed.values.config}: unknown setting '${k}'`);
      v[key] = String(val);
    }
  }
  for (const [k, val] of Object.entries(parsed.values)) if (typeof val === 'string') v[k] = val;
  const product = v.product ?? 'shardis';
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(product)) throw new DashboardConfigError(`--product must be 1-64 letters, digits, '-' or '_', got '${product}'`);
  const storage = v.storage ?? 'fs:./data';
  if (!/^(fs:.+|etcd:.+:\d+(,.+:\d+)*)$/.test(storage)) throw new DashboardConfigError(`--storage must be fs:DIR or etcd:HOST:PORT[,HOST:PORT], got '${storage}'`);
  const listen = v.listen ?? '127.0.0.1:18080';
  if (!/^.+:\d+$/.test(listen)) throw new DashboardConfigError(`--listen must be host:port, got '${listen}'`);
  const ttl = Number(v['lease-ttl'] ?? '10000');
  if (!Number.isInteger(ttl) || ttl < 500) throw new DashboardConfigError(`--lease-ttl must be an integer number of ms >= 500, got '${v['lease-ttl']}'`);
  const token = v.token ?? '';
  const migration: DashboardOptions['migration'] = {};
  if (v['migration-method'] !== undefined) {
    const m = v['migration-method'];
    if (m !== 'sync' && m !== 'semi-async') throw new DashboardConfigError(`--migration-method must be sync or semi-async, got '${m}'`);
    migration.method = m;
  }
  if (v['migration-parallel-slots'] !== undefined) {
    const n = Number(v['migration-parallel-slots']);
    if (!Number.isInteger(n) || n < 1 || n > 1024) throw new DashboardConfigError(`--migration-parallel-slots must be an integer 1-1024, got '${v['migration-parallel-slots']}'`);
    migration.parallelSlots = n;
  }
  const ms = (name: string, def: number, min: number): number => {
    const n = Number(v[name] ?? def);
    if (!Number.isInteger(n) || n < min) throw new DashboardConfigError(`--${name} must be an integer number of ms >= ${min}, got '${v[name]}'`);
    return n;
  };
  const yesNo = (name: string, def: boolean): boolean => {
    const x = v[name];
    if (x === undefined) return def;
    if (x !== 'yes' && x !== 'no' && x !== 'true' && x !== 'false') throw new DashboardConfigError(`--${name} must be yes or no, got '${x}'`);
    return x === 'yes' || x === 'true';
  };
  const ha: HaSettings = {
    intervalMs: ms('health-check-interval', DEFAULT_HA.intervalMs, 100), downAfterMs: ms('down-after', DEFAULT_HA.downAfterMs, 500),
    autoFailover: yesNo('auto-failover', DEFAULT_HA.autoFailover), replicaMigration: yesNo('replica-migration', DEFAULT_HA.replicaMigration),
  };
  if (ha.downAfterMs <= 2 * ha.intervalMs) throw new DashboardConfigError(`--down-after (${ha.downAfterMs}) must be more than twice --health-check-interval (${ha.intervalMs})`);
  return {
    ha, product, storage, listen, token: token === '' ? randomBytes(16).toString('hex') : token, tokenGenerated: token === '', leaseTtlMs: ttl,
    backendAuth: v['backend-auth'] ?? '', migration,
  };
}

export function openStore(spec: string): Store {
  return spec.startsWith('fs:') ? new FsStore(spec.slice(3)) : new EtcdStore(spec.slice(5));
}

export async function dashboardMain(args: string[]): Promise<void> {
  let o: DashboardOptions;
  try {
    o = dashboardOptions(args);
  } catch (e) {
    process.stderr.write(`shardis dashboard: ${(e as Error).message}\n`);
    process.exit(1);
  }
  const store = openStore(o.storage);
  const owner = `${o.listen}/pid-${process.pid}`;
  let lock = await store.tryLock(dashboardKey(o.product), owner, o.leaseTtlMs);
  if (lock === null) {
    process.stdout.write(`standby: another dashboard holds product '${o.product}'; waiting for its lease to lapse\n`);
    while (lock === null) {
      await new Promise((r) => setTimeout(r, Math.min(1000, o.leaseTtlMs / 4)));
      lock = await store.tryLock(dashboardKey(o.product), owner, o.leaseTtlMs).catch(() => null);
    }
  }
  lock.onLost(() => {
    process.stderr.write('shardis dashboard: lost the leadership lease; exiting so the active dashboard is the only one acting\n');
    process.exit(2);
  });
  const coord = new Coordinator(store, o.product, o.token);
  coord.backendAuth = o.backendAuth;
  await coord.load();
  if (Object.keys(o.migration).length > 0) await coord.setMigration(o.migration);
  const registry = dashboardRegistry(coord);
  const app = await buildApp(coord, o.token, {
    extra: (a) => {
      a.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));
    },
  });
  // Resumes the migrations a previous dashboard left, and keeps proxies that missed a push up to date.
  coord.migrator.start();
  coord.ha.settings = o.ha;
  coord.ha.start();
  const repush = setInterval(() => void coord.repushLagging().catch(() => undefined), 2000);
  repush.unref();
  const i = o.listen.lastIndexOf(':');
  const addr = await app.listen({ host: o.listen.slice(0, i), port: Number(o.listen.slice(i + 1)) });
  process.stdout.write(`shardis dashboard for product '${o.product}' on ${addr} (storage ${o.storage}, epoch ${coord.epoch})\n`);
  if (o.tokenGenerated) process.stdout.write(`token (generated; pass --token to fix it): ${o.token}\n`);
  const stop = () => {
    void (async () => {
      clearInterval(repush);
      await coord.migrator.stop();
      await coord.ha.stop();
      await app.close();
      await lock!.release();
      await store.close();
      process.exit(0);
    })();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
