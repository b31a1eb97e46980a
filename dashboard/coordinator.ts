/*
 * The dashboard's topology logic: groups and their servers, slot assignment,
 * proxies, and pushing the slot table (with a growing epoch) to every proxy.
 * Every change is a compare-and-swap in storage before it is applied in
 * memory, so a dashboard that lost its lease cannot overwrite a newer one's
 * work. A proxy that does not answer a push within the timeout is marked
 * down and does not hold up the others, nor later pushes: it is sent the
 * newest table in the background until it answers again (the masters'
 * redirects keep it correct meanwhile).
 */
import { createHash } from 'node:crypto';
import { SLOT_COUNT } from '../common/slots.js';
import { slotTableToJSON, type SlotTable } from '../common/topology.js';
import type { Store } from '../storage/store.js';
import { actionKey, groupKey, migrationKey, proxyKey, root, slotKey } from '../storage/paths.js';
import { DashError } from './errors.js';
import { ServerClient, parseInfo } from './server-client.js';
import { splitAddr } from '../proxy/backend.js';
import { Migrator } from './migrator.js';
import { HealthMonitor } from './ha.js';
import type { ReplyValue } from '../common/resp/reply.js';
import type { StatsSnapshot } from '../proxy/metrics.js';
import { planRebalance, quotas, type Move } from './rebalance.js';
import { pushOwnership, type Migration, type OwnershipResult, type OwnershipView } from './ownership.js';
import {
  DEFAULT_MIGRATION, MODEL_VERSION, type ActionModel, type ActionState, type GroupModel, type MetaModel, type MigrationSettings, type ProxyModel, type SlotModel,
} from './model.js';

interface Cached<T> {
  doc: T;
  rev: string;
}

export interface ProxyHealth {
  up: boolean;
  lastError: string;
  epoch: number;
  /** A push to it is under way (a down proxy gets one at a time). */
  pushing: boolean;
}

export interface ServerSummary {
  groupId: number;
  addr: string;
  role: 'master' | 'replica';
  up: boolean;
  error: string;
  /** The role the server itself reports (differs from `role` while replication is being fixed). */
  reportedRole: string;
  usedMemory: number;
  keys: number;
  opsPerSec: number;
  replOffset: number;
  /** Replicas: bytes behind their master. */
  lag: number | null;
  linkStatus: string;
}

export class Coordinator {
  groups = new Map<number, Cached<GroupModel>>();
  slots: Cached<SlotModel>[] = [];
  proxies = new Map<string, Cached<ProxyModel>>();
  meta: Cached<MetaModel> | null = null;
  actions = new Map<number, Cached<ActionModel>>();
  migration: Cached<MigrationSettings> = { doc: DEFAULT_MIGRATION, rev: '' };
  readonly proxyHealth = new Map<string, ProxyHealth>();
  /** The last slot-ownership push to each master (a plain Redis master reports an unknown command). */
  readonly serverHealth = new Map<string, OwnershipResult>();
  pushTimeoutMs = 3000;
  readonly migrator: Migrator = new Migrator(this);
  readonly ha: HealthMonitor = new HealthMonitor(this);
  /** Password of the servers (their requirepass), for the dashboard's own commands to them. */
  backendAuth = '';

  constructor(readonly store: Store, readonly product: string, readonly token: string) {}

  private metaKey(): string {
    return `${root(this.product)}meta`;
  }

