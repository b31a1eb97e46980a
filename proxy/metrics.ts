/*
 * Proxy statistics. The hot path only bumps numbers in plain objects and
 * typed arrays (a prom-client histogram observe costs ~0.4 µs, too much per
 * request); a snapshot is rendered in Prometheus text format at scrape time,
 * and snapshots of several workers are summed by the primary.
 */

/** Latency bucket bounds in microseconds. */
export const BUCKETS_US = [50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000] as const;

export interface CommandSnapshot {
  calls: number;
  errors: number;
  sumUs: number;
  /** Cumulative counts per bucket bound, then +Inf. */
  buckets: number[];
}

export interface StatsSnapshot {
  commands: Record<string, CommandSnapshot>;
  sessions: number;
  sessionsTotal: number;
  opsTotal: number;
  opsErrors: number;
  /** Requests resent where a MOVED/ASK redirect pointed. */
  redirects: number;
  /** Per server: connected, requests waiting, errors, and how long ago it last answered (-1: never), the dashboard's second view of its health. */
  backends: Record<string, { up: boolean; inFlight: number; errors: number; lastReplyAgoMs: number }>;
  epoch: number;
}

class CommandStat {
  calls = 0;
  errors = 0;
  sumUs = 0;
  readonly buckets = new Float64Array(BUCKETS_US.length + 1);
}

export class ProxyStats {
  private readonly commands = new Map<string, CommandStat>();
  total = 0;
  errors = 0;
  redirects = 0;
  sessionsTotal = 0;

  /** The last command's entry: a request's call, latency and error usually hit it without a Map lookup. */
  private lastName = '';
  private last: CommandStat | null = null;

  private get(name: string): CommandStat {
    if (name === this.lastName && this.last !== null) return this.last;
    let s = this.commands.get(name);
    if (s === undefined) {
      s = new CommandStat();
      this.commands.set(name, s);
    }
    this.lastName = name;
    this.last = s;
    return s;
  }

  call(name: string): void {
    this.total++;
    this.get(name).calls++;
  }

  error(name: string): void {
    this.errors++;
    this.get(name).errors++;
  }

  /** Records the time a request spent between dispatch and reply. */
  latency(name: string, us: number): void {
    const s = this.get(name);
    s.sumUs += us;
    let i = 0;
    while (i < BUCKETS_US.length && us > BUCKETS_US[i]!) i++;
    s.buckets[i]!++;
  }

  reset(): void {
    this.commands.clear();
    this.last = null;
    this.total = 0;
    this.errors = 0;
    this.redirects = 0;
  }

  commandSnapshot(): Record<string, CommandSnapshot> {
    const out: Record<string, CommandSnapshot> = {};
    for (const [name, s] of this.commands) {
      const cum: number[] = [];
      let acc = 0;
      for (const b of s.buckets) cum.push((acc += b));
      out[name] = { calls: s.calls, errors: s.errors, sumUs: s.sumUs, buckets: cum };
    }
    return out;
  }
}

