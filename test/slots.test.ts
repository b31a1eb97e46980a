/*
 * The engine's per-slot key index and Codis's slot commands: the index stays
 * exact through every way keys come and go (SLOTSCHECK), and the commands
 * reply as codis-server does. SLOTSRESTORE takes DUMP payloads of real Redis 7.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOurs, startOursProcess, startRedis, type ProcServer, type TestServer } from './helpers/servers.js';
import { RawClient, ReplyError, show } from './helpers/raw-client.js';
import { slotOf, slotOfLatin1 } from '../common/slots.js';

describe('slot commands', () => {
  let ours: TestServer;
  let redis: ProcServer;
  let c: RawClient;
  beforeAll(async () => {
    ours = await startOurs();
    redis = await startRedis();
    c = new RawClient(ours.port);
    await c.connect();
  });
  afterAll(async () => {
    c?.close();
    await ours?.stop();
    await redis?.stop();
  });

  it('computes slots like the proxy, for strings held as latin1 too', async () => {
    expect(await c.call(['SLOTSHASHKEY', 'a', 'b', 'c', '{a}7836', '123456789'])).toEqual([579, 1017, 879, 579, 294]);
    for (let i = 0; i < 2000; i++) {
      const bytes = Buffer.from(Array.from({ length: 1 + (i % 17) }, (_, j) => (i * 31 + j * 7) & 0xff));
      expect(slotOfLatin1(bytes.toString('latin1'))).toBe(slotOf(bytes));
    }
  });

  it('keeps the per-slot index exact through every way keys come and go', async () => {
    await c.call(['FLUSHALL']);
    for (let i = 0; i < 300; i++) c.send(['SET', `k${i}`, 'v']);
    for (let i = 0; i < 300; i++) await c.read();
    await c.call(['RPUSH', '{k1}list', 'a', 'b']);
    await c.call(['RENAME', 'k2', 'renamed']);
    await c.call(['MOVE', 'k3', '5']);
    await c.call(['DEL', 'k4', 'k5']);
    await c.call(['SET', 'k6', 'overwritten']);
    await c.call(['SET', 'short', 'v', 'PX', '1']);
    await new Promise((r) => setTimeout(r, 20));
    await c.call(['GET', 'short']);
    const dump = await c.call(['DUMP', 'k7']);
    await c.call(['RESTORE', 'k7', '0', dump as Buffer, 'REPLACE']);
    await c.call(['COPY', 'k8', 'copied']);
    await c.call(['SWAPDB', '0', '5']);
    await c.call(['SWAPDB', '0', '5']);
    expect(await c.call(['SLOTSCHECK'])).toBe('OK');
    await c.call(['SELECT', '5']);
    expect(await c.call(['SLOTSCHECK'])).toBe('OK');
    expect(await c.call(['SLOTSINFO'])).toEqual([[slotOf('k3'), 1]]);
    await c.call(['FLUSHDB']);
    expect(await c.call(['SLOTSINFO'])).toEqual([]);
    await c.call(['SELECT', '0']);
    const info = (await c.call(['SLOTSINFO'])) as [number, number][];
    expect(info.reduce((n, [, k]) => n + k, 0)).toBe(Number(await c.call(['DBSIZE'])));
    const k1 = slotOf('k1');
    expect(info.find(([s]) => s === k1)![1]).toBeGreaterThanOrEqual(2);
  });

  it('SLOTSINFO ranges, SLOTSSCAN and SLOTSDEL reply as codis-server', async () => {
    await c.call(['FLUSHALL']);
    // 40 keys in slot of {t}, 3 in slot of {u}.
    for (let i = 0; i < 40; i++) await c.call(['SET', `{t}${i}`, 'v']);
    for (let i = 0; i < 3; i++) await c.call(['SET', `{u}${i}`, 'v']);
    const [t, u] = [slotOf('t'), slotOf('u')];
    const [lo, hi] = t < u ? [t, u] : [u, t];
    expect(await c.call(['SLOTSINFO', String(lo), '1'])).toEqual([[lo, lo === t ? 40 : 3]]);
    expect(((await c.call(['SLOTSINFO', String(lo)])) as unknown[]).length).toBe(2);
    expect(await c.call(['SLOTSINFO', String(hi + 1)])).toEqual([]);
    expect(await c.call(['SLOTSINFO', '1024'])).toEqual(new ReplyError('ERR invalid slot number = 1024'));
    expect(await c.call(['SLOTSINFO', '0', '-1'])).toEqual(new ReplyError('ERR invalid slot count = -1'));
    expect(await c.call(['SLOTSINFO', '0', '1', '2'])).toEqual(new ReplyError("ERR wrong number of arguments for 'slotsinfo' command"));
    const seen = new Set<string>();
    let cursor = '0';
    let rounds = 0;
    do {
      const r = show(await c.call(['SLOTSSCAN', String(t), cursor, 'COUNT', '7'])) as [string, string[]];
      cursor = r[0].slice(1);
      expect(r[1].length).toBeLessThanOrEqual(7);
      for (const k of r[1]) seen.add(k.slice(1));
      rounds++;
    } while (cursor !== '0' && rounds < 100);
    expect(seen.size).toBe(40);
    expect(await c.call(['SLOTSSCAN', String(t), '0', 'COUNT', '0'])).toEqual(new ReplyError('ERR syntax error'));
    expect(await c.call(['SLOTSSCAN', String(t), '0', 'LIMIT', '1'])).toEqual(new ReplyError('ERR syntax error'));
    expect(await c.call(['SLOTSDEL', String(t), '0'])).toEqual([[t, 0], [0, 0]]);
    expect(await c.call(['DBSIZE'])).toBe(3);
    expect(await c.call(['SLOTSDEL', '-1'])).toEqual(new ReplyError('ERR invalid slot number = -1'));
  });

  it('SLOTSRESTORE creates or replaces keys from payloads of real Redis 7, with TTLs', async () => {
    const r = new RawClient(redis.port);
    await r.connect();
    await r.call(['DEL', 'h', 'z']);
    await r.call(['HSET', 'h', 'f', 'v', 'g', 'w']);
    await r.call(['ZADD', 'z', '1', 'a', '2', 'b']);
    const [h, z] = [await r.call(['DUMP', 'h']), await r.call(['DUMP', 'z'])] as Buffer[];
    r.close();
    await c.call(['SET', 'h', 'old']);
    expect(await c.call(['SLOTSRESTORE', 'h', '0', h!, 'z', '100000', z!])).toBe('OK');
    expect(show(await c.call(['HGETALL', 'h']))).toEqual(['$f', '$v', '$g', '$w']);
    expect(await c.call(['TTL', 'h'])).toBe(-1);
    expect(Number(await c.call(['PTTL', 'z']))).toBeGreaterThan(99000);
    expect(await c.call(['SLOTSRESTORE', 'x', '-1', h!])).toEqual(new ReplyError('ERR invalid ttl value, must be >= 0'));
    const bad = Buffer.from(h!);
    bad[bad.length - 1] ^= 1;
    expect(await c.call(['SLOTSRESTORE', 'x', '0', bad])).toEqual(new ReplyError('ERR dump payload version or checksum are wrong'));
    expect(await c.call(['SLOTSRESTORE', 'x', '0', h!, 'y'])).toEqual(new ReplyError("ERR wrong number of arguments for 'slotsrestore' command"));
    expect(await c.call(['EXISTS', 'x'])).toBe(0);
    expect(await c.call(['SLOTSCHECK'])).toBe('OK');
  });
});

describe('synchronous slot migration (SLOTSMGRT*)', () => {
  let source: TestServer;
  let target: ProcServer;
  let redis: ProcServer;
  let s: RawClient;
  let t: RawClient;
  beforeAll(async () => {
    source = await startOurs();
    // The target must be another process: the source holds its event loop while it waits.
    target = await startOursProcess();
    redis = await startRedis();
    s = new RawClient(source.port);
    t = new RawClient(target.port);
    await s.connect();
    await t.connect();
  });
  afterAll(async () => {
    s?.close();
    t?.close();
    await source?.stop();
    await target?.stop();
    await redis?.stop();
  });

  it('moves single keys, hash-tag groups and whole slots with their values and TTLs', async () => {
    await s.call(['SELECT', '2']);
    await t.call(['SELECT', '2']);
    await s.call(['SET', 'plain', 'v', 'PX', '100000']);
    await s.call(['RPUSH', '{user1}:list', 'a', 'b']);
    await s.call(['HSET', '{user1}:hash', 'f', 'v']);
    await s.call(['SET', '{user1}:name', 'n']);
    expect(await s.call(['SLOTSMGRTONE', '127.0.0.1', String(target.port), '1000', 'plain'])).toBe(1);
    expect(await s.call(['SLOTSMGRTONE', '127.0.0.1', String(target.port), '1000', 'plain'])).toBe(0);
    expect(show(await t.call(['GET', 'plain']))).toBe('$v');
    expect(Number(await t.call(['PTTL', 'plain']))).toBeGreaterThan(90000);
    expect(await s.call(['SLOTSMGRTTAGONE', '127.0.0.1', String(target.port), '1000', '{user1}:name'])).toBe(3);
    expect(show(await t.call(['LRANGE', '{user1}:list', '0', '-1']))).toEqual(['$a', '$b']);
    expect(await s.call(['EXISTS', '{user1}:list', '{user1}:hash', '{user1}:name'])).toBe(0);

    const slot = slotOf('tagx');
    for (let i = 0; i < 30; i++) await s.call(['SET', `{tagx}${i}`, String(i)]);
    for (let i = 0; i < 10; i++) await s.call(['SADD', `k${i}`, 'm']);
    // The tag variant moves the whole group in one round trip.
    expect(await s.call(['SLOTSMGRTTAGSLOT', '127.0.0.1', String(target.port), '1000', String(slot)])).toEqual([30, 0]);
    expect(await t.call(['SLOTSINFO', String(slot), '1'])).toEqual([[slot, 30]]);
    let rounds = 0;
    const slotK = slotOf('k3');
    for (;;) {
      const [moved, left] = (await s.call(['SLOTSMGRTSLOT', '127.0.0.1', String(target.port), '1000', String(slotK)])) as number[];
      rounds++;
      if (left === 0) break;
      expect(moved).toBe(1);
    }
    expect(rounds).toBeGreaterThanOrEqual(1);
    expect(await s.call(['SLOTSMGRTSLOT', '127.0.0.1', String(target.port), '1000', String(slotK)])).toEqual([0, 0]);
    expect(await t.call(['SLOTSCHECK'])).toBe('OK');
    expect(await s.call(['SLOTSCHECK'])).toBe('OK');
  });

  it('reports unreachable and non-Codis targets with codis-server\'s errors, keeping the keys', async () => {
    await s.call(['SET', 'stay', 'v']);
    const dead = await s.call(['SLOTSMGRTONE', '127.0.0.1', '1', '300', 'stay']);
    expect(dead).toBeInstanceOf(ReplyError);
    expect((dead as ReplyError).message).toMatch(/^ERR Can't connect to target node|^IOERR/);
    expect(await s.call(['SLOTSMGRTONE', '127.0.0.1', String(redis.port), '1000', 'stay'])).toEqual(new ReplyError('ERR error on slotsrestore, migration failed'));
    expect(show(await s.call(['GET', 'stay']))).toBe('$v');
    expect(await s.call(['SLOTSMGRTONE', '127.0.0.1', String(target.port), '-1', 'stay'])).toEqual(new ReplyError('ERR invalid timeout = -1'));
  });
});

describe('slot ownership (SLOTSSTATE) and redirects', () => {
  let server: TestServer;
  let c: RawClient;
  beforeAll(async () => {
    server = await startOurs();
    c = new RawClient(server.port);
    await c.connect();
  });
  afterAll(async () => {
    c?.close();
    await server?.stop();
  });

  it('serves owned slots, redirects the others like Redis Cluster, and honours ASKING once', async () => {
    expect(show(await c.call(['SLOTSSTATE', 'GET']))).toEqual([[':0', ':1023', '$owned', null]]);
    const [a, b] = ['a', 'b'].map((k) => slotOf(k)) as [number, number]; // 579, 1017
    await c.call(['SET', 'a', '1']);
    expect(await c.call(['SLOTSSTATE', 'SET', '0-600', 'NOTOWNED', '10.0.0.2:6379'])).toBe('OK');
    expect(await c.call(['GET', 'a'])).toEqual(new ReplyError(`MOVED ${a} 10.0.0.2:6379`));
    expect(await c.call(['SET', 'b', '2'])).toBe('OK');
    expect(await c.call(['MSET', 'b', '3', 'a', '4'])).toEqual(new ReplyError(`MOVED ${a} 10.0.0.2:6379`));
    expect(show(await c.call(['GET', 'b']))).toBe('$2');
    // A slot moving out: keys still here are served; the others (and new ones) go to the target.
    expect(await c.call(['SLOTSSTATE', 'SET', String(a), 'MIGRATING', '10.0.0.3:6379'])).toBe('OK');
    expect(show(await c.call(['GET', 'a']))).toBe('$1');
    await c.call(['DEL', 'a']);
    expect(await c.call(['GET', 'a'])).toEqual(new ReplyError(`ASK ${a} 10.0.0.3:6379`));
    expect(await c.call(['SET', 'a', 'x'])).toEqual(new ReplyError(`ASK ${a} 10.0.0.3:6379`));
    // A slot moving in: only after ASKING, and only for that one command.
    expect(await c.call(['SLOTSSTATE', 'SET', String(b), 'IMPORTING', '10.0.0.4:6379'])).toBe('OK');
    expect(await c.call(['GET', 'b'])).toEqual(new ReplyError(`MOVED ${b} 10.0.0.4:6379`));
    expect(await c.call(['ASKING'])).toBe('OK');
    expect(show(await c.call(['GET', 'b']))).toBe('$2');
    expect(await c.call(['GET', 'b'])).toEqual(new ReplyError(`MOVED ${b} 10.0.0.4:6379`));
    // The migration's own channel is never redirected.
    await c.call(['ASKING']);
    const dump = await c.call(['DUMP', 'b']);
    expect(Buffer.isBuffer(dump)).toBe(true);
    expect(await c.call(['SLOTSRESTORE', 'b', '0', dump as Buffer])).toBe('OK');
    expect(show(await c.call(['SLOTSSTATE', 'GET', String(b)]))).toEqual(['$importing', '$10.0.0.4:6379']);
    // Through the wrapper (Codis's semi-async forwarding), the migration source runs commands on keys it still has.
    await c.call(['SLOTSSTATE', 'SET', String(b), 'MIGRATING', '10.0.0.5:6379']);
    expect(show(await c.call(['SLOTSMGRT-EXEC-WRAPPER', 'b', 'GET', 'b']))).toEqual([':2', '$2']);
    expect(show(await c.call(['SLOTSMGRT-EXEC-WRAPPER', 'b', 'INCR', 'b']))).toEqual([':2', ':3']);
    expect(show(await c.call(['SLOTSMGRT-EXEC-WRAPPER', 'nope', 'GET', 'nope']))).toEqual([':0', "-ERR the specified key doesn't exist"]);
    expect(show(await c.call(['SLOTSMGRT-EXEC-WRAPPER', 'b', 'NOSUCH', 'b']))).toEqual([':-1', '-ERR invalid command specified (NOSUCH)']);
    expect(show(await c.call(['SLOTSMGRT-EXEC-WRAPPER', 'b', 'GET', 'b', 'x']))).toEqual([':-1', '-ERR wrong number of arguments for command (GET)']);
    expect(await c.call(['SLOTSSTATE', 'SET', '5-2', 'OWNED'])).toEqual(new ReplyError("ERR invalid slot range '5-2'"));
    expect(await c.call(['SLOTSSTATE', 'SET', '5', 'MIGRATING'])).toEqual(new ReplyError('ERR syntax error'));
    expect(await c.call(['SLOTSSTATE', 'RESET'])).toBe('OK');
    expect(show(await c.call(['GET', 'b']))).toBe('$3');
    expect(await c.call(['PING'])).toBe('PONG');
  });

  it('makes multi-key requests with keys on both sides of a migration wait (TRYAGAIN), as Redis Cluster does', async () => {
    await c.call(['FLUSHALL']);
    const s = slotOf('{t}');
    await c.call(['MSET', '{t}a', '1', '{t}b', '2']);
    await c.call(['SLOTSSTATE', 'SET', String(s), 'MIGRATING', '10.0.0.3:6379']);
    expect(show(await c.call(['MGET', '{t}a', '{t}b']))).toEqual(['$1', '$2']);
    expect(await c.call(['MGET', '{t}a', '{t}new'])).toEqual(new ReplyError('TRYAGAIN Multiple keys request during rehashing of slot'));
    expect(await c.call(['MSET', '{t}x', '1', '{t}y', '2'])).toEqual(new ReplyError(`ASK ${s} 10.0.0.3:6379`));
    // On the importing side, after ASKING: one key always; several only once all of them arrived.
    await c.call(['SLOTSSTATE', 'SET', String(s), 'IMPORTING', '10.0.0.4:6379']);
    await c.call(['ASKING']);
    expect(await c.call(['MSET', '{t}x', '1', '{t}y', '2'])).toEqual(new ReplyError('TRYAGAIN Multiple keys request during rehashing of slot'));
    await c.call(['ASKING']);
    expect(show(await c.call(['MGET', '{t}a', '{t}b']))).toEqual(['$1', '$2']);
    await c.call(['ASKING']);
    expect(await c.call(['SET', '{t}x', '1'])).toBe('OK');
    await c.call(['ASKING']);
    expect(await c.call(['MSET', '{t}x', '1', '{t}x', '2'])).toBe('OK');
    await c.call(['SLOTSSTATE', 'RESET']);
  });
});

describe('a managed master (slots-managed yes)', () => {
  it('serves no key until the dashboard confirms its slots: at start, and after its event loop stood still', { timeout: 20000 }, async () => {
    const s = await startOursProcess(['--slots-managed', 'yes', '--slots-stall-fence-ms', '1000']);
    const c = new RawClient(s.port);
    try {
      await c.connect();
      const fenced = new ReplyError('CLUSTERDOWN the master waits for the dashboard to confirm its slots');
      expect(await c.call(['SET', 'k', 'v'])).toEqual(fenced);
      expect(await c.call(['PING'])).toBe('PONG');
      expect(show(await c.call(['SLOTSSTATE', 'GET', '0']))).toEqual(['$fenced', null]);
      expect(await c.call(['SLOTSSTATE', 'SET', '0-1023', 'OWNED'])).toBe('OK');
      expect(await c.call(['SET', 'k', 'v'])).toBe('OK');
      // Frozen longer than the limit (as when a replica may have been promoted meanwhile): the first command after is refused.
      s.proc.kill('SIGSTOP');
      await new Promise((r) => setTimeout(r, 1500));
      s.proc.kill('SIGCONT');
      expect(await c.call(['GET', 'k'])).toEqual(fenced);
      expect(await c.call(['SET', 'k', 'w'])).toEqual(fenced);
      expect(await c.call(['SLOTSSTATE', 'SET', '0-1023', 'OWNED'])).toBe('OK');
      expect(show(await c.call(['GET', 'k']))).toBe('$v');
      expect(await c.call(['CONFIG', 'SET', 'slots-managed', 'no'])).toEqual(new ReplyError("ERR CONFIG SET failed (possibly related to argument 'slots-managed') - can't set immutable config"));
    } finally {
      c.close();
      await s.stop();
    }
  });
});