  /** Loads everything from storage (on start and on becoming the active dashboard). */
  async load(): Promise<void> {
    const groups = new Map<number, Cached<GroupModel>>();
    for (const e of await this.store.list(`${root(this.product)}group/`)) {
      const doc = JSON.parse(e.value) as GroupModel;
      groups.set(doc.id, { doc, rev: e.rev });
    }
    const slots: Cached<SlotModel>[] = [];
    const stored = new Map<number, Cached<SlotModel>>();
    for (const e of await this.store.list(`${root(this.product)}slots/`)) {
      const doc = JSON.parse(e.value) as SlotModel;
      stored.set(doc.id, { doc, rev: e.rev });
    }
    for (let i = 0; i < SLOT_COUNT; i++) slots.push(stored.get(i) ?? { doc: { version: MODEL_VERSION, id: i, groupId: 0 }, rev: '' });
    const proxies = new Map<string, Cached<ProxyModel>>();
    for (const e of await this.store.list(`${root(this.product)}proxy/`)) {
      const doc = JSON.parse(e.value) as ProxyModel;
      proxies.set(doc.id, { doc, rev: e.rev });
    }
    const actions = new Map<number, Cached<ActionModel>>();
    for (const e of await this.store.list(`${root(this.product)}actions/`)) {
      const doc = JSON.parse(e.value) as ActionModel;
      actions.set(doc.slot, { doc, rev: e.rev });
    }
    const m = await this.store.get(this.metaKey());
    this.meta = m === null ? null : { doc: JSON.parse(m.value) as MetaModel, rev: m.rev };
    const mig = await this.store.get(migrationKey(this.product));
    this.migration = mig === null ? { doc: DEFAULT_MIGRATION, rev: '' } : { doc: { ...DEFAULT_MIGRATION, ...JSON.parse(mig.value) as MigrationSettings }, rev: mig.rev };
    this.groups = groups;
    this.slots = slots;
    this.proxies = proxies;
    this.actions = actions;
  }

  /** Writes a document with compare-and-swap against the revision we last saw. */
  private async cas<T>(key: string, doc: T, prev: string | null): Promise<string> {
    const rev = await this.store.put(key, JSON.stringify(doc), prev);
    if (rev === null) {
      await this.load();
      throw new DashError('DASH_ERR_CONFLICT', `${key} was changed by someone else; reloaded, try again`);
    }
    return rev;
  }

  get epoch(): number {
    return this.meta?.doc.epoch ?? 0;
  }

  private async bumpEpoch(): Promise<number> {
    const doc: MetaModel = { version: MODEL_VERSION, epoch: this.epoch + 1 };
    const rev = await this.cas(this.metaKey(), doc, this.meta?.rev ?? null);
    this.meta = { doc, rev };
    return doc.epoch;
  }

  group(id: number): GroupModel {
    const g = this.groups.get(id);
    if (!g) throw new DashError('DASH_ERR_NO_GROUP', `group-${id} does not exist`);
    return g.doc;
  }

  async createGroup(id: number): Promise<GroupModel> {
    if (this.groups.has(id)) throw new DashError('DASH_ERR_GROUP_EXISTS', `group-${id} already exists`);
    const doc: GroupModel = { version: MODEL_VERSION, id, servers: [] };
    this.groups.set(id, { doc, rev: await this.cas(groupKey(this.product, id), doc, null) });
    return doc;
  }

  async removeGroup(id: number): Promise<void> {
    const g = this.groups.get(id);
    if (!g) throw new DashError('DASH_ERR_NO_GROUP', `group-${id} does not exist`);
    if (g.doc.servers.length > 0) throw new DashError('DASH_ERR_GROUP_NOT_EMPTY', `group-${id} still has servers`);
    const n = this.slots.filter((s) => s.doc.groupId === id).length;
    if (n > 0) throw new DashError('DASH_ERR_GROUP_NOT_EMPTY', `group-${id} still owns ${n} slots`);
    if (!(await this.store.delete(groupKey(this.product, id), g.rev))) throw new DashError('DASH_ERR_CONFLICT', `group-${id} changed meanwhile`);
    this.groups.delete(id);
  }

  private async saveGroup(doc: GroupModel): Promise<void> {
    const prev = this.groups.get(doc.id)!;
    this.groups.set(doc.id, { doc, rev: await this.cas(groupKey(this.product, doc.id), doc, prev.rev) });
  }

  /** Adds a server: the first one of a group is its master, the others replicas. */
  async addServer(id: number, addr: string): Promise<GroupModel> {
    const g = this.group(id);
    for (const other of this.groups.values()) {
      if (other.doc.servers.some((s) => s.addr === addr)) throw new DashError('DASH_ERR_SERVER_EXISTS', `${addr} is already in group-${other.doc.id}`);
    }
    const doc: GroupModel = { ...g, servers: [...g.servers, { addr, role: g.servers.length === 0 ? 'master' : 'replica' }] };
    await this.saveGroup(doc);
    if (doc.servers.length === 1 && this.slots.some((s) => s.doc.groupId === id)) await this.pushAll();
    return doc;
  }

