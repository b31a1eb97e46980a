/*
 * Replication with real processes: a master with two replicas under a steady
 * write load through a replica restart (partial resync), a cut link (partial
 * resync), the master's death and a promotion (the other replica continues
 * from the promoted one, PSYNC2); after each, every node has the same DEBUG
 * DIGEST. Interop both ways with real Redis 7, and the commands around it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startRedis, type ProcServer } from './helpers/servers.js';
import { RawClient, ReplyError } from './helpers/raw-client.js';
import { waitFor } from './helpers/ports.js';
import { Scratch, client, digest, kill9, text } from './helpers/persist.js';
import { rng } from './helpers/rng.js';

const scratch = new Scratch();
afterAll(() => scratch.cleanUp());

async function info(port: number, section = 'replication'): Promise<Record<string, string>> {
  const c = await client(port);
  try {
    const out: Record<string, string> = {};
    for (const l of String(text(await c.call(['INFO', section]))).split('\r\n')) {
      const i = l.indexOf(':');
      if (i > 0) out[l.slice(0, i)] = l.slice(i + 1);
    }
    return out;
  } finally {
    c.close();
  }
}

/** Waits until every replica is connected and at the master's offset. */
async function caughtUp(master: number, replicas: number[]): Promise<void> {
  await waitFor(async () => {
    const m = Number((await info(master)).master_repl_offset);
    for (const p of replicas) {
      const r = await info(p);
      // At least m: the master's PING may have reached the replica after m was read.
      if (r.master_link_status !== 'up' || Number(r.slave_repl_offset) < m) return false;
    }
    return true;
  }, 20000, 100);
}

async function sameData(ports: number[]): Promise<void> {
  const digests = await Promise.all(ports.map((p) => digest(p)));
  for (const d of digests) expect(d).toEqual(digests[0]);
}

/** Writes of every type, including the ones propagated in another form (SPOP, INCRBYFLOAT, EXPIRE, SET EX). */
function randomWrite(r: () => number): string[] {
  const k = `k${Math.floor(r() * 300)}`;
  const v = String(Math.floor(r() * 1000));
  switch (Math.floor(r() * 14)) {
    case 0: return ['SET', `s:${k}`, v];
    case 1: return ['INCRBYFLOAT', `f:${k}`, '1.5'];
    case 2: return ['RPUSH', `l:${k}`, v, v];
    case 3: return ['LPOP', `l:${k}`];
    case 4: return ['HSET', `h:${k}`, `f${v}`, v];
    case 5: return ['SADD', `t:${k}`, v, `${v}x`];
    case 6: return ['SPOP', `t:${k}`];
    case 7: return ['ZADD', `z:${k}`, String(r() * 10), `m${v}`];
    case 8: return ['ZPOPMIN', `z:${k}`];
    case 9: return ['EXPIRE', `h:${k}`, '3600'];
    case 10: return ['SET', `e:${k}`, v, 'EX', '3600'];
    case 11: return ['DEL', `s:${k}`];
    case 12: return ['SELECT', '2'];
    default: return ['SELECT', '0'];
  }
}

/** A client writing in a loop until stopped; returns how many writes it made. */
function writer(port: number, seed: number): { stop(): Promise<number> } {
  let running = true;
  let n = 0;
  const done = (async () => {
    const c = new RawClient(port);
    await c.connect();
    const r = rng(seed);
    try {
      while (running) {
        if (n % 10 === 9) {
          // Transactions too: a master dying mid-stream must never leave half of one applied.
          await c.call(['MULTI']);
          await c.call(randomWrite(r));
          await c.call(['INCR', 'tx-counter']);
          await c.call(['EXEC']);
        } else {
          await c.call(randomWrite(r));
        }
        n++;
      }
    } catch { /* the master may be killed under it */ }
    c.close();
  })();
  return { stop: async () => { running = false; await done; return n; } };
}

async function ours(dir: string, extra: string[] = []): Promise<ProcServer> {
  return scratch.ours(dir, ['--repl-diskless-sync-delay', '0', '--repl-ping-replica-period', '1', ...extra]);
}

