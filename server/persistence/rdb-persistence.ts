/*
 * RDB persistence as Redis runs it: SAVE, BGSAVE [SCHEDULE], `save <sec>
 * <changes>` points checked every cron tick, loading at start-up, and the
 * state INFO persistence reports.
 *
 * Invariant: `dir`/`dbfilename` only ever holds a complete file. A save
 * writes `temp-<pid>-<n>.rdb` in `dir`, fsyncs it and renames it over the
 * target; a failed or aborted save removes its temp file and leaves the
 * previous file untouched. A background save serializes a point-in-time cut
 * (snapshot.ts) in time slices while clients are served.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Server } from '../server.js';
import { Snapshot, SnapshotAborted, type SnapshotFormat } from './snapshot.js';
import { RdbFileReader, RdbFileWriter } from './rdb-file.js';
import { loadLimitsFromConfig, writeOptionsFromConfig, RdbFormatError } from './rdb-value.js';
import { memoryOf } from '../memory.js';

/** Redis retries a failed automatic save only after this long (CONFIG_BGSAVE_RETRY_DELAY). */
const RETRY_DELAY_SEC = 5;
/** rdb-save-incremental-fsync: fsync every this many bytes, so the final fsync is not one huge stall. */
const INCREMENTAL_FSYNC_BYTES = 4 * 1024 * 1024;

let tempSeq = 0;

export class RdbPersistence {
  lastBgsaveStatus: 'ok' | 'err' = 'ok';
  lastBgsaveTimeSec = -1;
  /** When the running BGSAVE started (ms), 0 when none runs. */
  bgsaveStartedAt = 0;
  bgsaveScheduled = false;
  private lastBgsaveTry = 0;
  rdbSaves = 0;
  /** Microseconds the event loop was held to take the last cut: our stand-in for fork time. */
  latestForkUsec = 0;
  keysLoaded = 0;
  keysExpiredOnLoad = 0;
  /** Keys of the running save, for current_save_keys_processed/total. */
  saveKeysTotal = 0;
  /** AUX fields of the last file loaded (a restarted replica continues from repl-id / repl-offset). */
  readonly loadedAux = new Map<string, string>();
  /** Resolves when the running BGSAVE ends (tests, SHUTDOWN). */
  running: Promise<boolean> | null = null;

  constructor(private readonly server: Server) {}

  get path(): string {
    return resolve(this.server.config.get('dir') || '.', this.server.config.get('dbfilename'));
  }

  private tempPath(): string {
    return resolve(this.server.config.get('dir') || '.', `temp-${process.pid}-${++tempSeq}.rdb`);
  }

  /** The RDB form of the dataset: a header now, entries as the snapshot feeds them. */
  newFormat(aofBase = false, extraAux: [string, string][] = this.server.replAux?.() ?? []): RdbFileWriter {
    const cfg = this.server.config;
    const w = new RdbFileWriter({ checksum: cfg.bool('rdbchecksum'), write: writeOptionsFromConfig(cfg) });
    w.header([
      ['redis-ver', '7.0.15'], ['redis-bits', '64'], ['ctime', String(Math.floor(Date.now() / 1000))],
      ['used-mem', String(memoryOf(this.server).used())], ...extraAux, ['aof-base', aofBase ? '1' : '0'],
    ]);
    return w;
  }

  newSnapshot(format: SnapshotFormat, sink: (b: Buffer) => Promise<void>): Snapshot {
    const cfg = this.server.config;
    const t0 = performance.now();
    const snap = new Snapshot(this.server.dbs, format, sink, {
      sliceMs: 2, chunkBytes: 256 * 1024, keyDelayUs: Math.max(0, cfg.num('rdb-key-save-delay')),
    });
    this.latestForkUsec = Math.round((performance.now() - t0) * 1000);
    this.server.stats.totalForks++;
    this.saveKeysTotal = this.server.dbs.reduce((n, db) => n + db.size, 0);
    return snap;
  }

