/*
 * The dashboard's Prometheus metrics (prom-client): topology epoch, slots per
 * group, slot actions by state, migration throughput and what remains,
 * proxy health, and each server's INFO essentials (asked for at scrape time,
 * so a scrape always shows the servers as they are).
 */
import { Gauge, Counter, Registry, collectDefaultMetrics } from 'prom-client';
import type { Coordinator, ServerSummary } from './coordinator.js';
import { ACTION_STATES } from './model.js';

export function dashboardRegistry(coord: Coordinator): Registry {
  const reg = new Registry();
  collectDefaultMetrics({ register: reg, prefix: 'shardis_dashboard_' });
  const g = (name: string, help: string, labelNames: string[], collect: (m: Gauge) => void | Promise<void>) =>
    new Gauge({ name, help, labelNames, registers: [reg], collect(this: Gauge) { return collect(this); } });

  g('shardis_dashboard_epoch', 'Epoch of the last slot table pushed', [], (m) => m.set(coord.epoch));
  g('shardis_dashboard_group_slots', 'Slots owned by each group', ['group'], (m) => {
    m.reset();
    const n = new Map<number, number>();
    for (const s of coord.slots) n.set(s.doc.groupId, (n.get(s.doc.groupId) ?? 0) + 1);
    for (const id of coord.groups.keys()) m.set({ group: String(id) }, n.get(id) ?? 0);
    if (n.has(0)) m.set({ group: 'unassigned' }, n.get(0)!);
  });
  g('shardis_dashboard_actions', 'Slot migrations by state', ['state'], (m) => {
    for (const st of ACTION_STATES) m.set({ state: st }, 0);
    for (const a of coord.actions.values()) m.inc({ state: a.doc.state });
  });
  new Counter({
    name: 'shardis_dashboard_migrated_keys_total', help: 'Keys moved by slot migrations since the dashboard started', registers: [reg],
    collect(this: Counter) {
      this.reset();
      this.inc(coord.migrator.keysMoved);
    },
  });
  g('shardis_dashboard_migration_keys_per_second', 'Keys moved per second over the last few seconds', [], (m) => m.set(coord.migrator.keysPerSecond()));
  g('shardis_dashboard_migration_remaining_keys', 'Keys left in the slots being migrated (last batch reply)', [], (m) => {
    let n = 0;
    for (const p of coord.migrator.progress.values()) n += Math.max(0, p.remaining);
    m.set(n);
  });
  g('shardis_dashboard_migration_remaining_slots', 'Slot migrations not finished yet', [], (m) => m.set(coord.actions.size));
  g('shardis_dashboard_proxy_up', 'Whether each proxy took the last table push (1) or not (0)', ['proxy', 'addr'], (m) => {
    m.reset();
    for (const p of coord.proxies.values()) m.set({ proxy: p.doc.id, addr: p.doc.proxyAddr }, coord.proxyHealth.get(p.doc.id)?.up ? 1 : 0);
  });

  new Counter({
    name: 'shardis_dashboard_failovers_total', help: 'Automatic failovers and replica migrations done since the dashboard started', labelNames: ['kind'], registers: [reg],
    collect(this: Counter) {
      this.reset();
      for (const e of coord.ha.events) if (!e.reason.startsWith('failover failed')) this.inc({ kind: e.reason.startsWith('replica migration') ? 'replica_migration' : 'failover' });
    },
  });
  g('shardis_dashboard_server_check_failing_seconds', 'Seconds since the health check last succeeded, per server (0 when healthy)', ['addr'], (m) => {
    m.reset();
    const now = Date.now();
    for (const [addr, h] of coord.ha.health) m.set({ addr }, h.up ? 0 : (now - h.lastOkAt) / 1000);
  });
  // One INFO round per scrape serves every per-server gauge (they are collected concurrently).
  let round: { at: number; p: Promise<ServerSummary[]> } | null = null;
  const summaries = (): Promise<ServerSummary[]> => {
    if (round === null || Date.now() - round.at > 500) round = { at: Date.now(), p: coord.serverSummaries() };
    return round.p;
  };
  const perServer = (name: string, help: string, pick: (s: ServerSummary) => number | null) =>
    g(name, help, ['group', 'addr', 'role'], async (m) => {
      const all = await summaries();
      m.reset();
      for (const s of all) {
        const v = pick(s);
        if (v !== null) m.set({ group: String(s.groupId), addr: s.addr, role: s.role }, v);
      }
    });
  perServer('shardis_dashboard_server_up', 'Whether each server answers INFO', (s) => (s.up ? 1 : 0));
  perServer('shardis_dashboard_server_used_memory_bytes', 'used_memory of each server', (s) => (s.up ? s.usedMemory : null));
  perServer('shardis_dashboard_server_keys', 'Keys in each server (all databases)', (s) => (s.up ? s.keys : null));
  perServer('shardis_dashboard_server_ops_per_second', 'instantaneous_ops_per_sec of each server', (s) => (s.up ? s.opsPerSec : null));
  perServer('shardis_dashboard_server_repl_offset', 'Replication offset of each server', (s) => (s.up ? s.replOffset : null));
  perServer('shardis_dashboard_server_repl_lag_bytes', 'Bytes a replica is behind its master', (s) => s.lag);
  return reg;
}
