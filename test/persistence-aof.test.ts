/*
 * The append-only file with real processes killed by SIGKILL: no
 * acknowledged write lost under `appendfsync always`, at most ~2 s under
 * `everysec`; rewrites under load; truncated and corrupted files handled as
 * configured; switching the AOF on at run time; real Redis loading our files.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { appendFileSync, cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startOurs, startOursExpectingFailure, startOursProcessIn, startRedis } from './helpers/servers.js';
import { ReplyError, type RawClient } from './helpers/raw-client.js';
import { Scratch, client, digest, infoField, kill9, text } from './helpers/persist.js';
import { waitFor } from './helpers/ports.js';

const scratch = new Scratch();
const tempDir = () => scratch.tempDir();
const ours = (dir: string, extra: string[] = []) => scratch.ours(dir, ['--appendonly', 'yes', ...extra]);
afterAll(() => scratch.cleanUp());
const aofDir = (dir: string) => join(dir, 'appendonlydir');
const incrFile = (dir: string) => {
  const names = readdirSync(aofDir(dir)).filter((n) => n.endsWith('.incr.aof')).sort();
  return join(aofDir(dir), names[names.length - 1]!);
};

/** Writes k:0, k:1... one at a time for `ms`; returns when each was acknowledged (ms since epoch). */
async function ackedWrites(c: RawClient, ms: number): Promise<number[]> {
  const acked: number[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const i = acked.length;
    // A transaction and a plain write alternate, so MULTI/EXEC in the file is exercised too.
    if (i % 10 === 5) {
      c.send(['MULTI']);
      c.send(['SET', `k:${i}`, String(i)]);
      c.send(['INCR', 'counter']);
      c.send(['EXEC']);
      for (let j = 0; j < 3; j++) await c.read();
      expect(await c.read()).toEqual(['OK', expect.any(Number)]);
    } else {
      expect(await c.call(['SET', `k:${i}`, String(i)])).toBe('OK');
    }
    acked.push(Date.now());
  }
  return acked;
}