  /** SAVE: the whole dataset, synchronously. */
  saveSync(): boolean {
    const tmp = this.tempPath();
    let fd = -1;
    try {
      fd = openSync(tmp, 'w');
      const file = fd;
      const snap = this.newSnapshot(this.newFormat(), async () => {});
      snap.runSync((chunk) => {
        for (let off = 0; off < chunk.length;) off += writeSync(file, chunk, off);
      });
      fsyncSync(fd);
      closeSync(fd);
      fd = -1;
      renameSync(tmp, this.path);
    } catch (e) {
      if (fd >= 0) closeSync(fd);
      try { unlinkSync(tmp); } catch { /* never created */ }
      this.server.log.warning(`Failed saving the DB: ${(e as Error).message}`);
      return false;
    }
    this.server.log.notice('DB saved on disk');
    this.saved(this.server.dirty);
    return true;
  }

  private saved(dirtyAtCut: number): void {
    this.server.dirty -= dirtyAtCut;
    this.server.lastSave = Math.floor(Date.now() / 1000);
    this.lastBgsaveStatus = 'ok';
    this.rdbSaves++;
  }

  /** BGSAVE: the cut is taken now, in the same turn as the command; false when it could not start. */
  bgsave(): boolean {
    if (this.server.snapshot !== null) return false;
    this.lastBgsaveTry = Date.now();
    this.bgsaveScheduled = false;
    const file = new SnapshotFile(this.tempPath(), this.server.config.bool('rdb-save-incremental-fsync'));
    const snap = this.newSnapshot(this.newFormat(), (chunk) => file.write(chunk));
    this.server.snapshot = snap;
    this.server.log.notice(`Background saving started by pid ${process.pid}`);
    this.running = this.finishBgsave(snap, file, this.server.dirty);
    return true;
  }

  private async finishBgsave(snap: Snapshot, file: SnapshotFile, dirtyAtCut: number): Promise<boolean> {
    const server = this.server;
    const started = Date.now();
    this.bgsaveStartedAt = started;
    try {
      await snap.run();
      await file.commit(this.path);
      server.log.notice('DB saved on disk');
      // Our counterpart of Redis's "copy-on-write" line: keys written early because a write was about to change them.
      server.log.notice(`RDB: ${snap.keysPreserved} keys copied on write`);
      this.saved(dirtyAtCut);
      server.log.notice('Background saving terminated with success');
      return true;
    } catch (e) {
      await file.discard();
      this.lastBgsaveStatus = 'err';
      if (e instanceof SnapshotAborted) server.log.warning('Background saving terminated by signal 10');
      else server.log.warning(`Write error saving DB on disk: ${(e as Error).message}`);
      server.log.warning('Background saving error');
      return false;
    } finally {
      this.lastBgsaveTimeSec = Math.round((Date.now() - started) / 1000);
      this.bgsaveStartedAt = 0;
      if (server.snapshot === snap) server.snapshot = null;
      this.running = null;
    }
  }

  /** killRDBChild: stops a running BGSAVE (FLUSHALL, SHUTDOWN); its temp file is removed. */
  abortBgsave(): void {
    if (this.server.snapshot?.purpose === 'rdb') this.server.snapshot.abort();
  }

  /** The `save` points, checked every cron tick; also runs a scheduled BGSAVE. */
  cron(): void {
    if (this.server.snapshot !== null) return;
    if (this.bgsaveScheduled) {
      this.bgsave();
      return;
    }
    const spec = this.server.config.get('save').trim();
    if (spec === '') return;
    const nowSec = Date.now() / 1000;
    const parts = spec.split(/\s+/).map(Number);
    for (let i = 0; i + 1 < parts.length; i += 2) {
      const seconds = parts[i]!;
      const changes = parts[i + 1]!;
      if (this.server.dirty >= changes && nowSec - this.server.lastSave > seconds &&
          (nowSec - this.lastBgsaveTry / 1000 > RETRY_DELAY_SEC || this.lastBgsaveStatus === 'ok')) {
        this.server.log.notice(`${changes} changes in ${seconds} seconds. Saving...`);
        this.bgsave();
        return;
      }
    }
  }

  /** stop-writes-on-bgsave-error: writes are refused while the last save failed and saving is configured. */
  deniesWrites(): boolean {
    const cfg = this.server.config;
    return this.lastBgsaveStatus === 'err' && cfg.bool('stop-writes-on-bgsave-error') && cfg.get('save').trim() !== '';
  }

