/*
 * Scaffolding for persistence tests: our engine as processes on directories
 * kept across restarts (DEBUG enabled for DEBUG DIGEST), clients, INFO fields
 * and clean-up of everything a file started.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { startOursProcessIn, type ProcServer } from './servers.js';
import { RawClient, type Reply } from './raw-client.js';

export class Scratch {
  private readonly dirs: string[] = [];
  private readonly procs: ProcServer[] = [];

  tempDir(): string {
    const d = mkdtempSync(join(tmpdir(), 'shardis-persist-'));
    this.dirs.push(d);
    return d;
  }

  /** Our engine on `dir`, stopped (SIGKILL) by cleanUp. */
  async ours(dir: string, extra: string[] = []): Promise<ProcServer> {
    return this.track(await startOursProcessIn(dir, ['--enable-debug-command', 'yes', ...extra]));
  }

  track(s: ProcServer): ProcServer {
    this.procs.push(s);
    return s;
  }

  async cleanUp(): Promise<void> {
    for (const p of this.procs) await p.stop();
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
  }
}

/** Bulk strings as text, for comparing values. */
export function text(r: Reply): unknown {
  return Buffer.isBuffer(r) ? r.toString('latin1') : Array.isArray(r) ? r.map(text) : r;
}

export async function client(port: number): Promise<RawClient> {
  const c = new RawClient(port);
  await c.connect();
  return c;
}

/** DEBUG DIGEST of a server (checked to be a digest, so two errors never compare equal). */
export async function digest(port: number): Promise<Reply> {
  const c = await client(port);
  try {
    const d = await c.call(['DEBUG', 'DIGEST']);
    expect(String(d)).toMatch(/^[0-9a-f]{40}$/);
    return d;
  } finally {
    c.close();
  }
}

export async function infoField(c: RawClient, field: string): Promise<string> {
  return String(await c.call(['INFO', 'persistence'])).match(new RegExp(`${field}:(\\S+)`))?.[1] ?? '';
}

export async function kill9(s: ProcServer): Promise<void> {
  s.proc.kill('SIGKILL');
  await new Promise((r) => s.proc.once('exit', r));
}
