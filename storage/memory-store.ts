/*
 * In-memory store for tests: same semantics as the others, one process.
 */
import type { Entry, Expect, Lock, Store, WatchEvent } from './store.js';

export class MemoryStore implements Store {
  private readonly data = new Map<string, Entry>();
  private rev = 0;
  private readonly watchers = new Set<{ prefix: string; fn: (e: WatchEvent) => void }>();
  private readonly locks = new Map<string, { owner: string; expires: number; lock: LeaseLock }>();

  private matches(e: Entry | undefined, expect: Expect): boolean {
    if (expect === undefined) return true;
    if (expect === null) return e === undefined;
    return e !== undefined && e.rev === expect;
  }

  private emit(ev: WatchEvent): void {
    for (const w of this.watchers) if (ev.key.startsWith(w.prefix)) queueMicrotask(() => w.fn(ev));
  }

  async get(key: string): Promise<Entry | null> {
    return this.data.get(key) ?? null;
  }

  async list(prefix: string): Promise<Entry[]> {
    return [...this.data.values()].filter((e) => e.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async put(key: string, value: string, expect?: Expect): Promise<string | null> {
    if (!this.matches(this.data.get(key), expect)) return null;
    const rev = String(++this.rev);
    this.data.set(key, { key, value, rev });
    this.emit({ type: 'put', key, value });
    return rev;
  }

  async delete(key: string, expect?: Expect): Promise<boolean> {
    const e = this.data.get(key);
    if (e === undefined || !this.matches(e, expect)) return false;
    this.data.delete(key);
    this.emit({ type: 'delete', key });
    return true;
  }

  async tryLock(key: string, owner: string, ttlMs: number): Promise<Lock | null> {
    const cur = this.locks.get(key);
    if (cur !== undefined && cur.expires > Date.now() && cur.lock.held) return null;
    cur?.lock.lose();
    const lock = new LeaseLock(owner, async () => {
      if (this.locks.get(key)?.lock === lock) {
        this.locks.delete(key);
        await this.delete(key);
      }
    });
    this.locks.set(key, { owner, expires: Date.now() + ttlMs, lock });
    await this.put(key, JSON.stringify({ owner }));
    lock.startRenew(ttlMs, async () => {
      const l = this.locks.get(key);
      if (l?.lock !== lock) return false;
      l.expires = Date.now() + ttlMs;
      return true;
    });
    return lock;
  }

  /** Test hook: makes a holder's lease lapse as if its process had died. */
  expire(key: string): void {
    const l = this.locks.get(key);
    if (l) {
      l.expires = 0;
      l.lock.stopRenewing();
    }
  }

  async watch(prefix: string, fn: (e: WatchEvent) => void): Promise<() => void> {
    const w = { prefix, fn };
    this.watchers.add(w);
    return () => this.watchers.delete(w);
  }

  async close(): Promise<void> {
    for (const l of this.locks.values()) l.lock.stopRenewing();
    this.watchers.clear();
  }
}

/** A lock renewed by a timer at a third of its TTL; lost when a renewal fails. */
export class LeaseLock implements Lock {
  private timer: NodeJS.Timeout | null = null;
  private lost = false;
  private released = false;
  private readonly lostFns: (() => void)[] = [];

  constructor(readonly owner: string, private readonly releaseFn: () => Promise<void>) {}

  get held(): boolean {
    return !this.lost && !this.released;
  }

  onLost(fn: () => void): void {
    this.lostFns.push(fn);
  }

  startRenew(ttlMs: number, renew: () => Promise<boolean>): void {
    this.timer = setInterval(() => {
      void renew().then((ok) => { if (!ok) this.lose(); }, () => this.lose());
    }, Math.max(50, Math.floor(ttlMs / 3)));
    this.timer.unref();
  }

  stopRenewing(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  lose(): void {
    if (this.lost || this.released) return;
    this.lost = true;
    this.stopRenewing();
    for (const f of this.lostFns) f();
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.stopRenewing();
    if (!this.lost) await this.releaseFn();
  }
}
