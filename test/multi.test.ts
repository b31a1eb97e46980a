/*
 * MULTI / EXEC / DISCARD / WATCH / UNWATCH against real Redis 7.0, plus the
 * engine-side hooks (propagation wrapping, guards re-checked at EXEC).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOurs, startRedis, type ProcServer } from './helpers/servers.js';
import type { Engine } from '../server/main.js';
import { compareScript } from './helpers/compare.js';
import { compareScenario } from './helpers/scenario.js';
import { RawClient, show } from './helpers/raw-client.js';
import { HANDLERS } from '../server/commands/index.js';

const has = (...names: string[]) => names.every((n) => HANDLERS.has(n));

describe('transactions', () => {
  let ours: { port: number; engine: Engine; stop(): Promise<void> };
  let redis: ProcServer;
  beforeAll(async () => {
    ours = await startOurs();
    redis = await startRedis();
  });
  afterAll(async () => {
    await ours.stop();
    await redis.stop();
  });

  for (const resp of [2, 3] as const) {
    it(`MULTI/EXEC/DISCARD replies and errors (RESP${resp})`, async () => {
      const [a, b] = await compareScript(ours.port, redis.port, [
        ['EXEC'], ['DISCARD'], ['exec', 'extra'], ['MULTI', 'x'],
        ['MULTI'], ['SET', 'k', 'v'], ['GET', 'k'], ['PING'], ['ECHO', 'hi'], ['EXEC'],
        ['MULTI'], ['MULTI'], ['WATCH', 'k'], ['SET', 'k', 'w'], ['EXEC'], ['GET', 'k'],
        ['MULTI'], ['EXEC'],
        ['MULTI'], ['SET', 'k', 'z'], ['DISCARD'], ['GET', 'k'], ['DISCARD'],
        // Rejected while queueing: unknown command, arity, no_multi.
        ['MULTI'], ['SET', 'k', '1'], ['NOSUCHCMD', 'a'], ['SET', 'k', '2'], ['EXEC'], ['GET', 'k'],
        ['MULTI'], ['SET', 'k', '1'], ['GET'], ['EXEC'], ['GET', 'k'],
        ['MULTI'], ['SHUTDOWN'], ['EXEC'],
        ['MULTI'], ['PUBSUB', 'NOSUCH'], ['EXEC'],
        // Errors at run time stay per command.
        ['MULTI'], ['SET', 'k', '3'], ['SELECT', '9999'], ['SELECT', 'x'], ['GET', 'k'], ['EXEC'],
        // SELECT inside a transaction sticks.
        ['MULTI'], ['SELECT', '3'], ['SET', 'indb3', 'x'], ['EXEC'], ['GET', 'indb3'], ['SELECT', '0'], ['GET', 'indb3'],
        // UNWATCH is queued inside MULTI.
        ['MULTI'], ['UNWATCH'], ['EXEC'], ['UNWATCH'], ['WATCH', 'a', 'b', 'a'],
        ['MULTI'], ['PING', 'x'], ['EXEC'],
        // Arity errors of the transaction commands themselves.
        ['MULTI'], ['WATCH'], ['DISCARD', 'x'], ['MULTI', 'x'], ['EXEC', 'x'], ['EXEC'], ['MULTI'], ['UNWATCH', 'x'], ['EXEC'],
        ['MULTI'], ['SUBSCRIBE'], ['EXEC'],
      ], resp);
      expect(a).toEqual(b);
    });
  }

  for (const resp of [2, 3] as const) it(`WATCH fails EXEC when another client touches the key (RESP${resp})`, async () => {
    const [a, b] = await compareScenario(ours.port, redis.port, [
      [0, 'SET', 'x', '30'], [0, 'WATCH', 'x'], [1, 'SET', 'x', '40'], [0, 'MULTI'], [0, 'PING'], [0, 'EXEC'],
      // After a failed EXEC the key is no longer watched.
      [1, 'SET', 'x', '41'], [0, 'MULTI'], [0, 'PING'], [0, 'EXEC'],
      // 1 key of 5 watched.
      [0, 'WATCH', 'a', 'b', 'x', 'k', 'z'], [1, 'SET', 'x', '50'], [0, 'MULTI'], [0, 'GET', 'x'], [0, 'EXEC'],
      // Not modified: runs; afterwards the key is no longer watched.
      [0, 'WATCH', 'x'], [0, 'MULTI'], [0, 'GET', 'x'], [0, 'EXEC'], [1, 'SET', 'x', '60'], [0, 'MULTI'], [0, 'GET', 'x'], [0, 'EXEC'],
      // UNWATCH forgets a touch.
      [0, 'WATCH', 'x'], [1, 'SET', 'x', '70'], [0, 'UNWATCH'], [0, 'MULTI'], [0, 'PING'], [0, 'EXEC'],
      // DISCARD clears the dirty flag and unwatches.
      [0, 'WATCH', 'x'], [1, 'SET', 'x', '10'], [0, 'MULTI'], [0, 'DISCARD'], [1, 'SET', 'x', '11'], [0, 'MULTI'], [0, 'GET', 'x'], [0, 'EXEC'],
      // Touching the key inside our own transaction does not fail it; watching once dirty is a no-op.
      [0, 'WATCH', 'x'], [0, 'SET', 'x', 'own'], [0, 'WATCH', 'y'], [0, 'MULTI'], [0, 'GET', 'x'], [0, 'EXEC'],
      // WATCH remembers the db of the key.
      [0, 'SELECT', '5'], [0, 'SET', 'x', '30'], [0, 'WATCH', 'x'], [1, 'SELECT', '1'], [1, 'SET', 'x', '10'],
      [0, 'MULTI'], [0, 'PING'], [0, 'EXEC'],
      [1, 'SELECT', '5'], [0, 'WATCH', 'x'], [1, 'SET', 'x', '10'], [0, 'MULTI'], [0, 'PING'], [0, 'EXEC'],
      // A watched key that does not exist and gets created.
      [0, 'WATCH', 'newkey'], [1, 'SET', 'newkey', '1'], [0, 'MULTI'], [0, 'PING'], [0, 'EXEC'],
    ], resp);
    expect(a).toEqual(b);
  });

  it.skipIf(!has('psetex'))('WATCH and expiry: stale keys do not fail EXEC, keys expiring after WATCH do', async () => {
    const [a, b] = await compareScenario(ours.port, redis.port, [
      // Already expired when watched: EXEC runs.
      [0, 'PSETEX', 'x', '1', 'foo'], { c: 0, sleep: 10, argv: ['WATCH', 'x'] }, [0, 'MULTI'], [0, 'PING'], [0, 'EXEC'],
      // Deleting the stale key (lazily, by a read) is no change either.
      [0, 'PSETEX', 'x', '1', 'foo'], { c: 0, sleep: 10, argv: ['WATCH', 'x'] }, [0, 'GET', 'x'], [0, 'MULTI'], [0, 'PING'], [0, 'EXEC'],
      // But replacing it is.
      [0, 'PSETEX', 'x', '1', 'foo'], { c: 0, sleep: 10, argv: ['WATCH', 'x'] }, [1, 'SET', 'x', 'new'], [0, 'MULTI'], [0, 'PING'], [0, 'EXEC'],
      // Expires between WATCH and EXEC: fails.
      [0, 'PSETEX', 'y', '30', 'foo'], [0, 'WATCH', 'y'], { c: 0, sleep: 60, argv: ['MULTI'] }, [0, 'PING'], [0, 'EXEC'],
    ]);
    expect(a).toEqual(b);
  });

  it.skipIf(!has('flushall', 'flushdb', 'swapdb', 'expire', 'del'))('FLUSHALL/FLUSHDB/SWAPDB/EXPIRE touch watched keys', async () => {
    const [a, b] = await compareScenario(ours.port, redis.port, [
      [0, 'SET', 'x', '30'], [0, 'WATCH', 'x'], [0, 'FLUSHALL'], [0, 'MULTI'], [0, 'PING'], [0, 'EXEC'],
      [0, 'DEL', 'x'], [0, 'WATCH', 'x'], [0, 'FLUSHALL'], [0, 'MULTI'], [0, 'PING'], [0, 'EXEC'],
      [0, 'SET', 'x', '30'], [0, 'WATCH', 'x'], [0, 'FLUSHDB'], [0, 'MULTI'], [0, 'PING'], [0, 'EXEC'],
      [0, 'DEL', 'x'], [0, 'WATCH', 'x'], [0, 'FLUSHDB'], [0, 'MULTI'], [0, 'PING'], [0, 'EXEC'],
      [0, 'SET', 'x', '30'], [0, 'WATCH', 'x'], [0, 'SWAPDB', '0', '1'], [0, 'MULTI'], [0, 'PING'], [0, 'EXEC'],
      [0, 'FLUSHALL'], [0, 'SELECT', '1'], [0, 'SET', 'x', '30'], [0, 'SELECT', '0'], [0, 'WATCH', 'x'], [0, 'SWAPDB', '0', '1'],
      [0, 'MULTI'], [0, 'PING'], [0, 'EXEC'],
      [0, 'FLUSHALL'], [0, 'SET', 'x', 'foo'], [0, 'WATCH', 'x'], [0, 'EXPIRE', 'x', '10'], [0, 'MULTI'], [0, 'PING'], [0, 'EXEC'],
      [0, 'PSETEX', 'x', '1', 'foo'], { c: 0, sleep: 10, argv: ['WATCH', 'x'] }, [0, 'FLUSHDB'], [0, 'MULTI'], [0, 'PING'], [0, 'EXEC'],
    ]);
    expect(a).toEqual(b);
  });

  it.skipIf(!has('flushall', 'flushdb', 'swapdb', 'psetex', 'debug'))('FLUSHDB/SWAPDB with stale (expired, not deleted) watched keys', async () => {
    const stale = (db: number, key: string) => [[0, 'SELECT', String(db)], [0, 'PSETEX', key, '1', 'stale']] as [number, ...string[]][];
    const tx: [number, ...string[]][] = [[0, 'MULTI'], [0, 'PING'], [0, 'EXEC']];
    const [a, b] = await compareScenario(ours.port, redis.port, [
      [0, 'DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
      // FLUSHDB while watching a stale key: no change.
      ...stale(0, 'x'), { c: 0, sleep: 10, argv: ['WATCH', 'x'] }, [0, 'FLUSHDB'], ...tx,
      // SWAPDB: stale key replaced with no key.
      [0, 'FLUSHALL'], ...stale(1, 'x'), { c: 0, sleep: 10, argv: ['WATCH', 'x'] }, [0, 'SWAPDB', '0', '1'], ...tx,
      // No key replaced with a stale key.
      [0, 'FLUSHALL'], ...stale(0, 'x'), [0, 'SELECT', '1'], { c: 0, sleep: 10, argv: ['WATCH', 'x'] }, [0, 'SWAPDB', '0', '1'], ...tx,
      // Stale key replaced with another stale key.
      [0, 'FLUSHALL'], ...stale(1, 'x'), ...stale(0, 'x'), [0, 'SELECT', '1'], { c: 0, sleep: 10, argv: ['WATCH', 'x'] },
      [0, 'SWAPDB', '0', '1'], ...tx,
      // Stale key replaced with a live key: touched.
      [0, 'FLUSHALL'], ...stale(1, 'x'), [0, 'SELECT', '0'], [0, 'SET', 'x', 'live'], [0, 'SELECT', '1'],
      { c: 0, sleep: 10, argv: ['WATCH', 'x'] }, [0, 'SWAPDB', '0', '1'], ...tx,
      // Live watched key, no key on the other side: touched; key only on the other side: touched.
      [0, 'FLUSHALL'], [0, 'SELECT', '0'], [0, 'SET', 'x', '1'], [0, 'WATCH', 'x'], [0, 'SWAPDB', '0', '1'], ...tx,
      [0, 'FLUSHALL'], [0, 'SELECT', '1'], [0, 'SET', 'x', '1'], [0, 'SELECT', '0'], [0, 'WATCH', 'x'], [0, 'SWAPDB', '0', '1'], ...tx,
      // Neither side has it: untouched.
      [0, 'FLUSHALL'], [0, 'WATCH', 'x'], [0, 'SWAPDB', '0', '1'], ...tx,
      [0, 'DEBUG', 'SET-ACTIVE-EXPIRE', '1'], [0, 'SELECT', '0'],
    ]);
    expect(a).toEqual(b);
  });

  it.skipIf(!has('blpop', 'brpop', 'rpush'))('blocking commands inside EXEC do not block', async () => {
    const [a, b] = await compareScript(ours.port, redis.port, [
      ['MULTI'], ['BLPOP', 'empty', '0'], ['BRPOP', 'empty', '0'], ['RPUSH', 'l', 'a'], ['BLPOP', 'l', '0'], ['EXEC'],
    ]);
    expect(a).toEqual(b);
  });

  it('CLIENT PAUSE WRITE holds EXEC of a transaction with writes only', async () => {
    const [a, b] = await compareScenario(ours.port, redis.port, [
      [0, 'SET', 'pk', 'v'], [1, 'CLIENT', 'PAUSE', '100000', 'WRITE'],
      [0, 'MULTI'], [0, 'PING'], [0, 'GET', 'pk'], [0, 'EXEC'],
      // The queued write itself waits (Redis checks the pause before queueing).
      [0, 'MULTI'], { c: 0, argv: ['SET', 'pk', 'w'], replies: 0 }, { c: 0, argv: ['EXEC'], replies: 0 },
      [1, 'GET', 'pk'], { c: 1, sleep: 100, argv: ['CLIENT', 'UNPAUSE'] }, { c: 0, replies: 2 }, [0, 'GET', 'pk'],
      // EXEC of a transaction with a write queued before the pause waits too.
      [0, 'MULTI'], [0, 'SET', 'pk', 'x'], [1, 'CLIENT', 'PAUSE', '100000', 'WRITE'], { c: 0, argv: ['EXEC'], replies: 0 },
      [1, 'GET', 'pk'], { c: 1, sleep: 50, argv: ['CLIENT', 'UNPAUSE'] }, { c: 0, replies: 1 }, [0, 'GET', 'pk'],
    ]);
    expect(a).toEqual(b);
  });

  it('SUBSCRIBE inside EXEC enters subscribed mode', async () => {
    const [a, b] = await compareScript(ours.port, redis.port, [
      ['MULTI'], ['SUBSCRIBE', 'ch'], ['PING'], ['EXEC'], ['PING'], ['GET', 'x'], ['MULTI'], ['UNSUBSCRIBE'], ['PING'],
    ]);
    expect(a).toEqual(b);
  });

  it('propagates a transaction wrapped in MULTI/EXEC only when it has several writes', async () => {
    const server = ours.engine.server;
    const log: string[][] = [];
    const hook = (db: number, argv: Buffer[]) => { log.push([String(db), ...argv.map((x) => x.toString())]); };
    server.propagateHooks.push(hook);
    const c = new RawClient(ours.port);
    await c.connect();
    try {
      const run = async (...cmds: string[][]) => {
        log.length = 0;
        for (const cmd of cmds) await c.call(cmd);
        return [...log];
      };
      expect(await run(['MULTI'], ['SET', 'a', '1'], ['EXEC'])).toEqual([['0', 'SET', 'a', '1']]);
      expect(await run(['MULTI'], ['GET', 'a'], ['EXEC'])).toEqual([]);
      expect(await run(['MULTI'], ['EXEC'])).toEqual([]);
      expect(await run(['MULTI'], ['SET', 'a', '1'], ['GET', 'a'], ['SELECT', '2'], ['SET', 'b', '2'], ['SELECT', '0'], ['EXEC'])).toEqual([
        ['0', 'MULTI'], ['0', 'SET', 'a', '1'], ['2', 'SET', 'b', '2'], ['2', 'EXEC'],
      ]);
      expect(await run(['MULTI'], ['PUBLISH', 'ch', 'm'], ['EXEC'])).toEqual([['0', 'PUBLISH', 'ch', 'm']]);
      expect(await run(['PUBLISH', 'ch', 'm2'])).toEqual([['0', 'PUBLISH', 'ch', 'm2']]);
      // An aborted transaction propagates nothing.
      expect(await run(['MULTI'], ['SET', 'a', '1'], ['NOSUCH'], ['EXEC'])).toEqual([]);
      // Plain writes are still propagated one by one afterwards.
      expect(await run(['SET', 'c', '3'])).toEqual([['0', 'SET', 'c', '3']]);
    } finally {
      c.close();
      server.propagateHooks.splice(server.propagateHooks.indexOf(hook), 1);
    }
  });

  it('re-checks guards at EXEC and aborts with the reason', async () => {
    const server = ours.engine.server;
    let deny = false;
    const guard = (_c: unknown, cmd: { fullName: string }) => (deny && cmd.fullName === 'set' ? "OOM command not allowed when used memory > 'maxmemory'." : null);
    server.guards.push(guard);
    const c = new RawClient(ours.port);
    await c.connect();
    try {
      await c.call(['SET', 'g', 'before']);
      expect(await c.call(['MULTI'])).toBe('OK');
      expect(await c.call(['SET', 'g', '1'])).toBe('QUEUED');
      expect(await c.call(['GET', 'g'])).toBe('QUEUED');
      deny = true;
      expect(show(await c.call(['EXEC']))).toBe("-EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.");
      // The transaction is gone and nothing ran.
      expect(show(await c.call(['EXEC']))).toBe('-ERR EXEC without MULTI');
      expect(show(await c.call(['GET', 'g']))).toBe('$before');
      // A guard that rejects EXEC itself aborts the transaction the same way.
      deny = false;
      const execGuard = (_c: unknown, cmd: { fullName: string }) => (cmd.fullName === 'exec' ? 'BUSY Redis is busy running a script.' : null);
      server.guards.push(execGuard);
      await c.call(['MULTI']);
      await c.call(['SET', 'g', '2']);
      expect(show(await c.call(['EXEC']))).toBe('-EXECABORT Transaction discarded because of: BUSY Redis is busy running a script.');
      server.guards.splice(server.guards.indexOf(execGuard), 1);
      expect(show(await c.call(['PING']))).toBe('+PONG');
      expect(show(await c.call(['GET', 'g']))).toBe('$before');
    } finally {
      c.close();
      server.guards.splice(server.guards.indexOf(guard), 1);
    }
  });

  it.skipIf(!has('info', 'config|resetstat'))('command stats: errors inside EXEC count for the inner command, not EXEC', async () => {
    const stats = async (port: number) => {
      const c = new RawClient(port);
      await c.connect();
      await c.call(['CONFIG', 'RESETSTAT']);
      for (const cmd of [['MULTI'], ['SET', 'a', 'b'], ['AUTH', 'a'], ['EXEC'], ['MULTI'], ['NOSUCH'], ['EXEC'], ['EXEC', 'x']]) await c.call(cmd);
      const info = String(await c.call(['INFO', 'commandstats'])) + String(await c.call(['INFO', 'errorstats']));
      c.close();
      return info.split('\r\n').filter((l) => /^(cmdstat_(set|auth|exec|multi)|errorstat_)/.test(l)).map((l) => l.replace(/usec(_per_call)?=[\d.]+,/g, '')).sort();
    };
    const mine = await stats(ours.port);
    expect(mine.length).toBeGreaterThan(4);
    expect(mine).toEqual(await stats(redis.port));
  });

  it('reports the transaction state in CLIENT LIST flags and frees WATCHes on disconnect', async () => {
    const server = ours.engine.server;
    const c = new RawClient(ours.port);
    await c.connect();
    await c.call(['WATCH', 'w1', 'w2']);
    expect(server.watchedKeys[0]!.get('w1')?.size).toBe(1);
    c.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(server.watchedKeys[0]!.has('w1')).toBe(false);
    expect(server.watchedKeys[0]!.has('w2')).toBe(false);
  });
});
