/*
 * The network side of the synchronous SLOTSMGRT* commands, on a thread of
 * its own: codis-server blocks while it writes SLOTSRESTORE to the target and
 * reads the reply (syncWrite/syncReadLine), and the engine does the same by
 * waiting on an Atomics word while this thread talks to the target. Target
 * connections are cached per address, with their AUTH and SELECT state, and
 * dropped after an error or 15 s unused.
 */
import net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import type { MigrateRequest } from './migrate.js';
import { encodeCommand } from '../persistence/aof-reader.js';

const { shared } = workerData as { shared: SharedArrayBuffer };
const word = new Int32Array(shared, 0, 2);
const text = new Uint8Array(shared, 8);

interface Target {
  socket: net.Socket;
  buf: Buffer;
  wake: (() => void) | null;
  closed: boolean;
  db: number;
  authorized: boolean;
  lastUse: number;
}
const targets = new Map<string, Target>();

function done(code: number, message: string): void {
  const n = text.length < message.length ? text.length : message.length;
  Buffer.from(text.buffer, text.byteOffset, n).write(message.slice(0, n), 'latin1');
  Atomics.store(word, 1, n);
  Atomics.store(word, 0, code);
  Atomics.notify(word, 0);
}

function connect(host: string, port: number, timeoutMs: number): Promise<Target> {
  return new Promise((res, rej) => {
    const socket = net.connect(port, host);
    const t: Target = { socket, buf: Buffer.alloc(0), wake: null, closed: false, db: -1, authorized: false, lastUse: Date.now() };
    const timer = setTimeout(() => { socket.destroy(); rej(new Error('IOERR error or timeout connecting to the client')); }, timeoutMs);
    socket.once('connect', () => { clearTimeout(timer); socket.setNoDelay(true); res(t); });
    socket.once('error', (e) => { clearTimeout(timer); rej(new Error(`ERR Can't connect to target node: ${e.message}`)); });
    socket.on('data', (d: Buffer) => {
      t.buf = t.buf.length === 0 ? d : Buffer.concat([t.buf, d]);
      t.wake?.();
    });
    socket.on('close', () => { t.closed = true; t.wake?.(); });
  });
}

async function readLine(t: Target, timeoutMs: number, what: string): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const nl = t.buf.indexOf(10);
    if (nl >= 0) {
      const line = t.buf.toString('latin1', 0, nl).replace(/\r$/, '');
      t.buf = t.buf.subarray(nl + 1);
      return line;
    }
    const left = deadline - Date.now();
    if (t.closed || left <= 0) throw new Error(`IOERR error or timeout reading from target${what}`);
    await new Promise<void>((r) => {
      const timer = setTimeout(r, left);
      t.wake = () => { clearTimeout(timer); t.wake = null; r(); };
    });
  }
}

async function migrate(req: MigrateRequest): Promise<void> {
  const name = `${req.host}:${req.port}`;
  let t = targets.get(name);
  if (t === undefined || t.closed) {
    t = await connect(req.host, req.port, req.timeoutMs);
    targets.set(name, t);
  }
  t.lastUse = Date.now();
  const frames: Buffer[] = [];
  const needAuth = !t.authorized && req.auth !== null;
  if (needAuth) frames.push(encodeCommand(['AUTH', req.auth!]));
  const select = t.db !== req.db;
  if (select) frames.push(encodeCommand(['SELECT', String(req.db)]));
  frames.push(Buffer.from(req.body));
  if (!t.socket.write(Buffer.concat(frames))) {
    const sock = t.socket;
    await new Promise<void>((res, rej) => {
      const timer = setTimeout(() => rej(new Error('IOERR error or timeout writing to target')), req.timeoutMs);
      sock.once('drain', () => { clearTimeout(timer); res(); });
    });
  }
  if (needAuth) {
    if (!(await readLine(t, req.timeoutMs, '')).startsWith('+')) throw new Error('ERR error on slotsrestore, auth failed');
    t.authorized = true;
  }
  if (select) {
    if (!(await readLine(t, req.timeoutMs, '')).startsWith('+')) throw new Error('ERR error on slotsrestore, select failed');
    t.db = req.db;
  }
  if ((await readLine(t, req.timeoutMs, '')).startsWith('-')) throw new Error('ERR error on slotsrestore, migration failed');
}

parentPort!.on('message', (req: MigrateRequest) => {
  migrate(req).then(() => done(1, ''), (e: Error) => {
    const t = targets.get(`${req.host}:${req.port}`);
    t?.socket.destroy();
    targets.delete(`${req.host}:${req.port}`);
    done(2, e.message);
  });
});

setInterval(() => {
  for (const [name, t] of targets) {
    if (Date.now() - t.lastUse > 15000) {
      t.socket.destroy();
      targets.delete(name);
    }
  }
}, 5000).unref();
