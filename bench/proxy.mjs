#!/usr/bin/env node
// Our proxy against twemproxy (Debian's nutcracker, ketama) in front of the
// same three redis-server backends, same run: redis-benchmark -c 50 (SET,
// GET, MSET) at -P 1 and -P 16 through each. Prints throughput and the CPU
// time each proxy process used per request (from /proc/<pid>/stat), plus the
// added p50 latency of one hop at -c 1 against a direct connection.
//   node bench/proxy.mjs [-n requests] [--workers N]
import { spawnSync } from 'node:child_process';
import { freePort, option, start } from './lib.mjs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, def) => option(args, name, def);
const n = Number(opt('-n', '200000'));
const workers = opt('--workers', '1');

/** CPU seconds (user+system) of a process and its children threads. */
function cpu(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}
function cpuTree(pid) {
  let t = cpu(pid);
  const kids = spawnSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  for (const k of kids) { try { t += cpu(Number(k)); } catch { /* gone */ } }
  return t;
}
function bench(port, test, pipeline, clients = 50, reqs = n) {
  const r = spawnSync('redis-benchmark', ['-p', String(port), '-c', String(clients), '-n', String(reqs), '-r', '100000', '-P', String(pipeline), '-t', test, '--csv'], { encoding: 'utf8' });
  const line = r.stdout.split('\n').find((l) => l.toUpperCase().startsWith(`"${test.toUpperCase()}`));
  if (!line) return { rps: NaN, p50: NaN };
  const cols = line.split('","').map((x) => Number(x.replace(/"/g, '')));
  return { rps: cols[1], p50: cols[3] };
}

const dir = mkdtempSync(join(tmpdir(), 'shardis-pbench-'));
const procs = [];
try {
  const bports = [await freePort(), await freePort(), await freePort()];
  for (const p of bports) procs.push(await start('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], p));
  const slots = { groups: bports.map((p, i) => ({ id: i + 1, master: `127.0.0.1:${p}`, replicas: [] })), slots: { '0-340': 1, '341-681': 2, '682-1023': 3 } };
  writeFileSync(join(dir, 'slots.json'), JSON.stringify(slots));
  const ourPort = await freePort();
  const adminPort = await freePort();
  const ours = await start(process.execPath, [join(root, 'dist/bin/shardis.js'), 'proxy', '--slots', join(dir, 'slots.json'), '--listen', `127.0.0.1:${ourPort}`, '--admin', `127.0.0.1:${adminPort}`, '--workers', workers, '--token', 'bench'], ourPort);
  procs.push(ours);
  const twemPort = await freePort();
  writeFileSync(join(dir, 'nutcracker.yml'), `bench:\n  listen: 127.0.0.1:${twemPort}\n  hash: fnv1a_64\n  distribution: ketama\n  redis: true\n  server_retry_timeout: 2000\n  server_failure_limit: 3\n  servers:\n${bports.map((p) => `   - 127.0.0.1:${p}:1`).join('\n')}\n`);
  const twem = await start('nutcracker', ['-c', join(dir, 'nutcracker.yml'), '-s', String(await freePort())], twemPort);
  procs.push(twem);
  console.log(`3 redis-server backends; shardis proxy (--workers ${workers}) on ${ourPort}; twemproxy ${spawnSync('nutcracker', ['--version'], { encoding: 'utf8' }).stderr.trim().split('\n')[0]} on ${twemPort}`);
  console.log('test   P    shardis ops/s  twemproxy ops/s   shardis µs CPU/req  twemproxy µs CPU/req');
  for (const P of [1, 16]) {
    for (const t of ['set', 'get', 'mset']) {
      const reqs = P > 1 ? n * 4 : n;
      const c0 = cpuTree(ours.pid); const a = bench(ourPort, t, P, 50, reqs); const c1 = cpuTree(ours.pid);
      const d0 = cpuTree(twem.pid); const b = bench(twemPort, t, P, 50, reqs); const d1 = cpuTree(twem.pid);
      console.log(`${t.padEnd(6)}${String(P).padStart(2)}${a.rps.toFixed(0).padStart(16)}${b.rps.toFixed(0).padStart(17)}${((c1 - c0) / reqs * 1e6).toFixed(2).padStart(21)}${((d1 - d0) / reqs * 1e6).toFixed(2).padStart(22)}`);
    }
  }
  const direct = bench(bports[0], 'get', 1, 1, 20000);
  const via = bench(ourPort, 'get', 1, 1, 20000);
  const viaT = bench(twemPort, 'get', 1, 1, 20000);
  console.log(`added p50 latency at -c 1 (GET): shardis ${((via.p50 - direct.p50) * 1000).toFixed(0)} µs, twemproxy ${((viaT.p50 - direct.p50) * 1000).toFixed(0)} µs (direct p50 ${(direct.p50 * 1000).toFixed(0)} µs)`);
} finally {
  for (const p of procs) p.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