  async removeServer(id: number, addr: string): Promise<GroupModel> {
    const g = this.group(id);
    const s = g.servers.find((x) => x.addr === addr);
    if (!s) throw new DashError('DASH_ERR_NO_SERVER', `${addr} is not in group-${id}`);
    if (s.role === 'master' && g.servers.length > 1) throw new DashError('DASH_ERR_MASTER_HAS_SLOTS', `${addr} is the master of group-${id}: remove its replicas or promote one first`);
    if (s.role === 'master' && this.slots.some((x) => x.doc.groupId === id)) throw new DashError('DASH_ERR_MASTER_HAS_SLOTS', `${addr} is the master of group-${id}, which owns slots`);
    const doc: GroupModel = { ...g, servers: g.servers.filter((x) => x.addr !== addr) };
    await this.saveGroup(doc);
    await this.pushAll();
    return doc;
  }

  /** Assigns slots [from, to] to a group directly (a new cluster: no data is moved). */
  async assignSlots(from: number, to: number, groupId: number): Promise<number> {
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to >= SLOT_COUNT || from > to) {
      throw new DashError('DASH_ERR_BAD_RANGE', `slot range ${from}-${to} is not within 0-${SLOT_COUNT - 1}`);
    }
    const g = this.group(groupId);
    if (!g.servers.some((s) => s.role === 'master')) throw new DashError('DASH_ERR_GROUP_NO_MASTER', `group-${groupId} has no master server yet`);
    for (let i = from; i <= to; i++) {
      if (this.actions.has(i)) throw new DashError('DASH_ERR_ACTION_BUSY', `slot ${i} is being migrated; it cannot be assigned meanwhile`);
    }
    const todo: Promise<void>[] = [];
    for (let i = from; i <= to; i++) {
      const cur = this.slots[i]!;
      if (cur.doc.groupId === groupId) continue;
      const doc: SlotModel = { version: MODEL_VERSION, id: i, groupId };
      todo.push(this.cas(slotKey(this.product, i), doc, cur.rev === '' ? null : cur.rev).then((rev) => { this.slots[i] = { doc, rev }; }));
      if (todo.length >= 64) await Promise.all(todo.splice(0));
    }
    await Promise.all(todo);
    await this.pushAll();
    return this.epoch;
  }

  /**
   * The group serving a slot: its target as soon as a migration is finished
   * (every key is there) even before the slot's own record says so — a
   * dashboard restarted between the two writes must not hand the slot back.
   */
  ownerOf(slot: number): number {
    const a = this.actions.get(slot)?.doc;
    return a !== undefined && a.state === 'finished' ? a.to : this.slots[slot]!.doc.groupId;
  }

  /** The table proxies route by; null while some slot has no group with a master. */
  slotTable(): SlotTable | null {
    const slots = new Int32Array(SLOT_COUNT);
    const used = new Set<number>();
    for (let i = 0; i < SLOT_COUNT; i++) {
      const gid = this.ownerOf(i);
      const g = this.groups.get(gid)?.doc;
      if (g === undefined || !g.servers.some((s) => s.role === 'master')) return null;
      slots[i] = gid;
      used.add(gid);
    }
    const groups = [...used].sort((a, b) => a - b).map((id) => {
      const g = this.groups.get(id)!.doc;
      return { id, master: g.servers.find((s) => s.role === 'master')!.addr, replicas: g.servers.filter((s) => s.role === 'replica').map((s) => s.addr) };
    });
    return { epoch: this.epoch, groups, slots };
  }

  /** The master of a group, or null. */
  masterOf(id: number): string | null {
    return this.groups.get(id)?.doc.servers.find((s) => s.role === 'master')?.addr ?? null;
  }

  /** What the masters are told: owners, the slots moving (from preparing until finished), every group's master. */
  ownershipView(): OwnershipView {
    const owner = new Int32Array(SLOT_COUNT);
    for (let i = 0; i < SLOT_COUNT; i++) owner[i] = this.ownerOf(i);
    const moving = new Map<number, Migration>();
    for (const a of this.actions.values()) {
      if (a.doc.state === 'preparing' || a.doc.state === 'prepared' || a.doc.state === 'migrating') moving.set(a.doc.slot, { from: a.doc.from, to: a.doc.to });
    }
    const masters = new Map<number, string>();
    for (const id of this.groups.keys()) {
      const m = this.masterOf(id);
      if (m !== null) masters.set(id, m);
    }
    return { owner, moving, masters };
  }

  private pushRunning: Promise<number> | null = null;
  private pushQueued: Promise<number> | null = null;
  private pushFirst = new Set<number>();

  /**
   * Sends a new table (next epoch) to every master and proxy; returns how
   * many proxies accepted it. Masters learn their slots first, so a proxy
   * still on the old table is redirected rather than served by the wrong
   * group; `first` names the groups gaining slots, told before the others.
   * Calls made while a push runs share the one push that follows it, which
   * sees every change made before it starts.
   */
  pushAll(first: Iterable<number> = []): Promise<number> {
    for (const g of first) this.pushFirst.add(g);
    if (this.pushQueued !== null) return this.pushQueued;
    const start = (): Promise<number> => {
      const f = this.pushFirst;
      this.pushFirst = new Set();
      const p = this.pushNow(f).finally(() => {
        if (this.pushRunning === p) this.pushRunning = null;
      });
      this.pushRunning = p;
      return p;
    };
    if (this.pushRunning === null) return start();
    const q = this.pushRunning.catch(() => 0).then(() => {
      this.pushQueued = null;
      return start();
    });
    this.pushQueued = q;
    return q;
  }

  private async pushNow(first: ReadonlySet<number>): Promise<number> {
    if (this.slotTable() === null) return 0;
    await this.bumpEpoch();
    const t = this.slotTable()!;
    for (const r of await pushOwnership(this.ownershipView(), this.backendAuth, this.pushTimeoutMs, first)) this.serverHealth.set(r.addr, r);
    const up: Promise<boolean>[] = [];
    for (const p of this.proxies.values()) {
      const pushed = this.pushTo(p.doc, t);
      if (this.proxyHealth.get(p.doc.id)?.up !== false) up.push(pushed);
    }
    return (await Promise.all(up)).filter(Boolean).length;
  }

  /** Re-sends the table to proxies that missed a push (down, or frozen when it was sent). */
  async repushLagging(): Promise<void> {
    const t = this.slotTable();
    if (t === null) return;
    await Promise.all([...this.proxies.values()].filter((p) => (this.proxyHealth.get(p.doc.id)?.epoch ?? -1) < t.epoch).map((p) => this.pushTo(p.doc, t)));
  }

  // ---- slot actions (migration) ----

  /** Queues migrations of these slots to a group; slots already there are skipped. */
  async createActions(slots: number[], to: number): Promise<ActionModel[]> {
    this.group(to);
    if (this.masterOf(to) === null) throw new DashError('DASH_ERR_GROUP_NO_MASTER', `group-${to} has no master server yet`);
    for (const s of slots) {
      if (!Number.isInteger(s) || s < 0 || s >= SLOT_COUNT) throw new DashError('DASH_ERR_BAD_RANGE', `slot ${s} is not within 0-${SLOT_COUNT - 1}`);
      if (this.slots[s]!.doc.groupId === 0) throw new DashError('DASH_ERR_SLOT_UNASSIGNED', `slot ${s} is not assigned to a group yet: assign it (no data to move)`);
      const a = this.actions.get(s);
      if (a !== undefined) throw new DashError('DASH_ERR_ACTION_EXISTS', `slot ${s} already has a migration to group-${a.doc.to} (${a.doc.state})`);
    }
    let index = 0;
    for (const a of this.actions.values()) index = Math.max(index, a.doc.index);
    const out: ActionModel[] = [];
    const todo: Promise<void>[] = [];
    for (const s of slots) {
      if (this.slots[s]!.doc.groupId === to) continue;
      const doc: ActionModel = { version: MODEL_VERSION, slot: s, from: this.slots[s]!.doc.groupId, to, state: 'pending', index: ++index, createdAt: new Date().toISOString() };
      out.push(doc);
      todo.push(this.cas(actionKey(this.product, s), doc, null).then((rev) => { this.actions.set(s, { doc, rev }); }));
      if (todo.length >= 64) await Promise.all(todo.splice(0));
    }
    await Promise.all(todo);
    return out;
  }

  /** `count` slots for a group, taken from the groups with the most slots (their highest-numbered first). */
  pickSlots(count: number, to: number): number[] {
    const byGroup = new Map<number, number[]>();
    for (const s of this.slots) {
      const g = s.doc.groupId;
      if (g === 0 || g === to || this.actions.has(s.doc.id)) continue;
      let l = byGroup.get(g);
      if (l === undefined) byGroup.set(g, (l = []));
      l.push(s.doc.id);
    }
    const out: number[] = [];
    while (out.length < count) {
      let best: number[] | null = null;
      for (const l of byGroup.values()) if (l.length > 0 && (best === null || l.length > best.length)) best = l;
      if (best === null) break;
      out.push(best.pop()!);
    }
    return out.sort((a, b) => a - b);
  }

  action(slot: number): ActionModel {
    const a = this.actions.get(slot);
    if (!a) throw new DashError('DASH_ERR_NO_ACTION', `slot ${slot} has no migration`);
    return a.doc;
  }

  /** Only a migration that has not started can be removed: one under way must finish. */
  async removeAction(slot: number): Promise<void> {
    const a = this.action(slot);
    if (a.state !== 'pending') throw new DashError('DASH_ERR_ACTION_BUSY', `the migration of slot ${slot} is ${a.state}; only pending ones can be removed`);
    if (!(await this.store.delete(actionKey(this.product, slot), this.actions.get(slot)!.rev))) {
      await this.load();
      throw new DashError('DASH_ERR_CONFLICT', `the migration of slot ${slot} changed meanwhile`);
    }
    this.actions.delete(slot);
  }

  /** Persists the next state of a migration (before its work starts). */
  async advanceAction(slot: number, state: ActionState): Promise<ActionModel> {
    const cur = this.actions.get(slot)!;
    const doc: ActionModel = { ...cur.doc, state };
    this.actions.set(slot, { doc, rev: await this.cas(actionKey(this.product, slot), doc, cur.rev) });
    return doc;
  }

  /** The last step: the slot belongs to the target, tables are pushed (target first), the action goes. */
  async completeAction(slot: number): Promise<void> {
    const a = this.action(slot);
    const cur = this.slots[slot]!;
    if (cur.doc.groupId !== a.to) {
      const doc: SlotModel = { version: MODEL_VERSION, id: slot, groupId: a.to };
      this.slots[slot] = { doc, rev: await this.cas(slotKey(this.product, slot), doc, cur.rev === '' ? null : cur.rev) };
    }
    await this.pushAll([a.to]);
    await this.store.delete(actionKey(this.product, slot), this.actions.get(slot)!.rev);
    this.actions.delete(slot);
  }

  /** The rebalance plan: weights per group (default equal over groups with a master), or by each master's memory capacity. */
  async rebalancePlan(weights?: Record<string, number>, byMemory = false): Promise<{ quotas: Record<string, number>; moves: Move[] }> {
    const w = new Map<number, number>();
    for (const id of this.groups.keys()) {
      const master = this.masterOf(id);
      if (master === null) continue;
      let weight = weights?.[String(id)] ?? (weights === undefined ? 1 : 0);
      if (byMemory) {
        const info = await this.serverInfo(master);
        const max = Number(info.get('maxmemory') ?? 0);
        weight = max > 0 ? max : Number(info.get('total_system_memory') ?? 0);
        if (!(weight > 0)) throw new DashError('DASH_ERR_SERVER_UNREACHABLE', `group-${id} master ${master} did not report its memory`);
      }
      if (weight > 0) w.set(id, weight);
    }
    for (const id of Object.keys(weights ?? {})) {
      if (this.masterOf(Number(id)) === null) throw new DashError('DASH_ERR_NO_GROUP', `group-${id} does not exist or has no master`);
    }
    if (w.size === 0) throw new DashError('DASH_ERR_GROUP_NO_MASTER', 'no group has a master');
    const owner = this.slots.map((x) => x.doc.groupId);
    const moving = new Map([...this.actions.values()].map((a) => [a.doc.slot, a.doc.to]));
    return { quotas: Object.fromEntries(quotas(w)), moves: planRebalance({ owner, moving, weights: w }) };
  }

  /** Queues the plan's moves as slot actions. */
  async applyRebalance(moves: Move[]): Promise<ActionModel[]> {
    const byTarget = new Map<number, number[]>();
    for (const m of moves) {
      let l = byTarget.get(m.to);
      if (l === undefined) byTarget.set(m.to, (l = []));
      l.push(m.slot);
    }
    const out: ActionModel[] = [];
    for (const [to, slots] of byTarget) out.push(...await this.createActions(slots, to));
    return out.sort((a, b) => a.index - b.index);
  }

  actionList() {
    return [...this.actions.values()].map((a) => ({ ...a.doc, progress: this.migrator.progress.get(a.doc.slot) ?? null })).sort((a, b) => a.index - b.index);
  }

  /** INFO essentials of every server of every group; a server that does not answer is reported down. */
  async serverSummaries(): Promise<ServerSummary[]> {
    const all = [...this.groups.values()].flatMap((g) => g.doc.servers.map((s) => ({ groupId: g.doc.id, ...s })));
    const infos = await Promise.all(all.map((s) => this.serverInfo(s.addr).then((i) => ({ info: i, error: '' }), (e: Error) => ({ info: null, error: e.message }))));
    const masterOffset = new Map<number, number>();
    all.forEach((s, i) => {
      const info = infos[i]!.info;
      if (s.role === 'master' && info) masterOffset.set(s.groupId, Number(info.get('master_repl_offset') ?? 0));
    });
    return all.map((s, i) => {
      const { info, error } = infos[i]!;
      if (info === null) return { ...s, up: false, error, reportedRole: '', usedMemory: 0, keys: 0, opsPerSec: 0, replOffset: 0, lag: null, linkStatus: '' };
      let keys = 0;
      for (const [k, v] of info) if (/^db\d+$/.test(k)) keys += Number(/keys=(\d+)/.exec(v)?.[1] ?? 0);
      const offset = Number(info.get('master_repl_offset') ?? 0);
      const mo = masterOffset.get(s.groupId);
      return {
        ...s, up: true, error: '', reportedRole: info.get('role') ?? '', usedMemory: Number(info.get('used_memory') ?? 0), keys,
        opsPerSec: Number(info.get('instantaneous_ops_per_sec') ?? 0), replOffset: offset,
        lag: s.role === 'replica' && mo !== undefined ? Math.max(0, mo - offset) : null, linkStatus: info.get('master_link_status') ?? '',
      };
    });
  }

  /**
   * One snapshot for the console's live view: every proxy's counters (the
   * console derives rates from two snapshots) and every server's summary.
   */
  async stats() {
    const proxies = await Promise.all([...this.proxies.values()].map(async (p) => {
      try {
        const s = await this.proxyStats(p.doc, 2000);
        let calls = 0;
        let sumUs = 0;
        for (const c of Object.values(s.commands)) {
          calls += c.calls;
          sumUs += c.sumUs;
        }
        return { id: p.doc.id, addr: p.doc.proxyAddr, up: true, error: '', sessions: s.sessions, opsTotal: s.opsTotal, opsErrors: s.opsErrors, calls, sumUs, redirects: s.redirects, epoch: s.epoch };
      } catch (e) {
        return { id: p.doc.id, addr: p.doc.proxyAddr, up: false, error: (e as Error).message, sessions: 0, opsTotal: 0, opsErrors: 0, calls: 0, sumUs: 0, redirects: 0, epoch: -1 };
      }
    }));
    return { time: Date.now(), epoch: this.epoch, proxies, servers: await this.serverSummaries() };
  }

  /** Sends one command to a server; errors name the server. */
  async serverCall(addr: string, argv: string[], timeoutMs = this.pushTimeoutMs): Promise<ReplyValue> {
    const c = new ServerClient(addr, this.backendAuth, 0, timeoutMs);
    try {
      return await c.call(argv);
    } catch (e) {
      throw new DashError('DASH_ERR_SERVER_UNREACHABLE', (e as Error).message);
    } finally {
      c.close();
    }
  }

  /** Points every replica of a group at its master again (after a server was replaced or replication broke). */
  async resyncGroup(id: number): Promise<{ addr: string; ok: boolean; error: string }[]> {
    const g = this.group(id);
    const master = this.masterOf(id);
    if (master === null) throw new DashError('DASH_ERR_GROUP_NO_MASTER', `group-${id} has no master server yet`);
    return Promise.all(g.servers.filter((s) => s.role === 'replica').map(async (s) => {
      try {
        await this.replicaOf(s.addr, master);
        return { addr: s.addr, ok: true, error: '' };
      } catch (e) {
        return { addr: s.addr, ok: false, error: (e as Error).message };
      }
    }));
  }

  /**
   * Makes a replica the master of its group. With the old master reachable
   * this is a switchover that loses nothing: its writes are paused, the
   * replica catches up to its offset, is promoted, the new table is pushed
   * (the new master first), the old master and the other replicas follow
   * it, and only then the pause ends. Writes that waited on the old master
   * meet READONLY, which the proxy retries through its new table.
   * With the old master down — or `failover` (the health monitor's path,
   * which does not wait for a dead master) — the replica is promoted as it
   * is; what an asynchronous replica had not received is lost.
   */
  async promote(id: number, addr: string, opts: { failover?: boolean; catchUpMs?: number } = {}): Promise<GroupModel> {
    const catchUpMs = opts.catchUpMs ?? 5000;
    const g = this.group(id);
    const target = g.servers.find((s) => s.addr === addr);
    if (!target) throw new DashError('DASH_ERR_NO_SERVER', `${addr} is not in group-${id}`);
    if (target.role === 'master') throw new DashError('DASH_ERR_BAD_REQUEST', `${addr} is already the master of group-${id}`);
    const old = this.masterOf(id);
    let paused = false;
    if (old !== null && opts.failover !== true) {
      try {
        await this.serverCall(old, ['CLIENT', 'PAUSE', String(catchUpMs + 5000), 'WRITE']);
        paused = true;
      } catch {
        // The old master is down: a failover, not a switchover.
      }
    }
    try {
      if (paused) {
        const want = Number((await this.serverInfo(old!, 'replication')).get('master_repl_offset'));
        const deadline = Date.now() + catchUpMs;
        for (;;) {
          const have = Number((await this.serverInfo(addr, 'replication')).get('master_repl_offset'));
          if (have >= want) break;
          if (Date.now() > deadline) throw new DashError('DASH_ERR_NOT_CAUGHT_UP', `${addr} is at offset ${have}, the master at ${want}: not promoted`);
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      await this.serverCall(addr, ['REPLICAOF', 'NO', 'ONE']);
      const doc: GroupModel = {
        ...g,
        servers: [{ addr, role: 'master' }, ...g.servers.filter((s) => s.addr !== addr).map((s) => ({ ...s, role: 'replica' as const }))],
      };
      await this.saveGroup(doc);
      await this.pushAll([id]);
      // A dead old master is repointed by the health monitor when it answers again.
      const resync = this.resyncGroup(id);
      if (paused || opts.failover !== true) await resync;
      return doc;
    } finally {
      if (paused) await this.serverCall(old!, ['CLIENT', 'UNPAUSE']).catch(() => undefined);
    }
  }

  /** Moves a replica to another group (replica migration): it follows that group's master. */
  async moveReplica(from: number, addr: string, to: number): Promise<void> {
    const src = this.group(from);
    const dst = this.group(to);
    const master = this.masterOf(to);
    if (master === null) throw new DashError('DASH_ERR_GROUP_NO_MASTER', `group-${to} has no master server yet`);
    if (!src.servers.some((s) => s.addr === addr && s.role === 'replica')) throw new DashError('DASH_ERR_NO_SERVER', `${addr} is not a replica of group-${from}`);
    await this.saveGroup({ ...src, servers: src.servers.filter((s) => s.addr !== addr) });
    await this.saveGroup({ ...dst, servers: [...dst.servers, { addr, role: 'replica' }] });
    await this.replicaOf(addr, master);
  }

  /** `REPLICAOF master` on a server. */
  async replicaOf(addr: string, master: string): Promise<void> {
    const [host, port] = splitAddr(master);
    await this.serverCall(addr, ['REPLICAOF', host, String(port)]);
  }

  /** A proxy's counters (its /api/proxy/stats); throws when it does not answer in time. */
  async proxyStats(p: ProxyModel, timeoutMs: number): Promise<StatsSnapshot> {
    const r = await fetch(`http://${p.adminAddr}/api/proxy/stats`, { headers: { authorization: `Bearer ${this.token}` }, signal: AbortSignal.timeout(timeoutMs) });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    return (await r.json()) as StatsSnapshot;
  }

  /** INFO of one server (every section), or an error naming it. */
  async serverInfo(addr: string, section = 'everything'): Promise<Map<string, string>> {
    return parseInfo(String(await this.serverCall(addr, ['INFO', section])));
  }

  async setMigration(patch: Partial<MigrationSettings>): Promise<MigrationSettings> {
    const doc: MigrationSettings = { ...this.migration.doc, ...patch, version: MODEL_VERSION };
    this.migration = { doc, rev: await this.cas(migrationKey(this.product), doc, this.migration.rev === '' ? null : this.migration.rev) };
    return doc;
  }

  private async pushTo(p: ProxyModel, t: SlotTable): Promise<boolean> {
    let h = this.proxyHealth.get(p.id);
    if (h === undefined) this.proxyHealth.set(p.id, (h = { up: true, lastError: '', epoch: -1, pushing: false }));
    if (h.pushing && !h.up) return false;
    h.pushing = true;
    try {
      const r = await fetch(`http://${p.adminAddr}/api/proxy/slots`, {
        method: 'PUT', headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(slotTableToJSON(t)), signal: AbortSignal.timeout(this.pushTimeoutMs),
      });
      // 409 means the proxy already has a newer table: it is up to date enough.
      h.up = r.ok || r.status === 409;
      h.lastError = h.up ? '' : `HTTP ${r.status}`;
      if (r.ok) h.epoch = t.epoch;
    } catch (e) {
      h.up = false;
      h.lastError = (e as Error).message;
    } finally {
      h.pushing = false;
    }
    return h.up;
  }

  /** Registers a proxy by its admin address (it must answer with its model). */
  async addProxy(adminAddr: string): Promise<ProxyModel> {
    let model: { proxyAddr: string; adminAddr: string; pid: number; startTime: string };
    try {
      const r = await fetch(`http://${adminAddr}/api/proxy/model`, { headers: { authorization: `Bearer ${this.token}` }, signal: AbortSignal.timeout(this.pushTimeoutMs) });
      if (!r.ok) throw new Error(`HTTP ${r.status}${r.status === 401 ? ' (token mismatch)' : ''}`);
      model = (await r.json()) as typeof model;
    } catch (e) {
      throw new DashError('DASH_ERR_PROXY_UNREACHABLE', `proxy admin ${adminAddr} did not answer: ${(e as Error).message}`);
    }
    const id = createHash('sha1').update(model.proxyAddr).digest('hex').slice(0, 12);
    const doc: ProxyModel = { version: MODEL_VERSION, id, proxyAddr: model.proxyAddr, adminAddr, pid: model.pid, startTime: model.startTime };
    const prev = this.proxies.get(id);
    this.proxies.set(id, { doc, rev: await this.cas(proxyKey(this.product, id), doc, prev?.rev ?? null) });
    const t = this.slotTable();
    if (t !== null) await this.pushTo(doc, t);
    return doc;
  }

  proxy(id: string): ProxyModel {
    const p = this.proxies.get(id);
    if (!p) throw new DashError('DASH_ERR_NO_PROXY', `proxy ${id} does not exist`);
    return p.doc;
  }

  async removeProxy(id: string): Promise<void> {
    const p = this.proxies.get(id);
    if (!p) throw new DashError('DASH_ERR_NO_PROXY', `proxy ${id} does not exist`);
    await this.store.delete(proxyKey(this.product, id), p.rev);
    this.proxies.delete(id);
    this.proxyHealth.delete(id);
  }

  /** Re-sends the current table to one proxy (after it restarted). */
  async reinitProxy(id: string): Promise<boolean> {
    const p = this.proxy(id);
    const t = this.slotTable();
    return t === null ? false : this.pushTo(p, t);
  }

  overview() {
    const perGroup = new Map<number, number>();
    for (const s of this.slots) perGroup.set(s.doc.groupId, (perGroup.get(s.doc.groupId) ?? 0) + 1);
    return {
      product: this.product,
      epoch: this.epoch,
      groups: [...this.groups.values()].map((g) => ({ ...g.doc, slots: perGroup.get(g.doc.id) ?? 0 })),
      proxies: [...this.proxies.values()].map((p) => ({ ...p.doc, health: this.proxyHealth.get(p.doc.id) ?? null })),
      unassignedSlots: perGroup.get(0) ?? 0,
    };
  }
}
