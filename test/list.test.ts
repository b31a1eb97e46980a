import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOurs, startRedis, type ProcServer, type TestServer } from './helpers/servers.js';
import type { Engine } from '../server/main.js';
import { compareScript, type Script } from './helpers/compare.js';
import { ListValue } from '../server/types/list.js';

/** Sends raw bytes and returns everything received within `ms` (to compare exact encodings, e.g. $-1 vs *-1). */
function rawExchange(port: number, payload: string, ms = 300): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const s = net.connect(port, '127.0.0.1', () => s.write(payload));
    s.on('data', (d: Buffer) => { out += d.toString('latin1'); });
    s.on('error', reject);
    setTimeout(() => { s.destroy(); resolve(out); }, ms);
  });
}

function cmd(...argv: string[]): string {
  return `*${argv.length}\r\n` + argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('');
}

describe('ListValue', () => {
  it('pushes and pops at both ends across growth and wrap-around', () => {
    const l = new ListValue();
    const ref: string[] = [];
    let seed = 7;
    const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
    for (let i = 0; i < 5000; i++) {
      const op = rnd() % 9;
      const v = Buffer.from(String(i));
      if (op < 3) { l.pushHead(v); ref.unshift(String(i)); }
      else if (op < 6) { l.pushTail(v); ref.push(String(i)); }
      else if (op === 6) { expect(l.popHead()?.toString()).toBe(ref.shift()); }
      else if (op === 7) { expect(l.popTail()?.toString()).toBe(ref.pop()); }
      else if (ref.length > 0) {
        const idx = rnd() % ref.length;
        if (rnd() % 2 === 0) { l.insertAt(idx, v); ref.splice(idx, 0, String(i)); }
        else { l.removeAt(idx); ref.splice(idx, 1); }
      }
      expect(l.length).toBe(ref.length);
    }
    expect([...l].map(String)).toEqual(ref);
    expect(l.toArray().map(String)).toEqual(ref);
    if (ref.length > 2) expect(l.get(-1)?.toString()).toBe(ref[ref.length - 1]);
    l.trim(1, ref.length - 2);
    expect([...l].map(String)).toEqual(ref.slice(1, -1));
    expect(l.encoding()).toBe('quicklist');
    // Real Redis 7.0 MEMORY USAGE minus 32 bytes for a 2-byte key (measured: 144, 1152, 65888, 1664).
    expect(ListValue.from(['a', 'b', 'c'].map((s) => Buffer.from(s))).memoryUsage()).toBe(112);
    const mk = (n: number, f: (i: number) => string) => ListValue.from(Array.from({ length: n }, (_, i) => Buffer.from(f(i))));
    expect(mk(100, (i) => `value-${i + 1}`).memoryUsage()).toBe(1120);
    expect(mk(300, (i) => String(i * 1000)).memoryUsage()).toBe(1632);
    expect(Math.abs(mk(5000, (i) => `value-${i + 1}`).memoryUsage() - 65912) / 65912).toBeLessThan(0.01);
  });

  it('from() and remove()', () => {
    const l = ListValue.from(['a', 'b', 'a', 'c', 'a'].map((s) => Buffer.from(s)));
    expect(l.remove(Buffer.from('a'), -2)).toBe(2);
    expect([...l].map(String)).toEqual(['a', 'b', 'c']);
    expect(l.remove(Buffer.from('z'), 0)).toBe(0);
    expect(l.remove(Buffer.from('a'), 0)).toBe(1);
    expect([...l].map(String)).toEqual(['b', 'c']);
  });
});

