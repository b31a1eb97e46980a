/*
 * Where the topology lives. A small interface (get, list by prefix,
 * compare-and-swap put and delete, a lease-based lock, prefix watch) with
 * three implementations — the filesystem (embedded default), etcd v3, and
 * memory (tests) — checked by one contract suite (store.test.ts).
 *
 * Invariant: every write states the revision it expects (or that the key
 * must not exist), so two writers can never both win; and at most one
 * holder owns a lock at a time, losing it if it stops renewing.
 */

export interface Entry {
  key: string;
  value: string;
  /** Opaque revision of the key's last write; pass it back to put/delete to compare-and-swap. */
  rev: string;
}

/** For put/delete: undefined = unconditional, null = the key must not exist, a revision = must still be at that revision. */
export type Expect = string | null | undefined;

export interface WatchEvent {
  type: 'put' | 'delete';
  key: string;
  value?: string;
}

export interface Lock {
  readonly owner: string;
  /** False once the lease was lost (expired or taken over): the holder must stop acting. */
  readonly held: boolean;
  /** Called once when the lock is lost. */
  onLost(fn: () => void): void;
  release(): Promise<void>;
}

export interface Store {
  get(key: string): Promise<Entry | null>;
  /** Every entry whose key starts with prefix, sorted by key. */
  list(prefix: string): Promise<Entry[]>;
  /** Writes the value if the expectation holds; returns the new revision, or null when it did not hold. */
  put(key: string, value: string, expect?: Expect): Promise<string | null>;
  /** Deletes if the expectation holds; false when it did not (or the key was absent). */
  delete(key: string, expect?: Expect): Promise<boolean>;
  /** Try-lock: the lock if free (or its holder's lease expired), else null. Renewed automatically until released. */
  tryLock(key: string, owner: string, ttlMs: number): Promise<Lock | null>;
  /** Calls fn for every change under prefix from now on; returns a function that stops watching. */
  watch(prefix: string, fn: (e: WatchEvent) => void): Promise<() => void>;
  close(): Promise<void>;
}

export class StoreError extends Error {}
