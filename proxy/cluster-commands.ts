/*
 * Commands that need every group: SCAN walks the groups one after another
 * with a cursor that encodes both the group and that group's own cursor
 * (cursor = backendCursor * 1024 + groupIndex), so a client sees one
 * keyspace; DBSIZE sums; PUBSUB merges.
 */
import type { CommandInfo } from '../common/commands/index.js';
import { E } from '../common/errors.js';
import { arrayElements } from './fanout.js';
import type { Session } from './session.js';

const GROUP_BITS = 1024n;

export function scanCommand(s: Session, argv: Buffer[]): void {
  const groups = s.proxy.router.masters();
  if (groups.length === 0) {
    s.error('ERR the proxy has no slot table yet', 'scan');
    return;
  }
  const text = argv[1]!.toString();
  if (!/^\d+$/.test(text)) {
    s.error('ERR invalid cursor', 'scan');
    return;
  }
  const cursor = BigInt(text);
  const gi = Number(cursor % GROUP_BITS);
  const inner = cursor / GROUP_BITS;
  if (gi >= groups.length) {
    s.error('ERR invalid cursor', 'scan');
    return;
  }
  const fill = s.reserve('scan');
  const g = groups[gi]!;
  const args = [...argv];
  args[1] = Buffer.from(inner.toString());
  g.pool.get(s.db, s.resp).send(args, (r) => {
    const els = arrayElements(r);
    if (els === null || els.length !== 2) {
      fill(r);
      return;
    }
    const next = BigInt(els[0]!.toString('latin1', els[0]!.indexOf(10) + 1, els[0]!.length - 2));
    let out: bigint;
    if (next === 0n) out = gi + 1 < groups.length ? BigInt(gi + 1) : 0n;
    else out = next * GROUP_BITS + BigInt(gi);
    const c = out.toString();
    fill(Buffer.concat([Buffer.from(`*2\r\n$${c.length}\r\n${c}\r\n`), els[1]!]));
  });
}

/** DBSIZE (sum), PUBSUB subcommands (merged) and, with --admin-commands, FLUSHALL/FLUSHDB/CONFIG/FUNCTION FLUSH over every group. */
export function allGroupsCommand(s: Session, cmd: CommandInfo, argv: Buffer[]): void {
  const groups = s.proxy.router.masters();
  if (groups.length === 0) {
    s.error('ERR the proxy has no slot table yet', cmd.fullName);
    return;
  }
  const name = cmd.fullName;
  if (name === 'pubsub|help' || name === 'config|get') {
    s.proxy.router.masters()[0]!.pool.get(0, s.resp).send(argv, s.reserve(name));
    return;
  }
  const fill = s.reserve(name);
  const replies: Buffer[] = [];
  let left = groups.length;
  for (const g of groups) {
    g.pool.get(s.db, s.resp).send(argv, (r) => {
      replies.push(Buffer.from(r));
      if (--left > 0) return;
      const err = replies.find((x) => x[0] === 45);
      if (err) {
        fill(err);
        return;
      }
      const int = (x: Buffer) => Number(x.toString('latin1', 1, x.length - 2));
      switch (name) {
        case 'dbsize':
        case 'pubsub|numpat':
          fill(Buffer.from(`:${name === 'dbsize' ? replies.reduce((a, x) => a + int(x), 0) : Math.max(...replies.map(int))}\r\n`));
          return;
        case 'pubsub|channels':
        case 'pubsub|shardchannels': {
          const seen = new Map<string, Buffer>();
          for (const x of replies) for (const e of arrayElements(x) ?? []) seen.set(e.toString('latin1'), e);
          fill(Buffer.concat([Buffer.from(`*${seen.size}\r\n`), ...seen.values()]));
          return;
        }
        case 'pubsub|numsub':
        case 'pubsub|shardnumsub': {
          const counts = argv.slice(2).map(() => 0);
          for (const x of replies) {
            const els = arrayElements(x) ?? [];
            for (let i = 1; i < els.length; i += 2) counts[(i - 1) / 2] = (counts[(i - 1) / 2] ?? 0) + int(els[i]!);
          }
          const parts: Buffer[] = [Buffer.from(`*${counts.length * 2}\r\n`)];
          argv.slice(2).forEach((ch, i) => parts.push(Buffer.from(`$${ch.length}\r\n`), ch, Buffer.from(`\r\n:${counts[i]}\r\n`)));
          fill(Buffer.concat(parts));
          return;
        }
        case 'flushall':
        case 'flushdb':
        case 'config|set':
        case 'config|resetstat':
        case 'function|flush':
          // Every group answered +OK.
          fill(replies[0]!);
          return;
        default:
          fill(Buffer.from(`-${E.SYNTAX}\r\n`));
      }
    });
  }
}
