/*
 * Meta-tests over the one command table: every declared command has a
 * handler and every handler a declaration; the key extractor agrees with
 * real Redis's COMMAND GETKEYS; derived categories and legacy key ranges
 * agree with real Redis's COMMAND INFO.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS, isCodisCommand, keyPositions, lookupCommand, type CommandInfo } from '../common/commands/index.js';
import { HANDLERS } from '../server/commands/index.js';
import { RawClient, ReplyError, type Reply } from './helpers/raw-client.js';
import { startRedis, type ProcServer } from './helpers/servers.js';

/** Every callable command: subcommands, and containers that can also be called bare (COMMAND, arity -1). */
function allCommands(): CommandInfo[] {
  const out: CommandInfo[] = [];
  for (const c of COMMANDS.values()) {
    if (c.subcommands) {
      for (const s of c.subcommands.values()) out.push(s);
      if (c.spec.arity === -1) out.push(c);
    } else out.push(c);
  }
  return out;
}

describe('command table and handlers', () => {
  it('every declared command has a handler', () => {
    const missing = allCommands().map((c) => c.fullName).filter((n) => !HANDLERS.has(n));
    expect(missing).toEqual([]);
  });

  it('every handler has a declaration', () => {
    const declared = new Set(allCommands().map((c) => c.fullName));
    expect([...HANDLERS.keys()].filter((n) => !declared.has(n))).toEqual([]);
  });

  it('every write command declares its keys or is explicitly keyless', () => {
    const keyless = new Set(['flushall', 'flushdb', 'swapdb', 'publish', 'spublish', 'function|flush', 'debug', 'pfselftest', 'slotsdel', 'slotsmgrtone', 'slotsmgrttagone', 'slotsmgrtslot', 'slotsmgrttagslot', 'slotsstate|set', 'slotsstate|reset', 'slotsmgrt-exec-wrapper', 'slotsmgrtone-async', 'slotsmgrttagone-async', 'slotsmgrtslot-async', 'slotsmgrttagslot-async', 'slotsrestore-async-ack']);
    const bad = allCommands().filter((c) => c.spec.flags.includes('write') && !(c.spec.keys?.length) && !keyless.has(c.fullName));
    expect(bad.map((c) => c.fullName)).toEqual([]);
  });

  it('looks commands up in any case', () => {
    expect(lookupCommand('GET')?.fullName).toBe('get');
    expect(lookupCommand('gEt')?.fullName).toBe('get');
    expect(lookupCommand('nosuch')).toBeUndefined();
  });
});

describe('key extraction agrees with real Redis', () => {
  let redis: ProcServer;
  let c: RawClient;
  beforeAll(async () => {
    redis = await startRedis();
    c = new RawClient(redis.port);
    await c.connect();
  });
  afterAll(async () => {
    c.close();
    await redis.stop();
  });

  const samples: string[][] = [
    ['GET', 'k'], ['SET', 'k', 'v', 'EX', '10'], ['MSET', 'a', '1', 'b', '2', 'c', '3'], ['MGET', 'a', 'b', 'c'],
    ['DEL', 'a', 'b'], ['RENAME', 'a', 'b'], ['COPY', 'a', 'b', 'DB', '1'], ['ZUNIONSTORE', 'd', '2', 'a', 'b', 'WEIGHTS', '1', '2'],
    ['ZINTER', '3', 'a', 'b', 'c'], ['ZDIFFSTORE', 'd', '1', 'a'], ['LMOVE', 'a', 'b', 'LEFT', 'RIGHT'], ['BLPOP', 'a', 'b', '0'],
    ['BLMPOP', '0', '2', 'a', 'b', 'LEFT'], ['LMPOP', '2', 'a', 'b', 'LEFT', 'COUNT', '2'], ['ZMPOP', '1', 'a', 'MIN'],
    ['SINTERCARD', '2', 'a', 'b', 'LIMIT', '1'], ['GEORADIUS', 'g', '0', '0', '1', 'km', 'STORE', 'dst'],
    ['GEOSEARCHSTORE', 'dst', 'src', 'FROMMEMBER', 'm', 'BYRADIUS', '1', 'km'], ['BITOP', 'AND', 'dst', 'a', 'b'],
    ['PFMERGE', 'dst', 'a', 'b'], ['PFCOUNT', 'a', 'b'], ['SMOVE', 'a', 'b', 'm'], ['OBJECT', 'ENCODING', 'k'],
    ['MEMORY', 'USAGE', 'k'], ['EXISTS', 'a', 'b', 'c'], ['WATCH', 'a', 'b'], ['SDIFFSTORE', 'd', 'a', 'b'],
    ['LCS', 'a', 'b'], ['RESTORE', 'k', '0', 'x'], ['MSETNX', 'a', '1', 'b', '2'], ['SORT_RO', 'k'],
    ['EXPIRE', 'k', '10'], ['HSET', 'h', 'f', 'v'], ['XX_NOT', 'k'],
  ];
  it.each(samples.map((s) => [s.join(' '), s]))('%s', async (_n, argv) => {
    const cmd = lookupCommand(argv[0]!);
    const r: Reply = await c.call(['COMMAND', 'GETKEYS', ...argv]);
    if (cmd === undefined) {
      expect(r).toBeInstanceOf(ReplyError);
      return;
    }
    const info = cmd.subcommands ? cmd.subcommands.get(argv[1]!.toLowerCase())! : cmd;
    const pos = keyPositions(info.spec, argv.map((a) => Buffer.from(a)));
    const theirs = r instanceof ReplyError ? [] : (r as Buffer[]).map((b) => b.toString());
    expect(pos!.map((i) => argv[i])).toEqual(theirs);
  });

  it('derived ACL categories and first/last/step match COMMAND INFO of every command', async () => {
    const diffs: string[] = [];
    for (const cmd of COMMANDS.values()) {
      if (isCodisCommand(cmd)) continue;
      const r = (await c.call(['COMMAND', 'INFO', cmd.fullName])) as Reply[];
      const row = r[0] as Reply[];
      const mine = [cmd.spec.arity, [...cmd.spec.flags].sort(), ...cmd.legacy, cmd.acl];
      const theirs = [row[1], (row[2] as string[]).map(String).sort(), row[3], row[4], row[5], (row[6] as string[]).map(String)];
      if (JSON.stringify(mine) !== JSON.stringify(theirs)) diffs.push(`${cmd.fullName}: ${JSON.stringify(mine)} != ${JSON.stringify(theirs)}`);
    }
    expect(diffs).toEqual([]);
  });
});
