#!/usr/bin/env node
// Asynchronous migration (SLOTSMGRTTAGSLOT-ASYNC / SLOTSMGRTONE-ASYNC) between
// two of our servers, each its own process, with the dashboard's settings
// (timeout 5000, maxbulks 200, maxbytes 32 MiB, numkeys 500):
//  1. N small keys (default 1,000,000) over all 1024 slots, loaded pipelined,
//     then every slot moved by SLOTSMGRTTAGSLOT-ASYNC loops, several slots in
//     parallel with one batch at a time on the source, as the dashboard runs
//     them: elapsed seconds and keys/s;
//  2. one hash of M elements (default 1,000,000) moved in chunks while a probe
//     client PINGs the source back to back: p99 and max latency.
//   node bench/migration.mjs [--keys 1000000] [--hash 1000000] [--parallel 8]
import net from 'node:net';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, option, start } from './lib.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const nkeys = Number(option(args, '--keys', '1000000'));
const hashSize = Number(option(args, '--hash', '1000000'));
const parallel = Number(option(args, '--parallel', '8'));
const [TIMEOUT, MAXBULKS, MAXBYTES, NUMKEYS] = [5000, 200, 32 * 1024 * 1024, 500];

/** A pipelining RESP client: call() resolves with the decoded reply, in order. */
function connect(port) {
  const sock = net.connect(port, '127.0.0.1');
  sock.setNoDelay(true);
  let buf = Buffer.alloc(0);
  const waiting = [];
  const parse = (pos) => {
    if (pos >= buf.length) return null;
    const nl = buf.indexOf('\r\n', pos);
    if (nl < 0) return null;
    const t = buf[pos];
    const line = buf.toString('latin1', pos + 1, nl);
    if (t === 43) return [line, nl + 2];
    if (t === 45) return [new Error(line), nl + 2];
    if (t === 58) return [Number(line), nl + 2];
    if (t === 36) {
      const n = Number(line);
      if (n < 0) return [null, nl + 2];
      if (buf.length < nl + 2 + n + 2) return null;
      return [buf.toString('latin1', nl + 2, nl + 2 + n), nl + 4 + n];
    }
    if (t === 42) {
      const n = Number(line);
      const out = [];
      let p = nl + 2;
      for (let i = 0; i < n; i++) {
        const r = parse(p);
        if (r === null) return null;
        out.push(r[0]);
        p = r[1];
      }
      return [n < 0 ? null : out, p];
    }
    throw new Error(`bad reply byte ${t}`);
  };
  sock.on('data', (d) => {
    buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
    let pos = 0;
    for (;;) {
      const r = parse(pos);
      if (r === null) break;
      pos = r[1];
      waiting.shift()(r[0]);
    }
    buf = buf.subarray(pos);
  });
  const encode = (argv) => `*${argv.length}\r\n${argv.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join('')}`;
  return {
    ready: new Promise((r) => sock.once('connect', r)),
    call: (...argv) => new Promise((res) => { waiting.push(res); sock.write(encode(argv)); }),
    /** Sends many commands in one write; resolves with their replies. */
    pipeline: (cmds) => {
      const replies = cmds.map(() => new Promise((res) => waiting.push(res)));
      sock.write(cmds.map(encode).join(''));
      return Promise.all(replies);
    },
    close: () => sock.destroy(),
  };
}

