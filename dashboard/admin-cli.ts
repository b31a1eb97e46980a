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
  group promote ID HOST:PORT | resync ID|all
  slots list | assign FROM TO GROUP
  slots migrate SLOT|FROM-TO GROUP [--wait]   queue migrations (--wait: progress bar until done)
  slots migrate-count N GROUP [--wait]        N slots from the fullest groups
  slots actions | cancel SLOT | wait          migrations under way; remove a pending one; wait with a progress bar
  slots rebalance [--confirm] [--wait]        show the plan; --confirm queues it
  slots settings [method=sync|semi-async] [parallelSlots=N] [timeoutMs=N] [maxBulks=N] [maxBytes=N] [numKeys=N]
  servers                                     INFO essentials of every server
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

interface Action {
  slot: number;
  from: number;
  to: number;
  state: string;
  progress: { moved: number; remaining: number; error: string } | null;
}

interface Server {
  groupId: number;
  addr: string;
  role: string;
  up: boolean;
  error: string;
  reportedRole: string;
  linkStatus: string;
  keys: number;
  usedMemory: number;
  opsPerSec: number;
  replOffset: number;
  lag: number | null;
}

export async function adminMain(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: { dashboard: { type: 'string' }, token: { type: 'string' }, json: { type: 'boolean' }, wait: { type: 'boolean' }, confirm: { type: 'boolean' } },
    });
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
  /** Polls the actions until none is left, drawing a progress bar on stderr (a terminal) or a line per second (a pipe). */
  const waitActions = async (): Promise<void> => {
    let total = 0;
    const tty = process.stderr.isTTY === true;
    let last = '';
    for (;;) {
      const as = (await api('GET', '/api/slots/actions')) as Action[];
      total = Math.max(total, as.length);
      const done = total - as.length;
      const keys = as.reduce((n, a) => n + (a.progress?.moved ?? 0), 0);
      const failing = as.find((a) => a.progress?.error);
      const width = 30;
      const fill = total === 0 ? width : Math.round((done / total) * width);
      const line = `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${done}/${total} slots, ${keys} keys in the slots under way` +
        (failing ? ` (slot ${failing.slot}: ${failing.progress!.error})` : '');
      if (tty) process.stderr.write(`\r${line}`);
      else if (line !== last) process.stderr.write(`${line}\n`);
      last = line;
      if (as.length === 0) break;
      await new Promise((r) => setTimeout(r, tty ? 200 : 1000));
    }
    if (tty) process.stderr.write('\n');
  };
  const settingsPatch = (pairs: string[]): Record<string, string | number> => {
    const patch: Record<string, string | number> = {};
    for (const kv of pairs) {
      const m = /^(method|parallelSlots|timeoutMs|maxBulks|maxBytes|numKeys)=(.+)$/.exec(kv);
      if (!m) throw new UsageError(`bad setting '${kv}'`);
      patch[m[1]!] = m[1] === 'method' ? m[2]! : num(m[2], m[1]!);
    }
    return patch;
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
      case 'group promote':
        out(await api('POST', `/api/groups/${num(rest[0], 'group id')}/promote`, { addr: rest[1] }), () => `${rest[1]} is now the master of group ${rest[0]}\n`);
        return;
      case 'group resync': {
        const r = await api('POST', rest[0] === 'all' ? '/api/groups/resync' : `/api/groups/${num(rest[0], 'group id')}/resync`);
        out(r, () => `replicas pointed at their masters again\n`);
        return;
      }
      case 'slots migrate':
      case 'slots migrate-count': {
        const group = num(rest[1], 'GROUP');
        let body: Record<string, number>;
        if (sub === 'migrate-count') body = { count: num(rest[0], 'N'), groupId: group };
        else {
          const m = /^(\d+)(?:-(\d+))?$/.exec(rest[0] ?? '');
          if (!m) throw new UsageError('SLOT or FROM-TO is required');
          body = m[2] === undefined ? { slot: Number(m[1]), groupId: group } : { from: Number(m[1]), to: Number(m[2]), groupId: group };
        }
        const r = (await api('POST', '/api/slots/actions', body)) as { created: number };
        out(r, () => `queued ${r.created} slot migrations to group ${group}\n`);
        if (parsed.values.wait) await waitActions();
        return;
      }
      case 'slots actions': {
        const as = (await api('GET', '/api/slots/actions')) as Action[];
        out(as, () => (as.length === 0 ? 'no migrations\n' : table([['SLOT', 'FROM', 'TO', 'STATE', 'MOVED', 'REMAINING', 'ERROR'], ...as.map((a) => [a.slot, a.from, a.to, a.state,
          a.progress?.moved ?? '-', a.progress && a.progress.remaining >= 0 ? a.progress.remaining : '-', a.progress?.error || ''])])));
        return;
      }
      case 'slots cancel':
        await api('DELETE', `/api/slots/actions/${num(rest[0], 'SLOT')}`);
        out({ ok: true }, () => `removed the pending migration of slot ${rest[0]}\n`);
        return;
      case 'slots wait':
        await waitActions();
        out({ ok: true }, () => 'no migrations left\n');
        return;
      case 'slots rebalance': {
        const r = (await api('POST', '/api/slots/rebalance', { confirm: parsed.values.confirm === true })) as { quotas: Record<string, number>; moves: { slot: number; from: number; to: number }[]; applied: boolean };
        const pairs = new Map<string, number>();
        for (const m of r.moves) pairs.set(`${m.from} -> ${m.to}`, (pairs.get(`${m.from} -> ${m.to}`) ?? 0) + 1);
        out(r, () => `target slots per group: ${Object.entries(r.quotas).map(([g, n]) => `${g}=${n}`).join(' ')}\n` +
          (r.moves.length === 0 ? 'balanced: nothing to move\n' : table([['MOVE', 'SLOTS'], ...[...pairs].map(([k, n]) => [k, n])])) +
          (r.applied ? `queued ${r.moves.length} migrations\n` : r.moves.length > 0 ? 'plan only: run again with --confirm to apply\n' : ''));
        if (r.applied && parsed.values.wait) await waitActions();
        return;
      }
      case 'slots settings': {
        const r = rest.length === 0 ? await api('GET', '/api/slots/migration') : await api('PUT', '/api/slots/migration', settingsPatch(rest));
        out(r, () => table(Object.entries(r as Record<string, unknown>).filter(([k]) => k !== 'version').map(([k, v]) => [k, String(v)])));
        return;
      }
      case 'servers': {
        const ss = (await api('GET', '/api/servers')) as Server[];
        const mb = (n: number) => `${(n / 1048576).toFixed(1)}M`;
        out(ss, () => table([['GROUP', 'SERVER', 'ROLE', 'STATE', 'KEYS', 'MEMORY', 'OPS/S', 'OFFSET', 'LAG'], ...ss.map((x) => [x.groupId, x.addr, x.role,
          x.up ? (x.reportedRole === 'slave' && x.linkStatus !== 'up' ? `link ${x.linkStatus}` : 'up') : `down (${x.error})`,
          x.up ? x.keys : '-', x.up ? mb(x.usedMemory) : '-', x.up ? x.opsPerSec : '-', x.up ? x.replOffset : '-', x.lag ?? '-'])]));
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