describe('list commands vs Redis', () => {
  let ours: TestServer & { engine: Engine };
  let redis: ProcServer;
  beforeAll(async () => {
    ours = await startOurs();
    redis = await startRedis();
  });
  afterAll(async () => {
    await ours.stop();
    await redis.stop();
  });

  async function same(script: Script, resp: 2 | 3 = 2): Promise<void> {
    // Independent of FLUSHALL (another module's command): empty our dbs directly.
    for (const db of ours.engine.server.dbs) db.clear();
    const [a, b] = await compareScript(ours.port, redis.port, script, resp);
    expect(a).toEqual(b);
  }

  it('push, pushx, llen, lrange, lindex', async () => {
    await same([
      ['LPUSH', 'l', 'a', 'b', 'c'], ['RPUSH', 'l', 'd', 'e'], ['LRANGE', 'l', '0', '-1'], ['LLEN', 'l'],
      ['LPUSHX', 'l', 'x', 'y'], ['RPUSHX', 'l', 'z'], ['LPUSHX', 'nol', 'x'], ['RPUSHX', 'nol', 'x'], ['LLEN', 'nol'],
      ['LRANGE', 'l', '0', '-1'], ['LRANGE', 'l', '-3', '-1'], ['LRANGE', 'l', '5', '2'], ['LRANGE', 'l', '-100', '100'],
      ['LRANGE', 'l', '100', '200'], ['LRANGE', 'l', '0', '-100'], ['LRANGE', 'l', 'a', '1'], ['LRANGE', 'l', '0', 'b'],
      ['LRANGE', 'nol', '0', '-1'], ['LRANGE', 'nol', 'x', '1'],
      ['LINDEX', 'l', '0'], ['LINDEX', 'l', '-1'], ['LINDEX', 'l', '3'], ['LINDEX', 'l', '100'], ['LINDEX', 'l', '-100'],
      ['LINDEX', 'l', 'x'], ['LINDEX', 'nol', 'x'], ['LINDEX', 'nol', '0'], ['LLEN', 'nol'],
      ['SET', 's', 'v'], ['LPUSH', 's', 'a'], ['RPUSH', 's', 'a'], ['LPUSHX', 's', 'a'], ['RPUSHX', 's', 'a'], ['LLEN', 's'],
      ['LRANGE', 's', '0', '1'], ['LINDEX', 's', '0'], ['LINDEX', 's', 'x'],
      ['LPUSH', 'l'], ['RPUSH', 'l'], ['LLEN'], ['LINDEX', 'l'],
      ['RPUSH', 'bin', Buffer.from([0, 1, 255, 13, 10])], ['LRANGE', 'bin', '0', '-1'],
    ]);
  });

  it('pop with and without count', async () => {
    await same([
      ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e'],
      ['LPOP', 'l'], ['RPOP', 'l'], ['LPOP', 'l', '2'], ['RPOP', 'l', '0'], ['LPOP', 'l', '10'], ['LLEN', 'l'],
      ['LPOP', 'l'], ['RPOP', 'l'], ['LPOP', 'l', '0'], ['LPOP', 'l', '3'], ['RPOP', 'l', '-1'], ['LPOP', 'l', 'x'],
      ['LPOP', 'l', '1', '2'], ['RPOP', 'l', '1', '2'],
      ['SET', 's', 'v'], ['LPOP', 's'], ['RPOP', 's', '0'], ['LPOP', 's', '-1'],
      ['RPUSH', 'l', 'a', 'b'], ['RPOP', 'l', '5'], ['LLEN', 'l'],
    ]);
    await same([
      ['RPUSH', 'l', 'a'], ['LPOP', 'nol'], ['LPOP', 'nol', '2'], ['LPOP', 'l', '0'], ['LPOP', 'l', '5'],
    ], 3);
    const p = cmd('LPOP', 'nol') + cmd('LPOP', 'nol', '1') + cmd('RPUSH', 'x', 'a') + cmd('LPOP', 'x', '0');
    expect(await rawExchange(ours.port, p)).toBe(await rawExchange(redis.port, p));
  });

  it('lset, ltrim, lrem, linsert', async () => {
    await same([
      ['RPUSH', 'l', 'a', 'b', 'c', 'b', 'a', 'b'],
      ['LSET', 'l', '0', 'A'], ['LSET', 'l', '-1', 'B'], ['LSET', 'l', '6', 'x'], ['LSET', 'l', '-7', 'x'], ['LSET', 'l', 'x', 'y'],
      ['LSET', 'nol', '0', 'x'], ['LSET', 'nol', 'x', 'x'], ['LRANGE', 'l', '0', '-1'],
      ['LREM', 'l', '0', 'b'], ['LRANGE', 'l', '0', '-1'], ['RPUSH', 'l', 'c', 'c', 'c'], ['LREM', 'l', '-2', 'c'],
      ['LRANGE', 'l', '0', '-1'], ['LREM', 'l', '1', 'c'], ['LREM', 'l', '1', 'zz'], ['LREM', 'l', 'x', 'c'], ['LREM', 'nol', '0', 'a'],
      ['LREM', 'nol', 'x', 'a'], ['LRANGE', 'l', '0', '-1'],
      ['LINSERT', 'l', 'BEFORE', 'A', 'x'], ['LINSERT', 'l', 'after', 'B', 'y'], ['LINSERT', 'l', 'after', 'c', 'z'],
      ['LINSERT', 'l', 'before', 'nothere', 'z'], ['LINSERT', 'l', 'middle', 'A', 'z'], ['LINSERT', 'nol', 'before', 'a', 'b'],
      ['LINSERT', 'nol', 'middle', 'a', 'b'], ['LRANGE', 'l', '0', '-1'],
      ['RPUSH', 't', '1', '2', '3', '4', '5', '6'], ['LTRIM', 't', '1', '-2'], ['LRANGE', 't', '0', '-1'],
      ['LTRIM', 't', '-100', '100'], ['LRANGE', 't', '0', '-1'], ['LTRIM', 't', '0', '-10'], ['LLEN', 't'],
      ['RPUSH', 't', '1', '2', '3'], ['LTRIM', 't', '5', '10'], ['LLEN', 't'], ['LTRIM', 'nol', '0', '1'], ['LTRIM', 'nol', 'x', '1'],
      ['RPUSH', 't', '1', '2', '3'], ['LTRIM', 't', '1', 'x'], ['LTRIM', 't', '2', '1'], ['LLEN', 't'],
      ['SET', 's', 'v'], ['LSET', 's', '0', 'x'], ['LTRIM', 's', '0', '1'], ['LREM', 's', '0', 'x'], ['LINSERT', 's', 'before', 'a', 'b'],
      ['RPUSH', 'r', 'a'], ['LREM', 'r', '0', 'a'], ['LLEN', 'r'],
    ]);
  });

  it('lpos', async () => {
    await same([
      ['RPUSH', 'l', 'a', 'b', 'c', '1', '2', '3', 'c', 'c'],
      ['LPOS', 'l', 'c'], ['LPOS', 'l', 'c', 'RANK', '2'], ['LPOS', 'l', 'c', 'RANK', '-1'], ['LPOS', 'l', 'c', 'RANK', '-3'],
      ['LPOS', 'l', 'c', 'RANK', '4'], ['LPOS', 'l', 'c', 'COUNT', '0'], ['LPOS', 'l', 'c', 'COUNT', '2'],
      ['LPOS', 'l', 'c', 'COUNT', '0', 'RANK', '-1'], ['LPOS', 'l', 'c', 'COUNT', '0', 'RANK', '2', 'MAXLEN', '7'],
      ['LPOS', 'l', 'c', 'MAXLEN', '1'], ['LPOS', 'l', 'c', 'MAXLEN', '3'], ['LPOS', 'l', 'x'], ['LPOS', 'l', 'x', 'COUNT', '5'],
      ['LPOS', 'l', 'c', 'RANK', '0'], ['LPOS', 'l', 'c', 'RANK', 'x'], ['LPOS', 'l', 'c', 'COUNT', '-1'], ['LPOS', 'l', 'c', 'COUNT', 'x'],
      ['LPOS', 'l', 'c', 'MAXLEN', '-1'], ['LPOS', 'l', 'c', 'MAXLEN', 'x'], ['LPOS', 'l', 'c', 'RANK'], ['LPOS', 'l', 'c', 'FOO', '1'],
      ['LPOS', 'l', 'c', 'RANK', '9223372036854775807'], ['LPOS', 'l', 'c', 'RANK', '-9223372036854775807'], ['LPOS', 'l', 'c', 'RANK', '-9223372036854775808'],
      ['LPOS', 'l', 'c', 'COUNT', '9223372036854775807', 'MAXLEN', '9223372036854775807'], ['LPOS', 'l', 'c', 'COUNT', '9223372036854775808'],
      ['LPOS', 'nol', 'c'], ['LPOS', 'nol', 'c', 'COUNT', '1'], ['LPOS', 'nol', 'c', 'RANK', '0'],
      ['SET', 's', 'v'], ['LPOS', 's', 'c'], ['LPOS', 's', 'c', 'RANK', '0'],
    ]);
  });

  it('lmove and rpoplpush', async () => {
    const script: Script = [['RPUSH', 'src', 'a', 'b', 'c'], ['RPOPLPUSH', 'src', 'dst'], ['LRANGE', 'dst', '0', '-1']];
    for (const from of ['LEFT', 'RIGHT']) {
      for (const to of ['LEFT', 'RIGHT']) {
        script.push(['LMOVE', 'src', 'dst', from, to], ['LRANGE', 'src', '0', '-1'], ['LRANGE', 'dst', '0', '-1']);
      }
    }
    script.push(
      ['LLEN', 'src'], ['LMOVE', 'src', 'dst', 'LEFT', 'RIGHT'], ['RPOPLPUSH', 'src', 'dst'],
      ['RPUSH', 'one', 'x'], ['LMOVE', 'one', 'one', 'LEFT', 'RIGHT'], ['LRANGE', 'one', '0', '-1'], ['RPOPLPUSH', 'one', 'one'],
      ['RPUSH', 'rot', '1', '2', '3'], ['RPOPLPUSH', 'rot', 'rot'], ['LRANGE', 'rot', '0', '-1'],
      ['LMOVE', 'rot', 'rot', 'LEFT', 'LEFT'], ['LMOVE', 'rot', 'rot', 'RIGHT', 'LEFT'], ['LRANGE', 'rot', '0', '-1'],
      ['SET', 's', 'v'], ['LMOVE', 's', 'dst', 'LEFT', 'LEFT'], ['LMOVE', 'rot', 's', 'LEFT', 'LEFT'], ['LRANGE', 'rot', '0', '-1'],
      ['RPOPLPUSH', 'rot', 's'], ['RPOPLPUSH', 's', 'rot'], ['LMOVE', 'nol', 's', 'LEFT', 'LEFT'],
      ['LMOVE', 'rot', 'dst', 'UP', 'LEFT'], ['LMOVE', 'rot', 'dst', 'LEFT', 'DOWN'], ['LMOVE', 'nol', 'dst', 'UP', 'LEFT'],
    );
    await same(script);
  });

  it('lmpop', async () => {
    await same([
      ['RPUSH', 'l2', 'a', 'b', 'c', 'd'],
      ['LMPOP', '2', 'l1', 'l2', 'LEFT'], ['LMPOP', '2', 'l1', 'l2', 'RIGHT', 'COUNT', '2'], ['LMPOP', '1', 'l2', 'left', 'count', '10'],
      ['LMPOP', '2', 'l1', 'l2', 'LEFT'], ['LLEN', 'l2'],
      ['LMPOP', '0', 'l1', 'LEFT'], ['LMPOP', '-1', 'l1', 'LEFT'], ['LMPOP', 'x', 'l1', 'LEFT'], ['LMPOP', '3', 'l1', 'LEFT'],
      ['LMPOP', '1', 'l1', 'MIDDLE'], ['LMPOP', '1', 'l1', 'LEFT', 'COUNT'], ['LMPOP', '1', 'l1', 'LEFT', 'COUNT', '0'],
      ['LMPOP', '1', 'l1', 'LEFT', 'COUNT', '-1'], ['LMPOP', '1', 'l1', 'LEFT', 'COUNT', 'x'], ['LMPOP', '1', 'l1', 'LEFT', 'COUNT', '1', 'COUNT', '1'],
      ['LMPOP', '1', 'l1', 'LEFT', 'FOO'], ['LMPOP', '99999999999999999999', 'l1', 'LEFT'],
      ['SET', 's', 'v'], ['LMPOP', '2', 'l1', 's', 'LEFT'], ['RPUSH', 'l1', 'x'], ['LMPOP', '2', 'l1', 's', 'LEFT'],
    ]);
    await same([['RPUSH', 'l', 'a', 'b'], ['LMPOP', '1', 'l', 'LEFT', 'COUNT', '5'], ['LMPOP', '1', 'l', 'LEFT']], 3);
  });

  it('blocking commands that do not block', async () => {
    await same([
      ['RPUSH', 'l', 'a', 'b', 'c', 'd', 'e', 'f'],
      ['BLPOP', 'nol', 'l', '0'], ['BRPOP', 'nol', 'l', '0.5'], ['BLMPOP', '0', '2', 'nol', 'l', 'RIGHT', 'COUNT', '2'],
      ['BLMOVE', 'l', 'd', 'LEFT', 'RIGHT', '0'], ['BRPOPLPUSH', 'l', 'd', '0'], ['LRANGE', 'd', '0', '-1'], ['LRANGE', 'l', '0', '-1'],
      ['BLPOP', 'd', 'd', '0'], ['LLEN', 'l'], ['LLEN', 'd'],
      ['BLPOP', 'l', '-1'], ['BLPOP', 'l', 'x'], ['BLPOP', 'l', 'inf'], ['BLPOP', 'l', '1e30'], ['BRPOP', 'l', '-0.5'],
      ['BLMPOP', 'x', '1', 'l', 'LEFT'], ['BLMPOP', '-1', '1', 'l', 'LEFT'], ['BLMPOP', 'x', '0', 'l', 'LEFT'], ['BLMPOP', '0', '1', 'l', 'UP'],
      ['BLMPOP', '0', '1', 'l', 'LEFT', 'COUNT', '0'], ['BLMOVE', 'l', 'd', 'UP', 'LEFT', 'x'], ['BLMOVE', 'l', 'd', 'LEFT', 'LEFT', 'x'],
      ['BRPOPLPUSH', 'l', 'd', '-1'], ['BRPOPLPUSH', 'l', 'd', 'abc'],
      ['SET', 's', 'v'], ['BLPOP', 's', '0'], ['BLPOP', 'nol', 's', '0'], ['BLMPOP', '0', '1', 's', 'LEFT'], ['BLMOVE', 's', 'd', 'LEFT', 'LEFT', '0'],
      ['BRPOPLPUSH', 's', 'd', '0'], ['BRPOPLPUSH', 'd', 's', '0'], ['LRANGE', 'd', '0', '-1'],
      ['MULTI'], ['BLPOP', 'nol', '0'], ['BRPOP', 'nol', '0'], ['BLMPOP', '0', '1', 'nol', 'LEFT'], ['BLMOVE', 'nol', 'x', 'LEFT', 'LEFT', '0'],
      ['BRPOPLPUSH', 'nol', 'x', '0'], ['BRPOPLPUSH', 'd', 'x', '0'], ['EXEC'],
    ]);
    const p = cmd('MULTI') + cmd('BLPOP', 'nol', '0') + cmd('BLMOVE', 'nol', 'x', 'LEFT', 'LEFT', '0') + cmd('BRPOPLPUSH', 'nol', 'x', '0') +
      cmd('BLMPOP', '0', '1', 'nol', 'LEFT') + cmd('EXEC') + cmd('BLPOP', 'nol', '0.05') + cmd('BLMOVE', 'nol', 'x', 'LEFT', 'LEFT', '0.05') +
      cmd('BRPOPLPUSH', 'nol', 'x', '0.05') + cmd('BLMPOP', '0.05', '1', 'nol', 'LEFT');
    expect(await rawExchange(ours.port, p, 600)).toBe(await rawExchange(redis.port, p, 600));
    const p3 = cmd('HELLO', '3') + p + cmd('RPUSH', 'r3', 'a', 'b') + cmd('BLPOP', 'r3', '0') + cmd('BLMPOP', '0', '1', 'r3', 'LEFT', 'COUNT', '3') +
      cmd('LPOS', 'r3', 'a') + cmd('LPOP', 'r3', '1');
    const [o3, r3] = [await rawExchange(ours.port, p3, 600), await rawExchange(redis.port, p3, 600)];
    // Skip the HELLO reply (server name/version/id differ); compare the rest.
    const rest = (x: string) => x.slice(x.indexOf('+OK'));
    expect(rest(o3)).toBe(rest(r3));
  });

  it('random operation sequence matches Redis', async () => {
    let seed = 12345;
    const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
    const keys = ['r1', 'r2', 'r3'];
    const val = () => ['a', 'b', 'c', '1', '22', '', 'x'.repeat(rnd(100))][rnd(7)]!;
    const idx = () => String(rnd(30) - 15);
    const script: Script = [];
    for (let i = 0; i < 600; i++) {
      const k = keys[rnd(3)]!;
      const k2 = keys[rnd(3)]!;
      const side = () => (rnd(2) ? 'LEFT' : 'RIGHT');
      const ops: (string | number)[][] = [
        ['LPUSH', k, val(), val()], ['RPUSH', k, val()], ['LPOP', k], ['RPOP', k, String(rnd(4))], ['LINDEX', k, idx()],
        ['LSET', k, idx(), val()], ['LINSERT', k, rnd(2) ? 'BEFORE' : 'AFTER', val(), val()], ['LREM', k, idx(), val()],
        ['LTRIM', k, idx(), idx()], ['LRANGE', k, idx(), idx()], ['LPOS', k, val(), 'RANK', String(rnd(2) ? 1 + rnd(3) : -1 - rnd(3)), 'COUNT', String(rnd(3))],
        ['LMOVE', k, k2, side(), side()], ['RPOPLPUSH', k, k2], ['LMPOP', '2', k, k2, side(), 'COUNT', String(1 + rnd(3))],
        ['LLEN', k], ['BLPOP', k, k2, '0.001'], ['BLMOVE', k, k2, side(), side(), '0.001'], ['LPUSHX', k, val()], ['RPUSHX', k, val()],
      ];
      script.push(ops[rnd(ops.length)]!);
    }
    for (const k of keys) script.push(['LRANGE', k, '0', '-1']);
    await same(script);
  });

  it('keyspace notifications of list commands', async () => {
    const events = async (port: number): Promise<string[]> => {
      const sub = net.connect(port, '127.0.0.1');
      let got = '';
      sub.on('data', (d: Buffer) => { got += d.toString('latin1'); });
      await new Promise<void>((r) => sub.once('connect', () => r()));
      await rawExchange(port, cmd('CONFIG', 'SET', 'notify-keyspace-events', 'KEA'), 100);
      sub.write(cmd('PSUBSCRIBE', '__key*__:*'));
      await new Promise((r) => setTimeout(r, 100));
      const p = [
        cmd('RPUSH', 'l', 'a', 'b', 'c'), cmd('LPUSH', 'l', 'z'), cmd('LPOP', 'l'), cmd('RPOP', 'l', '1'), cmd('LSET', 'l', '0', 'q'),
        cmd('LINSERT', 'l', 'AFTER', 'q', 'w'), cmd('LREM', 'l', '0', 'w'), cmd('LTRIM', 'l', '0', '-1'), cmd('RPUSH', 'l', 'x'),
        cmd('LMOVE', 'l', 'm', 'LEFT', 'RIGHT'), cmd('RPOPLPUSH', 'l', 'm'), cmd('LTRIM', 'm', '1', '0'), cmd('RPUSH', 'k', '1'),
        cmd('LMPOP', '1', 'k', 'LEFT'), cmd('RPUSH', 'k', '1', '2'), cmd('BLPOP', 'k', '0'), cmd('BRPOP', 'k', '0'),
      ].join('');
      await rawExchange(port, p, 150);
      await rawExchange(port, cmd('CONFIG', 'SET', 'notify-keyspace-events', ''), 100);
      sub.destroy();
      return got.split('\r\n');
    };
    await rawExchange(ours.port, cmd('FLUSHALL'), 50);
    await rawExchange(redis.port, cmd('FLUSHALL'), 50);
    const mine = await events(ours.port);
    const theirs = await events(redis.port);
    expect(theirs.length).toBeGreaterThan(50);
    expect(mine).toEqual(theirs);
  });
});