describe('AOF', () => {
  it('appendfsync always: every acknowledged write survives SIGKILL', async () => {
    const dir = tempDir();
    const s = await ours(dir, ['--appendfsync', 'always']);
    const c = await client(s.port);
    const acked = await ackedWrites(c, 1500);
    await kill9(s);
    c.close();
    const again = await ours(dir, ['--appendfsync', 'always']);
    const r = await client(again.port);
    const n = acked.length;
    expect(n).toBeGreaterThan(100);
    const got = text(await r.call(['MGET', ...Array.from({ length: n }, (_, i) => `k:${i}`)]));
    expect(got).toEqual(Array.from({ length: n }, (_, i) => String(i)));
    r.close();
  }, 30000);

  it('appendfsync everysec: a crash loses at most the last two seconds', async () => {
    const dir = tempDir();
    const s = await ours(dir, ['--appendfsync', 'everysec']);
    const c = await client(s.port);
    const acked = await ackedWrites(c, 3500);
    const killedAt = Date.now();
    await kill9(s);
    c.close();
    const again = await ours(dir);
    const r = await client(again.port);
    const got = text(await r.call(['MGET', ...acked.map((_, i) => `k:${i}`)])) as (string | null)[];
    const old = acked.filter((t) => t < killedAt - 2000).length;
    expect(old).toBeGreaterThan(50);
    for (let i = 0; i < old; i++) expect(got[i]).toBe(String(i));
    // What is there is a prefix: the file never has holes.
    const present = got.filter((v) => v !== null).length;
    expect(got.slice(0, present).every((v, i) => v === String(i))).toBe(true);
    r.close();
  }, 30000);

  it('BGREWRITEAOF under writes: base + incr reload to the same data, old files removed', async () => {
    for (const preamble of ['yes', 'no']) {
      const dir = tempDir();
      const s = await ours(dir, ['--aof-use-rdb-preamble', preamble, '--rdb-key-save-delay', '500']);
      const c = await client(s.port);
      for (let i = 0; i < 500; i++) c.send(['HSET', `h${i % 50}`, `f${i}`, String(i)]);
      for (let i = 0; i < 500; i++) await c.read();
      await c.call(['RPUSH', 'list', ...Array.from({ length: 200 }, (_, i) => String(i))]);
      await c.call(['ZADD', 'z', '1.5', 'a', '-inf', 'b']);
      await c.call(['SET', 'ttl', 'v', 'EX', '10000']);
      expect(await c.call(['BGREWRITEAOF'])).toBe('Background append only file rewriting started');
      expect(await c.call(['BGREWRITEAOF'])).toEqual(new ReplyError('ERR Background append only file rewriting already in progress'));
      expect(await c.call(['BGSAVE'])).toEqual(new ReplyError("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible."));
      let n = 0;
      while ((await infoField(c, 'aof_rewrite_in_progress')) === '1') {
        await c.call(['HSET', `h${n % 50}`, 'during', String(n)]);
        await c.call(['LPOP', 'list']);
        n++;
      }
      expect(n).toBeGreaterThan(10);
      expect(await infoField(c, 'aof_last_bgrewrite_status')).toBe('ok');
      const want = await digest(s.port);
      const files = readdirSync(aofDir(dir)).sort();
      expect(files).toEqual([`appendonly.aof.2.base.${preamble === 'yes' ? 'rdb' : 'aof'}`, 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest']);
      await kill9(s);
      c.close();
      const again = await ours(dir);
      expect(await digest(again.port)).toEqual(want);
      // Real Redis 7 reads our directory too.
      const copy = tempDir();
      cpSync(aofDir(dir), aofDir(copy), { recursive: true });
      const redis = await startRedis(['--enable-debug-command', 'yes', '--dir', copy, '--appendonly', 'yes']);
      scratch.track(redis);
      expect(await digest(redis.port)).toEqual(want);
    }
  }, 60000);

  it('rewrites automatically on growth, and a command-form base leaves expired keys out', async () => {
    const dir = tempDir();
    const s = await ours(dir, ['--aof-use-rdb-preamble', 'no', '--auto-aof-rewrite-min-size', '4096', '--auto-aof-rewrite-percentage', '100']);
    const c = await client(s.port);
    await c.call(['DEBUG', 'SET-ACTIVE-EXPIRE', '0']);
    await c.call(['SET', 'gone', 'x', 'PX', '50']);
    await new Promise((r) => setTimeout(r, 100));
    for (let i = 0; i < 200; i++) await c.call(['SET', `key:${i}`, 'v'.repeat(40)]);
    await waitFor(async () => (await infoField(c, 'aof_rewrites')) === '1', 5000, 50);
    expect(s.output()).toMatch(/Starting automatic rewriting of AOF on \d+% growth/);
    const base = readFileSync(join(aofDir(dir), readdirSync(aofDir(dir)).find((n) => n.includes('.base.'))!), 'latin1');
    // The rewrite starts as soon as the file grows past 4 kB: the base has the keys written before it.
    expect(base).toContain('key:0');
    expect(base).not.toContain('gone');
    expect(Number(await infoField(c, 'aof_base_size'))).toBeGreaterThan(0);
    c.close();
  }, 30000);

  it('a truncated last incr file loads up to its last complete command (aof-load-truncated), else start-up stops', async () => {
    const dir = tempDir();
    const s = await ours(dir);
    const c = await client(s.port);
    await c.call(['SET', 'a', '1']);
    await c.call(['SET', 'b', '2']);
    await kill9(s);
    c.close();
    // A command cut short, and a transaction without its EXEC.
    appendFileSync(incrFile(dir), '*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1\r\n3\r\n*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nd\r\n$1\r\n4\r\n*3\r\n$3\r\nSET\r\n$1\r\ne\r\n$3\r\n5');
    const strict = await startOursExpectingFailure(dir, ['--appendonly', 'yes', '--aof-load-truncated', 'no']);
    expect(strict.code).toBe(1);
    expect(strict.output).toMatch(/Unexpected end of file reading the append only file/);
    const lenient = await ours(dir);
    const r = await client(lenient.port);
    expect(text(await r.call(['MGET', 'a', 'b', 'c', 'd', 'e']))).toEqual(['1', '2', '3', null, null]);
    expect(lenient.output()).toMatch(/short read while loading the AOF file/);
    await r.call(['SET', 'f', '6']);
    r.close();
    await kill9(lenient);
    const after = await ours(dir);
    const r2 = await client(after.port);
    expect(text(await r2.call(['MGET', 'c', 'd', 'f']))).toEqual(['3', null, '6']);
    r2.close();
  }, 40000);

  it('an AOF of Redis < 7 (one file: RDB preamble, then commands) becomes the base of the directory', async () => {
    const dir = tempDir();
    const s = await startOursProcessIn(dir);
    scratch.track(s);
    const c = await client(s.port);
    await c.call(['SET', 'from-rdb', '1']);
    await c.call(['SAVE']);
    c.close();
    await kill9(s);
    writeFileSync(join(dir, 'appendonly.aof'), Buffer.concat([readFileSync(join(dir, 'dump.rdb')), Buffer.from('*3\r\n$3\r\nSET\r\n$9\r\nfrom-tail\r\n$1\r\n2\r\n')]));
    const again = await ours(dir);
    expect(again.output()).toContain('Successfully migrated an old-style AOF into the AOF directory');
    const r = await client(again.port);
    expect(text(await r.call(['MGET', 'from-rdb', 'from-tail']))).toEqual(['1', '2']);
    r.close();
  }, 30000);

  it('writes propagate only while a consumer is attached (AOF on, or a replication backlog)', async () => {
    const s = await startOurs();
    try {
      const hooks = s.engine.server.propagateHooks;
      expect(hooks.length).toBe(0);
      const c = await client(s.port);
      expect(await c.call(['CONFIG', 'SET', 'appendonly', 'yes'])).toBe('OK');
      expect(hooks.length).toBe(1);
      await waitFor(async () => (await infoField(c, 'aof_rewrite_in_progress')) === '0', 5000, 20);
      expect(await c.call(['CONFIG', 'SET', 'appendonly', 'no'])).toBe('OK');
      expect(hooks.length).toBe(0);
      c.close();
    } finally {
      await s.stop();
    }
  });

  it('corrupted content stops start-up with Redis\'s message', async () => {
    const dir = tempDir();
    const s = await ours(dir);
    const c = await client(s.port);
    for (let i = 0; i < 20; i++) await c.call(['SET', `k${i}`, 'v']);
    await kill9(s);
    c.close();
    const f = incrFile(dir);
    const bytes = readFileSync(f);
    bytes[Math.floor(bytes.length / 2)] = 0x21;
    writeFileSync(f, bytes);
    const r = await startOursExpectingFailure(dir, ['--appendonly', 'yes']);
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/Bad file format reading the append only file/);
  }, 30000);

  it('CONFIG SET appendonly yes writes a base of the dataset first; the AOF then has priority over dump.rdb', async () => {
    const dir = tempDir();
    const s = await startOursProcessIn(dir);
    scratch.track(s);
    const c = await client(s.port);
    await c.call(['SET', 'before', '1']);
    await c.call(['SAVE']);
    await c.call(['SET', 'not-in-rdb', '1']);
    expect(await c.call(['CONFIG', 'SET', 'appendonly', 'yes'])).toBe('OK');
    await waitFor(async () => (await infoField(c, 'aof_rewrite_in_progress')) === '0' && (await infoField(c, 'aof_enabled')) === '1', 5000, 50);
    await c.call(['SET', 'after', '2']);
    expect(await infoField(c, 'aof_last_write_status')).toBe('ok');
    await kill9(s);
    c.close();
    const again = await ours(dir);
    const r = await client(again.port);
    expect(text(await r.call(['MGET', 'before', 'not-in-rdb', 'after']))).toEqual(['1', '1', '2']);
    expect(Number(await infoField(r, 'aof_current_size'))).toBeGreaterThan(0);
    r.close();
  }, 30000);
});
