/*
 * The proxy in front of three real redis-server groups: routing by slot,
 * multi-key commands split and merged, replies in request order through a
 * pipeline spanning every group, errors when a backend dies, and bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startProxy } from '../proxy/main.js';
import type { Proxy } from '../proxy/proxy.js';
import { parseSlotTable } from '../common/topology.js';
import { slotOf } from '../common/slots.js';
import { RawClient, show } from './helpers/raw-client.js';
import { startRedis, type ProcServer } from './helpers/servers.js';
import { waitFor } from './helpers/ports.js';

let backends: ProcServer[] = [];
let proxy: Proxy;

function table(ports: number[]) {
  return parseSlotTable({
    groups: ports.map((p, i) => ({ id: i + 1, master: `127.0.0.1:${p}`, replicas: [] })),
    slots: { '0-340': 1, '341-681': 2, '682-1023': 3 },
  });
}

beforeAll(async () => {
  backends = await Promise.all([startRedis(), startRedis(), startRedis()]);
  proxy = await startProxy(['--listen', '127.0.0.1:0']);
  proxy.setTable(table(backends.map((b) => b.port)));
});
afterAll(async () => {
  await proxy.close();
  await Promise.all(backends.map((b) => b.stop()));
});

/** Keys that land in each of the three groups. */
function keysPerGroup(n: number): string[][] {
  const out: string[][] = [[], [], []];
  for (let i = 0; out.some((g) => g.length < n); i++) {
    const k = `key:${i}`;
    const s = slotOf(k);
    const g = s <= 340 ? 0 : s <= 681 ? 1 : 2;
    if (out[g]!.length < n) out[g]!.push(k);
  }
  return out;
}

