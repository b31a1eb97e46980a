/*
 * Synchronous migration of keys to another server, as codis-server's
 * SLOTSMGRT* commands do it: the keys' DUMP payloads go to the target in one
 * SLOTSRESTORE (after AUTH / SELECT when the cached connection needs them),
 * and the command returns once the target has answered. The event loop is
 * held for that round trip, so no other command can touch the keys between
 * their serialization and their removal (Codis's sync mode blocks the same
 * way; the -ASYNC family is the non-blocking one). The socket work runs on
 * migrate-worker.ts, waited for with Atomics.wait.
 */
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';

export interface MigrateRequest {
  host: string;
  port: number;
  timeoutMs: number;
  /** The source's requirepass, sent as AUTH on a new connection (Codis assumes one password per cluster). */
  auth: string | null;
  db: number;
  /** The SLOTSRESTORE command, encoded. */
  body: Uint8Array;
}

let worker: Worker | null = null;

/** The compiled worker: beside this module, or in dist/ when this module runs from its TypeScript source (tests). */
function workerFile(): URL {
  const beside = new URL('./migrate-worker.js', import.meta.url);
  return existsSync(beside) ? beside : new URL('../../dist/server/slots/migrate-worker.js', import.meta.url);
}
const shared = new SharedArrayBuffer(8 + 1024);
const word = new Int32Array(shared, 0, 2);

/** Runs one migration round trip; null on success, else the error reply (with its code). */
export function migrateSync(req: MigrateRequest): string | null {
  if (worker === null) {
    worker = new Worker(workerFile(), { workerData: { shared } });
    worker.unref();
  }
  Atomics.store(word, 0, 0);
  worker.postMessage(req);
  // The worker answers within the timeout; the margin covers its start-up.
  if (Atomics.wait(word, 0, 0, req.timeoutMs + 2000) === 'timed-out') {
    // Its late answer must not be taken for the next request's: start afresh.
    void worker.terminate();
    worker = null;
    return 'IOERR error or timeout reading from target';
  }
  if (Atomics.load(word, 0) === 1) return null;
  const n = Atomics.load(word, 1);
  return Buffer.from(new Uint8Array(shared, 8, n)).toString('latin1');
}
