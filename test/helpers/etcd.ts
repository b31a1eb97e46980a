/*
 * A real etcd for tests: started on free ports in a temp dir, stopped by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './ports.js';

export interface TestEtcd {
  endpoint: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

export async function startEtcd(): Promise<TestEtcd> {
  const dir = mkdtempSync(join(tmpdir(), 'etcd-test-'));
  const client = await freePort();
  const peer = await freePort();
  const metrics = await freePort();
  const proc = spawn('etcd', [
    '--name', 'test', '--data-dir', join(dir, 'data'),
    '--listen-client-urls', `http://127.0.0.1:${client}`, '--advertise-client-urls', `http://127.0.0.1:${client}`,
    '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
    '--initial-cluster', `test=http://127.0.0.1:${peer}`, '--listen-metrics-urls', `http://127.0.0.1:${metrics}`,
  ], { stdio: 'ignore' });
  const endpoint = `127.0.0.1:${client}`;
  await waitFor(async () => {
    if (proc.exitCode !== null) throw new Error('etcd exited');
    const r = await fetch(`http://${endpoint}/health`).catch(() => null);
    return r !== null && r.ok;
  }, 15000, 100);
  return {
    endpoint, proc,
    stop: async () => {
      if (proc.exitCode === null) {
        proc.kill('SIGKILL');
        await new Promise((r) => proc.once('exit', r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