describe('proxy routing', () => {
  it('stores each key in the group owning its slot', async () => {
    const c = new RawClient(proxy.port);
    await c.connect();
    const groups = keysPerGroup(3);
    for (const [g, keys] of groups.entries()) for (const k of keys) expect(await c.call(['SET', k, `v${g}`])).toBe('OK');
    for (const [g, keys] of groups.entries()) {
      const direct = new RawClient(backends[g]!.port);
      await direct.connect();
      for (const k of keys) expect(show(await direct.call(['GET', k]))).toBe(`$v${g}`);
      direct.close();
    }
    c.close();
  });

  it('splits MGET, MSET, DEL and EXISTS across groups and merges in key order', async () => {
    const c = new RawClient(proxy.port);
    await c.connect();
    const [a, b, d] = keysPerGroup(2);
    const keys = [a![0]!, b![0]!, d![0]!, a![1]!, 'missing{x}', d![1]!];
    expect(await c.call(['MSET', ...keys.flatMap((k, i) => [k, `val${i}`])])).toBe('OK');
    expect(show(await c.call(['MGET', ...keys, 'nokey']))).toEqual([...keys.map((_, i) => `$val${i}`), null]);
    expect(await c.call(['EXISTS', ...keys, 'nokey'])).toBe(keys.length);
    expect(await c.call(['DEL', ...keys.slice(0, 3)])).toBe(3);
    expect(show(await c.call(['MGET', ...keys.slice(0, 4)]))).toEqual([null, null, null, '$val3']);
    c.close();
  });

  it('refuses multi-key commands across slots with CROSSSLOT and allows same-tag keys', async () => {
    const c = new RawClient(proxy.port);
    await c.connect();
    expect(show(await c.call(['RENAME', 'a', 'b']))).toBe("-CROSSSLOT Keys in request don't hash to the same slot");
    // No key found because numkeys is bad: the backend's own argument error, not a refusal.
    expect(show(await c.call(['ZMPOP', '0', 'k', 'MIN']))).toBe('-ERR numkeys should be greater than 0');
    expect(show(await c.call(['MSETNX', '{u1}a', '1', '{u1}b', '2']))).toBe(':1');
    expect(show(await c.call(['RENAME', '{u1}a', '{u1}c']))).toBe('+OK');
    expect(show(await c.call(['SINTER', '{t}x', '{t}y']))).toEqual([]);
    c.close();
  });

  it('answers keyless commands itself or refuses them with a clear error', async () => {
    const c = new RawClient(proxy.port);
    await c.connect();
    expect(await c.call(['PING'])).toBe('PONG');
    expect(show(await c.call(['PING', 'x']))).toBe('$x');
    expect(show(await c.call(['ECHO', 'hi']))).toBe('$hi');
    expect(show(await c.call(['KEYS', '*']))).toBe("-ERR command 'keys' is not allowed through the proxy");
    expect(show(await c.call(['FLUSHALL']))).toBe("-ERR command 'flushall' is not allowed through the proxy");
    expect(show(await c.call(['CONFIG', 'GET', 'x']))).toBe("-ERR command 'config|get' is not allowed through the proxy");
    expect(show(await c.call(['NOSUCH']))).toBe("-ERR unknown command 'NOSUCH', with args beginning with: ");
    expect(show(await c.call(['GET']))).toBe("-ERR wrong number of arguments for 'get' command");
    const time = (await c.call(['TIME'])) as Buffer[];
    expect(time.length).toBe(2);
    const info = show(await c.call(['INFO', 'keyspace'])) as string;
    expect(info).toMatch(/db0:keys=\d+/);
    c.close();
  });

  it('keeps 10,000 pipelined mixed commands across all groups in request order', async () => {
    const c = new RawClient(proxy.port);
    await c.connect();
    const expected: unknown[] = [];
    let buf = '';
    const enc = (argv: string[]) => `*${argv.length}\r\n` + argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('');
    const groups = keysPerGroup(50);
    const all = groups.flat();
    for (let i = 0; i < 10000; i++) {
      const k = all[Math.floor(i / 2) % all.length]!;
      switch (i % 4) {
        case 0: buf += enc(['SET', k, String(i)]); expected.push('+OK'); break;
        case 1: buf += enc(['GET', k]); expected.push(`$${i - 1}`); break;
        case 2: buf += enc(['PING']); expected.push('+PONG'); break;
        default: buf += enc(['INCR', `ctr{${i % 7}}`]); expected.push(null); break;
      }
    }
    c.write(buf);
    const counters = new Map<number, number>();
    for (let i = 0; i < 10000; i++) {
      const r = show(await c.read());
      if (expected[i] === null) {
        const t = (i % 7);
        counters.set(t, (counters.get(t) ?? 0) + 1);
        expect(r).toBe(`:${counters.get(t)}`);
      } else {
        expect(r).toBe(expected[i]);
      }
    }
    c.close();
  });

  it('works with ioredis, including pipelines and binary values', async () => {
    const r = new Redis({ port: proxy.port, lazyConnect: true });
    await r.connect();
    const bin = Buffer.from([0, 1, 2, 255, 13, 10]);
    await r.set('bin', bin);
    expect((await r.getBuffer('bin'))!.equals(bin)).toBe(true);
    const p = r.pipeline();
    for (let i = 0; i < 100; i++) p.set(`p:${i}`, i);
    for (let i = 0; i < 100; i++) p.get(`p:${i}`);
    const res = await p.exec();
    expect(res!.slice(100).map((x) => x[1])).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
    r.disconnect();
  });

  it('passes values far larger than its read buffers both ways, whole and split across groups', async () => {
    const r = new Redis({ port: proxy.port, lazyConnect: true });
    await r.connect();
    const [a, b] = [keysPerGroup(1)[0]![0]!, keysPerGroup(1)[1]![0]!];
    const big = Buffer.alloc(3 * 1024 * 1024 + 7);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 12)) & 0xff;
    const big2 = Buffer.from(big.subarray(5, 200_005));
    await r.mset(a, big, b, big2);
    const [x, y] = await r.mgetBuffer(a, b);
    expect(x!.equals(big) && y!.equals(big2)).toBe(true);
    expect((await r.getBuffer(a))!.equals(big)).toBe(true);
    r.disconnect();
  });

  it('with --max-pipeline, stops reading a client with that many requests in flight and resumes as they are answered', async () => {
    const p2 = await startProxy(['--listen', '127.0.0.1:0', '--max-pipeline', '8']);
    p2.setTable(table(backends.map((b) => b.port)));
    try {
      const r = new Redis({ port: p2.port, lazyConnect: true });
      await r.connect();
      const val = 'v'.repeat(5000);
      const p = r.pipeline();
      for (let i = 0; i < 2000; i++) p.set(`mp:${i}`, `${i}:${val}`);
      for (let i = 0; i < 2000; i++) p.get(`mp:${i}`);
      const res = await p.exec();
      expect(res!.slice(2000).every((x, i) => x[1] === `${i}:${val}`)).toBe(true);
      r.disconnect();
    } finally {
      await p2.close();
    }
  });

  it('closes the connection after a protocol error, like Redis', async () => {
    const c = new RawClient(proxy.port);
    await c.connect();
    c.write('*1\r\n$x\r\n');
    expect(show(await c.read())).toBe('-ERR Protocol error: invalid bulk length');
    await c.waitClose();
  });
});

