/*
 * RDB persistence with real processes: BGSAVE's point-in-time cut under
 * concurrent writes, save points, SHUTDOWN and SIGTERM saves, MISCONF after a
 * failed save, refusal of damaged files, and files exchanged with real Redis 7.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { startOursExpectingFailure, startRedis } from './helpers/servers.js';
import { ReplyError, type RawClient } from './helpers/raw-client.js';
import { Scratch, client, digest, infoField, text } from './helpers/persist.js';
import { waitFor } from './helpers/ports.js';
import { rng } from './helpers/rng.js';

const scratch = new Scratch();
const tempDir = () => scratch.tempDir();
const ours = (dir: string, extra: string[] = []) => scratch.ours(dir, extra);
afterAll(() => scratch.cleanUp());

/** A write touching keys k0..k(n-1) of every type; TTLs far in the future so nothing expires meanwhile. */
function randomWrite(r: () => number, n: number): string[] {
  const k = `k${Math.floor(r() * n)}`;
  const v = String(Math.floor(r() * 1000));
  switch (Math.floor(r() * 12)) {
    case 0: return ['SET', `s:${k}`, v.repeat(1 + Math.floor(r() * 30))];
    case 1: return ['INCRBY', `n:${k}`, v];
    case 2: return ['RPUSH', `l:${k}`, v, `x${v}`];
    case 3: return ['LPOP', `l:${k}`];
    case 4: return ['HSET', `h:${k}`, `f${v}`, v];
    case 5: return ['HDEL', `h:${k}`, `f${v}`];
    case 6: return ['SADD', `t:${k}`, v];
    case 7: return ['SREM', `t:${k}`, v];
    case 8: return ['ZADD', `z:${k}`, String(r() * 100), `m${v}`];
    case 9: return ['DEL', `s:${k}`];
    case 10: return ['EXPIRE', `h:${k}`, String(3600 + Math.floor(r() * 1000))];
    default: return ['APPEND', `s:${k}`, v];
  }
}

async function populate(c: RawClient, count: number, seed: number): Promise<void> {
  const r = rng(seed);
  for (let i = 0; i < count; i++) c.send(randomWrite(r, count / 4));
  for (let i = 0; i < count; i++) await c.read();
  // Large encodings too: a big list, hash, set and zset, and values over the LZF threshold.
  const big = (n: number, f: (i: number) => string[]) => Array.from({ length: n }, (_, i) => f(i)).flat();
  await c.call(['RPUSH', 'biglist', ...big(600, (i) => [`item-${i}`])]);
  await c.call(['HSET', 'bighash', ...big(600, (i) => [`field-${i}`, `value-${i}`])]);
  await c.call(['SADD', 'bigset', ...big(600, (i) => [`member-${i}`])]);
  await c.call(['SADD', 'intset', ...big(100, (i) => [String(i * 7)])]);
  await c.call(['ZADD', 'bigzset', ...big(600, (i) => [String(i / 3), `m-${i}`])]);
  await c.call(['SET', 'compressible', 'abc'.repeat(500)]);
  await c.call(['SET', 'ttl-key', 'v', 'PX', '86400000']);
  await c.call(['SELECT', '3']);
  await c.call(['SET', 'in-db-3', 'yes']);
  await c.call(['SELECT', '0']);
}



