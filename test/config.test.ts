import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOurs, startRedis, startOursProcess, type ProcServer, type TestServer } from './helpers/servers.js';
import { compareScript } from './helpers/compare.js';
import { RawClient, show, type Reply } from './helpers/raw-client.js';

/** CONFIG GET replies as sorted [name, value] pairs (Redis answers in hash-table order). */
function pairs(r: Reply): string[] {
  const v = show(r);
  if (!Array.isArray(v)) {
    if (v !== null && typeof v === 'object' && 'map' in v) return (v as { map: [string, string][] }).map.map(([k, x]) => `${k}=${x}`).sort();
    return [String(v)];
  }
  const out: string[] = [];
  for (let i = 0; i < v.length; i += 2) out.push(`${v[i]}=${v[i + 1]}`);
  return out.sort();
}

describe('CONFIG', () => {
  let ours: TestServer;
  let redis: ProcServer;
  let a: RawClient;
  let b: RawClient;
  beforeAll(async () => {
    ours = await startOurs();
    redis = await startRedis();
    a = new RawClient(ours.port);
    b = new RawClient(redis.port);
    await a.connect();
    await b.connect();
  });
  afterAll(async () => {
    a.close();
    b.close();
    await ours.stop();
    await redis.stop();
  });

  async function both(argv: string[]): Promise<[string[], string[]]> {
    return [pairs(await a.call(argv)), pairs(await b.call(argv))];
  }

  it('CONFIG GET with names, aliases, globs and several patterns like Redis', async () => {
    const patterns = [
      ['maxmemory'], ['MAXMEMORY'], ['maxmemory', 'hz'], ['max*'], ['*max*', 'hz', 'maxmemory'], ['slave-read-only'],
      ['replica-read-only', 'slave-read-only'], ['slave*'], ['*-ziplist-*'], ['hash-max-*'], ['nosuch'], ['nosuch*'],
      ['notify-keyspace-events'], ['save'], ['appendfsync'], ['lfu-*'], ['lazyfree-*'], ['hz', 'HZ'], ['m?xmemory'],
      ['maxmemory-polic[xy]'], ['latency-tracking-info-percentiles'], ['client-output-buffer-limit'], ['list-max-*'],
      ['zset-max-ziplist-entries'], ['busy-reply-threshold', 'lua-time-limit'], ['include'], ['rename-command'],
    ];
    for (const p of patterns) {
      const [x, y] = await both(['CONFIG', 'GET', ...p]);
      expect([p, x]).toEqual([p, y]);
    }
  });

  it('every parameter Redis has with a default value is known with the same default', async () => {
    const x = pairs(await a.call(['CONFIG', 'GET', '*']));
    const y = pairs(await b.call(['CONFIG', 'GET', '*']));
    const names = (l: string[]) => l.map((s) => s.slice(0, s.indexOf('=')));
    const ourNames = new Set(names(x));
    const missing = names(y).filter((n) => !ourNames.has(n));
    expect(missing).toEqual([]);
    // Values that depend on the run (port, dir, pidfile...) are excluded.
    const skip = /^\$(port|dir|bind|pidfile|logfile|save|enable-debug-command|appendonly|loglevel|oom-score-adj-values|unixsocketperm|daemonize|io-threads|server_cpulist|bio_cpulist|aof_rewrite_cpulist|bgsave_cpulist|protected-mode)=/;
    const diff = y.filter((l) => !skip.test(l) && !x.includes(l));
    expect(diff).toEqual([]);
  });

  it('CONFIG SET validates like Redis, with its exact errors', async () => {
    const script = [
      ['CONFIG', 'SET', 'maxmemory', 'abc'], ['CONFIG', 'SET', 'hz', 'x'], ['CONFIG', 'SET', 'nosuch', '1'],
      ['CONFIG', 'SET', 'hz', '10', 'hz', '11'], ['CONFIG', 'SET', 'hz', '10', 'HZ', '11'], ['CONFIG', 'SET', 'hz', '10', 'maxmemory', 'xx'],
      ['CONFIG', 'SET', 'port'], ['CONFIG', 'SET', 'hz', '1', 'port'],
      ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '10 a'], ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '10 101'],
      ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '0.0 50.0 100.0'], ['CONFIG', 'GET', 'latency-tracking-info-percentiles'],
      ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 99 99.9'],
      ['CONFIG', 'SET', 'daemonize', 'yes'], ['CONFIG', 'SET', 'maxmemory-policy', 'foo'], ['CONFIG', 'SET', 'appendfsync', 'foo'],
      ['CONFIG', 'SET', 'dir', '/nonexistent'], ['CONFIG', 'SET', 'dbfilename', 'x.rdb'], ['CONFIG', 'SET', 'save', '1 2 3'],
      ['CONFIG', 'SET', 'save', 'a b'], ['CONFIG', 'SET', 'hz', '-1'], ['CONFIG', 'SET', 'maxmemory-samples', '0'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'ALLKEYS-LRU'], ['CONFIG', 'GET', 'maxmemory-policy'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'],
      ['CONFIG', 'SET', 'maxmemory', '1mb'], ['CONFIG', 'GET', 'maxmemory'], ['CONFIG', 'SET', 'maxmemory', '1k'], ['CONFIG', 'GET', 'maxmemory'],
      ['CONFIG', 'SET', 'maxmemory', '2GB'], ['CONFIG', 'GET', 'maxmemory'], ['CONFIG', 'SET', 'maxmemory', '-1'], ['CONFIG', 'SET', 'maxmemory', '0'],
      ['CONFIG', 'SET', 'notify-keyspace-events', 'KEA'], ['CONFIG', 'GET', 'notify-keyspace-events'],
      ['CONFIG', 'SET', 'notify-keyspace-events', 'Kx$'], ['CONFIG', 'GET', 'notify-keyspace-events'],
      ['CONFIG', 'SET', 'notify-keyspace-events', 'Q'], ['CONFIG', 'SET', 'notify-keyspace-events', ''],
      ['CONFIG', 'SET', 'slave-read-only', 'no'], ['CONFIG', 'GET', 'replica-read-only'], ['CONFIG', 'SET', 'replica-read-only', 'yes'],
      ['CONFIG', 'SET', 'appendfsync', 'ALWAYS'], ['CONFIG', 'GET', 'appendfsync'], ['CONFIG', 'SET', 'appendfsync', 'everysec'],
      ['CONFIG', 'SET', 'lazyfree-lazy-user-del', 'maybe'], ['CONFIG', 'SET', 'lazyfree-lazy-user-del', 'YES'],
      ['CONFIG', 'GET', 'lazyfree-lazy-user-del'], ['CONFIG', 'SET', 'lazyfree-lazy-user-del', 'no'],
      ['CONFIG', 'SET', 'hz', '20', 'maxmemory-samples', '7'], ['CONFIG', 'GET', 'hz'], ['CONFIG', 'GET', 'maxmemory-samples'],
      ['CONFIG', 'SET', 'hz', '10', 'maxmemory-samples', '5'],
      // Atomic: a bad value anywhere leaves every parameter unchanged.
      ['CONFIG', 'SET', 'hz', '33', 'maxmemory-samples', 'bad'], ['CONFIG', 'GET', 'hz'],
      ['CONFIG', 'HELP'], ['CONFIG', 'NOSUCH'], ['CONFIG', 'GET'], ['CONFIG', 'RESETSTAT', 'x'],
    ];
    const [x, y] = await compareScript(ours.port, redis.port, script.map((s) => (s[1] === 'GET' ? { argv: s, unordered: true } : s)));
    expect(x).toEqual(y);
  });

  it('CONFIG SET dir changes the working directory and rolls back on failure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfgdir-'));
    const c = new RawClient(ours.port);
    await c.connect();
    const before = show(await c.call(['CONFIG', 'GET', 'dir']));
    // The in-process server has enable-protected-configs=no: dir is protected, like Redis.
    expect(show(await c.call(['CONFIG', 'SET', 'dir', dir]))).toBe("-ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config");
    expect(show(await c.call(['CONFIG', 'GET', 'dir']))).toEqual(before);
    c.close();
    rmSync(dir, { recursive: true, force: true });
    const p = await startOursProcess(['--enable-protected-configs', 'yes']);
    const r = await startRedis(['--enable-protected-configs', 'yes']);
    try {
      const d2 = mkdtempSync(join(tmpdir(), 'cfgdir2-'));
      const script = [
        ['CONFIG', 'SET', 'dir', d2], ['CONFIG', 'GET', 'dir'], ['CONFIG', 'SET', 'dir', '/nonexistent/x'],
        ['CONFIG', 'SET', 'hz', '50', 'dir', '/nonexistent/y'], ['CONFIG', 'GET', 'hz'], ['CONFIG', 'GET', 'dir'],
      ];
      const [x, y] = await compareScript(p.port, r.port, script);
      expect(x).toEqual(y);
      rmSync(d2, { recursive: true, force: true });
    } finally {
      await p.stop();
      await r.stop();
    }
  });

  it('CONFIG SET side effects: requirepass, notify-keyspace-events, slowlog', async () => {
    const c = new RawClient(ours.port);
    await c.connect();
    const sub = new RawClient(ours.port);
    await sub.connect();
    await sub.call(['SUBSCRIBE', '__keyevent@0__:set']);
    await c.call(['CONFIG', 'SET', 'notify-keyspace-events', 'E$']);
    await c.call(['SET', 'k', 'v']);
    expect(show(await sub.read(2000))).toEqual(['$message', '$__keyevent@0__:set', '$k']);
    await c.call(['CONFIG', 'SET', 'notify-keyspace-events', '']);
    sub.close();
    await c.call(['CONFIG', 'SET', 'requirepass', 'secret']);
    const d = new RawClient(ours.port);
    await d.connect();
    expect(show(await d.call(['GET', 'k']))).toBe('-NOAUTH Authentication required.');
    expect(await d.call(['AUTH', 'secret'])).toBe('OK');
    await d.call(['CONFIG', 'SET', 'requirepass', '']);
    d.close();
    c.close();
  });

  it('CONFIG RESETSTAT resets INFO stats, command stats and error stats', async () => {
    const c = new RawClient(ours.port);
    await c.connect();
    await c.call(['SET', 'x', '1']);
    await c.call(['NOSUCH']);
    await c.call(['GET', 'x']);
    let info = String(await c.call(['INFO', 'everything']));
    expect(info).toMatch(/cmdstat_set:calls=/);
    expect(info).toMatch(/errorstat_ERR:count=/);
    expect(await c.call(['CONFIG', 'RESETSTAT'])).toBe('OK');
    info = String(await c.call(['INFO', 'everything']));
    expect(info).not.toMatch(/cmdstat_set:/);
    expect(info).not.toMatch(/errorstat_ERR/);
    expect(info).toMatch(/total_error_replies:0\r\n/);
    expect(info).toMatch(/keyspace_hits:0\r\n/);
    expect(info).toMatch(/cmdstat_config\|resetstat:calls=1,/);
    c.close();
  });

  it('CONFIG REWRITE writes changed values into the config file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfgrw-'));
    const file = join(dir, 'shardis.conf');
    writeFileSync(file, '# my config\nhz 15\nmaxmemory 0\n');
    const p = await startOursProcess([], file);
    try {
      const c = new RawClient(p.port);
      await c.connect();
      await c.call(['CONFIG', 'SET', 'hz', '25', 'maxmemory-policy', 'allkeys-lru']);
      expect(await c.call(['CONFIG', 'REWRITE'])).toBe('OK');
      const text = readFileSync(file, 'utf8');
      expect(text).toMatch(/# my config/);
      expect(text).toMatch(/^hz 25$/m);
      expect(text).toMatch(/^maxmemory-policy allkeys-lru$/m);
      c.close();
    } finally {
      await p.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    const [x, y] = await compareScript(ours.port, redis.port, [['CONFIG', 'REWRITE']]);
    expect(x).toEqual(y);
  });

  it('CONFIG REWRITE round-trips every value through a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfgrt-'));
    const file = join(dir, 'shardis.conf');
    writeFileSync(file, 'hz 12\n');
    const settings: [string, string][] = [
      ['save', '3600 1 300 100'], ['shutdown-on-sigterm', 'nosave now'], ['shutdown-on-sigint', 'save'],
      ['notify-keyspace-events', 'KEA'], ['masteruser', 'a b "c'], ['proc-title-template', '{title} {listen-addr}'],
      ['latency-tracking-info-percentiles', '50 99.5'], ['maxmemory', '104857600'], ['slave-read-only', 'no'],
      ['client-output-buffer-limit', 'normal 1 2 3 slave 268435456 67108864 60 pubsub 33554432 8388608 60'],
      ['maxmemory-clients', '10%'], ['key-load-delay', '5'],
    ];
    let p = await startOursProcess([], file);
    try {
      let c = new RawClient(p.port);
      await c.connect();
      for (const [k, v] of settings) expect([k, show(await c.call(['CONFIG', 'SET', k, v]))]).toEqual([k, '+OK']);
      const before = pairs(await c.call(['CONFIG', 'GET', '*']));
      expect(await c.call(['CONFIG', 'REWRITE'])).toBe('OK');
      c.close();
      await p.stop();
      p = await startOursProcess([], file);
      c = new RawClient(p.port);
      await c.connect();
      const after = pairs(await c.call(['CONFIG', 'GET', '*']));
      // port, dir and save come from the harness's command line, which overrides the file.
      const noPort = (l: string[]) => l.filter((x) => !/^\$(port|dir|save)=/.test(x));
      expect(noPort(after)).toEqual(noPort(before));
      expect(show(await c.call(['CONFIG', 'GET', 'key-load-delay']))).toEqual(['$key-load-delay', '$5']);
      c.close();
    } finally {
      await p.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
