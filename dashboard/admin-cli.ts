/*
 * `shardis admin`: the dashboard's REST API from a terminal, with readable
 * tables (or --json). Exit status 0 on success, 1 on an API error (its
 * message printed), 2 on a usage error.
 */
import { parseArgs } from 'node:util';

const USAGE = `Usage: shardis admin [--dashboard host:port] [--token T] [--json] <command>

  overview                              groups, slots per group, proxies
  group list | create ID | remove ID
  group add-server ID HOST:PORT | remove-server ID HOST:PORT
  slots list | assign FROM TO GROUP
  proxy list | add ADMIN_HOST:PORT | remove ID | reinit ID

--dashboard and --token default to $SHARDIS_DASHBOARD (127.0.0.1:18080) and $SHARDIS_TOKEN.`;

class UsageError extends Error {}

function table(rows: (string | number)[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => String(c ?? '').padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

interface Overview {
  product: string;
  epoch: number;
  unassignedSlots: number;
  groups: { id: number; slots: number; servers: { addr: string; role: string }[] }[];
  proxies: { id: string; proxyAddr: string; adminAddr: string; health: { up: boolean; epoch: number; lastError: string } | null }[];
}

export async function adminMain(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { dashboard: { type: 'string' }, token: { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  const base = `http://${parsed.values.dashboard ?? process.env.SHARDIS_DASHBOARD ?? '127.0.0.1:18080'}`;
  const token = parsed.values.token ?? process.env.SHARDIS_TOKEN ?? '';
  const json = parsed.values.json === true;
  const api = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const r = await fetch(base + path, {
      method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    const data: unknown = text === '' ? null : JSON.parse(text);
    if (!r.ok) {
      const e = data as { error?: string; message?: string } | null;
      throw new Error(`${e?.error ?? `HTTP ${r.status}`}: ${e?.message ?? text}`);
    }
    return data;
  };
  const out = (data: unknown, render: () => string) => process.stdout.write(json ? JSON.stringify(data, null, 2) + '\n' : render());
  const [cmd, sub, ...rest] = parsed.positionals;
  const num = (s: string | undefined, what: string) => {
    if (s === undefined || !/^\d+$/.test(s)) throw new UsageError(`${what} must be a number`);
    return Number(s);
  };
  try {
    switch (`${cmd} ${sub ?? ''}`.trim()) {
      case 'overview': {
        const o = (await api('GET', '/api/overview')) as Overview;
        out(o, () => `product ${o.product}, epoch ${o.epoch}, unassigned slots ${o.unassignedSlots}\n\n` +
          table([['GROUP', 'SLOTS', 'MASTER', 'REPLICAS'], ...o.groups.map((g) => [g.id, g.slots,
            g.servers.find((s) => s.role === 'master')?.addr ?? '-', g.servers.filter((s) => s.role === 'replica').map((s) => s.addr).join(',') || '-'])]) +
          '\n' + table([['PROXY', 'ADDR', 'ADMIN', 'STATE', 'EPOCH'], ...o.proxies.map((p) => [p.id, p.proxyAddr, p.adminAddr,
            p.health === null ? 'unknown' : p.health.up ? 'up' : `down (${p.health.lastError})`, p.health?.epoch ?? '-'])]));
        return;
      }
      case 'group list': {
        const gs = (await api('GET', '/api/groups')) as Overview['groups'];
        out(gs, () => table([['GROUP', 'SERVER', 'ROLE'], ...gs.flatMap((g) => (g.servers.length ? g.servers.map((s) => [g.id, s.addr, s.role]) : [[g.id, '-', '-']]))]));
        return;
      }
      case 'group create':
        out(await api('POST', '/api/groups', { id: num(rest[0], 'group id') }), () => `created group ${rest[0]}\n`);
        return;
      case 'group remove':
        await api('DELETE', `/api/groups/${num(rest[0], 'group id')}`);
        out({ ok: true }, () => `removed group ${rest[0]}\n`);
        return;
      case 'group add-server':
        out(await api('POST', `/api/groups/${num(rest[0], 'group id')}/servers`, { addr: rest[1] }), () => `added ${rest[1]} to group ${rest[0]}\n`);
        return;
      case 'group remove-server':
        out(await api('DELETE', `/api/groups/${num(rest[0], 'group id')}/servers/${rest[1]}`), () => `removed ${rest[1]} from group ${rest[0]}\n`);
        return;
      case 'slots list': {
        const slots = (await api('GET', '/api/slots')) as { id: number; groupId: number }[];
        const ranges: [number, number, number][] = [];
        for (const s of slots) {
          const last = ranges[ranges.length - 1];
          if (last && last[2] === s.groupId && last[1] === s.id - 1) last[1] = s.id;
          else ranges.push([s.id, s.id, s.groupId]);
        }
        out(slots, () => table([['SLOTS', 'GROUP'], ...ranges.map(([a, b, g]) => [a === b ? `${a}` : `${a}-${b}`, g === 0 ? 'unassigned' : g])]));
        return;
      }
      case 'slots assign': {
        const r = await api('POST', '/api/slots/assign', { from: num(rest[0], 'FROM'), to: num(rest[1], 'TO'), groupId: num(rest[2], 'GROUP') });
        out(r, () => `slots ${rest[0]}-${rest[1]} -> group ${rest[2]} (epoch ${(r as { epoch: number }).epoch})\n`);
        return;
      }
      case 'proxy list': {
        const ps = (await api('GET', '/api/proxies')) as Overview['proxies'];
        out(ps, () => table([['PROXY', 'ADDR', 'ADMIN', 'STATE'], ...ps.map((p) => [p.id, p.proxyAddr, p.adminAddr, p.health?.up ? 'up' : 'down'])]));
        return;
      }
      case 'proxy add':
        out(await api('POST', '/api/proxies', { adminAddr: rest[0] }), () => `added proxy at ${rest[0]}\n`);
        return;
      case 'proxy remove':
        await api('DELETE', `/api/proxies/${rest[0]}`);
        out({ ok: true }, () => `removed proxy ${rest[0]}\n`);
        return;
      case 'proxy reinit':
        out(await api('POST', `/api/proxies/${rest[0]}/reinit`), () => `re-sent the slot table to ${rest[0]}\n`);
        return;
      default:
        throw new UsageError(cmd === undefined ? 'a command is required' : `unknown command '${[cmd, sub].filter(Boolean).join(' ')}'`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`shardis admin: ${e.message}\n${USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`shardis admin: ${(e as Error).message}\n`);
    process.exit(1);
  }
}
