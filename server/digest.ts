/*
 * DEBUG DIGEST / DIGEST-VALUE: Redis's dataset digest (debug.c
 * computeDatasetDigest, xorObjectDigest): SHA1-based mixDigest for ordered
 * data, xorDigest for unordered data, so the same dataset gives the same
 * digest as real Redis whatever the encodings or iteration orders.
 */
import { createHash } from 'node:crypto';
import type { Server } from './server.js';
import type { Db } from './db/keyspace.js';
import type { RedisObject } from './types/object.js';
import { formatG17 } from '../common/resp/format.js';

function sha1(data: Uint8Array): Buffer {
  return createHash('sha1').update(data).digest();
}

function xorDigest(digest: Buffer, data: Uint8Array): void {
  const h = sha1(data);
  for (let j = 0; j < 20; j++) digest[j]! ^= h[j]!;
}

function mixDigest(digest: Buffer, data: Uint8Array): void {
  xorDigest(digest, data);
  sha1(digest).copy(digest);
}

const TYPE_CODE: Record<RedisObject['type'], number> = { string: 0, list: 1, set: 2, zset: 3, hash: 4 };

function u32be(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

const latin1 = (s: string) => Buffer.from(s, 'latin1');

/** xorObjectDigest: a value's digest mixed into `digest`. */
export function xorObjectDigest(db: Db, key: string, digest: Buffer, o: RedisObject): void {
  mixDigest(digest, u32be(TYPE_CODE[o.type]));
  switch (o.type) {
    case 'string':
      mixDigest(digest, o.value);
      break;
    case 'list':
      for (const e of o.value) mixDigest(digest, e);
      break;
    case 'set':
      for (const m of o.value.members()) xorDigest(digest, m);
      break;
    case 'zset':
      for (const [m, score] of o.value.entries()) {
        const ele = Buffer.alloc(20);
        mixDigest(ele, m);
        mixDigest(ele, Buffer.from(formatG17(score)));
        xorDigest(digest, ele);
      }
      break;
    case 'hash':
      for (const [f, v] of o.value.entries()) {
        const ele = Buffer.alloc(20);
        mixDigest(ele, f);
        mixDigest(ele, v);
        xorDigest(digest, ele);
      }
      break;
  }
  if (db.expires.has(key)) xorDigest(digest, Buffer.from('!!expire!!'));
}

/** computeDatasetDigest as 40 hex chars (all zeros for an empty dataset). */
export function datasetDigest(server: Server): string {
  const final = Buffer.alloc(20);
  server.dbs.forEach((db, j) => {
    if (db.dict.size === 0) return;
    mixDigest(final, u32be(j));
    for (const [key, o] of db.dict) {
      const digest = Buffer.alloc(20);
      mixDigest(digest, latin1(key));
      xorObjectDigest(db, key, digest, o);
      xorDigest(final, digest);
    }
  });
  return final.toString('hex');
}

export function valueDigest(db: Db, key: string): string {
  const digest = Buffer.alloc(20);
  const o = db.dict.get(key);
  if (o !== undefined) xorObjectDigest(db, key, digest, o);
  return digest.toString('hex');
}
