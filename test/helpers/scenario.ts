/*
 * Multi-client scripts for compare-with-Redis tests (pub/sub, WATCH,
 * notifications): each step runs on a numbered connection; a step may read
 * several replies (SUBSCRIBE a b c), only send, only read (messages pushed by
 * another client's command), or wait. At the end, whatever each connection
 * received without reading it is part of the transcript too, so an extra or
 * missing message shows as a difference.
 */
import { RawClient, show, type Reply } from './raw-client.js';

type Arg = string | number | Buffer;

export interface ScenarioStep {
  /** Connection number (default 0). */
  c?: number;
  /** Command to send. */
  argv?: Arg[];
  /** Replies to read after sending (default 1 with argv, else 0). */
  replies?: number;
  /**
   * The order is unspecified: one array reply is compared as a multiset;
   * several replies (UNSUBSCRIBE with no argument) as a multiset of
   * their contents without the last element (the running count), plus the
   * sequence of those counts.
   */
  unordered?: boolean;
  /** Milliseconds to wait before the step. */
  sleep?: number;
  /** Close this connection. */
  close?: boolean;
}

export type Scenario = (ScenarioStep | [number, ...Arg[]])[];

function unordered(got: unknown[]): unknown[] {
  const key = (x: unknown) => JSON.stringify(x);
  if (got.length === 1 && Array.isArray(got[0])) return [(got[0] as unknown[]).map(key).sort()];
  const items = (x: unknown): unknown[] | null => {
    if (Array.isArray(x)) return x;
    if (typeof x === 'object' && x !== null && 'push' in x) return (x as { push: unknown[] }).push;
    return null;
  };
  const bodies = got.map((x) => { const it = items(x); return it === null ? key(x) : key(it.slice(0, -1)); }).sort();
  const counts = got.map((x) => { const it = items(x); return it === null ? null : it[it.length - 1]; });
  return [bodies, counts];
}

export async function runScenario(port: number, steps: Scenario, resp: 2 | 3 = 2): Promise<unknown[]> {
  const clients = new Map<number, RawClient>();
  const get = async (i: number): Promise<RawClient> => {
    let cl = clients.get(i);
    if (cl === undefined) {
      cl = new RawClient(port);
      await cl.connect();
      if (resp === 3) await cl.call(['HELLO', '3']);
      clients.set(i, cl);
    }
    return cl;
  };
  const out: unknown[] = [];
  try {
    for (const s of steps) {
      const step: ScenarioStep = Array.isArray(s) ? { c: s[0], argv: s.slice(1) as Arg[] } : s;
      if (step.sleep) await new Promise((r) => setTimeout(r, step.sleep));
      const i = step.c ?? 0;
      if (step.close) {
        clients.get(i)?.close();
        clients.delete(i);
        out.push([i, 'close']);
        continue;
      }
      const cl = await get(i);
      if (step.argv) cl.send(step.argv);
      const n = step.replies ?? (step.argv ? 1 : 0);
      let got: unknown[] = [];
      for (let k = 0; k < n; k++) {
        const r: Reply = await cl.read(3000).catch(() => 'NO REPLY');
        got.push(show(r));
      }
      if (step.unordered) got = unordered(got);
      const label = step.argv ? step.argv.map((a) => (Buffer.isBuffer(a) ? a.toString('latin1') : String(a))).join(' ') : 'read';
      out.push([i, label, got]);
    }
    await new Promise((r) => setTimeout(r, 60));
    for (const [i, cl] of clients) out.push([i, 'unread', cl.unread.map(show)]);
    return out;
  } finally {
    for (const cl of clients.values()) cl.close();
  }
}

/** Runs a scenario on both servers (after FLUSHALL) and returns [ours, redis]. */
export async function compareScenario(ours: number, redis: number, steps: Scenario, resp: 2 | 3 = 2): Promise<[unknown[], unknown[]]> {
  for (const p of [ours, redis]) {
    const c = new RawClient(p);
    await c.connect();
    await c.call(['FLUSHALL']);
    c.close();
  }
  return [await runScenario(ours, steps, resp), await runScenario(redis, steps, resp)];
}