describe('RDB persistence', () => {
  it('BGSAVE writes the dataset as it was at the cut while writes go on, and real Redis loads the file', async () => {
    const dir = tempDir();
    // rdb-key-save-delay stretches the save so that writes land in the middle of it.
    const s = await ours(dir, ['--rdb-key-save-delay', '1000']);
    const c = await client(s.port);
    await populate(c, 2000, 1);
    // DEBUG DIGEST and BGSAVE in one write: nothing runs between them, so the digest is the cut's.
    c.write('*2\r\n$5\r\nDEBUG\r\n$6\r\nDIGEST\r\n*1\r\n$6\r\nBGSAVE\r\n');
    const cut = await c.read();
    expect(await c.read()).toBe('Background saving started');
    expect(await c.call(['BGSAVE'])).toEqual(new ReplyError('ERR Background save already in progress'));
    expect(await c.call(['SAVE'])).toEqual(new ReplyError('ERR Background save already in progress'));
    const w = await client(s.port);
    const r = rng(2);
    let during = 0;
    while ((await infoField(c, 'rdb_bgsave_in_progress')) === '1') {
      for (let i = 0; i < 50; i++) await w.call(randomWrite(r, 500));
      during += 50;
    }
    w.close();
    expect(during).toBeGreaterThan(200);
    expect(await infoField(c, 'rdb_last_bgsave_status')).toBe('ok');
    expect(await digest(s.port)).not.toEqual(cut);
    c.close();

    const check = spawnSync('redis-check-rdb', [join(dir, 'dump.rdb')], { encoding: 'utf8' });
    expect(check.status, check.stdout).toBe(0);
    expect(check.stdout).toContain('RDB looks OK!');
    const dir2 = tempDir();
    copyFileSync(join(dir, 'dump.rdb'), join(dir2, 'dump.rdb'));
    const again = await ours(dir2);
    expect(await digest(again.port)).toEqual(cut);
    const redis = await startRedis(['--enable-debug-command', 'yes', '--dir', dir2, '--dbfilename', 'dump.rdb']);
    scratch.track(redis);
    expect(await digest(redis.port)).toEqual(cut);
  }, 60000);

  it('loads a file written by real Redis 7', async () => {
    const redis = await startRedis(['--enable-debug-command', 'yes']);
    scratch.track(redis);
    const c = await client(redis.port);
    await populate(c, 1500, 3);
    expect(await c.call(['SAVE'])).toBe('OK');
    const want = await c.call(['DEBUG', 'DIGEST']);
    c.close();
    const dir = tempDir();
    copyFileSync(join(redis.dir, 'dump.rdb'), join(dir, 'dump.rdb'));
    const s = await ours(dir);
    expect(await digest(s.port)).toEqual(want);
    const o = await client(s.port);
    expect(Number(await o.call(['PTTL', 'ttl-key']))).toBeGreaterThan(86000000);
    expect(await infoField(o, 'rdb_last_load_keys_loaded')).not.toBe('0');
    o.close();
  }, 30000);

  it('saves on save points, on SHUTDOWN and on SIGTERM', async () => {
    const dir = tempDir();
    const s = await ours(dir, ['--save', '1 1']);
    const c = await client(s.port);
    const before = Number(await c.call(['LASTSAVE']));
    await c.call(['SET', 'a', '1']);
    await waitFor(async () => (await infoField(c, 'rdb_saves')) === '1', 5000, 100);
    expect(s.output()).toContain('1 changes in 1 seconds. Saving...');
    expect(Number(await c.call(['LASTSAVE']))).toBeGreaterThanOrEqual(before);
    expect(await infoField(c, 'rdb_changes_since_last_save')).toBe('0');
    await c.call(['SET', 'b', '2']);
    s.proc.kill('SIGTERM');
    await new Promise((r) => s.proc.once('exit', r));
    expect(s.output()).toContain('Saving the final RDB snapshot before exiting.');
    c.close();

    const s2 = await ours(dir, ['--save', '3600 1']);
    const c2 = await client(s2.port);
    expect(text(await c2.call(['MGET', 'a', 'b']))).toEqual(['1', '2']);
    await c2.call(['SET', 'c', '3']);
    c2.send(['SHUTDOWN']);
    await new Promise((r) => s2.proc.once('exit', r));
    c2.close();
    const s3 = await ours(dir);
    const c3 = await client(s3.port);
    expect(text(await c3.call(['GET', 'c']))).toBe('3');
    c3.close();
  }, 30000);

  it('refuses writes with MISCONF after a failed BGSAVE, until a save succeeds', async () => {
    const dir = tempDir();
    const sub = join(dir, 'data');
    mkdirSync(sub);
    const s = await ours(sub, ['--save', '3600 1']);
    const c = await client(s.port);
    await c.call(['SET', 'k', 'v']);
    rmSync(sub, { recursive: true });
    expect(await c.call(['BGSAVE'])).toBe('Background saving started');
    await waitFor(async () => (await infoField(c, 'rdb_last_bgsave_status')) === 'err', 5000, 50);
    const misconf = await c.call(['SET', 'k', 'w']);
    expect(misconf).toBeInstanceOf(ReplyError);
    expect((misconf as ReplyError).message).toMatch(/^MISCONF Redis is configured to save RDB snapshots/);
    expect((await c.call(['PING'])) as ReplyError).toBeInstanceOf(ReplyError);
    expect(text(await c.call(['GET', 'k']))).toBe('v');
    mkdirSync(sub);
    expect(await c.call(['BGSAVE'])).toBe('Background saving started');
    await waitFor(async () => (await infoField(c, 'rdb_last_bgsave_status')) === 'ok', 5000, 50);
    expect(await c.call(['SET', 'k', 'w'])).toBe('OK');
    expect(existsSync(join(sub, 'dump.rdb'))).toBe(true);
    c.close();
  }, 30000);

  it('answers BGSAVE arguments and states as Redis does', async () => {
    const s = await ours(tempDir());
    const c = await client(s.port);
    expect(await c.call(['BGSAVE', 'NOW'])).toEqual(new ReplyError('ERR syntax error'));
    await c.call(['MULTI']);
    await c.call(['BGSAVE']);
    expect(await c.call(['EXEC'])).toEqual(['Background saving scheduled']);
    await c.call(['MULTI']);
    expect(await c.call(['SAVE'])).toEqual(new ReplyError('ERR Command not allowed inside a transaction'));
    await c.call(['DISCARD']);
    await waitFor(async () => (await infoField(c, 'rdb_saves')) === '1', 5000, 50);
    expect(await c.call(['SAVE'])).toBe('OK');
    expect(await infoField(c, 'rdb_saves')).toBe('2');
    c.close();
  }, 20000);

  it('refuses a truncated or corrupted RDB file at start-up, naming the offset', async () => {
    const dir = tempDir();
    const s = await ours(dir);
    const c = await client(s.port);
    await populate(c, 300, 5);
    expect(await c.call(['SAVE'])).toBe('OK');
    c.close();
    await s.stop();
    const good = readFileSync(join(dir, 'dump.rdb'));
    for (const damage of ['truncate', 'flip']) {
      const bad = Buffer.from(damage === 'truncate' ? good.subarray(0, Math.floor(good.length * 0.6)) : good);
      if (damage === 'flip') bad[Math.floor(bad.length / 2)] ^= 0x5a;
      const d = tempDir();
      writeFileSync(join(d, 'dump.rdb'), bad);
      const r = await startOursExpectingFailure(d);
      expect(r.code).toBe(1);
      expect(r.output).toMatch(/offset \d+/);
    }
  }, 40000);
});
