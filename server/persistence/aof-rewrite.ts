/*
 * The command form of an AOF base (aof-use-rdb-preamble no): each key as the
 * commands that rebuild it, as Redis's rewriteAppendOnlyFileRio writes them:
 * collections in commands of at most 64 elements, then PEXPIREAT for a TTL;
 * keys already expired are left out.
 */
import type { SnapshotFormat } from './snapshot.js';
import type { RedisObject } from '../types/object.js';
import { encodeCommand } from './aof-reader.js';
import { formatG17 } from '../../common/resp/format.js';

/** AOF_REWRITE_ITEMS_PER_CMD. */
const ITEMS_PER_CMD = 64;

export class AofCommandFormat implements SnapshotFormat {
  private chunks: Buffer[] = [];
  pending = 0;

  private cmd(argv: (Buffer | string)[]): void {
    const b = encodeCommand(argv);
    this.chunks.push(b);
    this.pending += b.length;
  }

  /** Emits `head` followed by items, ITEMS_PER_CMD items per command. */
  private batched(head: (Buffer | string)[], items: Iterable<(Buffer | string)[]>): void {
    let args: (Buffer | string)[] = [...head];
    let n = 0;
    for (const it of items) {
      args.push(...it);
      if (++n === ITEMS_PER_CMD) {
        this.cmd(args);
        args = [...head];
        n = 0;
      }
    }
    if (n > 0) this.cmd(args);
  }

  selectDb(index: number): void {
    this.cmd(['SELECT', String(index)]);
  }

  entry(key: string, o: RedisObject, expireAtMs: number | undefined): void {
    // Already expired: the rewrite drops it, as Redis's does.
    if (expireAtMs !== undefined && expireAtMs < Date.now()) return;
    const k = Buffer.from(key, 'latin1');
    switch (o.type) {
      case 'string':
        this.cmd(['SET', k, o.value]);
        break;
      case 'list':
        this.batched(['RPUSH', k], map(o.value, (v) => [v]));
        break;
      case 'set':
        this.batched(['SADD', k], map(o.value.members(), (m) => [m]));
        break;
      case 'zset':
        this.batched(['ZADD', k], map(o.value.entries(), ([m, s]) => [formatG17(s), m]));
        break;
      case 'hash':
        this.batched(['HMSET', k], map(o.value.entries(), ([f, v]) => [f, v]));
        break;
    }
    if (expireAtMs !== undefined) this.cmd(['PEXPIREAT', k, String(expireAtMs)]);
  }

  take(): Buffer | null {
    if (this.pending === 0) return null;
    const out = Buffer.concat(this.chunks, this.pending);
    this.chunks = [];
    this.pending = 0;
    return out;
  }

  end(): void {}
}

function* map<T, U>(it: Iterable<T>, f: (x: T) => U): Iterable<U> {
  for (const x of it) yield f(x);
}
