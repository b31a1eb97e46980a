/*
 * The append-only file as Redis 7 keeps it: a directory (`appenddirname`)
 * with a base file (RDB or commands), incremental command files and a
 * manifest naming them in order.
 *
 * Invariants:
 *  - every write command that changed the dataset is appended to the
 *    current incr file before its reply is written (server.beforeReplies),
 *    and with `appendfsync always` fsynced too: an acknowledged write is on
 *    disk. `everysec` fsyncs off the event loop once a second, so a crash
 *    loses at most about two seconds; `no` leaves fsync to the kernel.
 *  - the manifest is replaced atomically (temp file, fsync, rename) and only
 *    ever names complete files: base + incrs loaded in order give the dataset.
 *  - a rewrite opens a new incr file at the cut (the snapshot's point in
 *    time), writes the base from the snapshot, and only then switches the
 *    manifest to [new base, new incr]: no rewrite buffer is needed, and a
 *    crash mid-rewrite leaves the old base + both incrs, still complete.
 */
import { closeSync, existsSync, fdatasync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Server } from '../server.js';
import { Client } from '../client.js';
import { processCommand } from '../dispatch.js';
import { SnapshotAborted, type Snapshot } from './snapshot.js';
import { SnapshotFile, type RdbPersistence } from './rdb-persistence.js';
import { AofCommandFormat } from './aof-rewrite.js';
import { encodeCommand, AofReader, AofTruncated, AofFormatError } from './aof-reader.js';
import {
  parseManifest, formatManifest, emptyManifest, newBaseName, newIncrName, type Manifest,
} from './aof-manifest.js';

/** A blocked fsync longer than this makes the write path wait (Redis's 2 seconds). */
const FSYNC_POSTPONE_MS = 2000;

export class AofPersistence {
  private on = false;
  private readonly hook = (db: number, argv: Buffer[]): void => this.feed(db, argv);
  /** Appending (appendonly yes and the files are open); writes propagate to us only meanwhile. */
  get enabled(): boolean {
    return this.on;
  }
  private set enabled(v: boolean) {
    this.on = v;
    this.server.setPropagationHook(this.hook, v);
  }
  private fd = -1;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private selectedDb = -1;
  private manifest: Manifest = emptyManifest();
  /** aof_current_size / aof_base_size (the size after the last rewrite, for auto-rewrite growth). */
  currentSize = 0;
  baseSize = 0;
  lastWriteError: string | null = null;
  private fsyncInProgress = false;
  private lastFsync = Date.now();
  private writtenSinceFsync = false;
  private postponedSince = 0;
  delayedFsync = 0;
  rewriteScheduled = false;
  lastRewriteStatus: 'ok' | 'err' = 'ok';
  lastRewriteTimeSec = -1;
  rewriteStartedAt = 0;
  rewrites = 0;
  consecutiveFailures = 0;

  constructor(private readonly server: Server, private readonly rdb: RdbPersistence) {
    server.beforeReplies = () => {
      if (this.pendingBytes > 0) this.flush(false);
    };
    server.config.onChange((name, value) => {
      if (name !== 'appendonly' || server.loading) return;
      if (value === 'yes' && !this.enabled) this.start();
      else if (value === 'no' && this.enabled) this.stop();
    });
  }

  private get dirPath(): string {
    return resolve(this.server.config.get('dir') || '.', this.server.config.get('appenddirname'));
  }
  private get fileName(): string {
    return this.server.config.get('appendfilename');
  }
  private get manifestPath(): string {
    return join(this.dirPath, `${this.fileName}.manifest`);
  }

  // ---------------------------------------------------------------- appending

  private feed(dbIndex: number, argv: Buffer[]): void {
    if (!this.enabled || this.server.loading) return;
    if (dbIndex !== this.selectedDb) {
      this.append(encodeCommand(['SELECT', String(dbIndex)]));
      this.selectedDb = dbIndex;
    }
    this.append(encodeCommand(argv));
  }