/** Sums the snapshots of several workers. */
export function sumSnapshots(list: StatsSnapshot[]): StatsSnapshot {
  const out: StatsSnapshot = { commands: {}, sessions: 0, sessionsTotal: 0, opsTotal: 0, opsErrors: 0, redirects: 0, backends: {}, epoch: -1 };
  for (const s of list) {
    out.sessions += s.sessions;
    out.sessionsTotal += s.sessionsTotal;
    out.opsTotal += s.opsTotal;
    out.opsErrors += s.opsErrors;
    out.redirects += s.redirects;
    out.epoch = Math.max(out.epoch, s.epoch);
    for (const [name, c] of Object.entries(s.commands)) {
      const t = out.commands[name] ?? { calls: 0, errors: 0, sumUs: 0, buckets: c.buckets.map(() => 0) };
      t.calls += c.calls;
      t.errors += c.errors;
      t.sumUs += c.sumUs;
      c.buckets.forEach((v, i) => (t.buckets[i] = (t.buckets[i] ?? 0) + v));
      out.commands[name] = t;
    }
    for (const [addr, b] of Object.entries(s.backends)) {
      const t = out.backends[addr] ?? { up: true, inFlight: 0, errors: 0, lastReplyAgoMs: -1 };
      t.up = t.up && b.up;
      t.inFlight += b.inFlight;
      t.errors += b.errors;
      // The freshest answer any worker saw.
      if (b.lastReplyAgoMs >= 0 && (t.lastReplyAgoMs < 0 || b.lastReplyAgoMs < t.lastReplyAgoMs)) t.lastReplyAgoMs = b.lastReplyAgoMs;
      out.backends[addr] = t;
    }
  }
  return out;
}

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** Prometheus text exposition of a snapshot. */
export function renderMetrics(s: StatsSnapshot): string {
  const L: string[] = [];
  const family = (name: string, type: string, help: string) => L.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  family('shardis_proxy_commands_total', 'counter', 'Commands received, by command.');
  for (const [cmd, c] of Object.entries(s.commands)) L.push(`shardis_proxy_commands_total{cmd="${esc(cmd)}"} ${c.calls}`);
  family('shardis_proxy_command_errors_total', 'counter', 'Error replies, by command.');
  for (const [cmd, c] of Object.entries(s.commands)) L.push(`shardis_proxy_command_errors_total{cmd="${esc(cmd)}"} ${c.errors}`);
  family('shardis_proxy_command_duration_seconds', 'histogram', 'Time from dispatch to backend reply, by command.');
  for (const [cmd, c] of Object.entries(s.commands)) {
    BUCKETS_US.forEach((b, i) => L.push(`shardis_proxy_command_duration_seconds_bucket{cmd="${esc(cmd)}",le="${b / 1e6}"} ${c.buckets[i] ?? 0}`));
    const count = c.buckets[c.buckets.length - 1] ?? 0;
    L.push(`shardis_proxy_command_duration_seconds_bucket{cmd="${esc(cmd)}",le="+Inf"} ${count}`);
    L.push(`shardis_proxy_command_duration_seconds_sum{cmd="${esc(cmd)}"} ${c.sumUs / 1e6}`);
    L.push(`shardis_proxy_command_duration_seconds_count{cmd="${esc(cmd)}"} ${count}`);
  }
  family('shardis_proxy_ops_total', 'counter', 'All commands received.');
  L.push(`shardis_proxy_ops_total ${s.opsTotal}`);
  family('shardis_proxy_ops_errors_total', 'counter', 'All error replies.');
  L.push(`shardis_proxy_ops_errors_total ${s.opsErrors}`);
  family('shardis_proxy_redirects_total', 'counter', 'Requests resent where a MOVED/ASK redirect pointed (a slot moved before the table did).');
  L.push(`shardis_proxy_redirects_total ${s.redirects}`);
  family('shardis_proxy_sessions', 'gauge', 'Client connections open now.');
  L.push(`shardis_proxy_sessions ${s.sessions}`);
  family('shardis_proxy_sessions_total', 'counter', 'Client connections accepted.');
  L.push(`shardis_proxy_sessions_total ${s.sessionsTotal}`);
  family('shardis_proxy_backend_up', 'gauge', '1 when the proxy is connected to the backend server.');
  for (const [a, b] of Object.entries(s.backends)) L.push(`shardis_proxy_backend_up{addr="${esc(a)}"} ${b.up ? 1 : 0}`);
  family('shardis_proxy_backend_in_flight', 'gauge', 'Requests sent to the backend and not yet answered.');
  for (const [a, b] of Object.entries(s.backends)) L.push(`shardis_proxy_backend_in_flight{addr="${esc(a)}"} ${b.inFlight}`);
  family('shardis_proxy_backend_errors_total', 'counter', 'Requests that failed because the backend was unreachable.');
  for (const [a, b] of Object.entries(s.backends)) L.push(`shardis_proxy_backend_errors_total{addr="${esc(a)}"} ${b.errors}`);
  family('shardis_proxy_slot_table_epoch', 'gauge', 'Epoch of the slot table in use (-1: none).');
  L.push(`shardis_proxy_slot_table_epoch ${s.epoch}`);
  return L.join('\n') + '\n';
}
