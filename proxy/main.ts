/*
 * `shardis proxy`: flags (each also a key of --config proxy.toml), a static
 * slot file for use without a dashboard, and start-up errors that name the
 * problem.
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { parse as parseToml } from 'smol-toml';
import { parseSlotTable } from '../common/topology.js';
import { DEFAULT_PROXY_OPTIONS, Proxy, type ProxyOptions } from './proxy.js';
import { runProxy } from './workers.js';

const FLAGS = {
  listen: { type: 'string' }, admin: { type: 'string' }, product: { type: 'string' }, dashboard: { type: 'string' },
  config: { type: 'string' }, slots: { type: 'string' }, workers: { type: 'string' }, 'read-from': { type: 'string' },
  'session-auth': { type: 'string' }, 'backend-auth': { type: 'string' }, 'backend-parallel': { type: 'string' },
  'backend-timeout': { type: 'string' }, 'max-clients': { type: 'string' }, 'max-pipeline': { type: 'string' },
  'idle-timeout': { type: 'string' }, token: { type: 'string' }, 'admin-commands': { type: 'boolean' },
} as const;

export class ProxyConfigError extends Error {}

function int(name: string, v: string | number | undefined, def: number, min: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new ProxyConfigError(`--${name} must be an integer >= ${min}, got '${v}'`);
  return n;
}

/** Merges proxy.toml and flags into options (flags win). */
export interface ProxyLaunch {
  opts: ProxyOptions;
  slotsFile: string | null;
  admin: string;
  token: string;
  tokenGenerated: boolean;
  workers: number;
  /** --dashboard host:port: register there at start (it then pushes the slot table). */
  dashboard: string | null;
}

export function proxyOptions(args: string[]): ProxyLaunch {
  let parsed;
  try {
    parsed = parseArgs({ args, options: FLAGS, strict: true, allowPositionals: false });
  } catch (e) {
    throw new ProxyConfigError((e as Error).message);
  }
  const v: Record<string, string | number | boolean | undefined> = {};
  if (parsed.values.config) {
    let doc: Record<string, unknown>;
    try {
      doc = parseToml(readFileSync(parsed.values.config, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new ProxyConfigError(`cannot read ${parsed.values.config}: ${(e as Error).message}`);
    }
    for (const [k, val] of Object.entries(doc)) {
      const key = k.replace(/_/g, '-');
      if (!(key in FLAGS)) throw new ProxyConfigError(`${parsed.values.config}: unknown setting '${k}'`);
      if (typeof val !== 'string' && typeof val !== 'number' && typeof val !== 'boolean') throw new ProxyConfigError(`${parsed.values.config}: bad value for '${k}'`);
      v[key] = val;
    }
  }
  for (const [k, val] of Object.entries(parsed.values)) v[k] = val as string;
  const readFrom = String(v['read-from'] ?? 'master');
  if (readFrom !== 'master' && readFrom !== 'replicas') throw new ProxyConfigError(`--read-from must be 'master' or 'replicas', got '${readFrom}'`);
  const str = (k: string, def: string) => (v[k] === undefined ? def : String(v[k]));
  const opts: ProxyOptions = {
    listen: str('listen', DEFAULT_PROXY_OPTIONS.listen),
    sessionAuth: str('session-auth', ''),
    backendAuth: str('backend-auth', ''),
    backendParallel: int('backend-parallel', v['backend-parallel'] as string, 1, 1),
    backendTimeoutMs: int('backend-timeout', v['backend-timeout'] as string, DEFAULT_PROXY_OPTIONS.backendTimeoutMs, 0),
    maxClients: int('max-clients', v['max-clients'] as string, DEFAULT_PROXY_OPTIONS.maxClients, 1),
    maxPipeline: int('max-pipeline', v['max-pipeline'] as string, DEFAULT_PROXY_OPTIONS.maxPipeline, 1),
    idleTimeoutSec: int('idle-timeout', v['idle-timeout'] as string, 0, 0),
    readFromReplicas: readFrom === 'replicas',
    product: str('product', 'shardis'),
    adminCommands: v['admin-commands'] === true || v['admin-commands'] === 'true' || v['admin-commands'] === 'yes',
  };
  if (!/^.+:\d+$/.test(opts.listen)) throw new ProxyConfigError(`--listen must be host:port, got '${opts.listen}'`);
  const admin = str('admin', '127.0.0.1:11080');
  if (!/^.+:\d+$/.test(admin)) throw new ProxyConfigError(`--admin must be host:port, got '${admin}'`);
  const dash = str('dashboard', '');
  if (dash !== '' && !/^.+:\d+$/.test(dash)) throw new ProxyConfigError(`--dashboard must be host:port, got '${dash}'`);
  const token = str('token', '');
  const workers = int('workers', v.workers as string, availableParallelism(), 1);
  return {
    opts, slotsFile: v.slots === undefined ? null : String(v.slots), admin,
    token: token === '' ? randomBytes(16).toString('hex') : token, tokenGenerated: token === '', workers,
    dashboard: str('dashboard', '') || null,
  };
}

export function loadSlotFile(file: string) {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ProxyConfigError(`cannot read slot file ${file}: ${(e as Error).message}`);
  }
  try {
    return parseSlotTable(doc);
  } catch (e) {
    throw new ProxyConfigError(`bad slot file ${file}: ${(e as Error).message}`);
  }
}

export async function startProxy(args: string[]): Promise<Proxy> {
  const { opts, slotsFile } = proxyOptions(args);
  const proxy = new Proxy(opts);
  if (slotsFile !== null) proxy.setTable(loadSlotFile(slotsFile));
  await proxy.listen();
  return proxy;
}

export async function proxyMain(args: string[]): Promise<void> {
  try {
    await runProxy(proxyOptions(args));
  } catch (e) {
    process.stderr.write(`shardis proxy: ${(e as Error).message}\n`);
    process.exit(1);
  }
}
