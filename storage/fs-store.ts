/*
 * The embedded store: one file per key under a directory. A write is a
 * read-compare-write done under a per-key mutex file created with O_EXCL, and
 * lands with write-temp + fsync + rename, so readers never see a torn value
 * and two writers can never both win a compare-and-swap. Revisions are unique
 * strings (never reused, so a delete + re-create cannot fool a CAS). Locks
 * are files holding {owner, expires} changed under the same mutex, renewed
 * by their holder; an expired lock can be taken over, so a crashed holder
 * never needs manual clean-up. Every change is also appended to a journal
 * file, which watchers (in any process) tail, so they see each change in
 * order, even a put followed at once by a delete. A mutex file older than
 * 2 s is left over from a crash and is removed.
 */
import { promises as fsp, readFileSync, appendFileSync, openSync, readSync, fstatSync, closeSync, fsyncSync, writeFileSync, renameSync, statSync, unlinkSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { LeaseLock } from './memory-store.js';
import type { Entry, Expect, Lock, Store, WatchEvent } from './store.js';
import { StoreError } from './store.js';

const MUTEX_STALE_MS = 2000;
const ENC = '.v'; // value files end with this so a key can also be a "directory" prefix

interface Stored {
  rev: string;
  value: string;
}

export class FsStore implements Store {
  private readonly watchers = new Set<{ timer: NodeJS.Timeout; fd: number }>();
  private readonly journal: string;
  private readonly locks = new Set<LeaseLock>();

  constructor(readonly dir: string, private readonly pollMs = 200) {
    mkdirSync(dir, { recursive: true });
    this.journal = join(dir, 'journal.log');
    closeSync(openSync(this.journal, 'a'));
  }

  /** Appends a change to the journal (called under the key's mutex, so per-key order holds). */
  private log(e: WatchEvent): void {
    appendFileSync(this.journal, JSON.stringify(e) + '\n');
  }

  private path(key: string): string {
    if (key.includes('..') || key.includes('\0')) throw new StoreError(`bad key ${key}`);
    return join(this.dir, key) + ENC;
  }

  private read(key: string): Stored | null {
    try {
      return JSON.parse(readFileSync(this.path(key), 'utf8')) as Stored;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  private write(key: string, s: Stored | null): void {
    const p = this.path(key);
    if (s === null) {
      try { unlinkSync(p); } catch { /* already gone */ }
      return;
    }
    mkdirSync(dirname(p), { recursive: true });
    const tmp = `${p}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    const fd = openSync(tmp, 'w');
    try {
      writeFileSync(fd, JSON.stringify(s));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, p);
  }

  /** Runs fn while holding the key's mutex file. */
  private async locked<T>(key: string, fn: () => T): Promise<T> {
    const m = this.path(key) + '.mutex';
    mkdirSync(dirname(m), { recursive: true });
    for (let attempt = 0; ; attempt++) {
      try {
        closeSync(openSync(m, 'wx'));
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        try {
          if (Date.now() - statSync(m).mtimeMs > MUTEX_STALE_MS) unlinkSync(m);
        } catch { /* raced with its owner: retry */ }
        if (attempt > 2000) throw new StoreError(`timed out waiting for ${m}`);
        await new Promise((r) => setTimeout(r, 2 + Math.random() * 5));
      }
    }
    try {
      return fn();
    } finally {
      try { unlinkSync(m); } catch { /* ignore */ }
    }
  }

  private static ok(cur: Stored | null, expect: Expect): boolean {
    if (expect === undefined) return true;
    if (expect === null) return cur === null;
    return cur !== null && cur.rev === expect;
  }

  async get(key: string): Promise<Entry | null> {
    const s = this.read(key);
    return s === null ? null : { key, value: s.value, rev: s.rev };
  }

  async list(prefix: string): Promise<Entry[]> {
    // The prefix's directory part is walked; names are filtered by the rest.
    const slash = prefix.lastIndexOf('/');
    const base = join(this.dir, prefix.slice(0, slash + 1));
    const out: Entry[] = [];
    const walk = async (dir: string, keyDir: string) => {
      let names: string[];
      try {
        names = await fsp.readdir(dir);
      } catch {
        return;
      }
      for (const n of names) {
        const full = join(dir, n);
        if (n.endsWith(ENC)) {
          const key = keyDir + n.slice(0, -ENC.length);
          if (!key.startsWith(prefix)) continue;
          const e = await this.get(key);
          if (e) out.push(e);
        } else if (!n.includes('.tmp-') && !n.endsWith('.mutex')) {
          const st = await fsp.stat(full).catch(() => null);
          if (st?.isDirectory()) await walk(full, keyDir + n + '/');
        }
      }
    };
    await walk(base, prefix.slice(0, slash + 1));
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async put(key: string, value: string, expect?: Expect): Promise<string | null> {
    return this.locked(key, () => {
      if (!FsStore.ok(this.read(key), expect)) return null;
      const rev = `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
      this.write(key, { rev, value });
      this.log({ type: 'put', key, value });
      return rev;
    });
  }

  async delete(key: string, expect?: Expect): Promise<boolean> {
    return this.locked(key, () => {
      const cur = this.read(key);
      if (cur === null || !FsStore.ok(cur, expect)) return false;
      this.write(key, null);
      this.log({ type: 'delete', key });
      return true;
    });
  }

  async tryLock(key: string, owner: string, ttlMs: number): Promise<Lock | null> {
    const id = `${owner}#${randomBytes(4).toString('hex')}`;
    const take = () => this.locked(key, () => {
      const cur = this.read(key);
      if (cur !== null) {
        const l = JSON.parse(cur.value) as { id: string; expires: number };
        if (l.id !== id && l.expires > Date.now()) return false;
      }
      this.write(key, { rev: randomBytes(6).toString('hex'), value: JSON.stringify({ owner, id, expires: Date.now() + ttlMs }) });
      return true;
    });
    if (!(await take())) return null;
    const lock: LeaseLock = new LeaseLock(owner, async () => {
      this.locks.delete(lock);
      await this.locked(key, () => {
        const cur = this.read(key);
        if (cur !== null && (JSON.parse(cur.value) as { id: string }).id === id) this.write(key, null);
      });
    });
    this.locks.add(lock);
    lock.startRenew(ttlMs, take);
    return lock;
  }

  async watch(prefix: string, fn: (e: WatchEvent) => void): Promise<() => void> {
    const fd = openSync(this.journal, 'r');
    let offset = fstatSync(fd).size;
    let partial = '';
    const buf = Buffer.alloc(64 * 1024);
    const poll = () => {
      const size = fstatSync(fd).size;
      if (size < offset) offset = 0;
      while (offset < size) {
        const n = readSync(fd, buf, 0, buf.length, offset);
        if (n <= 0) break;
        offset += n;
        partial += buf.toString('utf8', 0, n);
        let nl: number;
        while ((nl = partial.indexOf('\n')) >= 0) {
          const line = partial.slice(0, nl);
          partial = partial.slice(nl + 1);
          try {
            const e = JSON.parse(line) as WatchEvent;
            if (e.key.startsWith(prefix)) fn(e);
          } catch { /* a torn line cannot happen with O_APPEND writes; ignore garbage */ }
        }
      }
    };
    const w = { fd, timer: setInterval(poll, this.pollMs) };
    w.timer.unref();
    this.watchers.add(w);
    return () => {
      clearInterval(w.timer);
      closeSync(fd);
      this.watchers.delete(w);
    };
  }

  async close(): Promise<void> {
    for (const w of this.watchers) {
      clearInterval(w.timer);
      closeSync(w.fd);
    }
    this.watchers.clear();
    for (const l of this.locks) l.stopRenewing();
  }
}
