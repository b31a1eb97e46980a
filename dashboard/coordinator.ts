/*
 * The dashboard's topology logic: groups and their servers, slot assignment,
 * proxies, and pushing the slot table (with a growing epoch) to every proxy.
 * Every change is a compare-and-swap in storage before it is applied in
 * memory, so a dashboard that lost its lease cannot overwrite a newer one's
 * work. A proxy that does not answer a push within the timeout is marked
 * down and does not hold up the others.
 */
import { createHash } from 'node:crypto';
import { SLOT_COUNT } from '../common/slots.js';
import { slotTableToJSON, type SlotTable } from '../common/topology.js';
import type { Store } from '../storage/store.js';
import { groupKey, proxyKey, root, slotKey } from '../storage/paths.js';
import { DashError } from './errors.js';
import { pushOwnership, type OwnershipResult } from './ownership.js';
import { MODEL_VERSION, type GroupModel, type MetaModel, type ProxyModel, type SlotModel } from './model.js';

interface Cached<T> {
  doc: T;
  rev: string;
}

export interface ProxyHealth {
  up: boolean;
  lastError: string;
  epoch: number;
}

export class Coordinator {
  groups = new Map<number, Cached<GroupModel>>();
  slots: Cached<SlotModel>[] = [];
  proxies = new Map<string, Cached<ProxyModel>>();
  meta: Cached<MetaModel> | null = null;
  readonly proxyHealth = new Map<string, ProxyHealth>();
  /** The last slot-ownership push to each master (a plain Redis master reports an unknown command). */
  readonly serverHealth = new Map<string, OwnershipResult>();
  pushTimeoutMs = 3000;
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
    const m = await this.store.get(this.metaKey());
    this.meta = m === null ? null : { doc: JSON.parse(m.value) as MetaModel, rev: m.rev };
    this.groups = groups;
    this.slots = slots;
    this.proxies = proxies;
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

  /** The table proxies route by; null while some slot has no group with a master. */
  slotTable(): SlotTable | null {
    const slots = new Int32Array(SLOT_COUNT);
    const used = new Set<number>();
    for (let i = 0; i < SLOT_COUNT; i++) {
      const gid = this.slots[i]!.doc.groupId;
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

  /**
   * Sends a new table (next epoch) to every proxy; returns how many accepted
   * it. The group masters learn their slots first, so a proxy still on the
   * old table is redirected rather than served by the wrong group.
   */
  async pushAll(): Promise<number> {
    if (this.slotTable() === null) return 0;
    await this.bumpEpoch();
    const t = this.slotTable()!;
    for (const r of await pushOwnership(t, this.backendAuth, this.pushTimeoutMs)) this.serverHealth.set(r.addr, r);
    const results = await Promise.all([...this.proxies.values()].map((p) => this.pushTo(p.doc, t)));
    return results.filter(Boolean).length;
  }

  private async pushTo(p: ProxyModel, t: SlotTable): Promise<boolean> {
    const h = this.proxyHealth.get(p.id) ?? { up: false, lastError: '', epoch: -1 };
    this.proxyHealth.set(p.id, h);
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
