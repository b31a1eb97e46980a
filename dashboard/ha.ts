/*
 * Health checks and automatic failover. Every `intervalMs` the active
 * dashboard sends each server PING, INFO replication and (masters)
 * SLOTSSTATE GET 0, and asks every proxy when it last heard from each
 * server. Two independent views decide that a master is down: the
 * dashboard's checks have failed for `downAfterMs`, and no proxy got an
 * answer from it in that time either (one slow link between the dashboard
 * and a master does not trigger a failover).
 *
 * Failover promotes the replica with the largest replication offset (ties:
 * lowest replica-priority, then address; priority 0 never) through the same
 * path as a manual promote, without waiting for the dead master. The old
 * master stays in the group as a replica; when it answers again it is told
 * REPLICAOF the new master. It cannot serve meanwhile: a managed master
 * (slots-managed yes) that restarted, or whose event loop stood still, is
 * fenced until the dashboard confirms its slots, which it only does for the
 * group's current master.
 *
 * The same round repairs what it finds: a replica following the wrong
 * master is repointed, a fenced master is confirmed, and (replica
 * migration, optional) a group left without a healthy replica gets one
 * from the group with the most.
 */
import type { Coordinator } from './coordinator.js';
import { ServerClient, parseInfo } from './server-client.js';

export interface HaSettings {
  intervalMs: number;
  downAfterMs: number;
  autoFailover: boolean;
  replicaMigration: boolean;
}

export const DEFAULT_HA: HaSettings = { intervalMs: 1000, downAfterMs: 5000, autoFailover: true, replicaMigration: false };

export interface ServerHealth {
  up: boolean;
  /** Last successful check (dashboard clock); the monitor's start for servers never seen up. */
  lastOkAt: number;
  error: string;
  reportedRole: string;
  masterAddr: string;
  linkUp: boolean;
  offset: number;
  priority: number;
  fenced: boolean;
}

export interface FailoverEvent {
  at: string;
  group: number;
  from: string;
  to: string;
  reason: string;
}

