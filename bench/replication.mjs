#!/usr/bin/env node
// Replication under load: a master of ours at full write throughput
// (redis-benchmark -P 16, SET with random keys) and one replica of ours. Every
// 100 ms the master's offset is sampled; the replica's lag is how long it took
// to reach each sampled offset. Also prints full/partial syncs: while the link
// is up, the backlog must never force a full sync.
//   node bench/replication.mjs [-n requests]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, option, start } from './lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const n = Number(option(process.argv.slice(2), '-n', '3000000'));
const bin = join(root, 'dist/bin/shardis.js');
const cli = (port, ...args) => spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).stdout;
const field = (text, name) => Number(text.match(new RegExp(`${name}:(\\d+)`))?.[1] ?? NaN);

const dirs = [mkdtempSync(join(tmpdir(), 'shardis-bench-m-')), mkdtempSync(join(tmpdir(), 'shardis-bench-r-'))];
const mport = await freePort();
const rport = await freePort();
const common = ['--bind', '127.0.0.1', '--save', '', '--loglevel', 'warning', '--repl-diskless-sync-delay', '0'];
const master = await start(process.execPath, [bin, 'server', '--port', String(mport), '--dir', dirs[0], ...common], mport);
const replica = await start(process.execPath, [bin, 'server', '--port', String(rport), '--dir', dirs[1], '--replicaof', '127.0.0.1', String(mport), ...common], rport);
try {
  while (!/master_link_status:up/.test(cli(rport, 'INFO', 'replication'))) await new Promise((r) => setTimeout(r, 100));
  const samples = [];
  let maxLagMs = 0;
  let maxBehind = 0;
  const bench = spawn('redis-benchmark', ['-p', String(mport), '-c', '50', '-P', '16', '-n', String(n), '-r', '1000000', '-t', 'set', '--csv'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  bench.stdout.on('data', (d) => { out += d; });
  const finished = new Promise((r) => bench.once('exit', r));
  let running = true;
  void finished.then(() => { running = false; });
  while (running) {
    const t = Date.now();
    const m = field(cli(mport, 'INFO', 'replication'), 'master_repl_offset');
    const r = field(cli(rport, 'INFO', 'replication'), 'slave_repl_offset');
    samples.push({ t, m });
    maxBehind = Math.max(maxBehind, m - r);
    // The replica has now reached every sample up to offset r: their lag is known.
    while (samples.length > 0 && samples[0].m <= r) maxLagMs = Math.max(maxLagMs, t - samples.shift().t);
    await new Promise((res) => setTimeout(res, 100));
  }
  const endM = field(cli(mport, 'INFO', 'replication'), 'master_repl_offset');
  const t0 = Date.now();
  while (field(cli(rport, 'INFO', 'replication'), 'slave_repl_offset') < endM) await new Promise((res) => setTimeout(res, 20));
  maxLagMs = Math.max(maxLagMs, Date.now() - t0);
  const stats = cli(mport, 'INFO', 'stats');
  const ops = out.split('\n').find((l) => l.startsWith('"SET'))?.split('","')[1];
  console.log(`master: ${Number(ops).toFixed(0)} SET/s at -P 16 (${n} requests), stream ${(endM / 1048576).toFixed(0)} MB`);
  console.log(`replica lag: max ${maxLagMs} ms (target < 1000 ms), at most ${(maxBehind / 1024).toFixed(0)} KB behind`);
  console.log(`syncs: full ${field(stats, 'sync_full')}, partial ok ${field(stats, 'sync_partial_ok')} (target: 1 full, the initial one)`);
} finally {
  master.kill('SIGKILL');
  replica.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
