import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOurs, startRedis, type ProcServer, type TestServer } from './helpers/servers.js';
import { RawClient, show } from './helpers/raw-client.js';
import type { Engine } from '../server/main.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Open = () => Promise<RawClient>;
/** A scenario drives several clients against one server and returns what it observed. */
type Scenario = (open: Open) => Promise<unknown[]>;

async function run(port: number, sc: Scenario): Promise<unknown[]> {
  const clients: RawClient[] = [];
  const open: Open = async () => {
    const c = new RawClient(port);
    await c.connect();
    clients.push(c);
    return c;
  };
  try {
    return await sc(open);
  } finally {
    for (const c of clients) c.close();
  }
}

async function call(c: RawClient, ...argv: string[]): Promise<unknown> {
  return show(await c.call(argv));
}
async function read(c: RawClient, ms = 2000): Promise<unknown> {
  return show(await c.read(ms));
}
/** Whether a reply arrives within ms (false: the client is still blocked). */
async function replied(c: RawClient, ms = 150): Promise<unknown> {
  await sleep(ms);
  const r = c.unread.shift();
  return r === undefined ? 'still-blocked' : show(r);
}

describe('blocking list commands vs Redis', () => {
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

  async function same(sc: Scenario): Promise<unknown[]> {
    for (const db of ours.engine.server.dbs) db.clear();
    const r = new RawClient(redis.port);
    await r.connect();
    await r.call(['FLUSHALL']);
    r.close();
    const a = await run(ours.port, sc);
    const b = await run(redis.port, sc);
    expect(a).toEqual(b);
    return a;
  }

  it('serves a blocked BLPOP/BRPOP/BLMPOP on push and deletes the emptied key', async () => {
    await same(async (open) => {
      const [b, w] = [await open(), await open()];
      const out: unknown[] = [];
      for (const pop of [['BLPOP', 'k', '0'], ['BRPOP', 'k', '1'], ['BLMPOP', '0', '1', 'k', 'LEFT', 'COUNT', '3'], ['BLMPOP', '0', '2', 'x', 'k', 'RIGHT']]) {
        b.send(pop);
        await sleep(50);
        out.push(await call(w, 'RPUSH', 'k', 'a', 'b'));
        out.push(await read(b), await call(w, 'LRANGE', 'k', '0', '-1'));
        out.push(await call(w, 'LTRIM', 'k', '1', '0'));
      }
      b.send(['BLPOP', 'k', '0']);
      await sleep(50);
      out.push(await call(w, 'RPUSH', 'k', 'only'), await read(b), await call(w, 'LLEN', 'k'));
      return out;
    });
  });

  it('serves clients in FIFO order', async () => {
    await same(async (open) => {
      const c = [await open(), await open(), await open()];
      const w = await open();
      for (const x of c) {
        x.send(['BRPOP', 'q', '0']);
        await sleep(30);
      }
      const out: unknown[] = [await call(w, 'RPUSH', 'q', '1', '2')];
      out.push(await read(c[0]!), await read(c[1]!), await replied(c[2]!));
      out.push(await call(w, 'LPUSH', 'q', '3'), await read(c[2]!));
      return out;
    });
  });

  it('MULTI/EXEC pushes are seen at EXEC, DEL or SET in the transaction keep the client blocked', async () => {
    await same(async (open) => {
      const [b, w] = [await open(), await open()];
      const out: unknown[] = [];
      b.send(['BLPOP', 'list', '0']);
      await sleep(50);
      for (const a of [['MULTI'], ['LPUSH', 'list', 'a'], ['LPUSH', 'list', 'b'], ['LPUSH', 'list', 'c'], ['EXEC']]) out.push(await call(w, ...a));
      out.push(await read(b), await call(w, 'LRANGE', 'list', '0', '-1'), await call(w, 'LTRIM', 'list', '1', '0'));
      b.send(['BLPOP', 'list', '0']);
      await sleep(50);
      for (const a of [['MULTI'], ['LPUSH', 'list', 'a'], ['LTRIM', 'list', '1', '0'], ['EXEC']]) out.push(await call(w, ...a));
      out.push(await replied(b));
      for (const a of [['MULTI'], ['LPUSH', 'list', 'a'], ['LTRIM', 'list', '1', '0'], ['SET', 'list', 'foo'], ['EXEC']]) out.push(await call(w, ...a));
      out.push(await replied(b));
      out.push(await call(w, 'GETDEL', 'list'), await call(w, 'LPUSH', 'list', 'b'), await read(b));
      return out;
    });
  });

  it('serves from the key that became ready first (Redis 7.0 order)', async () => {
    await same(async (open) => {
      const [b, w] = [await open(), await open()];
      const out: unknown[] = [];
      b.send(['BLPOP', 'k1', 'k2', '0']);
      await sleep(50);
      for (const a of [['MULTI'], ['LPUSH', 'k2', 'x'], ['LPUSH', 'k1', 'y'], ['EXEC']]) out.push(await call(w, ...a));
      out.push(await read(b), await call(w, 'LRANGE', 'k1', '0', '-1'), await call(w, 'LRANGE', 'k2', '0', '-1'));
      // The same key named several times (issue #801).
      b.send(['BLPOP', 'k3', 'k4', 'k4', 'k3', '0']);
      await sleep(50);
      out.push(await call(w, 'LPUSH', 'k4', 'z'), await read(b));
      return out;
    });
  });

  it('a pipelined push serves the blocked client before the next command', async () => {
    await same(async (open) => {
      const [b, w] = [await open(), await open()];
      b.send(['BLPOP', 'p', '0']);
      await sleep(50);
      w.send(['RPUSH', 'p', 'a']);
      w.send(['LPOP', 'p']);
      w.send(['RPUSH', 'p', 'b', 'c']);
      w.send(['LRANGE', 'p', '0', '-1']);
      return [await read(w), await read(w), await read(w), await read(w), await read(b)];
    });
  });

  it('BLMPOP with several blocked clients and counts', async () => {
    await same(async (open) => {
      const rd = [await open(), await open(), await open(), await open()];
      const w = await open();
      const args = [['LEFT', 'COUNT', '1'], ['RIGHT', 'COUNT', '10'], ['LEFT', 'COUNT', '10'], ['RIGHT', 'COUNT', '1']];
      for (let i = 0; i < 4; i++) {
        rd[i]!.send(['BLMPOP', '0', '2', 'blist', 'blist2', ...args[i]!]);
        await sleep(30);
      }
      const out: unknown[] = [];
      for (const a of [['MULTI'], ['LPUSH', 'blist', 'a', 'b', 'c', 'd', 'e'], ['LPUSH', 'blist2', '1', '2', '3', '4', '5'], ['EXEC']]) out.push(await call(w, ...a));
      out.push(await read(rd[0]!), await read(rd[1]!), await read(rd[2]!), await replied(rd[3]!));
      out.push(await call(w, 'LPUSH', 'blist2', '1', '2', '3'), await read(rd[3]!));
      return out;
    });
  });

  it('BLMOVE / BRPOPLPUSH chains, cycles and self-reference', async () => {
    await same(async (open) => {
      const [r1, r2, w] = [await open(), await open(), await open()];
      const out: unknown[] = [];
      r1.send(['BLMOVE', 'list1', 'list2', 'RIGHT', 'LEFT', '0']);
      await sleep(30);
      r2.send(['BLMOVE', 'list2', 'list3', 'LEFT', 'RIGHT', '0']);
      await sleep(30);
      out.push(await call(w, 'RPUSH', 'list1', 'foo'), await read(r1), await read(r2));
      out.push(await call(w, 'LRANGE', 'list1', '0', '-1'), await call(w, 'LRANGE', 'list2', '0', '-1'), await call(w, 'LRANGE', 'list3', '0', '-1'));
      await call(w, 'LTRIM', 'list3', '1', '0');
      r1.send(['BRPOPLPUSH', 'c1', 'c2', '0']);
      await sleep(30);
      r2.send(['BRPOPLPUSH', 'c2', 'c1', '0']);
      await sleep(30);
      out.push(await call(w, 'RPUSH', 'c1', 'foo'), await read(r1), await read(r2));
      out.push(await call(w, 'LRANGE', 'c1', '0', '-1'), await call(w, 'LRANGE', 'c2', '0', '-1'));
      r1.send(['BRPOPLPUSH', 'self', 'self', '0']);
      await sleep(30);
      out.push(await call(w, 'RPUSH', 'self', 'foo'), await read(r1), await call(w, 'LRANGE', 'self', '0', '-1'));
      for (const from of ['LEFT', 'RIGHT']) {
        for (const to of ['LEFT', 'RIGHT']) {
          await call(w, 'LTRIM', 's', '1', '0');
          await call(w, 'LTRIM', 'd', '1', '0');
          await call(w, 'RPUSH', 'd', 'x', 'y');
          r1.send(['BLMOVE', 's', 'd', from, to, '0']);
          await sleep(30);
          out.push(await call(w, 'RPUSH', 's', 'a', 'b'), await read(r1), await call(w, 'LRANGE', 's', '0', '-1'), await call(w, 'LRANGE', 'd', '0', '-1'));
        }
      }
      return out;
    });
  });

  it('wrong types: source at call time errors, destination at serve time errors and keeps the element', async () => {
    await same(async (open) => {
      const [r1, r2, w] = [await open(), await open(), await open()];
      const out: unknown[] = [];
      await call(w, 'SET', 'target1', 'nolist');
      r1.send(['BRPOPLPUSH', 'blist', 'target1', '0']);
      await sleep(30);
      r2.send(['BRPOPLPUSH', 'blist', 'target2', '0']);
      await sleep(30);
      out.push(await call(w, 'LPUSH', 'blist', 'foo'), await read(r1), await read(r2), await call(w, 'LRANGE', 'target2', '0', '-1'));
      r1.send(['BLMOVE', 'blist', 'target1', 'LEFT', 'LEFT', '0']);
      await sleep(30);
      out.push(await call(w, 'RPUSH', 'blist', 'a', 'b', 'c'), await read(r1), await call(w, 'LRANGE', 'blist', '0', '-1'));
      out.push(await call(w, 'SET', 'str', 'x'), await call(r1, 'BLPOP', 'str', '0'), await call(r1, 'BRPOPLPUSH', 'str', 'y', '0'));
      // A key re-created with another type while a client waits: the client stays blocked.
      r1.send(['BLPOP', 'later', '0']);
      await sleep(30);
      out.push(await call(w, 'SET', 'later', 'x'), await replied(r1), await call(w, 'GETDEL', 'later'), await call(w, 'RPUSH', 'later', 'v'), await read(r1));
      return out;
    });
  });

  it('timeouts, fractional timeouts, CLIENT UNBLOCK', async () => {
    await same(async (open) => {
      const [b, w] = [await open(), await open()];
      const out: unknown[] = [];
      for (const cmd of [['BLPOP', 'none', '0.05'], ['BRPOP', 'none', '0.01'], ['BLMPOP', '0.02', '1', 'none', 'LEFT'], ['BLMOVE', 'none', 'x', 'LEFT', 'LEFT', '0.02'], ['BRPOPLPUSH', 'none', 'x', '0.001']]) {
        const t0 = Date.now();
        out.push(await call(b, ...cmd));
        out.push(Date.now() - t0 < 1000);
      }
      const id = String(await b.call(['CLIENT', 'ID']));
      b.send(['BLPOP', 'none', '0']);
      await sleep(50);
      out.push(await call(w, 'CLIENT', 'UNBLOCK', id), await read(b));
      b.send(['BLMOVE', 'none', 'x', 'LEFT', 'LEFT', '0']);
      await sleep(50);
      out.push(await call(w, 'CLIENT', 'UNBLOCK', id, 'ERROR'), await read(b));
      out.push(await call(w, 'CLIENT', 'UNBLOCK', id), await call(b, 'PING'));
      // The client stays blocked past a push to another key, then times out.
      b.send(['BLPOP', 'none', '0.2']);
      await sleep(30);
      out.push(await call(w, 'RPUSH', 'other', 'x'), await replied(b, 50), await read(b));
      return out;
    });
  });

  it('blocked clients in another db', async () => {
    await same(async (open) => {
      const [b, w] = [await open(), await open()];
      const out: unknown[] = [await call(b, 'SELECT', '1')];
      b.send(['BLPOP', 'k', '0']);
      await sleep(30);
      out.push(await call(w, 'RPUSH', 'k', 'db0'), await replied(b));
      out.push(await call(w, 'SELECT', '1'), await call(w, 'RPUSH', 'k', 'db1'), await read(b), await call(w, 'LLEN', 'k'));
      out.push(await call(w, 'SELECT', '0'), await call(w, 'LLEN', 'k'));
      return out;
    });
  });

  it('SWAPDB wakes a client blocked on a key that the swap brings in', async () => {
    await same(async (open) => {
      const [b, w] = [await open(), await open()];
      const out: unknown[] = [await call(b, 'SELECT', '9'), await call(w, 'SELECT', '1'), await call(w, 'RPUSH', 'k', 'hello')];
      b.send(['BRPOP', 'k', '5']);
      await sleep(30);
      out.push(await call(w, 'SWAPDB', '1', '9'), await read(b), await call(w, 'SELECT', '9'), await call(w, 'LLEN', 'k'));
      return out;
    });
  });

  it('WATCH: a blocked BRPOPLPUSH touches nothing until it is served', async () => {
    await same(async (open) => {
      const [b, w, r] = [await open(), await open(), await open()];
      const out: unknown[] = [await call(r, 'SET', 'somekey', 'v')];
      b.send(['BRPOPLPUSH', 'src', 'dst', '0']);
      await sleep(30);
      out.push(await call(w, 'WATCH', 'dst'), await call(w, 'MULTI'), await call(w, 'GET', 'somekey'), await call(w, 'EXEC'));
      out.push(await call(w, 'WATCH', 'dst'), await call(w, 'MULTI'), await call(w, 'GET', 'somekey'));
      out.push(await call(r, 'LPUSH', 'src', 'e'), await read(b), await call(w, 'EXEC'));
      return out;
    });
  });

  it('a client that disconnects while blocked is forgotten', async () => {
    await same(async (open) => {
      const [b, b2, w] = [await open(), await open(), await open()];
      b.send(['BLPOP', 'gone', '0']);
      await sleep(30);
      b2.send(['BLPOP', 'gone', '0']);
      await sleep(30);
      b.close();
      await sleep(50);
      return [await call(w, 'RPUSH', 'gone', 'a'), await read(b2), await call(w, 'LLEN', 'gone')];
    });
  });
});