export class HealthMonitor {
  readonly health = new Map<string, ServerHealth>();
  readonly events: FailoverEvent[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly startedAt = Date.now();
  private readonly failing = new Set<number>();

  constructor(private readonly coord: Coordinator, public settings: HaSettings = DEFAULT_HA) {}

  start(): void {
    this.timer = setInterval(() => {
      if (this.running === null) this.running = this.round().catch(() => undefined).finally(() => { this.running = null; });
    }, this.settings.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private async check(addr: string, master: boolean): Promise<void> {
    const prev = this.health.get(addr);
    const h: ServerHealth = prev ?? { up: false, lastOkAt: this.startedAt, error: '', reportedRole: '', masterAddr: '', linkUp: false, offset: 0, priority: 100, fenced: false };
    const c = new ServerClient(addr, this.coord.backendAuth, 0, this.settings.intervalMs);
    try {
      await c.call(['PING']);
      const info = parseInfo(String(await c.call(['INFO', 'replication'])));
      h.reportedRole = info.get('role') ?? '';
      h.masterAddr = h.reportedRole === 'slave' ? `${info.get('master_host')}:${info.get('master_port')}` : '';
      h.linkUp = info.get('master_link_status') === 'up';
      h.offset = Number(h.reportedRole === 'slave' ? info.get('slave_repl_offset') ?? info.get('master_repl_offset') : info.get('master_repl_offset')) || 0;
      h.priority = Number(info.get('slave_priority') ?? 100);
      h.fenced = false;
      if (master && h.reportedRole === 'master') {
        const st = await c.call(['SLOTSSTATE', 'GET', '0']).catch(() => null);
        h.fenced = Array.isArray(st) && st[0] === 'fenced';
      }
      h.up = true;
      h.error = '';
      h.lastOkAt = Date.now();
    } catch (e) {
      h.up = false;
      h.error = (e as Error).message;
    } finally {
      c.close();
    }
    this.health.set(addr, h);
  }

  /** Servers some proxy heard from within `downAfterMs` (the second view). */
  private async vouchedByProxies(): Promise<Set<string>> {
    const seen = new Set<string>();
    await Promise.all([...this.coord.proxies.values()].map(async (p) => {
      try {
        const s = await this.coord.proxyStats(p.doc, this.settings.intervalMs);
        for (const [addr, b] of Object.entries(s.backends)) if (b.lastReplyAgoMs >= 0 && b.lastReplyAgoMs < this.settings.downAfterMs) seen.add(addr);
      } catch {
        // A proxy that does not answer gives no evidence either way.
      }
    }));
    return seen;
  }

  async round(): Promise<void> {
    const groups = [...this.coord.groups.values()].map((g) => g.doc);
    await Promise.all(groups.flatMap((g) => g.servers.map((s) => this.check(s.addr, s.role === 'master'))));
    const now = Date.now();
    let vouched: Set<string> | null = null;
    let confirm = false;
    for (const g of groups) {
      const master = g.servers.find((s) => s.role === 'master');
      if (master === undefined) continue;
      const mh = this.health.get(master.addr)!;
      if (mh.up) {
        this.failing.delete(g.id);
        if (mh.fenced) confirm = true;
        await this.repoint(g.id, master.addr);
        continue;
      }
      if (!this.settings.autoFailover || now - mh.lastOkAt < this.settings.downAfterMs || this.failing.has(g.id)) continue;
      vouched ??= await this.vouchedByProxies();
      if (vouched.has(master.addr)) continue;
      const best = this.candidate(g.servers.filter((s) => s.role === 'replica').map((s) => s.addr));
      if (best === null) continue;
      this.failing.add(g.id);
      try {
        await this.coord.promote(g.id, best, { failover: true });
        this.events.push({ at: new Date().toISOString(), group: g.id, from: master.addr, to: best, reason: `no answer for ${now - mh.lastOkAt} ms` });
      } catch (e) {
        this.events.push({ at: new Date().toISOString(), group: g.id, from: master.addr, to: best, reason: `failover failed: ${(e as Error).message}` });
      } finally {
        this.failing.delete(g.id);
      }
    }
    // A fenced current master (restarted, or its loop stood still) is told its slots again.
    if (confirm) await this.coord.pushAll();
    if (this.settings.replicaMigration) await this.migrateReplica();
  }

  /** The replica to promote: up, priority not 0, largest offset, then lowest priority, then address. */
  candidate(replicas: string[]): string | null {
    const ok = replicas.map((addr) => ({ addr, h: this.health.get(addr) })).filter((r) => r.h?.up && r.h.priority !== 0);
    ok.sort((a, b) => b.h!.offset - a.h!.offset || a.h!.priority - b.h!.priority || a.addr.localeCompare(b.addr));
    return ok[0]?.addr ?? null;
  }

  /** Replicas (and old masters that came back) follow the group's master. */
  private async repoint(group: number, master: string): Promise<void> {
    const g = this.coord.groups.get(group)?.doc;
    if (g === undefined) return;
    for (const s of g.servers) {
      if (s.role !== 'replica') continue;
      const h = this.health.get(s.addr);
      if (!h?.up || (h.reportedRole === 'slave' && h.masterAddr === master)) continue;
      await this.coord.replicaOf(s.addr, master).catch(() => undefined);
    }
  }

  /** Gives a group without a healthy replica one from the group with the most healthy replicas (at least two). */
  private async migrateReplica(): Promise<void> {
    const healthy = (g: { servers: { addr: string; role: string }[] }) => g.servers.filter((s) => s.role === 'replica' && this.health.get(s.addr)?.up);
    const groups = [...this.coord.groups.values()].map((x) => x.doc).filter((g) => g.servers.some((s) => s.role === 'master'));
    const orphan = groups.find((g) => healthy(g).length === 0 && this.health.get(g.servers.find((s) => s.role === 'master')!.addr)?.up);
    if (orphan === undefined) return;
    const donor = groups.filter((g) => g.id !== orphan.id && healthy(g).length >= 2).sort((a, b) => healthy(b).length - healthy(a).length || a.id - b.id)[0];
    if (donor === undefined) return;
    const spare = healthy(donor).map((s) => s.addr).sort().pop()!;
    await this.coord.moveReplica(donor.id, spare, orphan.id);
    this.events.push({ at: new Date().toISOString(), group: orphan.id, from: `group-${donor.id}`, to: spare, reason: 'replica migration: the group had no healthy replica' });
  }
}
