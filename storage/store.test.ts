/*
 * One contract, three stores: memory, filesystem and a real etcd started
 * by the test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store, WatchEvent } from './store.js';
import { MemoryStore } from './memory-store.js';
import { FsStore } from './fs-store.js';
import { EtcdStore } from './etcd-store.js';
import { startEtcd, type TestEtcd } from '../test/helpers/etcd.js';
import { waitFor } from '../test/helpers/ports.js';

let etcd: TestEtcd;
const dirs: string[] = [];
beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const makers: [string, () => Store][] = [
  ['memory', () => new MemoryStore()],
  ['fs', () => {
    const d = mkdtempSync(join(tmpdir(), 'store-'));
    dirs.push(d);
    return new FsStore(d, 50);
  }],
  ['etcd', () => new EtcdStore(etcd.endpoint)],
];

describe.each(makers)('%s store', (_name, make) => {
  let s: Store;
  const P = `/shardis/test-${Math.random().toString(36).slice(2)}/`;
  beforeAll(() => {
    s = make();
  });
  afterAll(async () => {
    await s.close();
  });

  it('gets, puts and lists by prefix in key order', async () => {
    expect(await s.get(P + 'none')).toBeNull();
    await s.put(P + 'b/2', 'two');
    await s.put(P + 'b/1', 'one');
    await s.put(P + 'a', 'x');
    expect((await s.get(P + 'b/1'))?.value).toBe('one');
    expect((await s.list(P + 'b/')).map((e) => [e.key, e.value])).toEqual([[P + 'b/1', 'one'], [P + 'b/2', 'two']]);
    expect((await s.list(P)).length).toBe(3);
  });

  it('compare-and-swap: only the writer with the current revision wins', async () => {
    const k = P + 'cas';
    expect(await s.put(k, 'v1', null)).not.toBeNull();
    expect(await s.put(k, 'again', null)).toBeNull();
    const e = (await s.get(k))!;
    const results = await Promise.all([s.put(k, 'w1', e.rev), s.put(k, 'w2', e.rev), s.put(k, 'w3', e.rev)]);
    expect(results.filter((r) => r !== null).length).toBe(1);
    expect(await s.put(k, 'stale', e.rev)).toBeNull();
    const cur = (await s.get(k))!;
    expect(await s.delete(k, e.rev)).toBe(false);
    expect(await s.delete(k, cur.rev)).toBe(true);
    expect(await s.get(k)).toBeNull();
    // A deleted and re-created key gets a new revision: an old one cannot match it.
    await s.put(k, 'again', null);
    expect(await s.put(k, 'x', cur.rev)).toBeNull();
  });

  it('lets one holder own a lock; a second waits; it is free after release', async () => {
    const k = P + 'lock';
    const a = await s.tryLock(k, 'dash-a', 3000);
    expect(a).not.toBeNull();
    expect(await s.tryLock(k, 'dash-b', 3000)).toBeNull();
    await new Promise((r) => setTimeout(r, 1200));
    expect(a!.held).toBe(true);
    expect(await s.tryLock(k, 'dash-b', 3000)).toBeNull();
    await a!.release();
    const b = await s.tryLock(k, 'dash-b', 3000);
    expect(b).not.toBeNull();
    await b!.release();
  });

  it('reports changes under a prefix to watchers', async () => {
    const events: WatchEvent[] = [];
    const stop = await s.watch(P + 'w/', (e) => events.push(e));
    await s.put(P + 'w/1', 'a');
    await s.put(P + 'other', 'z');
    await s.delete(P + 'w/1');
    await waitFor(() => events.length >= 2, 5000);
    stop();
    expect(events.map((e) => [e.type, e.key])).toEqual([['put', P + 'w/1'], ['delete', P + 'w/1']]);
  });
});

describe('lease expiry', () => {
  it('fs: an expired lock (holder gone) is taken over without manual clean-up', async () => {
    const d = mkdtempSync(join(tmpdir(), 'store-'));
    dirs.push(d);
    const a = new FsStore(d);
    const b = new FsStore(d);
    const la = await a.tryLock('/x/dashboard', 'a', 600);
    expect(la).not.toBeNull();
    await a.close(); // stops renewing, like a crashed process
    expect(await b.tryLock('/x/dashboard', 'b', 600)).toBeNull();
    const lb = await waitFor(() => b.tryLock('/x/dashboard', 'b', 600), 5000, 100);
    expect(lb.owner).toBe('b');
    await b.close();
  });

  it('etcd: a lock held by a client that disappears is free after its lease TTL', async () => {
    const a = new EtcdStore(etcd.endpoint);
    const b = new EtcdStore(etcd.endpoint);
    const la = await a.tryLock('/x/dash', 'a', 1000);
    expect(la).not.toBeNull();
    // Closing without releasing = a crashed holder: the lease is no longer kept alive.
    await a.close();
    const lb = await waitFor(() => b.tryLock('/x/dash', 'b', 1000), 10000, 200);
    expect(lb.owner).toBe('b');
    await lb.release();
    await b.close();
  });
});