describe('blocking: propagation and stats (ours)', () => {
  let ours: TestServer & { engine: Engine };
  beforeAll(async () => {
    ours = await startOurs();
  });
  afterAll(async () => {
    await ours.stop();
  });

  it('propagates served blocking commands in their non-blocking form', async () => {
    const server = ours.engine.server;
    const seen: string[] = [];
    server.propagateHooks.push((db, argv) => seen.push(`${db}:${argv.map((a) => a.toString()).join(' ')}`));
    const [b, w] = [new RawClient(ours.port), new RawClient(ours.port)];
    await b.connect();
    await w.connect();
    await w.call(['RPUSH', 'k', 'a', 'b', 'c', 'd', 'e']);
    await b.call(['BLPOP', 'k', '0']);
    await b.call(['BRPOP', 'k', '0']);
    await b.call(['BLMPOP', '0', '1', 'k', 'LEFT', 'COUNT', '5']);
    await b.call(['BLMPOP', '0.01', '1', 'k', 'LEFT']);
    for (const cmd of [['BLPOP', 'k', '0'], ['BLMOVE', 'k', 'd', 'LEFT', 'RIGHT', '0'], ['BRPOPLPUSH', 'k', 'd', '0'], ['BLMPOP', '0', '1', 'k', 'RIGHT', 'COUNT', '2']]) {
      b.send(cmd);
      await sleep(30);
      await w.call(['RPUSH', 'k', 'x', 'y', 'z']);
      await b.read();
      await w.call(['LTRIM', 'k', '1', '0']);
    }
    b.close();
    w.close();
    server.propagateHooks.pop();
    const pops = seen.filter((s) => !/^\d+:(RPUSH|LTRIM) /i.test(s));
    expect(pops).toEqual([
      '0:LPOP k', '0:RPOP k', '0:LPOP k 3',
      '0:LPOP k', '0:LMOVE k d LEFT RIGHT', '0:RPOPLPUSH k d', '0:RPOP k 2',
    ]);
    expect(server.blockedClients).toBe(0);
  });

  it('counts blocked commands once, when served, timed out or unblocked', async () => {
    const server = ours.engine.server;
    server.commandStats.clear();
    const [b, w] = [new RawClient(ours.port), new RawClient(ours.port)];
    await b.connect();
    await w.connect();
    const id = String(await b.call(['CLIENT', 'ID']));
    b.send(['BLPOP', 'st', '0']);
    await sleep(30);
    expect(server.blockedClients).toBe(1);
    expect(server.commandStats.get('blpop')?.calls ?? 0).toBe(0);
    await w.call(['CLIENT', 'UNBLOCK', id, 'ERROR']);
    expect(show(await b.read())).toBe('-UNBLOCKED client unblocked via CLIENT UNBLOCK');
    expect(server.commandStats.get('blpop')).toMatchObject({ calls: 1, failed: 1 });
    await b.call(['BLPOP', 'st', '0.01']);
    expect(server.commandStats.get('blpop')).toMatchObject({ calls: 2, failed: 1 });
    b.send(['BLPOP', 'st', '0']);
    await sleep(30);
    await w.call(['RPUSH', 'st', 'v']);
    await b.read();
    expect(server.commandStats.get('blpop')).toMatchObject({ calls: 3, failed: 1 });
    expect(server.blockedClients).toBe(0);
    b.close();
    w.close();
  });
});