  private append(b: Buffer): void {
    this.pending.push(b);
    this.pendingBytes += b.length;
  }

  /** Writes the buffered commands (flushAppendOnlyFile); `force` ignores a slow fsync. */
  flush(force: boolean): void {
    if (this.fd < 0 || this.pendingBytes === 0) {
      if (force && this.fd >= 0 && this.writtenSinceFsync) this.fsyncNow();
      return;
    }
    const policy = this.server.config.get('appendfsync');
    if (policy === 'everysec' && this.fsyncInProgress && !force) {
      const now = Date.now();
      if (this.postponedSince === 0) {
        this.postponedSince = now;
        return;
      }
      if (now - this.postponedSince < FSYNC_POSTPONE_MS) return;
      this.delayedFsync++;
      this.server.log.notice('Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer without waiting for fsync to complete, this may slow down Redis.');
    }
    this.postponedSince = 0;
    const data = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    try {
      for (let off = 0; off < data.length;) off += writeSync(this.fd, data, off);
    } catch (e) {
      this.writeFailed((e as Error).message, policy);
      return;
    }
    if (this.lastWriteError !== null) {
      this.server.log.warning('AOF write error looks solved, Redis can write again.');
      this.lastWriteError = null;
    }
    this.currentSize += data.length;
    this.pending = [];
    this.pendingBytes = 0;
    this.writtenSinceFsync = true;
    if (force || (policy === 'always' && !this.fsyncSuspended())) this.fsyncNow();
  }

