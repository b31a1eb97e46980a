/*
 * The proxy's view of the cluster: the 1024-slot table (slot → group) and
 * the shared backend pools of every server it names. Swapping in a new table
 * (from the dashboard, with a higher epoch) keeps the pools of servers that
 * are still in use, so in-flight requests are not disturbed.
 */
import { type GroupSpec, type SlotTable } from '../common/topology.js';
import { BackendPool, type BackendConn } from './backend.js';

export interface RouterOptions {
  backendAuth: string;
  backendParallel: number;
  backendTimeoutMs: number;
  readFromReplicas: boolean;
}

interface Group {
  spec: GroupSpec;
  master: BackendPool;
  replicas: BackendPool[];
}

export class Router {
  table: SlotTable | null = null;
  private groups = new Map<number, Group>();
  /** slot → group, resolved for the hot path. */
  private bySlot: (Group | undefined)[] = [];
  private readonly pools = new Map<string, BackendPool>();
  private rr = 0;
  readonly backendState = new Map<string, boolean>();

  constructor(private readonly opts: RouterOptions) {}

  get epoch(): number {
    return this.table?.epoch ?? -1;
  }

  private pool(addr: string): BackendPool {
    let p = this.pools.get(addr);
    if (p === undefined) {
      p = new BackendPool(addr, { auth: this.opts.backendAuth, timeoutMs: this.opts.backendTimeoutMs, parallel: this.opts.backendParallel },
        (a, up) => this.backendState.set(a, up));
      this.pools.set(addr, p);
    }
    return p;
  }

  /** Installs a table; refuses one older than the current (returns false). */
  setTable(t: SlotTable): boolean {
    if (this.table !== null && t.epoch < this.table.epoch) return false;
    const groups = new Map<number, Group>();
    const used = new Set<string>();
    for (const g of t.groups) {
      groups.set(g.id, { spec: g, master: this.pool(g.master), replicas: g.replicas.map((r) => this.pool(r)) });
      used.add(g.master);
      for (const r of g.replicas) used.add(r);
    }
    const bySlot: (Group | undefined)[] = [];
    for (let s = 0; s < t.slots.length; s++) bySlot.push(groups.get(t.slots[s]!));
    this.table = t;
    this.groups = groups;
    this.bySlot = bySlot;
    for (const [addr, p] of this.pools) {
      if (!used.has(addr)) {
        p.close();
        this.pools.delete(addr);
      }
    }
    return true;
  }

  groupOfSlot(slot: number): number {
    return this.bySlot[slot]?.spec.id ?? -1;
  }

  /** The connection serving a slot: the master, or a replica for reads when configured. */
  backendFor(slot: number, db: number, readOnly: boolean, resp: 2 | 3 = 2): BackendConn | null {
    const g = this.bySlot[slot];
    if (g === undefined) return null;
    if (readOnly && this.opts.readFromReplicas && g.replicas.length > 0) {
      const up = g.replicas.filter((r) => r.up);
      if (up.length > 0) return up[(this.rr++) % up.length]!.get(db, resp);
    }
    return g.master.get(db, resp);
  }

  /**
   * A connection to a server a redirect named (MOVED/ASK): the table's pool
   * when the server is in it, else one kept until the next table arrives.
   */
  connTo(addr: string, db: number, resp: 2 | 3 = 2): BackendConn {
    return this.pool(addr).get(db, resp);
  }

  /** The address of the master serving a slot. */
  masterAddr(slot: number): string | null {
    return this.bySlot[slot]?.spec.master ?? null;
  }

  /** The id and master address of every group. */
  groupList(): GroupSpec[] {
    return [...this.groups.values()].map((g) => g.spec);
  }

  /** One connection per group master, for commands sent to every group (SCAN, aggregate INFO). */
  masters(): { id: number; addr: string; pool: BackendPool }[] {
    return [...this.groups.values()].map((g) => ({ id: g.spec.id, addr: g.spec.master, pool: g.master }));
  }

  allPools(): BackendPool[] {
    return [...this.pools.values()];
  }

  close(): void {
    for (const p of this.pools.values()) p.close();
    this.pools.clear();
  }
}
