/*
 * compareScript for data-type tests that must not depend on keyspace
 * commands owned elsewhere: on our in-process engine, the introspection
 * steps (OBJECT ENCODING, EXISTS, TYPE, TTL, EXPIRE, DEL) are answered from
 * the engine's own keyspace; real Redis answers them normally. Everything
 * else goes over the wire to both.
 */
import type { Engine } from '../../server/main.js';
import { RawClient, show, type Reply } from './raw-client.js';
import type { Script, Step } from './compare.js';

function local(engine: Engine, argv: string[]): Reply | undefined {
  const db = engine.server.dbs[0]!;
  const name = argv[0]!.toUpperCase();
  const keys = argv.slice(1);
  switch (name) {
    case 'OBJECT': {
      if (argv[1]!.toUpperCase() !== 'ENCODING') return undefined;
      const o = db.peek(argv[2]!);
      if (o === undefined) return null;
      return Buffer.from(o.type === 'string' ? 'raw' : o.value.encoding());
    }
    case 'EXISTS':
      return keys.filter((k) => db.exists(k)).length;
    case 'TYPE': {
      const o = db.peek(argv[1]!);
      return o === undefined ? 'none' : o.type;
    }
    case 'TTL': {
      if (!db.exists(argv[1]!)) return -2;
      const when = db.getExpire(argv[1]!);
      return when === undefined ? -1 : Math.round((when - Date.now()) / 1000);
    }
    case 'EXPIRE': {
      if (!db.exists(argv[1]!)) return 0;
      db.setExpire(argv[1]!, Date.now() + Number(argv[2]) * 1000);
      return 1;
    }
    case 'DEL': {
      let n = 0;
      for (const k of keys) if (db.exists(k) && db.delete(k)) n++;
      return n;
    }
    default:
      return undefined;
  }
}

function norm(step: Step, r: Reply): unknown {
  let v = show(r);
  if (step.unordered && Array.isArray(v)) v = [...v].map((x) => JSON.stringify(x)).sort();
  return v;
}

/** Runs the script on both servers (after FLUSHALL) and returns [ours, redis] transcripts. */
export async function compareIntrospected(
  engine: Engine, ours: number, redis: number, script: Script, resp: 2 | 3 = 2,
): Promise<[unknown[], unknown[]]> {
  const co = new RawClient(ours);
  const cr = new RawClient(redis);
  await co.connect();
  await cr.connect();
  try {
    await co.call(['FLUSHALL']);
    await cr.call(['FLUSHALL']);
    if (resp === 3) {
      await co.call(['HELLO', '3']);
      await cr.call(['HELLO', '3']);
    }
    const a: unknown[] = [];
    const b: unknown[] = [];
    for (const s of script) {
      const step: Step = Array.isArray(s) ? { argv: s } : s;
      const text = step.argv.map((x) => (Buffer.isBuffer(x) ? x.toString('latin1') : String(x)));
      const mine = local(engine, text);
      const ro = mine !== undefined ? mine : await co.call(step.argv);
      const rr = await cr.call(step.argv);
      a.push([text.join(' '), norm(step, ro)]);
      b.push([text.join(' '), norm(step, rr)]);
    }
    return [a, b];
  } finally {
    co.close();
    cr.close();
  }
}