  private writeFailed(msg: string, policy: string): void {
    this.server.log.warning(`Error writing to the AOF file: ${msg}`);
    if (policy === 'always') {
      // The reply would promise durability it does not have: Redis exits here too.
      this.server.log.warning("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
      process.exit(1);
    }
    // Kept buffered and retried by cron; writes are refused meanwhile (MISCONF).
    this.lastWriteError = msg;
  }

  private fsyncNow(): void {
    try {
      fsyncSync(this.fd);
    } catch (e) {
      this.writeFailed((e as Error).message, this.server.config.get('appendfsync'));
      return;
    }
    this.writtenSinceFsync = false;
    this.lastFsync = Date.now();
  }

  /** no-appendfsync-on-rewrite: no fsync while a snapshot competes for the disk. */
  private fsyncSuspended(): boolean {
    return this.server.snapshot !== null && this.server.config.bool('no-appendfsync-on-rewrite');
  }

  /** everysec: fsync in the thread pool, never on the event loop. */
  private backgroundFsync(): void {
    if (this.fsyncSuspended() || this.fsyncInProgress || !this.writtenSinceFsync || Date.now() - this.lastFsync < 1000) return;
    this.fsyncInProgress = true;
    this.writtenSinceFsync = false;
    const fd = this.fd;
    fdatasync(fd, (err) => {
      this.fsyncInProgress = false;
      this.lastFsync = Date.now();
      if (err) this.writeFailed(err.message, 'everysec');
    });
  }

  get bufferLength(): number {
    return this.pendingBytes;
  }
  get fsyncPending(): boolean {
    return this.fsyncInProgress;
  }

  writeError(): string | null {
    return this.enabled ? this.lastWriteError : null;
  }

  cron(): void {
    if (this.enabled) {
      if (this.pendingBytes > 0) this.flush(false);
      if (this.server.config.get('appendfsync') === 'everysec') this.backgroundFsync();
    }
    if (this.server.snapshot !== null) return;
    if (this.rewriteScheduled) {
      this.rewrite();
      return;
    }
    const pct = this.server.config.num('auto-aof-rewrite-percentage');
    if (this.enabled && pct > 0 && this.currentSize > this.server.config.num('auto-aof-rewrite-min-size')) {
      const base = this.baseSize > 0 ? this.baseSize : 1;
      const growth = Math.floor(((this.currentSize - base) * 100) / base);
      if (growth >= pct) {
        this.server.log.notice(`Starting automatic rewriting of AOF on ${growth}% growth`);
        this.rewrite();
      }
    }
  }

  // ---------------------------------------------------------------- files

  /** Opens the incr file `name` for appending and makes it current. */
  private openIncr(name: string): void {
    const fd = openSync(join(this.dirPath, name), 'a');
    if (this.fd >= 0) {
      const old = this.fd;
      try { fsyncSync(old); } catch { /* reported by the next write */ }
      closeSync(old);
    }
    this.fd = fd;
    this.selectedDb = -1;
  }

  private persistManifest(): void {
    const tmp = `${this.manifestPath}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, formatManifest(this.manifest));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.manifestPath);
    // The rename itself must reach the disk before the history files go.
    const dfd = openSync(this.dirPath, 'r');
    try { fsyncSync(dfd); } finally { closeSync(dfd); }
  }

  private deleteHistory(): void {
    for (const h of this.manifest.history) {
      try { unlinkSync(join(this.dirPath, h.name)); } catch { /* already gone */ }
    }
    this.manifest.history = [];
    this.persistManifest();
  }

  private fileSize(name: string): number {
    try { return statSync(join(this.dirPath, name)).size; } catch { return 0; }
  }

  // ---------------------------------------------------------------- start / stop

  /** CONFIG SET appendonly yes: a base of the current dataset first, then appending. */
  private start(): void {
    mkdirSync(this.dirPath, { recursive: true });
    if (existsSync(this.manifestPath)) this.manifest = parseManifest(readFileSync(this.manifestPath, 'latin1'));
    this.enabled = true;
    if (!this.rewrite()) {
      this.enabled = false;
      this.server.log.warning('Redis needs to enable the AOF but can\'t trigger a background AOF rewrite operation. Check the above logs for more info about the error.');
    }
  }

  /** CONFIG SET appendonly no. */
  private stop(): void {
    this.flush(true);
    if (this.server.snapshot?.purpose === 'aof') this.abortRewrite();
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    this.enabled = false;
    this.server.log.notice('Background append only file rewriting stopped');
  }

  // ---------------------------------------------------------------- rewrite

  /** BGREWRITEAOF (and the start of appending): false when it could not start. */
  rewrite(): boolean {
    if (this.server.snapshot !== null) return false;
    this.rewriteScheduled = false;
    const useRdb = this.server.config.bool('aof-use-rdb-preamble');
    try {
      mkdirSync(this.dirPath, { recursive: true });
      if (this.enabled) {
        // The cut: commands from now on go to a new incr file, named in the manifest at once.
        this.flush(true);
        const incr = newIncrName(this.manifest, this.fileName);
        this.openIncr(incr.name);
        this.manifest.incrs.push(incr);
        // With no base yet (appendonly just switched on) the manifest waits for
        // the base: naming only the incr would make a restart load a fraction of the data.
        if (this.manifest.base !== null) this.persistManifest();
      }
    } catch (e) {
      this.server.log.warning(`Can't open the append-only file: ${(e as Error).message}`);
      this.rewriteFailed();
      return false;
    }
    // The cut, in the same turn as the incr switch: the new incr holds exactly what the base lacks.
    const file = new SnapshotFile(join(this.dirPath, `temp-rewriteaof-bg-${process.pid}.aof`), this.server.config.bool('aof-rewrite-incremental-fsync'));
    const snap = this.rdb.newSnapshot(useRdb ? this.rdb.newFormat(true) : new AofCommandFormat(), (chunk) => file.write(chunk));
    snap.purpose = 'aof';
    this.server.snapshot = snap;
    this.server.log.notice(`Background append only file rewriting started by pid ${process.pid}`);
    void this.finishRewrite(snap, file, useRdb);
    return true;
  }

