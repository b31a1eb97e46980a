#!/usr/bin/env node
// BGSAVE without fork: while our engine saves N keys (default 1,000,000), a
// client measures command latency (p50/p99/max) and a writer keeps changing
// keys, so the copy-on-write path is exercised; the process's peak RSS is
// sampled against its RSS before the save.
//   node bench/persistence.mjs [--keys 1000000] [--value 16]
import net from 'node:net';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, option, start } from './lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const keys = Number(option(args, '--keys', '1000000'));
const valueSize = Number(option(args, '--value', '16'));

/** A minimal sequential RESP client: one command in flight, inline replies are enough here. */
function connect(port) {
  const sock = net.connect(port, '127.0.0.1');
  sock.setNoDelay(true);
  let buf = '';
  let waiting = null;
  sock.on('data', (d) => {
    buf += d.toString('latin1');
    if (waiting !== null && complete(buf)) {
      const w = waiting;
      waiting = null;
      const r = buf;
      buf = '';
      w(r);
    }
  });
  const complete = (s) => {
    if (s[0] !== '$') return s.endsWith('\r\n');
    const nl = s.indexOf('\r\n');
    if (nl < 0) return false;
    const len = Number(s.slice(1, nl));
    return len < 0 || s.length >= nl + 2 + len + 2;
  };
  return {
    ready: new Promise((r) => sock.once('connect', r)),
    call: (...argv) => new Promise((res) => {
      waiting = res;
      sock.write(`*${argv.length}\r\n${argv.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join('')}`);
    }),
    close: () => sock.destroy(),
  };
}

const rssOf = (pid) => Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]) * 1024;
const mb = (b) => `${(b / 1048576).toFixed(0)} MB`;
const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))];

const dir = mkdtempSync(join(tmpdir(), 'shardis-bench-save-'));
const port = await freePort();
const server = await start(process.execPath, [join(root, 'dist/bin/shardis.js'), 'server', '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--loglevel', 'warning', '--dir', dir, '--enable-debug-command', 'yes'], port);
try {
  const admin = connect(port);
  await admin.ready;
  const populated = await admin.call('DEBUG', 'POPULATE', keys, 'key', valueSize);
  if (!populated.startsWith('+OK')) throw new Error(`DEBUG POPULATE: ${populated.trim()}`);
  // Let the heap settle so "before" is the dataset, not populate's garbage.
  await new Promise((r) => setTimeout(r, 2000));
  const before = rssOf(server.pid);

  const probe = connect(port);
  const writer = connect(port);
  await Promise.all([probe.ready, writer.ready]);
  let saving = true;
  let peak = before;
  let written = 0;
  const lat = [];
  const sampler = setInterval(() => { peak = Math.max(peak, rssOf(server.pid)); }, 20);
  const t0 = performance.now();
  const started = await admin.call('BGSAVE');
  const writes = (async () => {
    while (saving) {
      await writer.call('SET', `key:${Math.floor(Math.random() * keys)}`, 'x'.repeat(valueSize));
      written++;
    }
  })();
  const probing = (async () => {
    while (saving) {
      const t = performance.now();
      await probe.call('GET', `key:${Math.floor(Math.random() * keys)}`);
      lat.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 1));
    }
  })();
  while (saving) {
    await new Promise((r) => setTimeout(r, 50));
    const info = await admin.call('INFO', 'persistence');
    saving = /rdb_bgsave_in_progress:1/.test(info);
  }
  const secs = (performance.now() - t0) / 1000;
  await Promise.all([writes, probing]);
  clearInterval(sampler);
  const stats = await admin.call('INFO', 'persistence');
  lat.sort((a, b) => a - b);
  console.log(`BGSAVE of ${keys} keys (${valueSize}-byte values): ${started.trim()}, ${secs.toFixed(1)} s, status ${stats.match(/rdb_last_bgsave_status:(\S+)/)[1]}`);
  console.log(`concurrent client: ${lat.length} GETs, p50 ${pct(lat, 0.5).toFixed(2)} ms, p99 ${pct(lat, 0.99).toFixed(2)} ms, max ${lat[lat.length - 1].toFixed(2)} ms (target p99 < 10 ms)`);
  console.log(`writer: ${written} SETs during the save`);
  console.log(`RSS before ${mb(before)}, peak during ${mb(peak)}: ${(peak / before).toFixed(2)}x (target <= 1.3x)`);
  for (const c of [admin, probe, writer]) c.close();
} finally {
  server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
