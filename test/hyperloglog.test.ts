import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOurs, startRedis, type ProcServer, type TestServer } from './helpers/servers.js';
import { compareScript, type Script } from './helpers/compare.js';
import { RawClient } from './helpers/raw-client.js';

describe('HyperLogLog', () => {
  let ours: TestServer;
  let redis: ProcServer;
  let co: RawClient;
  let cr: RawClient;
  beforeAll(async () => {
    ours = await startOurs();
    redis = await startRedis();
    co = new RawClient(ours.port);
    cr = new RawClient(redis.port);
    await co.connect();
    await cr.connect();
  });
  afterAll(async () => {
    co.close();
    cr.close();
    await ours.stop();
    await redis.stop();
  });

  const same = async (script: Script, resp: 2 | 3 = 2): Promise<void> => {
    const [a, b] = await compareScript(ours.port, redis.port, script, resp);
    expect(a).toEqual(b);
  };

  const elements = (n: number, tag: string): string[] => Array.from({ length: n }, (_, i) => `${tag}:${i * 7919}`);

  it('PFADD PFCOUNT PFMERGE replies, errors and the exact stored bytes', async () => {
    await same([
      ['PFADD', 'h'], ['GET', 'h'], ['PFCOUNT', 'h'], ['PFADD', 'h', 'a', 'b', 'c'], ['PFADD', 'h', 'a', 'b', 'c'], ['GET', 'h'],
      ['PFCOUNT', 'h'], ['GET', 'h'], ['PFADD', 'h', ''], ['PFCOUNT', 'nokey'], ['PFCOUNT', 'h', 'nokey'],
      ['PFADD', 'h2', '1', '2', '3', 'a'], ['PFCOUNT', 'h', 'h2'], ['PFMERGE', 'm', 'h', 'h2'], ['GET', 'm'], ['PFCOUNT', 'm'],
      ['PFMERGE', 'm2'], ['GET', 'm2'], ['PFMERGE', 'h', 'h2'], ['GET', 'h'],
      ['SET', 'str', 'foo'], ['PFADD', 'str', 'x'], ['PFCOUNT', 'str'], ['PFCOUNT', 'h', 'str'], ['PFMERGE', 'x', 'str'],
      ['PFMERGE', 'str', 'h'], ['SADD', 'set', 'a'], ['PFADD', 'set', 'a'], ['PFCOUNT', 'set'], ['PFMERGE', 'set', 'h'],
      ['SET', 'int', '12345'], ['PFCOUNT', 'int'], ['SET', 'fake', 'HYLLxxxxxxxxxxxxxxxxxxxxx'], ['PFCOUNT', 'fake'],
      ['SET', 'dense-short', Buffer.concat([Buffer.from('HYLL'), Buffer.alloc(20)])], ['PFCOUNT', 'dense-short'],
      ['PFDEBUG', 'ENCODING', 'h'], ['PFDEBUG', 'DECODE', 'h'], ['PFDEBUG', 'ENCODING', 'nokey'], ['PFDEBUG', 'FOO', 'h'],
      ['PFDEBUG', 'ENCODING', 'h', 'extra'], ['PFDEBUG', 'DECODE', 'str'], ['PFDEBUG', 'TODENSE', 'h'], ['PFDEBUG', 'TODENSE', 'h'],
      ['PFDEBUG', 'ENCODING', 'h'], ['PFDEBUG', 'DECODE', 'h'], ['GET', 'h'], ['PFCOUNT', 'h'], ['PFADD', 'h', 'zz'], ['GET', 'h'],
      ['PFDEBUG', 'getreg', 'h2'], ['PFDEBUG', 'encoding', 'h2'], ['PFSELFTEST'],
    ]);
  });

  it('stores byte-identical values for the same elements (sparse, promotion, dense)', async () => {
    for (const n of [1, 10, 100, 500, 1500, 5000, 20000]) {
      const x = `x${n}`;
      for (const c of [co, cr]) {
        const els = elements(n, `s${n}`);
        for (let i = 0; i < els.length; i += 1000) await c.call(['PFADD', x, ...els.slice(i, i + 1000)]);
      }
      const [vo, vr] = [await co.call(['GET', x]), await cr.call(['GET', x])];
      expect(Buffer.compare(vo as Buffer, vr as Buffer)).toBe(0);
      expect(await co.call(['PFCOUNT', x])).toEqual(await cr.call(['PFCOUNT', x]));
      expect(await co.call(['GET', x])).toEqual(await cr.call(['GET', x]));
    }
  });

  it('counts values copied from real Redis exactly, and Redis counts ours', async () => {
    for (const n of [3, 300, 3000, 30000]) {
      const a = elements(n, `r${n}`);
      const b = elements(n, `o${n}`);
      for (let i = 0; i < n; i += 1000) {
        await cr.call(['PFADD', `r${n}`, ...a.slice(i, i + 1000)]);
        await co.call(['PFADD', `o${n}`, ...b.slice(i, i + 1000)]);
      }
      const fromRedis = (await cr.call(['GET', `r${n}`])) as Buffer;
      const fromOurs = (await co.call(['GET', `o${n}`])) as Buffer;
      for (const c of [co, cr]) {
        await c.call(['SET', 'r', fromRedis]);
        await c.call(['SET', 'o', fromOurs]);
      }
      expect(await co.call(['PFCOUNT', 'r'])).toEqual(await cr.call(['PFCOUNT', 'r']));
      expect(await co.call(['PFCOUNT', 'o'])).toEqual(await cr.call(['PFCOUNT', 'o']));
      expect(await co.call(['PFCOUNT', 'r', 'o'])).toEqual(await cr.call(['PFCOUNT', 'r', 'o']));
      await co.call(['PFMERGE', 'mm', 'r', 'o']);
      await cr.call(['PFMERGE', 'mm', 'r', 'o']);
      expect(await co.call(['GET', 'mm'])).toEqual(await cr.call(['GET', 'mm']));
      // A cached cardinality was written by PFCOUNT: the values still agree.
      expect(await co.call(['GET', 'r'])).toEqual(await cr.call(['GET', 'r']));
    }
  });

  it('hll-sparse-max-bytes controls promotion like Redis', async () => {
    for (const c of [co, cr]) await c.call(['CONFIG', 'SET', 'hll-sparse-max-bytes', '200']);
    const els = elements(400, 'p');
    const enc: [unknown, unknown][] = [];
    for (let i = 0; i < els.length; i += 20) {
      await co.call(['PFADD', 'p', ...els.slice(i, i + 20)]);
      await cr.call(['PFADD', 'p', ...els.slice(i, i + 20)]);
      enc.push([await co.call(['PFDEBUG', 'ENCODING', 'p']), await cr.call(['PFDEBUG', 'ENCODING', 'p'])]);
      expect(await co.call(['GET', 'p'])).toEqual(await cr.call(['GET', 'p']));
    }
    for (const [a, b] of enc) expect(a).toEqual(b);
    expect(enc.at(-1)![0]).toBe('dense');
    for (const c of [co, cr]) await c.call(['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000']);
  });

  it('detects corrupted values as Redis does', async () => {
    const script: Script = [['PFADD', 'h', 'a', 'b', 'c'], ['APPEND', 'h', 'hello'], ['PFCOUNT', 'h'], ['PFADD', 'h', 'x', 'y', 'z']];
    await same(script);
    await same([['PFADD', 'h', 'a'], ['SETRANGE', 'h', '0', '0123'], ['PFCOUNT', 'h']]);
    await same([['PFADD', 'h', 'a'], ['SETRANGE', 'h', '4', 'x'], ['PFCOUNT', 'h']]);
    await same([['PFADD', 'h', 'a'], ['SETRANGE', 'h', '4', '\x00'], ['PFCOUNT', 'h']]);
    // Random byte damage: both servers give the same answers on the same bytes.
    for (let k = 0; k < 80; k++) {
      await cr.call(['DEL', 'f']);
      await cr.call(['PFADD', 'f', ...elements(1 + ((k * 37) % 2500), `f${k}`)]);
      const v = Buffer.from((await cr.call(['GET', 'f'])) as Buffer);
      for (let d = 0; d < 1 + (k % 3); d++) {
        const pos = 16 + Math.floor(Math.random() * (v.length - 16));
        v[pos] = Math.floor(Math.random() * 256);
      }
      await cr.call(['SET', 'f', v]);
      await co.call(['SET', 'f', v]);
      const r1 = await cr.call(['PFCOUNT', 'f']);
      const r2 = await co.call(['PFCOUNT', 'f']);
      expect(r2).toEqual(r1);
      expect(await co.call(['PFCOUNT', 'f', 'nokey'])).toEqual(await cr.call(['PFCOUNT', 'f', 'nokey']));
      expect(await co.call(['PFMERGE', 'fm', 'f'])).toEqual(await cr.call(['PFMERGE', 'fm', 'f']));
      expect(await co.call(['GET', 'fm'])).toEqual(await cr.call(['GET', 'fm']));
      for (const c of [co, cr]) await c.call(['SET', 'g', v]);
      expect(await co.call(['PFDEBUG', 'TODENSE', 'g'])).toEqual(await cr.call(['PFDEBUG', 'TODENSE', 'g']));
      expect(await co.call(['GET', 'g'])).toEqual(await cr.call(['GET', 'g']));
      const a1 = await cr.call(['PFADD', 'f', 'extra1', 'extra2']);
      const a2 = await co.call(['PFADD', 'f', 'extra1', 'extra2']);
      expect(a2).toEqual(a1);
      expect(await co.call(['GET', 'f'])).toEqual(await cr.call(['GET', 'f']));
    }
  });

  it('PFCOUNT caches the cardinality (invalid bit in byte 15)', async () => {
    await same([
      ['PFADD', 'h', 'a', 'b', 'c'], ['GETRANGE', 'h', '15', '15'], ['PFCOUNT', 'h'], ['GETRANGE', 'h', '15', '15'],
      ['GETRANGE', 'h', '8', '15'], ['PFADD', 'h', 'a', 'b', 'c'], ['GETRANGE', 'h', '15', '15'], ['PFADD', 'h', '1', '2', '3'],
      ['GETRANGE', 'h', '15', '15'],
    ]);
  });
});