  private async finishRewrite(snap: Snapshot, file: SnapshotFile, useRdb: boolean): Promise<void> {
    const server = this.server;
    const started = Date.now();
    this.rewriteStartedAt = started;
    try {
      await snap.run();
      const base = newBaseName(this.manifest, this.fileName, useRdb);
      await file.commit(join(this.dirPath, base.name));
      // The new base covers everything before the cut: older files become history.
      const keep = this.enabled ? this.manifest.incrs.slice(-1) : [];
      const old = [...(this.manifest.base ? [this.manifest.base] : []), ...this.manifest.incrs.slice(0, this.manifest.incrs.length - keep.length)];
      this.manifest.history.push(...old.map((f) => ({ ...f, type: 'h' as const })));
      this.manifest.base = base;
      this.manifest.incrs = keep;
      this.persistManifest();
      this.deleteHistory();
      this.baseSize = this.fileSize(base.name) + keep.reduce((n, f) => n + this.fileSize(f.name), 0);
      this.currentSize = this.baseSize + this.pendingBytes;
      this.lastRewriteStatus = 'ok';
      this.consecutiveFailures = 0;
      this.rewrites++;
      server.log.notice('Background AOF rewrite terminated with success');
      server.log.notice('Background AOF rewrite finished successfully');
    } catch (e) {
      await file.discard();
      if (e instanceof SnapshotAborted) server.log.warning('Background AOF rewrite terminated by signal 10');
      else server.log.warning(`Background AOF rewrite failed: ${(e as Error).message}`);
      this.rewriteFailed();
    } finally {
      this.lastRewriteTimeSec = Math.round((Date.now() - started) / 1000);
      this.rewriteStartedAt = 0;
      if (server.snapshot === snap) server.snapshot = null;
    }
  }

  private rewriteFailed(): void {
    this.lastRewriteStatus = 'err';
    this.consecutiveFailures++;
  }

  abortRewrite(): void {
    if (this.server.snapshot?.purpose === 'aof') this.server.snapshot.abort();
  }

  // ---------------------------------------------------------------- loading

  /**
   * Start-up with appendonly yes: loads base + incr files in manifest order
   * (the RDB file is not read: the AOF has priority, as in Redis), then opens
   * the last incr file for appending. With no AOF at all, an empty base and a
   * first incr file are created.
   */
  loadAtStartup(): void {
    const server = this.server;
    mkdirSync(this.dirPath, { recursive: true });
    const old = resolve(server.config.get('dir') || '.', this.fileName);
    if (!existsSync(this.manifestPath) && existsSync(old)) {
      // An AOF of Redis < 7 (one file in `dir`) becomes the base of the multi-part layout.
      renameSync(old, join(this.dirPath, this.fileName));
      this.manifest.base = { name: this.fileName, seq: 1, type: 'b' };
      this.manifest.baseSeq = 1;
      this.persistManifest();
      server.log.notice('Successfully migrated an old-style AOF into the AOF directory');
    }
    if (existsSync(this.manifestPath)) {
      this.manifest = parseManifest(readFileSync(this.manifestPath, 'latin1'));
      const t0 = performance.now();
      this.loadFiles();
      server.log.notice(`DB loaded from append only file: ${((performance.now() - t0) / 1000).toFixed(3)} seconds`);
    }
    if (this.manifest.base === null && this.manifest.incrs.length === 0) {
      // An empty dataset gets a base at once, so the directory is complete from the first write on.
      const base = newBaseName(this.manifest, this.fileName, server.config.bool('aof-use-rdb-preamble'));
      const format = base.name.endsWith('.rdb') ? this.rdb.newFormat(true) : new AofCommandFormat();
      const chunks: Buffer[] = [];
      this.rdb.newSnapshot(format, async () => {}).runSync((b) => chunks.push(b));
      writeFileSync(join(this.dirPath, base.name), Buffer.concat(chunks));
      this.manifest.base = base;
    }
    if (this.manifest.incrs.length === 0) this.manifest.incrs.push(newIncrName(this.manifest, this.fileName));
    this.openIncr(this.manifest.incrs[this.manifest.incrs.length - 1]!.name);
    this.persistManifest();
    this.deleteHistory();
    this.enabled = true;
    this.baseSize = this.currentSize = [this.manifest.base, ...this.manifest.incrs].reduce((n, f) => n + (f ? this.fileSize(f.name) : 0), 0);
  }

