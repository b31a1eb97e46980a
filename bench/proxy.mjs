#!/usr/bin/env node
// Our proxy against twemproxy (Debian's nutcracker, ketama) in front of the
// same three redis-server backends, same run: redis-benchmark -c 50 (SET,
// GET, MSET) at -P 1 and -P 16 through each. Prints throughput and the CPU
// time each proxy process used per request (from /proc/<pid>/stat), the
// throughput of a second proxy with --workers 2 (its CPU is the sum of its
// processes), and the added p50 latency of one hop at -c 1 against a direct
// connection.
// Loopback figures on a small VM swing from run to run, so every test runs
// --rounds times (the proxies alternating, after a warm-up) and medians are
// printed; CPU per request moves less with the machine's load than ops/s.
//   node bench/proxy.mjs [-n requests] [--rounds 3] [--workers2 2] [--tests set,get,mset] [--pipelines 1,16] [--dist DIR]
import { spawnSync } from 'node:child_process';
import { freePort, option, start } from './lib.mjs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, def) => option(args, name, def);
const n = Number(opt('-n', '200000'));
const rounds = Number(opt('--rounds', '3'));
const workers2 = Number(opt('--workers2', '2'));
const tests = opt('--tests', 'set,get,mset').split(',');
const pipelines = opt('--pipelines', '1,16').split(',').map(Number);
// The build to measure (default: this tree's dist/).
const dist = opt('--dist', join(root, 'dist'));
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** CPU seconds (user+system) of a process. */
function cpu(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}
/** CPU seconds of a process and its child processes (the workers of a --workers N proxy). */
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
/** One measured run: ops/s and CPU µs per request of the proxy process tree. */
function measure(proc, port, test, P) {
  const reqs = P > 1 ? n * 4 : n;
  const c0 = cpuTree(proc.pid);
  const r = bench(port, test, P, 50, reqs);
  const c1 = cpuTree(proc.pid);
  return { rps: r.rps, us: (c1 - c0) / reqs * 1e6 };
}

const dir = mkdtempSync(join(tmpdir(), 'shardis-pbench-'));
const procs = [];
try {
  const bports = [await freePort(), await freePort(), await freePort()];
  for (const p of bports) procs.push(await start('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], p));
  const slots = { groups: bports.map((p, i) => ({ id: i + 1, master: `127.0.0.1:${p}`, replicas: [] })), slots: { '0-340': 1, '341-681': 2, '682-1023': 3 } };
  writeFileSync(join(dir, 'slots.json'), JSON.stringify(slots));
  const proxy = async (workers) => {
    const port = await freePort();
    const p = await start(process.execPath, [join(dist, 'bin/shardis.js'), 'proxy', '--slots', join(dir, 'slots.json'), '--listen', `127.0.0.1:${port}`, '--admin', `127.0.0.1:${await freePort()}`, '--workers', String(workers), '--token', 'bench'], port);
    procs.push(p);
    return { proc: p, port };
  };
  const ours = await proxy(1);
  const ours2 = workers2 > 1 ? await proxy(workers2) : null;
  const twemPort = await freePort();
  writeFileSync(join(dir, 'nutcracker.yml'), `bench:\n  listen: 127.0.0.1:${twemPort}\n  hash: fnv1a_64\n  distribution: ketama\n  redis: true\n  server_retry_timeout: 2000\n  server_failure_limit: 3\n  servers:\n${bports.map((p) => `   - 127.0.0.1:${p}:1`).join('\n')}\n`);
  const twemProc = await start('nutcracker', ['-c', join(dir, 'nutcracker.yml'), '-s', String(await freePort())], twemPort);
  procs.push(twemProc);
  const twem = { proc: twemProc, port: twemPort };
  const load = () => loadavg()[0].toFixed(2);
  console.log(`3 redis-server backends; shardis proxy --workers 1 on ${ours.port}${ours2 ? `, --workers ${workers2} on ${ours2.port}` : ''}; twemproxy ${spawnSync('nutcracker', ['--version'], { encoding: 'utf8' }).stderr.trim().split('\n')[0]} on ${twemPort}`);
  console.log(`redis-benchmark -c 50 -r 100000, ${n} requests (x4 pipelined); medians of ${rounds} rounds; load average at start ${load()}`);
  // Warm-up: V8 compiles the hot paths during the first requests (on its own threads, counted in the
  // proxy's CPU time); measure the steady state, and fill the keys GET reads, through every proxy alike.
  for (const x of [ours, twem, ours2]) if (x) for (const t of tests) for (const P of pipelines) bench(x.port, t, P, 50, 20000);
  console.log(`test   P   shardis ops/s  twemproxy ops/s  shardis µs CPU/req  twemproxy µs CPU/req${ours2 ? `  w${workers2} ops/s  w${workers2} µs CPU/req` : ''}`);
  for (const P of pipelines) {
    for (const t of tests) {
      const a = [], b = [], c = [];
      for (let r = 0; r < rounds; r++) {
        a.push(measure(ours.proc, ours.port, t, P));
        b.push(measure(twem.proc, twem.port, t, P));
        if (ours2) c.push(measure(ours2.proc, ours2.port, t, P));
      }
      const m = (xs, k) => median(xs.map((x) => x[k]));
      let line = `${t.padEnd(6)}${String(P).padStart(2)}${m(a, 'rps').toFixed(0).padStart(16)}${m(b, 'rps').toFixed(0).padStart(17)}${m(a, 'us').toFixed(2).padStart(20)}${m(b, 'us').toFixed(2).padStart(22)}`;
      if (ours2) line += `${m(c, 'rps').toFixed(0).padStart(10)}${m(c, 'us').toFixed(2).padStart(17)}`;
      console.log(line);
    }
  }
  // Added latency of one hop: p50 at -c 1 through each proxy minus p50 directly against a backend.
  const d = [], v = [], vt = [];
  for (let r = 0; r < rounds; r++) {
    d.push(bench(bports[0], 'get', 1, 1, 20000).p50);
    v.push(bench(ours.port, 'get', 1, 1, 20000).p50);
    vt.push(bench(twem.port, 'get', 1, 1, 20000).p50);
  }
  const direct = median(d);
  console.log(`added p50 latency at -c 1 (GET): shardis ${((median(v) - direct) * 1000).toFixed(0)} µs, twemproxy ${((median(vt) - direct) * 1000).toFixed(0)} µs (direct p50 ${(direct * 1000).toFixed(0)} µs); load average at end ${load()}`);
} finally {
  for (const p of procs) p.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