  /**
   * Loads `dir`/`dbfilename` into the (empty) dataset at start-up. Returns
   * false when there is no file; throws RdbFormatError (naming the offset)
   * when the file is not a valid RDB.
   */
  loadAtStartup(): boolean {
    const path = this.path;
    if (!existsSync(path)) return false;
    const t0 = performance.now();
    this.load(readFileSync(path));
    this.server.log.notice(`DB loaded from disk: ${((performance.now() - t0) / 1000).toFixed(3)} seconds`);
    return true;
  }

  /**
   * Loads a whole RDB image; entries already expired are dropped, as a master
   * does. Returns where the RDB ends (an AOF with an RDB preamble goes on with commands).
   */
  load(buf: Buffer): number {
    const steps = this.loadSteps(buf);
    while (!steps.next(Infinity)) { /* one slice is the whole file */ }
    return steps.end();
  }

  /**
   * Loads in slices of `sliceMs`, yielding to the event loop between them (a
   * replica loading its master's snapshot keeps answering meanwhile).
   */
  async loadSliced(buf: Buffer, sliceMs = 10): Promise<void> {
    const steps = this.loadSteps(buf);
    while (!steps.next(performance.now() + sliceMs)) await new Promise((r) => setImmediate(r));
  }

  /** The loader as steps: next(deadline) loads records until the deadline; true when done. */
  private loadSteps(buf: Buffer): { next(deadline: number): boolean; end(): number } {
    const server = this.server;
    const reader = new RdbFileReader(buf, loadLimitsFromConfig(server.config), {
      verifyChecksum: server.config.bool('rdbchecksum') && !server.skipChecksumValidation,
    });
    const now = Date.now();
    this.keysLoaded = 0;
    this.keysExpiredOnLoad = 0;
    this.loadedAux.clear();
    return {
      end: () => reader.offset,
      next: (deadline) => {
        server.loading = true;
        try {
          let n = 0;
          for (let rec = reader.next(); rec !== null; rec = reader.next()) {
            if (rec.kind === 'aux') this.loadedAux.set(rec.key, rec.value.toString('latin1'));
            if (rec.kind !== 'entry') continue;
            if (rec.db >= server.dbs.length) throw new RdbFormatError(`FATAL: Data file was created with a Redis server configured to handle more than ${server.dbs.length} databases. Exiting`);
            if (rec.expireAtMs !== undefined && rec.expireAtMs < now && !server.isReplica) {
              this.keysExpiredOnLoad++;
            } else {
              const db = server.dbs[rec.db]!;
              if (db.dict.has(rec.key)) throw new RdbFormatError(`RDB has duplicated key '${rec.key}' in DB ${rec.db}`);
              db.add(rec.key, rec.value);
              if (rec.expireAtMs !== undefined) db.setExpire(rec.key, rec.expireAtMs);
              this.keysLoaded++;
            }
            if ((++n & 127) === 0 && performance.now() >= deadline) return false;
          }
        } finally {
          server.loading = false;
        }
        server.log.notice(`Done loading RDB, keys loaded: ${this.keysLoaded}, keys expired: ${this.keysExpiredOnLoad}.`);
        return true;
      },
    };
  }
}

/**
 * A snapshot's temp file: opened as the snapshot starts (the cut cannot wait
 * for the open), written with back-pressure, fsynced every 4 MB when asked,
 * then fsynced and renamed into place, or removed.
 */
export class SnapshotFile {
  private readonly fh: Promise<FileHandle>;
  private sinceFsync = 0;

  constructor(readonly path: string, private readonly incrementalFsync: boolean) {
    this.fh = open(path, 'w');
    // Reported by the first write; without this an early failure would be an unhandled rejection.
    this.fh.catch(() => {});
  }

  async write(chunk: Buffer): Promise<void> {
    const fh = await this.fh;
    for (let off = 0; off < chunk.length;) off += (await fh.write(chunk, off)).bytesWritten;
    this.sinceFsync += chunk.length;
    if (this.incrementalFsync && this.sinceFsync >= INCREMENTAL_FSYNC_BYTES) {
      this.sinceFsync = 0;
      await fh.datasync();
    }
  }

  async commit(target: string): Promise<void> {
    const fh = await this.fh;
    await fh.sync();
    await fh.close();
    await rename(this.path, target);
  }

  async discard(): Promise<void> {
    try {
      await (await this.fh).close();
    } catch { /* never opened, or closed */ }
    await unlink(this.path).catch(() => {});
  }
}
