/*
 * Servers for tests: our engine in-process or as a process, and a real
 * redis-server 7 to compare with. All on 127.0.0.1, ports chosen free,
 * stopped by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEngine, type Engine } from '../../server/main.js';
import { freePort, waitFor } from './ports.js';
import { RawClient, ReplyError } from './raw-client.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARDIS_BIN = join(ROOT, 'dist', 'bin', 'shardis.js');

export interface TestServer {
  port: number;
  stop(): Promise<void>;
}

/** Our engine inside the test process, on a free port; quiet logs. */
export async function startOurs(extra: string[] = []): Promise<TestServer & { engine: Engine }> {
  const dir = mkdtempSync(join(tmpdir(), 'shardis-test-'));
  const engine = await startEngine([
    '--port', '0', '--bind', '127.0.0.1', '--save', '', '--loglevel', 'warning', '--dir', dir, ...extra,
  ]);
  return {
    engine, port: engine.port,
    stop: async () => {
      await engine.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ProcServer extends TestServer {
  proc: ChildProcess;
  dir: string;
  output(): string;
}

async function spawnServer(cmd: string, args: string[], port: number, dir: string): Promise<ProcServer> {
  const proc = spawn(cmd, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  await waitFor(async () => {
    if (proc.exitCode !== null) throw new Error(`server exited: ${out}`);
    const c = new RawClient(port);
    try {
      await c.connect();
      const r = await c.call(['PING']);
      return r === 'PONG' || (r instanceof ReplyError && r.message.startsWith('NOAUTH'));
    } finally {
      c.close();
    }
  }, 15000, 50);
  return {
    port, proc, dir, output: () => out,
    stop: async () => {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGKILL');
        await new Promise((r) => proc.once('exit', r));
      }
    },
  };
}

/** A real redis-server 7 on a free port, no persistence, in a temp dir. */
export async function startRedis(extra: string[] = []): Promise<ProcServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'redis-test-'));
  const s = await spawnServer('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extra], port, dir);
  const stop = s.stop;
  return { ...s, stop: async () => { await stop(); rmSync(dir, { recursive: true, force: true }); } };
}

/** Our engine as a separate process (for crash, signal and config-file tests). */
export async function startOursProcess(extra: string[] = [], configFile?: string): Promise<ProcServer> {
  return startOursProcessIn(mkdtempSync(join(tmpdir(), 'shardis-proc-')), extra, configFile);
}

/** Our engine as a process working in `dir` (kept on stop: restarts on the same files see them). */
export async function startOursProcessIn(dir: string, extra: string[] = [], configFile?: string): Promise<ProcServer> {
  // A restart on the same port (replicas keep pointing at it) passes --port itself.
  const i = extra.indexOf('--port');
  const port = i >= 0 ? Number(extra[i + 1]) : await freePort();
  const args = [SHARDIS_BIN, 'server', ...(configFile ? [configFile] : []), '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, ...extra];
  return spawnServer(process.execPath, args, port, dir);
}

/** Runs our engine on `dir` expecting start-up to fail; resolves with its exit code and output. */
export function startOursExpectingFailure(dir: string, extra: string[] = []): Promise<{ code: number | null; output: string }> {
  return new Promise((res) => {
    const proc = spawn(process.execPath, [SHARDIS_BIN, 'server', '--port', '0', '--bind', '127.0.0.1', '--save', '', '--dir', dir, ...extra], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    proc.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10000);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      res({ code, output: out });
    });
  });
}
