/*
 * Same-replies-as-Redis harness: runs one command script against our engine
 * and a real redis-server and returns both transcripts, so a test asserts
 * they are identical. Scripts are lists of argv; a step can mark its reply
 * as unordered (SMEMBERS, KEYS...) to compare as a sorted list.
 */
import { RawClient, show, type Reply } from './raw-client.js';

export interface Step {
  argv: (string | number | Buffer)[];
  /** Compare the (array) reply as a multiset. */
  unordered?: boolean;
  /** Ignore the reply value (e.g. TIME), compare only its shape. */
  shapeOnly?: boolean;
}
export type Script = (Step | (string | number | Buffer)[])[];

function norm(step: Step, r: Reply): unknown {
  let v = show(r);
  if (step.shapeOnly) v = JSON.stringify(v).replace(/"[^"]*"/g, '"_"');
  if (step.unordered && Array.isArray(v)) v = [...v].map((x) => JSON.stringify(x)).sort();
  return v;
}

export async function transcript(port: number, script: Script, resp: 2 | 3 = 2): Promise<unknown[]> {
  const c = new RawClient(port);
  await c.connect();
  try {
    if (resp === 3) await c.call(['HELLO', '3']);
    const out: unknown[] = [];
    for (const s of script) {
      const step: Step = Array.isArray(s) ? { argv: s } : s;
      const r = await c.call(step.argv);
      out.push([step.argv.map((a) => (Buffer.isBuffer(a) ? a.toString('latin1') : String(a))).join(' '), norm(step, r)]);
    }
    return out;
  } finally {
    c.close();
  }
}

/** Runs the script on both servers (after FLUSHALL on each) and returns [ours, redis]. */
export async function compareScript(ours: number, redis: number, script: Script, resp: 2 | 3 = 2): Promise<[unknown[], unknown[]]> {
  const flush = [['FLUSHALL']];
  await transcript(ours, flush);
  await transcript(redis, flush);
  return [await transcript(ours, script, resp), await transcript(redis, script, resp)];
}
