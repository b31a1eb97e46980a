/*
 * Latency: the latency monitor (latency-monitor-threshold, LATENCY LATEST /
 * HISTORY / RESET / DOCTOR / GRAPH), as Redis's latency.c, and per-command
 * latency histograms (latency-tracking) behind INFO latencystats and
 * LATENCY HISTOGRAM. Histograms are log-linear (16 sub-buckets per power
 * of two, microseconds), close to the HdrHistogram precision Redis uses.
 */
import type { Server, CommandStat } from './server.js';
import { F } from '../common/commands/index.js';

const SAMPLES_MAX = 160;
const HIST_SIZE = 16 + 48 * 16;

function bucketOf(us: number): number {
  if (us < 16) return us < 0 ? 0 : us;
  const e = Math.floor(Math.log2(us));
  const sub = Math.floor(us / 2 ** (e - 4)) & 15;
  const i = 16 + (e - 4) * 16 + sub;
  return i < HIST_SIZE ? i : HIST_SIZE - 1;
}

/** Highest value (µs) of a bucket. */
function bucketHigh(i: number): number {
  if (i < 16) return i;
  const e = Math.floor((i - 16) / 16) + 4;
  const sub = (i - 16) % 16;
  return (16 + sub + 1) * 2 ** (e - 4) - 1;
}

export function histRecord(st: CommandStat, us: number): void {
  let h = st.hist;
  if (h === undefined) {
    h = new Uint32Array(HIST_SIZE);
    st.hist = h;
  }
  h[bucketOf(us)]!++;
}

function histTotal(h: Uint32Array): number {
  let n = 0;
  for (const v of h) n += v;
  return n;
}

/** The value (µs) at a percentile, as hdr_value_at_percentile. */
export function histPercentile(h: Uint32Array, p: number): number {
  const total = histTotal(h);
  if (total === 0) return 0;
  const want = Math.max(1, Math.ceil((p / 100) * total));
  let acc = 0;
  for (let i = 0; i < h.length; i++) {
    acc += h[i]!;
    if (acc >= want) return bucketHigh(i);
  }
  return bucketHigh(h.length - 1);
}

/** LATENCY HISTOGRAM's buckets: cumulative counts at 1, 2, 4... µs, only where the count grows. */
export function histCdf(h: Uint32Array): { calls: number; buckets: [number, number][] } {
  const total = histTotal(h);
  const out: [number, number][] = [];
  let prev = 0;
  let acc = 0;
  let i = 0;
  for (let b = 1; acc < total; b *= 2) {
    while (i < h.length && bucketHigh(i) < b) acc += h[i++]!;
    if (i < h.length && bucketHigh(i) === b) acc += h[i++]!;
    if (acc > prev) out.push([b, acc]);
    prev = acc;
    if (b > 2 ** 40) break;
  }
  return { calls: total, buckets: out };
}

/** latencyAddSampleIfNeeded. */
export function latencyAddSampleIfNeeded(server: Server, event: string, ms: number): void {
  const threshold = server.config.num('latency-monitor-threshold');
  if (threshold > 0 && ms >= threshold) latencyAddSample(server, event, ms);
}

export function latencyAddSample(server: Server, event: string, ms: number): void {
  let ts = server.latencyEvents.get(event);
  if (ts === undefined) {
    ts = { samples: [], max: 0 };
    server.latencyEvents.set(event, ts);
  }
  const now = Math.floor(Date.now() / 1000);
  if (ms > ts.max) ts.max = ms;
  const last = ts.samples[ts.samples.length - 1];
  if (last !== undefined && last[0] === now) {
    if (ms > last[1]) last[1] = ms;
    return;
  }
  ts.samples.push([now, ms]);
  if (ts.samples.length > SAMPLES_MAX) ts.samples.shift();
}

/** Installs the after-call hook according to latency-tracking and latency-monitor-threshold. */
export function installLatency(server: Server): void {
  const apply = () => {
    const tracking = server.config.bool('latency-tracking');
    const threshold = server.config.num('latency-monitor-threshold');
    if (!tracking && threshold <= 0) {
      server.latencyHook = null;
      return;
    }
    server.latencyHook = (cmd, st, us) => {
      if (tracking) histRecord(st, us);
      if (threshold > 0) {
        const ms = Math.floor(us / 1000);
        if (ms >= threshold) latencyAddSample(server, (cmd.flags & F.fast) !== 0 ? 'fast-command' : 'command', ms);
      }
    };
  };
  apply();
  server.config.onChange((name) => {
    if (name === 'latency-tracking' || name === 'latency-monitor-threshold') apply();
  });
}