  private loadFiles(): void {
    const server = this.server;
    const files = [...(this.manifest.base ? [this.manifest.base] : []), ...this.manifest.incrs];
    const fake = new Client(server, null);
    fake.authenticated = true;
    fake.flags.master = true;
    server.loading = true;
    try {
      files.forEach((f, i) => {
        const path = join(this.dirPath, f.name);
        if (!existsSync(path)) throw new Error(`Can't open the append-only file ${f.name}: No such file or directory`);
        const buf = readFileSync(path);
        if (buf.length === 0) return;
        let commands = buf;
        if (buf.subarray(0, 5).toString('latin1') === 'REDIS') {
          // An RDB base, or (an AOF of Redis < 7) an RDB preamble followed by commands.
          server.loading = false;
          commands = buf.subarray(this.rdb.load(buf));
          server.loading = true;
        }
        if (commands.length > 0) this.applyCommands(fake, commands, f.name, path, i === files.length - 1, buf.length - commands.length);
      });
    } finally {
      server.loading = false;
    }
  }

  /** Runs an AOF command stream through the dispatcher as the AOF client. */
  /** `at`: where `buf` starts in the file (after an RDB preamble). */
  private applyCommands(fake: Client, buf: Buffer, name: string, path: string, last: boolean, at: number): void {
    const server = this.server;
    const reader = new AofReader(buf);
    try {
      for (let argv = reader.next(); argv !== null; argv = reader.next()) {
        processCommand(fake, argv);
        fake.reply.take();
      }
    } catch (e) {
      if (e instanceof AofTruncated) {
        if (!last || !server.config.bool('aof-load-truncated')) {
          server.log.warning(`Unexpected end of file reading the append only file ${name}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`);
          throw e;
        }
        server.log.warning(`!!! Warning: short read while loading the AOF file ${name}!!!`);
        server.log.warning(`!!! Truncating the AOF ${name} at offset ${at + e.validUpTo} !!!`);
        // A MULTI cut before its EXEC was never applied as a whole: drop what was queued.
        if (fake.inMulti) fake.discardMulti();
        const fd = openSync(path, 'r+');
        try { ftruncateSync(fd, at + e.validUpTo); } finally { closeSync(fd); }
        server.log.warning(`AOF ${name} loaded anyway because aof-load-truncated is enabled`);
        return;
      }
      if (e instanceof AofFormatError) {
        server.log.warning(`Bad file format reading the append only file ${name}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>`);
      }
      throw e;
    }
  }

  /** DEBUG RELOAD (save + reload the RDB) and DEBUG LOADAOF (flush + reload the AOF). */
  debugReload(c: Client, argv: Buffer[]): void {
    const server = this.server;
    const aof = argv[1]!.toString('latin1').toLowerCase() === 'loadaof';
    if (aof) {
      if (this.enabled) this.flush(true);
    } else if (!this.rdb.saveSync()) {
      c.error('ERR Error trying to save the DB');
      return;
    }
    for (const db of server.dbs) db.clear();
    try {
      if (aof) {
        // As Redis: whatever the manifest on disk names, AOF on or off (a BGREWRITEAOF with it off writes one too).
        if (existsSync(this.manifestPath)) this.manifest = parseManifest(readFileSync(this.manifestPath, 'latin1'));
        this.loadFiles();
      } else {
        this.rdb.load(readFileSync(this.rdb.path));
      }
    } catch (e) {
      c.error(`ERR Error trying to load the ${aof ? 'AOF' : 'RDB'} dump: ${(e as Error).message}`);
      return;
    }
    server.log.notice(aof ? 'Append Only File loaded by DEBUG LOADAOF' : 'DB reloaded by DEBUG RELOAD');
    c.reply.ok();
  }
}
