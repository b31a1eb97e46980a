/*
 * Runs the slot actions: each one walks pending → preparing → prepared →
 * migrating → finished, persisting every state before doing its work, so a
 * dashboard killed at any point and restarted (or a standby taking over)
 * redoes at most one idempotent step:
 *
 *   preparing  push ownership: target IMPORTING from source, then source
 *              MIGRATING to target (both must accept, else retry later);
 *              proxies get the table with a new epoch;
 *   migrating  repeat SLOTSMGRTTAGSLOT[-ASYNC] on the source, in every
 *              database holding keys, until it reports none remaining;
 *   finished   the slot is the target's: target OWNED, source NOTOWNED,
 *              proxies get the table; the action is removed.
 *
 * Safety does not depend on proxies: the masters' ownership (MOVED, ASK,
 * TRYAGAIN) keeps every key in one place whatever table a proxy holds, so a
 * proxy that misses a push cannot stall or corrupt a migration. Up to
 * `parallelSlots` actions run at once; each source group sends one batch at
 * a time.
 */
import type { Coordinator } from './coordinator.js';
import type { ActionModel } from './model.js';
import { ServerClient, parseInfo } from './server-client.js';
import { splitAddr } from '../proxy/backend.js';

export interface ActionProgress {
  moved: number;
  remaining: number;
  db: number;
  error: string;
  startedAt: number;
}

export class Migrator {
  readonly progress = new Map<number, ActionProgress>();
  /** Totals since start, for metrics. */
  keysMoved = 0;
  actionsFinished = 0;
  private readonly running = new Map<number, Promise<void>>();
  private readonly retryAt = new Map<number, number>();
  private readonly groupTurn = new Map<number, Promise<unknown>>();
  private timer: NodeJS.Timeout | null = null;
  /** (time, keysMoved) once a second, for the rate. */
  private readonly samples: [number, number][] = [];
  private stopped = false;
  private ready: Promise<unknown> | null = null;

  constructor(private readonly coord: Coordinator) {}

  start(intervalMs = 100): void {
    this.stopped = false;
    // A restarted dashboard first re-tells every master its slots, so the states of actions under way hold again.
    this.ready = this.coord.pushAll().catch(() => 0);
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.allSettled(this.running.values());
  }

  /** Runs now instead of at the next interval (after actions were created). */
  kick(): void {
    if (!this.stopped && this.timer !== null) this.tick();
  }

  get busy(): boolean {
    return this.running.size > 0;
  }

  /** Keys moved per second over the last five seconds or so. */
  keysPerSecond(): number {
    const now = Date.now();
    const old = this.samples.find(([t]) => now - t <= 6000);
    if (old === undefined || now - old[0] < 500) return 0;
    return Math.round(((this.keysMoved - old[1]) * 1000) / (now - old[0]));
  }

  /** Actions under way first, then pending ones, each in creation order. */
  private tick(): void {
    const now = Date.now();
    if (this.samples.length === 0 || now - this.samples[this.samples.length - 1]![0] >= 1000) {
      this.samples.push([now, this.keysMoved]);
      if (this.samples.length > 10) this.samples.shift();
    }
    const limit = Math.max(1, this.coord.migration.doc.parallelSlots);
    if (this.running.size >= limit) return;
    const todo = [...this.coord.actions.values()].map((a) => a.doc)
      .filter((a) => !this.running.has(a.slot) && (this.retryAt.get(a.slot) ?? 0) <= now)
      .sort((a, b) => Number(a.state === 'pending') - Number(b.state === 'pending') || a.index - b.index);
    for (const a of todo) {
      if (this.running.size >= limit) break;
      const p = this.run(a.slot).finally(() => this.running.delete(a.slot));
      this.running.set(a.slot, p);
    }
  }

  private async run(slot: number): Promise<void> {
    await this.ready;
    try {
      for (;;) {
        if (this.stopped) return;
        const a = this.coord.actions.get(slot)?.doc;
        if (a === undefined) return;
        if (!this.progress.has(slot)) this.progress.set(slot, { moved: 0, remaining: -1, db: 0, error: '', startedAt: Date.now() });
        switch (a.state) {
          case 'pending':
            await this.coord.advanceAction(slot, 'preparing');
            break;
          case 'preparing':
            await this.prepare(a);
            await this.coord.advanceAction(slot, 'prepared');
            break;
          case 'prepared':
            await this.coord.advanceAction(slot, 'migrating');
            break;
          case 'migrating':
            await this.moveKeys(a);
            await this.coord.advanceAction(slot, 'finished');
            break;
          case 'finished':
            await this.coord.completeAction(slot);
            this.progress.delete(slot);
            this.retryAt.delete(slot);
            this.actionsFinished++;
            return;
        }
      }
    } catch (e) {
      const p = this.progress.get(slot);
      if (p) p.error = (e as Error).message;
      // A master down or a conflict: the action stays in its state and is retried.
      this.retryAt.set(slot, Date.now() + 1000);
    }
  }

  /** Both masters must hold the migrating/importing states before a key moves. */
  private async prepare(a: ActionModel): Promise<void> {
    await this.coord.pushAll([a.to]);
    for (const g of [a.to, a.from]) {
      const addr = this.coord.masterOf(g);
      const h = addr === null ? undefined : this.coord.serverHealth.get(addr);
      if (h === undefined || !h.ok) throw new Error(`group-${g} master ${addr ?? '(none)'} did not take the slot states: ${h?.error || 'no answer'}`);
    }
  }

  /** Serializes the batches of one source group. */
  private turn<T>(group: number, fn: () => Promise<T>): Promise<T> {
    const prev = this.groupTurn.get(group) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(fn);
    this.groupTurn.set(group, next);
    return next;
  }

  private async moveKeys(a: ActionModel): Promise<void> {
    const source = this.coord.masterOf(a.from);
    const target = this.coord.masterOf(a.to);
    if (source === null || target === null) throw new Error(`group-${source === null ? a.from : a.to} has no master`);
    const s = this.coord.migration.doc;
    const auth = this.coord.backendAuth;
    const probe = new ServerClient(source, auth, 0, s.timeoutMs + 5000);
    let dbs: number[];
    try {
      const info = parseInfo(String(await probe.call(['INFO', 'keyspace'])));
      dbs = [...info.keys()].filter((k) => /^db\d+$/.test(k)).map((k) => Number(k.slice(2)));
    } finally {
      probe.close();
    }
    const [host, port] = splitAddr(target);
    const p = this.progress.get(a.slot)!;
    for (const db of dbs) {
      const c = new ServerClient(source, auth, db, s.timeoutMs + 5000);
      p.db = db;
      try {
        for (;;) {
          if (this.stopped) throw new Error('dashboard stopping');
          const argv = s.method === 'sync'
            ? ['SLOTSMGRTTAGSLOT', host, String(port), String(s.timeoutMs), String(a.slot)]
            : ['SLOTSMGRTTAGSLOT-ASYNC', host, String(port), String(s.timeoutMs), String(s.maxBulks), String(s.maxBytes), String(a.slot), String(s.numKeys)];
          const r = await this.turn(a.from, () => c.call(argv));
          const [moved, remaining] = r as [number, number];
          p.moved += moved;
          p.remaining = remaining;
          p.error = '';
          this.keysMoved += moved;
          if (remaining === 0) break;
        }
      } finally {
        c.close();
      }
    }
    p.remaining = 0;
  }
}