const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const bin = join(root, 'dist/bin/shardis.js');
const dirs = [mkdtempSync(join(tmpdir(), 'shardis-bench-src-')), mkdtempSync(join(tmpdir(), 'shardis-bench-dst-'))];
const [sport, dport] = [await freePort(), await freePort()];
const common = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'];
const src = await start(process.execPath, [bin, 'server', '--port', String(sport), '--dir', dirs[0], ...common], sport);
const dst = await start(process.execPath, [bin, 'server', '--port', String(dport), '--dir', dirs[1], ...common], dport);
try {
  const admin = connect(sport);
  const target = connect(dport);
  await Promise.all([admin.ready, target.ready]);

  // ---------------------------------------------------------------- 1. every slot
  let t = performance.now();
  for (let i = 0; i < nkeys; i += 10000) {
    const cmds = [];
    for (let j = i; j < Math.min(nkeys, i + 10000); j++) cmds.push(['SET', `key:${j}`, `value-${j}`]);
    await admin.pipeline(cmds);
  }
  console.log(`loaded ${nkeys} keys in ${((performance.now() - t) / 1000).toFixed(1)} s; source dbsize ${await admin.call('DBSIZE')}`);

  // One batch at a time on the source (the dashboard's per-group turn), `parallel` slots in progress.
  let turn = Promise.resolve();
  const serialized = (fn) => { const next = turn.then(fn); turn = next.catch(() => {}); return next; };
  const slots = Array.from({ length: 1024 }, (_, i) => i);
  let moved = 0;
  let calls = 0;
  t = performance.now();
  await Promise.all(Array.from({ length: parallel }, async () => {
    const c = connect(sport);
    await c.ready;
    for (let slot = slots.shift(); slot !== undefined; slot = slots.shift()) {
      for (;;) {
        const r = await serialized(() => c.call('SLOTSMGRTTAGSLOT-ASYNC', '127.0.0.1', dport, TIMEOUT, MAXBULKS, MAXBYTES, slot, NUMKEYS));
        if (!Array.isArray(r)) throw new Error(`slot ${slot}: ${r}`);
        calls++;
        moved += r[0];
        if (r[1] === 0) break;
      }
    }
    c.close();
  }));
  const secs = (performance.now() - t) / 1000;
  const [left, arrived] = [await admin.call('DBSIZE'), await target.call('DBSIZE')];
  console.log(`moved ${moved} keys of 1024 slots in ${secs.toFixed(1)} s (target < 60 s): ${Math.round(moved / secs)} keys/s, ${calls} calls; source ${left} keys left, target ${arrived}`);

  // ---------------------------------------------------------------- 2. one big hash
  t = performance.now();
  for (let i = 0; i < hashSize; i += 100000) {
    const cmds = [];
    for (let j = i; j < Math.min(hashSize, i + 100000); j += 1000) {
      const fields = [];
      for (let k = j; k < Math.min(hashSize, j + 1000); k++) fields.push(`field:${k}`, `value:${k}`);
      cmds.push(['HSET', 'bighash', ...fields]);
    }
    await admin.pipeline(cmds);
  }
  console.log(`loaded a hash of ${await admin.call('HLEN', 'bighash')} elements in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  await admin.call('SET', 'probe-key', 'x');
  const probe = connect(sport);
  await probe.ready;
  const lat = [];
  let running = true;
  const probing = (async () => {
    while (running) {
      const t0 = performance.now();
      await probe.call('PING');
      lat.push(performance.now() - t0);
    }
  })();
  t = performance.now();
  const r = await admin.call('SLOTSMGRTONE-ASYNC', '127.0.0.1', dport, 30000, MAXBULKS, MAXBYTES, 'bighash');
  const hsecs = (performance.now() - t) / 1000;
  running = false;
  await probing;
  lat.sort((a, b) => a - b);
  console.log(`moved the hash (reply ${r}) in ${hsecs.toFixed(1)} s: ${Math.round(hashSize / hsecs)} elements/s; target HLEN ${await target.call('HLEN', 'bighash')}`);
  console.log(`probe on the source meanwhile: ${lat.length} PINGs, p50 ${pct(lat, 0.5).toFixed(2)} ms, p99 ${pct(lat, 0.99).toFixed(2)} ms, max ${lat[lat.length - 1].toFixed(2)} ms (target max < 50 ms)`);
  // ------------------------------------------- 3. the keys back, driven by the dashboard
  // After the hash, so the hash figure is taken with the source's heap as small as in phase 2 of a standalone run.
  // The whole path an operator uses: slot actions persisted at every step, ownership and tables pushed.
  {
    const dashPort = await freePort();
    const dashDir = mkdtempSync(join(tmpdir(), 'shardis-bench-dash-'));
    dirs.push(dashDir);
    const token = 'bench';
    const dash = spawn(process.execPath, [bin, 'dashboard', '--storage', `fs:${dashDir}`, '--listen', `127.0.0.1:${dashPort}`, '--token', token,
      '--migration-parallel-slots', String(parallel)], { stdio: ['ignore', 'pipe', 'inherit'] });
    process.on('exit', () => dash.kill('SIGKILL'));
    await new Promise((res) => dash.stdout.on('data', (d) => { if (String(d).includes('shardis dashboard for product')) res(); }));
    const api = async (method, path, body) => {
      const r = await fetch(`http://127.0.0.1:${dashPort}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
      if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
      return r.json();
    };
    await api('POST', '/api/groups', { id: 1 });
    await api('POST', '/api/groups/1/servers', { addr: `127.0.0.1:${dport}` });
    await api('POST', '/api/groups', { id: 2 });
    await api('POST', '/api/groups/2/servers', { addr: `127.0.0.1:${sport}` });
    await api('POST', '/api/slots/assign', { from: 0, to: 1023, groupId: 1 });
    t = performance.now();
    await api('POST', '/api/slots/actions', { from: 0, to: 1023, groupId: 2 });
    while ((await api('GET', '/api/slots/actions')).length > 0) await new Promise((res) => setTimeout(res, 100));
    const dsecs = (performance.now() - t) / 1000;
    console.log(`dashboard: moved ${await admin.call('DBSIZE')} keys back in 1024 slot actions in ${dsecs.toFixed(1)} s (target < 60 s), ${parallel} slots in parallel; ${await target.call('DBSIZE')} left behind`);
    dash.kill('SIGKILL');
    await admin.call('SLOTSSTATE', 'RESET');
    await target.call('SLOTSSTATE', 'RESET');
  }

  for (const c of [admin, target, probe]) c.close();
} finally {
  src.kill('SIGKILL');
  dst.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