describe('replication between our servers', () => {
  it('keeps master and two replicas identical through a replica restart, a cut link and a promotion', async () => {
    const master = await ours(scratch.tempDir());
    // Replicas save on shutdown, so a restarted one knows its replication id and offset.
    const replicaArgs = (m: number) => ['--replicaof', '127.0.0.1', String(m), '--save', '3600 1'];
    const dirA = scratch.tempDir();
    let a = await ours(dirA, replicaArgs(master.port));
    const b = await ours(scratch.tempDir(), replicaArgs(master.port));
    let w = writer(master.port, 1);
    await caughtUp(master.port, [a.port, b.port]).catch(() => {});
    await new Promise((r) => setTimeout(r, 500));
    expect(await w.stop()).toBeGreaterThan(100);
    await caughtUp(master.port, [a.port, b.port]);
    await sameData([master.port, a.port, b.port]);
    const full0 = Number((await info(master.port, 'stats')).sync_full);
    expect(full0).toBe(2);

    // 1. A replica is killed (SIGKILL) while writes go on and restarts from its last save,
    // whose AUX fields carry its replication id and offset: it continues with a partial resync.
    w = writer(master.port, 2);
    const ac = await client(a.port);
    expect(await ac.call(['BGSAVE'])).toBe('Background saving started');
    await waitFor(async () => /rdb_bgsave_in_progress:0/.test(String(text(await ac.call(['INFO', 'persistence'])))), 10000, 20);
    ac.close();
    await new Promise((r) => setTimeout(r, 200));
    await kill9(a);
    a = await ours(dirA, replicaArgs(master.port));
    await new Promise((r) => setTimeout(r, 300));
    await w.stop();
    await caughtUp(master.port, [a.port, b.port]);
    await sameData([master.port, a.port, b.port]);
    let stats = await info(master.port, 'stats');
    expect(Number(stats.sync_full)).toBe(full0);
    expect(Number(stats.sync_partial_ok)).toBe(1);

    // 2. The links are cut: both replicas reconnect and continue.
    w = writer(master.port, 3);
    const admin = await client(master.port);
    expect(await admin.call(['CLIENT', 'KILL', 'TYPE', 'replica'])).toBe(2);
    admin.close();
    await new Promise((r) => setTimeout(r, 300));
    await w.stop();
    await caughtUp(master.port, [a.port, b.port]);
    await sameData([master.port, a.port, b.port]);
    stats = await info(master.port, 'stats');
    expect(Number(stats.sync_full)).toBe(full0);
    expect(Number(stats.sync_partial_ok)).toBe(3);

    // 3. The master dies under load; the most advanced replica is promoted (as a failover
    // picks it) and the other one continues from its history (PSYNC2).
    w = writer(master.port, 4);
    await new Promise((r) => setTimeout(r, 200));
    await kill9(master);
    await w.stop();
    const offsetOf = async (p: number) => Number((await info(p)).slave_repl_offset);
    const [up, down] = (await offsetOf(a.port)) >= (await offsetOf(b.port)) ? [a, b] : [b, a];
    const cu = await client(up.port);
    expect(await cu.call(['REPLICAOF', 'NO', 'ONE'])).toBe('OK');
    const iu = await info(up.port);
    expect(iu.role).toBe('master');
    expect(Number(iu.second_repl_offset)).toBeGreaterThan(0);
    const cd = await client(down.port);
    expect(await cd.call(['REPLICAOF', '127.0.0.1', String(up.port)])).toBe('OK');
    await caughtUp(up.port, [down.port]);
    expect(Number((await info(up.port, 'stats')).sync_partial_ok)).toBe(1);
    expect(Number((await info(up.port, 'stats')).sync_full)).toBe(0);
    await cu.call(['SET', 'after-promotion', '1']);
    await caughtUp(up.port, [down.port]);
    expect(text(await cd.call(['GET', 'after-promotion']))).toBe('1');
    await sameData([up.port, down.port]);
    cu.close();
    cd.close();
  }, 90000);

  it('answers ROLE, WAIT, READONLY, NOREPLICAS and REPLICAOF errors as Redis does', async () => {
    const master = await ours(scratch.tempDir());
    const replica = await ours(scratch.tempDir(), ['--replicaof', '127.0.0.1', String(master.port)]);
    await caughtUp(master.port, [replica.port]);
    const m = await client(master.port);
    const r = await client(replica.port);
    expect(await r.call(['SET', 'x', '1'])).toEqual(new ReplyError("READONLY You can't write against a read only replica."));
    expect(text(await r.call(['ROLE']))).toEqual(['slave', '127.0.0.1', master.port, 'connected', expect.any(Number)]);
    await m.call(['SET', 'x', '1']);
    expect(await m.call(['WAIT', '1', '2000'])).toBe(1);
    expect(await m.call(['WAIT', '2', '300'])).toBe(1);
    expect(await r.call(['WAIT', '1', '0'])).toBeInstanceOf(ReplyError);
    const role = text(await m.call(['ROLE'])) as unknown[];
    expect(role[0]).toBe('master');
    expect(role[2]).toEqual([['127.0.0.1', String(replica.port), expect.any(String)]]);
    expect(await m.call(['REPLICAOF', '127.0.0.1', 'abc'])).toEqual(new ReplyError('ERR Invalid master port'));
    expect(await r.call(['REPLICAOF', '127.0.0.1', String(master.port)])).toBe('OK Already connected to specified master');
    await m.call(['CONFIG', 'SET', 'min-replicas-to-write', '2']);
    expect(await m.call(['SET', 'y', '1'])).toEqual(new ReplyError('NOREPLICAS Not enough good replicas to write.'));
    await m.call(['CONFIG', 'SET', 'min-replicas-to-write', '0']);
    const ir = await info(replica.port);
    for (const f of ['master_host', 'master_port', 'master_link_status', 'master_last_io_seconds_ago', 'master_sync_in_progress',
      'slave_repl_offset', 'slave_priority', 'slave_read_only', 'master_replid', 'master_replid2', 'master_repl_offset',
      'second_repl_offset', 'repl_backlog_active', 'repl_backlog_size', 'repl_backlog_first_byte_offset', 'repl_backlog_histlen']) {
      expect(ir, f).toHaveProperty(f);
    }
    expect((await info(master.port)).slave0).toMatch(new RegExp(`^ip=127\\.0\\.0\\.1,port=${replica.port},state=online,offset=\\d+,lag=\\d+$`));
    m.close();
    r.close();
  }, 30000);
});

