/*
 * A stored value. Each data type keeps its own structure (server/types/<type>.ts);
 * this union is what the keyspace holds. `lru` is the LRU clock (seconds,
 * 24 bits like Redis) or, under an LFU policy, the LFU word
 * (16-bit decrement time << 8 | 8-bit log counter).
 */
import type { ListValue } from './list.js';
import type { HashValue } from './hash.js';
import type { SetValue } from './set.js';
import type { ZSetValue } from './zset.js';

export type ObjectType = 'string' | 'list' | 'hash' | 'set' | 'zset';

interface Base {
  lru: number;
  /** Position in Db.keys, kept by the keyspace; -1 until the object is stored. */
  idx: number;
  /**
   * Memory accounting (server/memory.ts), kept on the object because side
   * tables (WeakMaps) of every key cost the GC dearly: the last measured size
   * (-1 once the key is gone), the element count then, and at the last exact measure.
   */
  mem?: number;
  memLen?: number;
  memExactLen?: number;
  /**
   * The id of the last snapshot (BGSAVE, AOF rewrite, full sync) that has
   * written this object or must skip it: see server/persistence/snapshot.ts.
   */
  snap: number;
  /** Position in its db's key array for the key's slot (server/db/keyspace.ts), -1 until stored. */
  sidx: number;
}
export interface StringObject extends Base { type: 'string'; value: Buffer }
export interface ListObject extends Base { type: 'list'; value: ListValue }
export interface HashObject extends Base { type: 'hash'; value: HashValue }
export interface SetObject extends Base { type: 'set'; value: SetValue }
export interface ZSetObject extends Base { type: 'zset'; value: ZSetValue }

export type RedisObject = StringObject | ListObject | HashObject | SetObject | ZSetObject;

/** A private copy of an argument, so a stored value never pins a socket chunk. */
export function own(b: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(b.length);
  out.set(b);
  return out;
}

export function stringObject(value: Buffer): StringObject {
  return { type: 'string', value, lru: 0, idx: -1, snap: 0, sidx: -1 };
}
