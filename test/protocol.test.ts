/*
 * The wire protocol against our engine and real Redis side by side: malformed
 * requests get the same error and the connection is closed; commands before
 * the bad bytes are still answered; RESP3 after HELLO 3.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, show } from './helpers/raw-client.js';
import { startOurs, startRedis, type ProcServer, type TestServer } from './helpers/servers.js';

let ours: TestServer;
let redis: ProcServer;
beforeAll(async () => {
  ours = await startOurs();
  redis = await startRedis();
});
afterAll(async () => {
  await ours.stop();
  await redis.stop();
});

/** Sends raw bytes; returns every reply until the server closes (or a quiet period) and whether it closed. */
async function exchange(port: number, data: Buffer | string, expectClose: boolean): Promise<{ replies: unknown[]; closed: boolean }> {
  const c = new RawClient(port);
  await c.connect();
  c.write(data);
  if (expectClose) await c.waitClose(5000).catch(() => undefined);
  else await new Promise((r) => setTimeout(r, 150));
  const replies: unknown[] = [];
  while (c.unread.length > 0) replies.push(show(c.unread.shift()!));
  const closed = c.closed;
  c.close();
  return { replies, closed };
}

describe('protocol errors, same as Redis', () => {
  const cases: [string, string][] = [
    ['invalid multibulk length', '*abc\r\n'],
    ['expected $', '*1\r\nPING\r\n'],
    ['invalid bulk length', '*1\r\n$x\r\n'],
    ['negative bulk length', '*2\r\n$3\r\nGET\r\n$-5\r\n'],
    ['unbalanced quotes', 'ECHO "abc\r\n'],
    ['commands before the error are answered', 'PING\r\n*1\r\n$4\r\nPING\r\n*1\r\n!x\r\n'],
    ['too big inline request', 'A'.repeat(70 * 1024)],
  ];
  it.each(cases)('%s', async (_name, input) => {
    const a = await exchange(ours.port, input, true);
    const b = await exchange(redis.port, input, true);
    expect(a).toEqual(b);
    expect(a.closed).toBe(true);
  });

  it('empty lines and empty multibulk are ignored like Redis', async () => {
    const input = '\r\n\r\n*0\r\n*-1\r\nPING\r\n';
    expect(await exchange(ours.port, input, false)).toEqual(await exchange(redis.port, input, false));
  });

  it('inline commands handle quoting like redis-server', async () => {
    const input = 'ECHO "a\\x41\\tb" \r\nECHO \'it\\\'s\'\r\nSET k "v v"\r\nGET k\r\n';
    const a = await exchange(ours.port, input, false);
    expect(a).toEqual(await exchange(redis.port, input, false));
    expect(a.replies).toEqual(['$aA\tb', "$it's", '+OK', '$v v']);
  });

  it('survives random garbage and keeps serving', async () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let i = 0; i < 200; i++) {
      const len = 1 + Math.floor(rnd() * 200);
      const b = Buffer.alloc(len);
      for (let j = 0; j < len; j++) b[j] = rnd() < 0.5 ? '*$\r\n0123456789'.charCodeAt(Math.floor(rnd() * 14)) : Math.floor(rnd() * 256);
      const c = new RawClient(ours.port);
      await c.connect();
      c.write(b);
      c.write(Buffer.from('\r\n'));
      await new Promise((r) => setTimeout(r, 2));
      c.close();
    }
    const c = new RawClient(ours.port);
    await c.connect();
    expect(await c.call(['PING'])).toBe('PONG');
    c.close();
  });

  it('a pipeline of 10,000 commands sent in one write is answered in order', async () => {
    const c = new RawClient(ours.port);
    await c.connect();
    let buf = '';
    for (let i = 0; i < 10000; i++) buf += `*2\r\n$4\r\nECHO\r\n$${String(i).length}\r\n${i}\r\n`;
    c.write(buf);
    for (let i = 0; i < 10000; i++) expect((await c.read()) as Buffer).toEqual(Buffer.from(String(i)));
    c.close();
  });
});

describe('RESP3', () => {
  it('HELLO 3 switches the protocol and HELLO replies like Redis apart from id and version', async () => {
    const script = async (port: number) => {
      const c = new RawClient(port);
      await c.connect();
      const out = [show(await c.call(['HELLO', '3'])), show(await c.call(['GET', 'nokey'])), show(await c.call(['HELLO', '4'])),
        show(await c.call(['HELLO', 'x'])), show(await c.call(['HELLO', '2', 'SETNAME', 'a b'])), show(await c.call(['HELLO', '2', 'FOO']))];
      c.close();
      return JSON.stringify(out).replace(/\["\$id",":\d+"\]/, '["$id",":N"]').replace(/"\$7\.[0-9.]+"/, '"$V"');
    };
    expect(await script(ours.port)).toBe(await script(redis.port));
  });
});
