import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOurs, startRedis, startOursProcess, type ProcServer, type TestServer } from './helpers/servers.js';
import { compareScript } from './helpers/compare.js';
import { RawClient, show, type Reply } from './helpers/raw-client.js';
import { COMMANDS, isCodisCommand } from '../common/commands/index.js';

/** Sorts the subcommands of a COMMAND INFO entry: Redis lists them in hash-table order. */
function normInfo(r: unknown, only?: Set<string>): unknown {
  if (!Array.isArray(r)) return r;
  const out = [...r];
  if (Array.isArray(out[9])) {
    out[9] = (out[9] as unknown[][])
      .filter((s) => only === undefined || only.has(String(s[0]).slice(1)))
      .map((s) => normInfo(s)).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  return out;
}

/** Doc maps without `arguments` and `history` (the command table does not carry them) and with sorted subcommands. */
let DOC_ONLY: Set<string> | null = null;
function normDocs(r: unknown): unknown {
  if (r === null || typeof r !== 'object') return r;
  const pairs: [unknown, unknown][] = [];
  const isMap = !Array.isArray(r) && 'map' in (r as Record<string, unknown>);
  const flat = isMap ? ((r as { map: [unknown, unknown][] }).map) : [];
  if (!isMap) {
    const a = r as unknown[];
    for (let i = 0; i < a.length; i += 2) pairs.push([a[i], a[i + 1]]);
  } else pairs.push(...flat);
  const kept = pairs
    .filter(([k]) => k !== '$arguments' && k !== '$history')
    .map(([k, v]) => [k, k === '$subcommands' ? sortPairs(normDocs(v)) : v] as [unknown, unknown]);
  return kept;
}
function sortPairs(v: unknown): unknown {
  if (!Array.isArray(v)) return v;
  // v is a list of [name, docs] pairs after normDocs.
  return [...(v as [unknown, unknown][])].filter(([k]) => DOC_ONLY === null || DOC_ONLY.has(String(k).slice(1)))
    .map(([k, d]) => [k, normDocs(d)]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
}

async function call(port: number, argv: (string | number | Buffer)[], resp: 2 | 3 = 2): Promise<Reply> {
  const c = new RawClient(port);
  await c.connect();
  try {
    if (resp === 3) await c.call(['HELLO', '3']);
    return await c.call(argv);
  } finally {
    c.close();
  }
}

describe('server commands', () => {
  let ours: TestServer;
  let redis: ProcServer;
  beforeAll(async () => {
    ours = await startOurs(['--enable-debug-command', 'yes']);
    redis = await startRedis(['--enable-debug-command', 'yes']);
  });
  afterAll(async () => {
    await ours.stop();
    await redis.stop();
  });

  for (const resp of [2, 3] as const) {
    it(`COMMAND INFO matches Redis for every command in the table (RESP${resp})`, async () => {
      const a = new RawClient(ours.port);
      const b = new RawClient(redis.port);
      await a.connect();
      await b.connect();
      if (resp === 3) {
        await a.call(['HELLO', '3']);
        await b.call(['HELLO', '3']);
      }
      const names = [...COMMANDS.keys()].filter((n) => !isCodisCommand(COMMANDS.get(n)!));
      expect(names.length).toBeGreaterThan(150);
      for (const name of names) {
        // The table may leave out subcommands we do not implement: compare the ones it has.
        const only = new Set([...(COMMANDS.get(name)!.subcommands?.values() ?? [])].map((x) => x.fullName));
        const x = normInfo((show(await a.call(['COMMAND', 'INFO', name])) as unknown[])[0]);
        const y = normInfo((show(await b.call(['COMMAND', 'INFO', name])) as unknown[])[0], only);
        expect([name, x]).toEqual([name, y]);
        const cmd = COMMANDS.get(name)!;
        for (const sub of cmd.subcommands?.keys() ?? []) {
          const full = `${name}|${sub}`;
          const xs = show(await a.call(['COMMAND', 'INFO', full]));
          const ys = show(await b.call(['COMMAND', 'INFO', full]));
          expect([full, xs]).toEqual([full, ys]);
        }
      }
      a.close();
      b.close();
    }, 60000);

    it(`COMMAND DOCS matches Redis for every command (RESP${resp}, without arguments/history)`, async () => {
      const a = new RawClient(ours.port);
      const b = new RawClient(redis.port);
      await a.connect();
      await b.connect();
      if (resp === 3) {
        await a.call(['HELLO', '3']);
        await b.call(['HELLO', '3']);
      }
      DOC_ONLY = new Set([...COMMANDS.values()].flatMap((c) => [...(c.subcommands?.values() ?? [])].map((x) => x.fullName)));
      for (const name of COMMANDS.keys()) {
        if (isCodisCommand(COMMANDS.get(name)!)) continue;
        const x = normDocs(show(await a.call(['COMMAND', 'DOCS', name])));
        const y = normDocs(show(await b.call(['COMMAND', 'DOCS', name])));
        // One entry: [name, docs]
        const fix = (v: unknown) => (v as [unknown, unknown][]).map(([k, d]) => [k, normDocs(d)]);
        expect([name, fix(x)]).toEqual([name, fix(y)]);
      }
      a.close();
      b.close();
    }, 60000);
  }

  it('COMMAND INFO/DOCS edge cases and GETKEYS match Redis', async () => {
    const [a, b] = await compareScript(ours.port, redis.port, [
      ['COMMAND', 'INFO', 'nosuch'], ['COMMAND', 'INFO', 'get|key'], ['COMMAND', 'INFO', 'config|get|key'],
      ['COMMAND', 'INFO', 'GET', 'nosuch', 'Config|Get'], ['COMMAND', 'DOCS', 'nosuch'],
      ['COMMAND', 'GETKEYS'], ['COMMAND', 'GETKEYS', 'get'], ['COMMAND', 'GETKEYS', 'nosuch', 'a'],
      ['COMMAND', 'GETKEYS', 'get', 'a', 'b'], ['COMMAND', 'GETKEYS', 'get', 'key'], ['COMMAND', 'GETKEYS', 'ping', 'x'],
      ['COMMAND', 'GETKEYS', 'config', 'get', 'x'], ['COMMAND', 'GETKEYS', 'memory', 'usage', 'key'],
      ['COMMAND', 'GETKEYS', 'mset', 'a', '1', 'b', '2'], ['COMMAND', 'GETKEYS', 'mset', 'a', '1', 'b'],
      ['COMMAND', 'GETKEYS', 'zunionstore', 'dst', '2', 'a', 'b', 'WEIGHTS', '1', '2'],
      ['COMMAND', 'GETKEYS', 'zunionstore', 'dst', '5', 'a', 'b'],
      ['COMMAND', 'GETKEYS', 'lmpop', '2', 'a', 'b', 'LEFT'], ['COMMAND', 'GETKEYS', 'lcs', 'k1', 'k2'],
      ['COMMAND', 'GETKEYS', 'rename', 'a', 'b'], ['COMMAND', 'GETKEYS', 'del', 'a', 'b', 'c'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'set', 'k1', 'v1'], ['COMMAND', 'GETKEYSANDFLAGS', 'set', 'k1', 'v1', 'GET'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'bitfield', 'k', 'GET', 'u8', '0'], ['COMMAND', 'GETKEYSANDFLAGS', 'bitfield', 'k', 'SET', 'u8', '0', '1'], ['COMMAND', 'GETKEYSANDFLAGS', 'mset', 'k1', 'v1', 'k2', 'v2'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'LMOVE', 'k1', 'k2', 'left', 'right'], ['COMMAND', 'GETKEYSANDFLAGS', 'getex', 'k'],
      ['COMMAND', 'GETKEYSANDFLAGS', 'sort', 'k1', 'store', 'k2'], ['COMMAND', 'GETKEYS', 'sort', 'k1', 'LIMIT', '0', '1', 'STORE', 'a', 'BY', 'x', 'STORE', 'b'],
      ['COMMAND', 'GETKEYS', 'sort', 'k1'], ['COMMAND', 'GETKEYS', 'sort_ro', 'k1', 'BY', 'store'],
      ['COMMAND', 'LIST', 'bad'], ['COMMAND', 'LIST', 'FILTERBY', 'bad'], ['COMMAND', 'LIST', 'FILTERBY', 'bad', 'x'],
      ['COMMAND', 'LIST', 'FILTERBY', 'MODULE', 'x'], ['COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'nope'],
      ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'nonexists*'], ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'set'],
      { argv: ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'config*'], unordered: true },
      { argv: ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'slowlog|*'], unordered: true },
      { argv: ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'LATENCY|*'], unordered: true },
      ['COMMAND', 'HELP'], ['COMMAND', 'HELP', 'x'], ['COMMAND', 'NOSUB'], ['COMMAND', 'COUNT', 'x'],
    ]);
    expect(a).toEqual(b);
    const [a3, b3] = await compareScript(ours.port, redis.port, [
      ['COMMAND', 'INFO', 'nosuch'], ['COMMAND', 'GETKEYSANDFLAGS', 'LMOVE', 'k1', 'k2', 'left', 'right'],
      ['COMMAND', 'DOCS', 'nosuch'],
    ], 3);
    expect(a3).toEqual(b3);
  });

  it('COMMAND LIST and COMMAND agree with the table; ACLCAT filters like Redis', async () => {
    const ourList = (show(await call(ours.port, ['COMMAND', 'LIST'])) as string[]).map((s) => s.slice(1));
    const redisList = new Set((show(await call(redis.port, ['COMMAND', 'LIST'])) as string[]).map((s) => s.slice(1)));
    for (const n of ourList) expect(redisList.has(n) || isCodisCommand(COMMANDS.get(n.split('|')[0]!)!), n).toBe(true);
    expect(ourList).toContain('config|get');
    expect(ourList.length).toBe([...COMMANDS.values()].reduce((n, c) => n + 1 + (c.subcommands?.size ?? 0), 0));
    for (const cat of ['admin', 'scripting', 'write', 'fast', 'dangerous', 'keyspace']) {
      const ours2 = (show(await call(ours.port, ['COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', cat])) as string[])
        .filter((n) => !isCodisCommand(COMMANDS.get(n.slice(1).split('|')[0]!)!)).sort();
      const theirs = (show(await call(redis.port, ['COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', cat])) as string[])
        .filter((n) => ourList.includes(n.slice(1))).sort();
      expect([cat, ours2]).toEqual([cat, theirs]);
    }
    const all = show(await call(ours.port, ['COMMAND'])) as unknown[];
    expect(all.length).toBe(COMMANDS.size);
    expect(show(await call(ours.port, ['COMMAND', 'COUNT']))).toBe(`:${COMMANDS.size}`);
  });

  it('DEBUG DIGEST equals real Redis for the same dataset', async () => {
    const [a0, b0] = await compareScript(ours.port, redis.port, [
      ['DEBUG', 'DIGEST'], ['SET', 'str', 'hello'], ['SET', 'int', '12345'], ['RPUSH', 'list', 'a', 'b', 'c', '1'],
      ['SET', 'ttl', 'v', 'EX', '100000'], ['DEBUG', 'DIGEST'], ['DEBUG', 'DIGEST-VALUE', 'str', 'list', 'ttl', 'x'],
    ]);
    expect(a0).toEqual(b0);
    const data: (string | number)[][] = [
      ['SET', 'str', 'hello'], ['SET', 'int', '12345'], ['RPUSH', 'list', 'a', 'b', 'c', '1'],
      ['SADD', 'set', 'x', 'y', 'z', '1', '2'], ['SADD', 'iset', '1', '2', '3'],
      ['ZADD', 'zset', '1.1', 'a', '2', 'b', '-0.5', 'c', '1e300', 'd', '3.14159', 'e', '100000000', 'f', '1e-7', 'g', 'inf', 'h'],
      ['HSET', 'hash', 'f1', 'v1', 'f2', 'v2', 'n', '3'], ['SET', 'ttl', 'v'], ['EXPIRE', 'ttl', '1000'],
      ['SELECT', '3'], ['SET', 'other', 'db3'], ['SELECT', '0'],
    ];
    const [a, b] = await compareScript(ours.port, redis.port, [
      ['DEBUG', 'DIGEST'], ...data, ['DEBUG', 'DIGEST'],
      ['DEBUG', 'DIGEST-VALUE', 'str', 'list', 'set', 'zset', 'hash', 'ttl', 'nokey'], ['DEBUG', 'DIGEST-VALUE'],
      ['DEL', 'zset'], ['ZADD', 'zset', '0.1', 'a', '12345678901234567', 'b', '-1e-10', 'c'], ['DEBUG', 'DIGEST'],
      ['SWAPDB', '0', '3'], ['DEBUG', 'DIGEST'], ['FLUSHALL'], ['DEBUG', 'DIGEST'],
    ]);
    expect(a).toEqual(b);
  });

  for (const resp of [2, 3] as const) {
    it(`DEBUG PROTOCOL replies like Redis (RESP${resp})`, async () => {
      const types = ['string', 'integer', 'double', 'bignum', 'null', 'array', 'set', 'map', 'attrib', 'push', 'verbatim', 'true', 'false', 'bad'];
      const script = types.map((t) => ['DEBUG', 'PROTOCOL', t]);
      const [a, b] = await compareScript(ours.port, redis.port, [...script, ['PING']], resp);
      expect(a).toEqual(b);
    });
  }

  it('DEBUG subcommands and errors', async () => {
    const [a, b] = await compareScript(ours.port, redis.port, [
      ['DEBUG', 'SLEEP', '0'], ['DEBUG', 'SLEEP', 'x'], ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'], ['DEBUG', 'OBJECT', 'nokey'],
      ['DEBUG', 'nosuch'], ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '100'], ['DEBUG', 'CHANGE-REPL-ID'],
      ['DEBUG', 'POPULATE', '10'], ['DBSIZE'], ['GET', 'key:3'], ['DEBUG', 'POPULATE', '5', 'p', '3'], ['GET', 'p:4'],
      ['DEBUG', 'POPULATE', '2', 'q', '12'], ['GET', 'q:1'], ['DEBUG', 'POPULATE', '10'], ['DBSIZE'], ['DEBUG', 'POPULATE', 'x'],
      ['DEBUG', 'SLEEP'], ['DEBUG', 'OBJECT'], ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD'], ['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', 'x'],
      ['DEBUG', 'LISTPACK', 'nokey'], ['DEBUG', 'QUICKLIST', 'nokey'], ['DEBUG', 'CHANGE-REPL-ID', 'x'], ['DEBUG', 'STRINGMATCH-LEN', 'x'],
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'], ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'], ['DEBUG', 'PROTOCOL'], ['DEBUG', 'JMAP'],
    ]);
    expect(a).toEqual(b);
    const o = show(await call(ours.port, ['DEBUG', 'OBJECT', 'key:1'])) as string;
    expect(o).toMatch(/^\+Value at:0x[0-9a-f]+ refcount:1 encoding:embstr serializedlength:\d+ lru:\d+ lru_seconds_idle:\d+$/);
    const t0 = Date.now();
    await call(ours.port, ['DEBUG', 'SLEEP', '0.2']);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
  });

  it('DBSIZE, FLUSHDB, FLUSHALL, SWAPDB, TIME, LASTSAVE like Redis', async () => {
    const [a, b] = await compareScript(ours.port, redis.port, [
      ['SET', 'a', '1'], ['SET', 'b', '2'], ['DBSIZE'], ['FLUSHDB', 'x'], ['FLUSHDB', 'ASYNC', 'SYNC'], ['FLUSHDB', 'sync'], ['DBSIZE'],
      ['SET', 'a', '1'], ['SELECT', '1'], ['SET', 'c', '3'], ['SWAPDB', '0', '1'], ['GET', 'a'], ['GET', 'c'], ['DBSIZE'],
      ['SWAPDB', 'x', '1'], ['SWAPDB', '1', 'x'], ['SWAPDB', '0', '16'], ['SWAPDB', '-1', '0'], ['SWAPDB', '1', '1'], ['SWAPDB', '0'],
      ['FLUSHALL', 'bad'], ['FLUSHALL', 'ASYNC'], ['DBSIZE'], ['SELECT', '0'], ['DBSIZE'], ['FLUSHALL'],
      { argv: ['TIME'], shapeOnly: true }, { argv: ['LASTSAVE'], shapeOnly: true }, ['TIME', 'x'],
    ]);
    expect(a).toEqual(b);
  });

  it('FLUSHDB and SWAPDB fail WATCHed transactions like Redis', async () => {
    for (const port of [ours.port, redis.port]) {
      const c = new RawClient(port);
      await c.connect();
      await c.call(['FLUSHALL']);
      await c.call(['SET', 'w', '1']);
      await c.call(['WATCH', 'w']);
      await call(port, ['FLUSHDB']);
      await c.call(['MULTI']);
      await c.call(['PING']);
      expect(await c.call(['EXEC'])).toBe(null);
      // Watching a missing key in db 0 and swapping with a db where it exists.
      await c.call(['WATCH', 'x']);
      const d = new RawClient(port);
      await d.connect();
      await d.call(['SELECT', '1']);
      await d.call(['SET', 'x', '1']);
      await d.call(['SWAPDB', '0', '1']);
      await c.call(['MULTI']);
      await c.call(['PING']);
      expect(await c.call(['EXEC'])).toBe(null);
      // A watched key absent in both dbs is not touched.
      await c.call(['WATCH', 'nokey']);
      await d.call(['SWAPDB', '0', '1']);
      await c.call(['MULTI']);
      await c.call(['PING']);
      expect(show(await c.call(['EXEC']))).toEqual(['+PONG']);
      c.close();
      d.close();
    }
  });

  it('SWAPDB serves a client blocked on a key that now exists', async () => {
    const c = new RawClient(ours.port);
    await c.connect();
    await c.call(['FLUSHALL']);
    c.send(['BLPOP', 'bl', '0']);
    await new Promise((r) => setTimeout(r, 100));
    const d = new RawClient(ours.port);
    await d.connect();
    await d.call(['SELECT', '1']);
    await d.call(['RPUSH', 'bl', 'v']);
    await d.call(['SWAPDB', '0', '1']);
    expect(show(await c.read(2000))).toEqual(['$bl', '$v']);
    c.close();
    d.close();
  });

  it('MEMORY subcommands like Redis', async () => {
    const [a, b] = await compareScript(ours.port, redis.port, [
      ['SET', 'foo', 'bar'], { argv: ['MEMORY', 'USAGE', 'foo'], shapeOnly: true }, ['MEMORY', 'USAGE', 'nokey'],
      ['MEMORY', 'USAGE', 'foo', 'SAMPLES'], ['MEMORY', 'USAGE', 'foo', 'SAMPLES', 'x'], ['MEMORY', 'USAGE', 'foo', 'SAMPLES', '-1'],
      { argv: ['MEMORY', 'USAGE', 'foo', 'SAMPLES', '0'], shapeOnly: true }, ['MEMORY', 'USAGE', 'foo', 'x', '1'],
      ['MEMORY', 'PURGE'], ['MEMORY', 'HELP'], ['MEMORY', 'NOSUCH'], ['MEMORY', 'USAGE'],
    ]);
    expect(a).toEqual(b);
    const stats = show(await call(ours.port, ['MEMORY', 'STATS'])) as string[];
    const rstats = show(await call(redis.port, ['MEMORY', 'STATS'])) as string[];
    const keysOf = (s: unknown[]) => s.filter((_, i) => i % 2 === 0);
    expect(keysOf(stats)).toEqual(keysOf(rstats));
    const s3 = show(await call(ours.port, ['MEMORY', 'STATS'], 3)) as { map: [string, unknown][] };
    const r3 = show(await call(redis.port, ['MEMORY', 'STATS'], 3)) as { map: [string, unknown][] };
    const shape = (m: { map: [string, unknown][] }) => m.map.map(([k, v]) => [k, typeof v === 'object' && v !== null ? Object.keys(v) : typeof v]);
    expect(shape(s3)).toEqual(shape(r3));
    expect(show(await call(ours.port, ['MEMORY', 'DOCTOR']))).toMatch(/Sam/);
    const big = Buffer.alloc(100000, 'x');
    await call(ours.port, ['SET', 'big', big]);
    const u = show(await call(ours.port, ['MEMORY', 'USAGE', 'big'])) as string;
    expect(Number(u.slice(1))).toBeGreaterThan(100000);
    expect(Number(u.slice(1))).toBeLessThan(101000);
  });

  it('SLOWLOG records like Redis (trimmed arguments, layout)', async () => {
    const script = [
      ['CONFIG', 'SET', 'slowlog-log-slower-than', '0'], ['SLOWLOG', 'RESET'],
      ['SET', 'k', 'x'.repeat(200)], ['CLIENT', 'SETNAME', 'myname'],
      ['SADD', 's', ...Array.from({ length: 40 }, (_, i) => `m${i}`)], ['SLOWLOG', 'LEN'],
    ];
    const grab = async (port: number) => {
      const c = new RawClient(port);
      await c.connect();
      for (const s of script) await c.call(s);
      const r = show(await c.call(['SLOWLOG', 'GET', '-1'])) as unknown[][];
      const errs = [
        show(await c.call(['SLOWLOG', 'GET', 'x'])), show(await c.call(['SLOWLOG', 'GET', '-2'])),
        show(await c.call(['SLOWLOG', 'GET', '1'])).length, show(await c.call(['SLOWLOG', 'GET', '0'])),
        show(await c.call(['SLOWLOG', 'HELP'])), show(await c.call(['SLOWLOG', 'RESET'])),
      ];
      await c.call(['CONFIG', 'SET', 'slowlog-log-slower-than', '10000']);
      c.close();
      return { entries: r.map((e) => [e.length, e[3], typeof e[4], e[5]]), errs };
    };
    const x = await grab(ours.port);
    const y = await grab(redis.port);
    expect(x).toEqual(y);
  });

  it('SLOWLOG entry fields', async () => {
    const c = new RawClient(ours.port);
    await c.connect();
    await c.call(['CONFIG', 'SET', 'slowlog-log-slower-than', '0']);
    await c.call(['SLOWLOG', 'RESET']);
    await c.call(['DEBUG', 'SLEEP', '0.05']);
    const e = (show(await c.call(['SLOWLOG', 'GET', '1'])) as unknown[][])[0]!;
    expect(e[0]).toMatch(/^:\d+$/);
    expect(Math.abs(Number((e[1] as string).slice(1)) - Date.now() / 1000)).toBeLessThan(5);
    expect(Number((e[2] as string).slice(1))).toBeGreaterThanOrEqual(50000);
    expect(e[3]).toEqual(['$DEBUG', '$SLEEP', '$0.05']);
    expect(e[4]).toMatch(/^\$127\.0\.0\.1:\d+$/);
    await c.call(['CONFIG', 'SET', 'slowlog-max-len', '2']);
    for (let i = 0; i < 5; i++) await c.call(['PING']);
    expect(show(await c.call(['SLOWLOG', 'LEN']))).toBe(':2');
    await c.call(['CONFIG', 'SET', 'slowlog-max-len', '128']);
    await c.call(['CONFIG', 'SET', 'slowlog-log-slower-than', '10000']);
    c.close();
  });

  it('MONITOR streams commands', async () => {
    const m = new RawClient(ours.port);
    await m.connect();
    expect(await m.call(['MONITOR'])).toBe('OK');
    await call(ours.port, ['SET', 'mon', 'v"x']);
    const line = (await m.read(2000)) as string;
    expect(line).toMatch(/^\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "SET" "mon" "v\\"x"$/);
    m.close();
    const [a, b] = await compareScript(ours.port, redis.port, [['MULTI'], ['MONITOR'], ['EXEC']]);
    expect(a).toEqual(b);
  });

  it('LATENCY commands like Redis', async () => {
    const [a, b] = await compareScript(ours.port, redis.port, [
      ['CONFIG', 'SET', 'latency-monitor-threshold', '0'], ['LATENCY', 'RESET'],
      ['LATENCY', 'LATEST'], ['LATENCY', 'HISTORY', 'command'], ['LATENCY', 'RESET', 'nosuch'],
      ['LATENCY', 'GRAPH', 'command'], ['LATENCY', 'HELP'], ['LATENCY', 'HELP', 'x'], ['LATENCY', 'HISTOGRAM', 'blabla'],
      ['CONFIG', 'RESETSTAT'], ['SET', 'a', 'b'], ['SET', 'c', 'd'],
      { argv: ['LATENCY', 'HISTOGRAM', 'set'], shapeOnly: true },
    ]);
    expect(a).toEqual(b);
    const c = new RawClient(ours.port);
    await c.connect();
    await c.call(['CONFIG', 'SET', 'latency-monitor-threshold', '100']);
    await c.call(['DEBUG', 'SLEEP', '0.15']);
    const latest = show(await c.call(['LATENCY', 'LATEST'])) as unknown[][];
    expect(latest[0]![0]).toBe('$command');
    expect(Number((latest[0]![2] as string).slice(1))).toBeGreaterThanOrEqual(150);
    const hist = show(await c.call(['LATENCY', 'HISTORY', 'command'])) as unknown[][];
    expect(hist.length).toBe(1);
    const graph = show(await c.call(['LATENCY', 'GRAPH', 'command'])) as string;
    expect(String(graph)).toMatch(/command - high \d+ ms/);
    expect(String(show(await c.call(['LATENCY', 'DOCTOR'])))).toMatch(/command/);
    expect(show(await c.call(['LATENCY', 'RESET']))).toBe(':1');
    await c.call(['CONFIG', 'SET', 'latency-monitor-threshold', '0']);
    await c.call(['CONFIG', 'RESETSTAT']);
    await c.call(['CLIENT', 'ID']);
    await c.call(['SET', 'x', 'y']);
    const h = show(await c.call(['LATENCY', 'HISTOGRAM', 'client', 'set'])) as unknown[];
    expect(h.filter((_, i) => i % 2 === 0)).toEqual(['$client|id', '$set']);
    expect((h[1] as unknown[]).slice(0, 2)).toEqual(['$calls', ':1']);
    c.close();
  });

  it('LATENCY DOCTOR and GRAPH read like Redis', async () => {
    const run = async (port: number) => {
      const c = new RawClient(port);
      await c.connect();
      await c.call(['CONFIG', 'SET', 'latency-monitor-threshold', '1']);
      await c.call(['LATENCY', 'RESET']);
      await c.call(['DEBUG', 'SLEEP', '0.01']);
      await new Promise((r) => setTimeout(r, 1100));
      await c.call(['DEBUG', 'SLEEP', '0.05']);
      const doctor = String(show(await c.call(['LATENCY', 'DOCTOR'])));
      const graph = String(show(await c.call(['LATENCY', 'GRAPH', 'command'])));
      await c.call(['CONFIG', 'SET', 'latency-monitor-threshold', '0']);
      await c.call(['LATENCY', 'RESET']);
      c.close();
      return { doctor: doctor.replace(/\d+(\.\d+)?/g, 'N'), graph: graph.split('\n').slice(0, 2).join('\n').replace(/\d+/g, 'N'), rows: graph.split('\n').length };
    };
    const [x, y] = await Promise.all([run(ours.port), run(redis.port)]);
    expect(x).toEqual(y);
  });

  it('FUNCTION FLUSH / LIST / HELP like Redis', async () => {
    const [a, b] = await compareScript(ours.port, redis.port, [
      ['FUNCTION', 'FLUSH'], ['FUNCTION', 'FLUSH', 'ASYNC'], ['FUNCTION', 'FLUSH', 'sync'], ['FUNCTION', 'FLUSH', 'x'],
      ['FUNCTION', 'FLUSH', 'a', 'b'], ['FUNCTION', 'LIST'], ['FUNCTION', 'LIST', 'WITHCODE'], ['FUNCTION', 'LIST', 'x'],
      ['FUNCTION', 'LIST', 'LIBRARYNAME'], ['FUNCTION', 'LIST', 'LIBRARYNAME', 'x', 'WITHCODE'], ['FUNCTION', 'HELP'],
    ]);
    expect(a).toEqual(b);
  });

  it('SHUTDOWN argument errors like Redis', async () => {
    const [a, b] = await compareScript(ours.port, redis.port, [
      ['SHUTDOWN', 'bad'], ['SHUTDOWN', 'NOSAVE', 'SAVE'], ['SHUTDOWN', 'ABORT', 'NOW'], ['SHUTDOWN', 'ABORT'],
      ['MULTI'], ['SHUTDOWN'], ['EXEC'],
    ]);
    expect(a).toEqual(b);
  });

  it('SHUTDOWN NOSAVE stops the server process; the client sees the connection close', async () => {
    const p = await startOursProcess();
    try {
      const c = new RawClient(p.port);
      await c.connect();
      expect(show(await c.call(['SHUTDOWN', 'ABORT']))).toBe('-ERR No shutdown in progress.');
      c.send(['SHUTDOWN', 'NOSAVE']);
      await c.waitClose(5000);
      await new Promise<void>((resolve) => {
        if (p.proc.exitCode !== null) resolve();
        else p.proc.once('exit', () => resolve());
      });
      expect(p.proc.exitCode).toBe(0);
    } finally {
      await p.stop();
    }
  });

  it('INFO has the same sections and field names as Redis', async () => {
    const fields = (text: string) => text.split('\r\n').filter((l) => l !== '').map((l) => (l.startsWith('#') ? l : l.split(':')[0]));
    const sectionsOf = (text: string) => text.split('\r\n').filter((l) => l.startsWith('#'));
    await call(ours.port, ['SET', 'infokey', 'v']);
    await call(redis.port, ['SET', 'infokey', 'v']);
    for (const arg of [[], ['default'], ['all'], ['everything'], ['cpu', 'all'], ['server', 'clients'], ['nosuch'], ['commandSTATS'], ['cpu', 'default']]) {
      const x = String((await call(ours.port, ['INFO', ...arg])) as Buffer);
      const y = String((await call(redis.port, ['INFO', ...arg])) as Buffer);
      expect([arg, sectionsOf(x)]).toEqual([arg, sectionsOf(y)]);
    }
    for (const sec of ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'cluster', 'keyspace']) {
      const x = String((await call(ours.port, ['INFO', sec])) as Buffer);
      const y = String((await call(redis.port, ['INFO', sec])) as Buffer);
      expect([sec, fields(x)]).toEqual([sec, fields(y)]);
    }
    const v3 = await call(ours.port, ['INFO', 'keyspace'], 3);
    const r3 = await call(redis.port, ['INFO', 'keyspace'], 3);
    expect(show(v3)).toEqual(show(r3));
    const cs = String((await call(ours.port, ['INFO', 'commandstats'])) as Buffer);
    expect(cs).toMatch(/cmdstat_set:calls=\d+,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=0\r\n/);
    await call(ours.port, ['NOSUCHCMD']);
    const es = String((await call(ours.port, ['INFO', 'errorstats'])) as Buffer);
    expect(es).toMatch(/errorstat_ERR:count=\d+\r\n/);
    const ls = String((await call(ours.port, ['INFO', 'latencystats'])) as Buffer);
    expect(ls).toMatch(/latency_percentiles_usec_set:p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}\r\n/);
  });
});