/** sparklineRenderRange (Redis's sparkline.c) with SPARKLINE_FILL, 4 rows, labels under the graph. */
function sparkline(values: number[], labels: string[], rows: number): string {
  const charset = '_-`';
  const fill = '_o#';
  const clen = charset.length;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  let relmax = max - min;
  if (relmax === 0) relmax = 1;
  const steps = clen * rows;
  let out = '';
  const len = values.length;
  for (let row = 0; ; row++) {
    let loop = false;
    const chars = new Array<string>(len).fill(' ');
    for (let j = 0; j < len; j++) {
      const relval = values[j]! - min;
      let step = Math.trunc(Math.trunc(relval * steps) / relmax);
      if (step < 0) step = 0;
      if (step >= steps) step = steps - 1;
      if (row < rows) {
        const idx = step - (rows - row - 1) * clen;
        loop = true;
        if (idx >= 0 && idx < clen) chars[j] = fill[idx]!;
        else if (idx >= clen) chars[j] = '|';
      } else {
        if (row - rows < 1) { // label_margin_top
          loop = true;
          break;
        }
        const label = labels[j]!;
        const at = row - rows - 1;
        if (label.length > at) {
          loop = true;
          chars[j] = label[at]!;
        }
      }
    }
    if (!loop) break;
    out += chars.join('') + '\n';
  }
  return out;
}

/** LATENCY GRAPH: Redis's latencyCommandGenSparkeline. */
export function latencyGraph(server: Server, event: string): string {
  const ts = server.latencyEvents.get(event)!;
  const now = Math.floor(Date.now() / 1000);
  const values: number[] = [];
  const labels: string[] = [];
  let min = 0;
  let max = 0;
  for (const [t, v] of ts.samples) {
    if (values.length === 0) min = max = v;
    else {
      if (v > max) max = v;
      if (v < min) min = v;
    }
    const e = now - t;
    labels.push(e < 60 ? `${e}s` : e < 3600 ? `${Math.floor(e / 60)}m` : e < 86400 ? `${Math.floor(e / 3600)}h` : `${Math.floor(e / 86400)}d`);
    values.push(v);
  }
  let graph = `${event} - high ${max} ms, low ${min} ms (all time high ${ts.max} ms)\n` + '-'.repeat(80) + '\n';
  for (let j = 0; j < values.length; j += 80) {
    if (j !== 0) graph += '\n';
    graph += sparkline(values.slice(j, j + 80), labels.slice(j, j + 80), 4);
  }
  return graph;
}

/** analyzeLatencyForEvent: sample count, average, mean deviation, period (seconds per spike). */
function analyze(samples: [number, number][]): { n: number; avg: number; mad: number; period: number } {
  const n = samples.length;
  if (n === 0) return { n, avg: 0, mad: 0, period: 0 };
  let sum = 0;
  let oldest = 0;
  for (const [t, v] of samples) {
    sum += v;
    if (oldest === 0 || t < oldest) oldest = t;
  }
  const avg = Math.floor(sum / n);
  let period = Math.floor(Date.now() / 1000) - oldest;
  if (period === 0) period = 1;
  let dev = 0;
  for (const [, v] of samples) dev += Math.abs(avg - v);
  return { n, avg, mad: Math.floor(dev / n), period };
}

/** LATENCY DOCTOR (createLatencyReport), with the advices Redis gives for command latency. */
export function latencyDoctor(server: Server): string {
  if (server.latencyEvents.size === 0) {
    return "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sleep better tonight.\n";
  }
  let s = "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n";
  let i = 1;
  let slowlogEnabled = false;
  let slowlogTuning = false;
  let slowlogInspect = false;
  let largeObjects = false;
  const threshold = server.config.num('latency-monitor-threshold');
  const slower = server.config.num('slowlog-log-slower-than');
  for (const [event, ts] of server.latencyEvents) {
    const a = analyze(ts.samples);
    if (a.n === 0) continue;
    s += `${i++}. ${event}: ${a.n} latency spikes (average ${a.avg}ms, mean deviation ${a.mad}ms, period ${(a.period / a.n).toFixed(2)} sec). Worst all time event ${ts.max}ms.\n`;
    if (event === 'command' || event === 'fast-command') {
      if (slower < 0) slowlogEnabled = true;
      else if (slower / 1000 > threshold) slowlogTuning = true;
      slowlogInspect = true;
      largeObjects = true;
    }
  }
  s += '\nI have a few advices for you:\n\n';
  if (slowlogEnabled) s += `- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than ${threshold * 1000}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n`;
  if (slowlogTuning) s += `- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than ${threshold * 1000}'.\n`;
  if (slowlogInspect) s += '- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n';
  if (largeObjects) s += '- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n';
  return s;
}