describe('proxy with a failing backend', () => {
  it('answers requests to a dead group with an error, in order, and keeps serving the others', async () => {
    const extra = await startRedis();
    const ports = [backends[0]!.port, backends[1]!.port, extra.port];
    const p2 = await startProxy(['--listen', '127.0.0.1:0']);
    p2.setTable(table(ports));
    const c = new RawClient(p2.port);
    await c.connect();
    const [a, , d] = keysPerGroup(1);
    expect(await c.call(['SET', d![0]!, '1'])).toBe('OK');
    await extra.stop();
    c.send(['GET', a![0]!]);
    c.send(['GET', d![0]!]);
    c.send(['PING']);
    const r1 = show(await c.read());
    const r2 = show(await c.read()) as string;
    const r3 = show(await c.read());
    expect(r1).not.toBeNull();
    expect(r2).toMatch(/^-ERR backend 127\.0\.0\.1:\d+ (is down|connection lost)/);
    expect(r3).toBe('+PONG');
    c.close();
    await p2.close();
  });
});

describe('stateful commands through the proxy', () => {
  it('BLPOP waits on its own connection and is served by a push from another client', async () => {
    const a = new RawClient(proxy.port);
    const b = new RawClient(proxy.port);
    await a.connect();
    await b.connect();
    const blocked = async () => Number(/blocked_clients:(\d+)/.exec(String(await b.call(['INFO', 'clients'])))?.[1]);
    expect(await blocked()).toBe(0);
    a.send(['BLPOP', 'queue{q}', '5']);
    // The shared connections stay usable while a client is blocked, and INFO counts it as Redis does.
    await waitFor(async () => (await blocked()) === 1, 2000, 10);
    expect(await b.call(['SET', 'other', '1'])).toBe('OK');
    expect(await b.call(['RPUSH', 'queue{q}', 'job'])).toBe(1);
    expect(show(await a.read())).toEqual(['$queue{q}', '$job']);
    a.send(['BLPOP', 'queue{q}', '0.1']);
    expect(show(await a.read())).toBe(null);
    a.close();
    b.close();
  });

  it('MULTI/EXEC on one slot, EXECABORT on queue errors, CROSSSLOT inside', async () => {
    const c = new RawClient(proxy.port);
    await c.connect();
    expect(await c.call(['MULTI'])).toBe('OK');
    expect(await c.call(['SET', '{acct}a', '10'])).toBe('QUEUED');
    expect(await c.call(['INCRBY', '{acct}a', '5'])).toBe('QUEUED');
    expect(await c.call(['PING'])).toBe('QUEUED');
    expect(show(await c.call(['EXEC']))).toEqual(['+OK', ':15', '+PONG']);
    expect(await c.call(['MULTI'])).toBe('OK');
    expect(await c.call(['SET', '{acct}a', '1'])).toBe('QUEUED');
    expect(show(await c.call(['SET', '{other}b', '1']))).toBe("-CROSSSLOT Keys in request don't hash to the same slot");
    expect(show(await c.call(['EXEC']))).toBe('-EXECABORT Transaction discarded because of previous errors.');
    expect(show(await c.call(['GET', '{acct}a']))).toBe('$15');
    expect(show(await c.call(['EXEC']))).toBe('-ERR EXEC without MULTI');
    expect(await c.call(['MULTI'])).toBe('OK');
    expect(show(await c.call(['MULTI']))).toBe('-ERR MULTI calls can not be nested');
    expect(await c.call(['DISCARD'])).toBe('OK');
    c.close();
  });

  it('WATCH makes EXEC fail when another client changed the key', async () => {
    const a = new RawClient(proxy.port);
    const b = new RawClient(proxy.port);
    await a.connect();
    await b.connect();
    await a.call(['SET', '{w}k', '1']);
    expect(await a.call(['WATCH', '{w}k'])).toBe('OK');
    expect(await b.call(['SET', '{w}k', '2'])).toBe('OK');
    expect(await a.call(['MULTI'])).toBe('OK');
    expect(await a.call(['SET', '{w}k', '3'])).toBe('QUEUED');
    expect(show(await a.call(['EXEC']))).toBe(null);
    expect(show(await a.call(['GET', '{w}k']))).toBe('$2');
    expect(await a.call(['WATCH', '{w}k'])).toBe('OK');
    expect(await a.call(['MULTI'])).toBe('OK');
    expect(await a.call(['SET', '{w}k', '4'])).toBe('QUEUED');
    expect(show(await a.call(['EXEC']))).toEqual(['+OK']);
    a.close();
    b.close();
  });

  it('SUBSCRIBE and PSUBSCRIBE receive messages published to channels on every group', async () => {
    const sub = new RawClient(proxy.port);
    const pub = new RawClient(proxy.port);
    await sub.connect();
    await pub.connect();
    const chans = keysPerGroup(1).map((g) => g[0]!);
    sub.send(['SUBSCRIBE', ...chans]);
    for (const [i, ch] of chans.entries()) expect(show(await sub.read())).toEqual(['$subscribe', `$${ch}`, `:${i + 1}`]);
    sub.send(['PSUBSCRIBE', 'key:*']);
    expect(show(await sub.read())).toEqual(['$psubscribe', '$key:*', ':4']);
    expect(show(await sub.call(['GET', 'x']))).toMatch(/^-ERR Can't execute 'get'/);
    for (const ch of chans) expect(await pub.call(['PUBLISH', ch, `hi ${ch}`])).toBe(2);
    const got: unknown[] = [];
    for (let i = 0; i < chans.length * 2; i++) got.push(show(await sub.read()));
    for (const ch of chans) {
      expect(got).toContainEqual(['$message', `$${ch}`, `$hi ${ch}`]);
      expect(got).toContainEqual(['$pmessage', '$key:*', `$${ch}`, `$hi ${ch}`]);
    }
    expect(show(await sub.call(['PING']))).toEqual(['$pong', '$']);
    sub.send(['UNSUBSCRIBE']);
    for (let i = 0; i < chans.length; i++) expect((show(await sub.read()) as string[])[0]).toBe('$unsubscribe');
    sub.send(['PUNSUBSCRIBE']);
    expect(show(await sub.read())).toEqual(['$punsubscribe', '$key:*', ':0']);
    expect(await sub.call(['SET', 'after', '1'])).toBe('OK');
    sub.close();
    pub.close();
  });

  it('SCAN walks every group with one cursor and DBSIZE sums them', async () => {
    const c = new RawClient(proxy.port);
    await c.connect();
    for (let i = 0; i < 300; i++) await c.call(['SET', `scan:${i}`, 'x']);
    const seen = new Set<string>();
    let cursor = '0';
    let rounds = 0;
    do {
      const r = (await c.call(['SCAN', cursor, 'MATCH', 'scan:*', 'COUNT', '50'])) as [Buffer, Buffer[]];
      cursor = r[0].toString();
      for (const k of r[1]) seen.add(k.toString());
      rounds++;
    } while (cursor !== '0' && rounds < 1000);
    expect(seen.size).toBe(300);
    let total = 0;
    for (const b of backends) {
      const d = new RawClient(b.port);
      await d.connect();
      total += (await d.call(['DBSIZE'])) as number;
      d.close();
    }
    expect(await c.call(['DBSIZE'])).toBe(total);
    c.close();
  });
});

describe('proxy authentication', () => {
  it('session-auth gates clients; backend-auth is used towards the servers', async () => {
    const secured = await startRedis(['--requirepass', 'backpw']);
    const p = await startProxy(['--listen', '127.0.0.1:0', '--session-auth', 'frontpw', '--backend-auth', 'backpw']);
    p.setTable(parseSlotTable({ groups: [{ id: 1, master: `127.0.0.1:${secured.port}` }], slots: { '0-1023': 1 } }));
    const c = new RawClient(p.port);
    await c.connect();
    expect(show(await c.call(['GET', 'k']))).toBe('-NOAUTH Authentication required.');
    expect(show(await c.call(['AUTH', 'backpw']))).toBe('-WRONGPASS invalid username-password pair or user is disabled.');
    expect(await c.call(['AUTH', 'frontpw'])).toBe('OK');
    expect(await c.call(['SET', 'k', 'v'])).toBe('OK');
    expect(show(await c.call(['GET', 'k']))).toBe('$v');
    c.close();
    const d = new RawClient(p.port);
    await d.connect();
    d.write('*20\r\n');
    expect(show(await d.read())).toBe('-ERR Protocol error: unauthenticated multibulk length');
    await d.waitClose();
    const e = new Redis({ port: p.port, password: 'frontpw', lazyConnect: true });
    await e.connect();
    expect(await e.get('k')).toBe('v');
    e.disconnect();
    await p.close();
    await secured.stop();
  });
});

describe('RESP3 through the proxy', () => {
  it('answers a HELLO 3 client in RESP3 (doubles, nulls, maps) like Redis', async () => {
    const c = new RawClient(proxy.port);
    await c.connect();
    await c.call(['HELLO', '3']);
    await c.call(['ZADD', 'r3z', '1.5', 'm']);
    await c.call(['HSET', 'r3h', 'f', 'v']);
    expect(show(await c.call(['ZSCORE', 'r3z', 'm']))).toEqual({ type: 'double', value: '1.5' });
    expect(await c.call(['GET', 'r3-missing'])).toBe(null);
    expect(show(await c.call(['HGETALL', 'r3h']))).toEqual({ map: [['$f', '$v']] });
    expect(show(await c.call(['MGET', 'r3-missing', 'r3-missing2']))).toEqual([null, null]);
    c.close();
  });
});