describe('cascading replication', () => {
  it('a replica of a replica receives the same stream, ids and offsets', async () => {
    const master = await ours(scratch.tempDir());
    const mid = await ours(scratch.tempDir(), ['--replicaof', '127.0.0.1', String(master.port)]);
    const leaf = await ours(scratch.tempDir(), ['--replicaof', '127.0.0.1', String(mid.port)]);
    const w = writer(master.port, 9);
    await new Promise((r) => setTimeout(r, 700));
    await w.stop();
    await caughtUp(master.port, [mid.port]);
    await caughtUp(mid.port, [leaf.port]);
    await sameData([master.port, mid.port, leaf.port]);
    const [im, il] = [await info(master.port), await info(leaf.port)];
    expect(il.master_replid).toBe(im.master_replid);
    expect(il.slave_repl_offset).toBe(im.master_repl_offset);
  }, 30000);
});

describe('a master restarted empty', () => {
  it('after a crash with persistence off, refuses replicas until told to serve them', async () => {
    const dir = scratch.tempDir();
    let master = await ours(dir);
    const mc = await client(master.port);
    await mc.call(['SET', 'k', 'v']);
    mc.close();
    const replica = await ours(scratch.tempDir(), ['--replicaof', '127.0.0.1', String(master.port)]);
    await caughtUp(master.port, [replica.port]);
    await kill9(master);
    master = await ours(dir, ['--port', String(master.port)]);
    expect(master.output()).toMatch(/restarted after a crash with persistence off/);
    await new Promise((r) => setTimeout(r, 1500));
    // The replica keeps its data while the link stays down.
    const rc = await client(replica.port);
    expect(text(await rc.call(['GET', 'k']))).toBe('v');
    expect((await info(replica.port)).master_link_status).toBe('down');
    expect(replica.output()).toMatch(/refusing to serve replicas/);
    const mc2 = await client(master.port);
    await mc2.call(['CONFIG', 'SET', 'repl-serve-empty-after-crash', 'yes']);
    await caughtUp(master.port, [replica.port]);
    expect(await rc.call(['GET', 'k'])).toBe(null);
    // A clean shutdown leaves no marker: the next start serves replicas at once.
    mc2.send(['SHUTDOWN', 'NOSAVE']);
    await new Promise((r) => master.proc.once('exit', r));
    const again = await ours(dir);
    expect(again.output()).not.toMatch(/restarted after a crash/);
    mc2.close();
    rc.close();
  }, 30000);
});

describe('replication with real Redis 7', () => {
  async function load(port: number, seed: number, n: number): Promise<void> {
    const c = await client(port);
    const r = rng(seed);
    for (let i = 0; i < n; i += 1000) {
      for (let j = 0; j < 1000; j++) c.send(randomWrite(r));
      for (let j = 0; j < 1000; j++) await c.read();
    }
    c.close();
  }

  it('a real Redis replica of our master ends with the same data after 100,000 writes', async () => {
    const master = await ours(scratch.tempDir());
    await load(master.port, 5, 20000);
    const redis = scratch.track(await startRedis(['--enable-debug-command', 'yes', '--replicaof', '127.0.0.1', String(master.port)]));
    await load(master.port, 6, 80000);
    await caughtUp(master.port, [redis.port]).catch(async (e) => {
      // What the replica logged and both INFO replication sections, to tell a stall from slowness.
      console.log('replica log:', redis.output().slice(-3000), JSON.stringify(await info(master.port)), JSON.stringify(await info(redis.port)));
      throw e;
    });
    await sameData([master.port, redis.port]);
  }, 90000);

  it('our replica of a real Redis master ends with the same data after 100,000 writes', async () => {
    const redis = scratch.track(await startRedis(['--enable-debug-command', 'yes', '--repl-diskless-sync-delay', '0']));
    await load(redis.port, 7, 20000);
    const replica = await ours(scratch.tempDir(), ['--replicaof', '127.0.0.1', String(redis.port)]);
    await load(redis.port, 8, 80000);
    await caughtUp(redis.port, [replica.port]);
    await sameData([redis.port, replica.port]);
  }, 90000);
});
