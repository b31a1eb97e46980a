#!/usr/bin/env node
// Throughput of our engine against a real redis-server, same run, same machine:
// redis-benchmark -c 50 -r 100000 at -P 1 and -P 16 for each test, printing
// ops/s of both and the ratio ours/Redis.
// Loopback throughput on a small VM swings by ±15% from run to run, so each
// test runs --rounds times (ours and Redis alternating) and the median of the
// per-round ratios is reported.
//   node bench/engine.mjs [--tests set,get,...] [-n requests] [--pipelines 1,16] [--rounds 3]
import { spawnSync } from 'node:child_process';
import { freePort, option, start } from './lib.mjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, def) => option(args, name, def);
const tests = opt('--tests', 'set,get,incr,lpush,mset,lpop,sadd,hset,zadd,zrange').split(',');
const pipelines = opt('--pipelines', '1,16').split(',').map(Number);
const n = Number(opt('-n', '200000'));
const rounds = Number(opt('--rounds', '3'));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];


// Tests redis-benchmark has no built-in for run as explicit commands, on the
// sorted set its zadd test fills (key "myzset").
const custom = { zrange: ['ZRANGE', 'myzset', '0', '99'] };
function runBench(port, test, pipeline) {
  const reqs = pipeline > 1 ? n * 4 : n;
  const base = ['-p', String(port), '-c', '50', '-n', String(reqs), '-r', '100000', '-P', String(pipeline), '--csv'];
  // LPOP needs elements to pop, ZRANGE a populated set: fill them first.
  const fill = test === 'lpop' ? 'lpush' : test === 'zrange' ? 'zadd' : null;
  if (fill) spawnSync('redis-benchmark', [...base, '-t', fill], { encoding: 'utf8' });
  const r = spawnSync('redis-benchmark', custom[test] ? [...base, ...custom[test]] : [...base, '-t', test], { encoding: 'utf8' });
  for (const line of r.stdout.split('\n')) {
    const cols = line.split('","').map((x) => x.replace(/"/g, ''));
    if (cols.length > 1 && cols[0].split(' ')[0].toUpperCase() === test.toUpperCase()) return Number(cols[1]);
  }
  return NaN;
}

const dir = mkdtempSync(join(tmpdir(), 'shardis-bench-'));
const ourPort = await freePort();
const redisPort = await freePort();
const ours = await start(process.execPath, [join(root, 'dist/bin/shardis.js'), 'server', '--port', String(ourPort), '--bind', '127.0.0.1', '--save', '', '--loglevel', 'warning', '--dir', dir], ourPort);
const redis = await start('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], redisPort);
console.log(`redis-benchmark -c 50 -r 100000, ${n} requests (x4 when pipelined); ours on ${ourPort}, redis ${spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout.match(/v=(\S+)/)?.[1]} on ${redisPort}`);
console.log(`test        pipeline   shardis ops/s    redis ops/s   ratio (medians of ${rounds} rounds)`);
const rows = [];
try {
  for (const p of pipelines) {
    for (const t of tests) {
      const ours = [], theirs = [], ratios = [];
      for (let r = 0; r < rounds; r++) {
        ours.push(runBench(ourPort, t, p));
        theirs.push(runBench(redisPort, t, p));
        ratios.push(ours[r] / theirs[r]);
      }
      const a = median(ours), b = median(theirs), ratio = median(ratios);
      rows.push({ test: t, pipeline: p, ours: a, redis: b, ratio });
      console.log(`${t.padEnd(12)}${String(p).padStart(8)}${a.toFixed(0).padStart(16)}${b.toFixed(0).padStart(15)}${(100 * ratio).toFixed(0).padStart(7)}%`);
    }
  }
} finally {
  ours.kill('SIGKILL');
  redis.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
if (process.env.BENCH_JSON) console.log(JSON.stringify(rows));
