/*
 * The etcd v3 store (package etcd3). Compare-and-swap is an etcd transaction
 * on the key's mod revision (create revision 0 for "must not exist"); a lock
 * is a key written with a lease only if absent, kept alive by the client and
 * gone when the holder stops (crash, partition), so a standby can take over
 * after the lease TTL with no manual clean-up. etcd3's default circuit
 * breaker is replaced by fail-fast calls: the dashboard retries on its own.
 */
import { Etcd3, type Lease, type IOptions } from 'etcd3';
import type { Entry, Expect, Lock, Store, WatchEvent } from './store.js';

class EtcdLock implements Lock {
  private lost = false;
  private released = false;
  private readonly fns: (() => void)[] = [];

  constructor(readonly owner: string, private readonly lease: Lease) {
    lease.on('lost', () => {
      if (this.released || this.lost) return;
      this.lost = true;
      for (const f of this.fns) f();
    });
  }

  get held(): boolean {
    return !this.lost && !this.released;
  }

  onLost(fn: () => void): void {
    this.fns.push(fn);
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.lease.revoke().catch(() => {});
  }
}

export class EtcdStore implements Store {
  private readonly client: Etcd3;
  private readonly leases = new Set<Lease>();
  private readonly stops = new Set<() => void>();

  /** endpoints: "host:port[,host:port]" */
  constructor(endpoints: string, options: Partial<IOptions> = {}) {
    const hosts = endpoints.split(',').map((h) => (h.startsWith('http') ? h : `http://${h}`));
    this.client = new Etcd3({ hosts, dialTimeout: 3000, ...options });
  }

  async get(key: string): Promise<Entry | null> {
    const r = await this.client.get(key).exec();
    const kv = r.kvs[0];
    return kv === undefined ? null : { key, value: kv.value.toString(), rev: String(kv.mod_revision) };
  }

  async list(prefix: string): Promise<Entry[]> {
    const r = await this.client.getAll().prefix(prefix).sort('Key', 'Ascend').exec();
    return r.kvs.map((kv) => ({ key: kv.key.toString(), value: kv.value.toString(), rev: String(kv.mod_revision) }));
  }

  async put(key: string, value: string, expect?: Expect): Promise<string | null> {
    if (expect === undefined) {
      const r = await this.client.put(key).value(value).exec();
      return String(r.header.revision);
    }
    const cond = expect === null ? this.client.if(key, 'Create', '==', 0) : this.client.if(key, 'Mod', '==', expect);
    const r = await cond.then(this.client.put(key).value(value)).commit();
    return r.succeeded ? String(r.header.revision) : null;
  }

  async delete(key: string, expect?: Expect): Promise<boolean> {
    if (expect === null) return false;
    if (expect === undefined) {
      const r = await this.client.delete().key(key).exec();
      return Number(r.deleted) > 0;
    }
    const r = await this.client.if(key, 'Mod', '==', expect).then(this.client.delete().key(key)).commit();
    return r.succeeded;
  }

  async tryLock(key: string, owner: string, ttlMs: number): Promise<Lock | null> {
    const lease = this.client.lease(Math.max(1, Math.round(ttlMs / 1000)));
    const id = await lease.grant();
    const r = await this.client.if(key, 'Create', '==', 0).then(this.client.put(key).value(JSON.stringify({ owner })).lease(id)).commit();
    if (!r.succeeded) {
      await lease.revoke().catch(() => {});
      return null;
    }
    this.leases.add(lease);
    return new EtcdLock(owner, lease);
  }

  async watch(prefix: string, fn: (e: WatchEvent) => void): Promise<() => void> {
    const w = await this.client.watch().prefix(prefix).create();
    w.on('put', (kv) => fn({ type: 'put', key: kv.key.toString(), value: kv.value.toString() }));
    w.on('delete', (kv) => fn({ type: 'delete', key: kv.key.toString() }));
    const stop = () => void w.cancel().catch(() => {});
    this.stops.add(stop);
    return () => {
      this.stops.delete(stop);
      stop();
    };
  }

  async close(): Promise<void> {
    for (const s of this.stops) s();
    for (const l of this.leases) l.release();
    this.client.close();
  }
}
