/*
 * One value in RDB encoding (Redis 7.0, RDB version 10): the encoder and
 * decoder behind DUMP/RESTORE, written to be reused for whole RDB files.
 *
 *  - RdbWriter / RdbReader: lengths, strings (int, LZF and raw encodings),
 *    doubles, over a growable buffer;
 *  - writeObject(w, o, opts): the type byte and the value, as Redis 7.0
 *    writes it for the encoding the value reports;
 *  - readObject(r, type, limits): any type Redis 7.0 loads (including the
 *    older ziplist, zipmap, intset, quicklist v1 and plain encodings);
 *  - createDumpPayload / verifyDumpPayload / loadDumpPayload: DUMP's
 *    framing (value + RDB version + CRC64).
 */
import {
  RDB_TYPE, RDB_VERSION, RDB_6BITLEN, RDB_14BITLEN, RDB_32BITLEN, RDB_64BITLEN, RDB_ENCVAL,
  RDB_ENC_INT8, RDB_ENC_INT16, RDB_ENC_INT32, RDB_ENC_LZF, RDB_LZF_MIN_LEN, DUMP_FOOTER_LEN,
  QUICKLIST_NODE_CONTAINER_PLAIN, QUICKLIST_NODE_CONTAINER_PACKED,
  RDB_DOUBLE_NAN, RDB_DOUBLE_POS_INF, RDB_DOUBLE_NEG_INF,
} from './rdb-format.js';
import { crc64, crc64Bytes } from './crc64.js';
import { lzfCompress, lzfDecompress } from './lzf.js';
import { lpDecode, lpEncode, lpEntrySize, LP_HDR_SIZE } from './listpack.js';
import { zlDecode } from './ziplist.js';
import { intsetDecode, intsetEncode } from './intset.js';
import { canonicalInt } from './intcodec.js';
import { formatG17 } from '../../common/resp/format.js';
import type { RedisObject } from '../types/object.js';
import { ListValue } from '../types/list.js';
import { HashValue } from '../types/hash.js';
import { SetValue } from '../types/set.js';
import { ZSetValue } from '../types/zset.js';

/** A payload or file that cannot be decoded. */
export class RdbFormatError extends Error {}

/** Encoder options (from the configuration). */
export interface RdbWriteOptions {
  /** rdbcompression: LZF for strings over 20 bytes. */
  compress: boolean;
  /** list-max-listpack-size: the size of quicklist nodes. */
  listMaxListpackSize: number;
  /** Elements at least this long get a node of their own (DEBUG QUICKLIST-PACKED-THRESHOLD; default 1 GB). */
  packedThreshold?: number;
}

/** Decoder limits: the encodings a loaded value converts to (as Redis checks after loading). */
export interface RdbLoadLimits {
  hashMaxListpackEntries: number;
  hashMaxListpackValue: number;
  zsetMaxListpackEntries: number;
  zsetMaxListpackValue: number;
  setMaxIntsetEntries: number;
}

export const DEFAULT_WRITE_OPTIONS: RdbWriteOptions = { compress: true, listMaxListpackSize: -2 };
export const DEFAULT_LOAD_LIMITS: RdbLoadLimits = {
  hashMaxListpackEntries: 512, hashMaxListpackValue: 64, zsetMaxListpackEntries: 128, zsetMaxListpackValue: 64,
  setMaxIntsetEntries: 512,
};

interface ConfigLike {
  num(name: string): number;
  bool(name: string): boolean;
}

export function writeOptionsFromConfig(cfg: ConfigLike): RdbWriteOptions {
  return { compress: cfg.bool('rdbcompression'), listMaxListpackSize: cfg.num('list-max-listpack-size') };
}

export function loadLimitsFromConfig(cfg: ConfigLike): RdbLoadLimits {
  return {
    hashMaxListpackEntries: cfg.num('hash-max-listpack-entries'), hashMaxListpackValue: cfg.num('hash-max-listpack-value'),
    zsetMaxListpackEntries: cfg.num('zset-max-listpack-entries'), zsetMaxListpackValue: cfg.num('zset-max-listpack-value'),
    setMaxIntsetEntries: cfg.num('set-max-intset-entries'),
  };
}

// ------------------------------------------------------------------ writer

export class RdbWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  get length(): number {
    return this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.pos + n) cap *= 2;
    const nb = Buffer.allocUnsafe(cap);
    this.buf.copy(nb, 0, 0, this.pos);
    this.buf = nb;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  raw(data: Uint8Array): void {
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  /** rdbSaveLen. */
  len(n: number): void {
    this.ensure(9);
    if (n < 1 << 6) {
      this.buf[this.pos++] = (RDB_6BITLEN << 6) | n;
    } else if (n < 1 << 14) {
      this.buf[this.pos++] = (RDB_14BITLEN << 6) | (n >> 8);
      this.buf[this.pos++] = n & 0xff;
    } else if (n <= 0xffffffff) {
      this.buf[this.pos++] = RDB_32BITLEN;
      this.buf.writeUInt32BE(n, this.pos);
      this.pos += 4;
    } else {
      this.buf[this.pos++] = RDB_64BITLEN;
      this.buf.writeBigUInt64BE(BigInt(n), this.pos);
      this.pos += 8;
    }
  }

  /** rdbSaveRawString: integer encoding for short integers, LZF when it pays, else length + bytes. */
  string(s: Uint8Array, compress: boolean): void {
    if (s.length <= 11) {
      const v = canonicalInt(s);
      if (v !== null && typeof v === 'number' && this.intEncoded(v)) return;
    }
    if (compress && s.length > RDB_LZF_MIN_LEN && this.lzf(s)) return;
    this.len(s.length);
    this.raw(s);
  }

  /** rdbEncodeInteger: INT8/16/32 when the value fits, else false. */
  private intEncoded(v: number): boolean {
    this.ensure(5);
    if (v >= -128 && v <= 127) {
      this.buf[this.pos++] = (RDB_ENCVAL << 6) | RDB_ENC_INT8;
      this.buf.writeInt8(v, this.pos);
      this.pos += 1;
    } else if (v >= -32768 && v <= 32767) {
      this.buf[this.pos++] = (RDB_ENCVAL << 6) | RDB_ENC_INT16;
      this.buf.writeInt16LE(v, this.pos);
      this.pos += 2;
    } else if (v >= -2147483648 && v <= 2147483647) {
      this.buf[this.pos++] = (RDB_ENCVAL << 6) | RDB_ENC_INT32;
      this.buf.writeInt32LE(v, this.pos);
      this.pos += 4;
    } else {
      return false;
    }
    return true;
  }

  /** rdbSaveLzfStringObject: only when the compressed form is smaller than len - 4. */
  private lzf(s: Uint8Array): boolean {
    if (s.length <= 4) return false;
    const c = lzfCompress(s, s.length - 4);
    if (c === null) return false;
    this.byte((RDB_ENCVAL << 6) | RDB_ENC_LZF);
    this.len(c.length);
    this.len(s.length);
    this.raw(c);
    return true;
  }

  /** rdbSaveBinaryDoubleValue: 8 bytes little-endian. */
  binaryDouble(d: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(d, this.pos);
    this.pos += 8;
  }

  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }

  /** toBuffer() and start over, keeping the grown buffer (streaming a whole file). */
  take(): Buffer {
    const out = this.toBuffer();
    this.pos = 0;
    return out;
  }
}

// ------------------------------------------------------------------ reader

export class RdbReader {
  pos = 0;
  constructor(readonly buf: Buffer, readonly end = buf.length) {}

  private need(n: number): void {
    if (this.pos + n > this.end) throw new RdbFormatError('Unexpected end of data');
  }

  byte(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  /** rdbLoadLenByRef: the length, or for a special string encoding the encoding with `encoded` set. */
  lenOrEnc(): { len: number; encoded: boolean } {
    const first = this.byte();
    const type = first >> 6;
    if (type === RDB_ENCVAL) return { len: first & 0x3f, encoded: true };
    if (type === RDB_6BITLEN) return { len: first & 0x3f, encoded: false };
    if (type === RDB_14BITLEN) return { len: ((first & 0x3f) << 8) | this.byte(), encoded: false };
    if (first === RDB_32BITLEN) {
      this.need(4);
      const n = this.buf.readUInt32BE(this.pos);
      this.pos += 4;
      return { len: n, encoded: false };
    }
    if (first === RDB_64BITLEN) {
      this.need(8);
      const n = this.buf.readBigUInt64BE(this.pos);
      this.pos += 8;
      if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new RdbFormatError('Length too large');
      return { len: Number(n), encoded: false };
    }
    throw new RdbFormatError(`Unknown length encoding ${first}`);
  }

  len(): number {
    const r = this.lenOrEnc();
    if (r.encoded) throw new RdbFormatError('Unexpected encoded length');
    return r.len;
  }

  /** rdbGenericLoadStringObject: a private copy of the string. */
  string(): Buffer {
    const { len, encoded } = this.lenOrEnc();
    if (encoded) {
      switch (len) {
        case RDB_ENC_INT8: return Buffer.from(String(this.bytes(1).readInt8(0)), 'latin1');
        case RDB_ENC_INT16: return Buffer.from(String(this.bytes(2).readInt16LE(0)), 'latin1');
        case RDB_ENC_INT32: return Buffer.from(String(this.bytes(4).readInt32LE(0)), 'latin1');
        case RDB_ENC_LZF: {
          const clen = this.len();
          const ulen = this.len();
          const data = this.bytes(clen);
          // LZF expands at most ~88x (a 3-byte reference yields 264 bytes): a larger claim is corrupt.
          if (ulen === 0 || ulen > clen * 90 + 64) throw new RdbFormatError('Invalid LZF length');
          const out = lzfDecompress(data, ulen);
          if (out === null) throw new RdbFormatError('Invalid LZF compressed string');
          return out;
        }
        default:
          throw new RdbFormatError(`Unknown RDB string encoding type ${len}`);
      }
    }
    return Buffer.from(this.bytes(len));
  }

  /** rdbLoadBinaryDoubleValue. */
  binaryDouble(): number {
    return this.bytes(8).readDoubleLE(0);
  }

  /** rdbLoadDoubleValue: the old text form with a length byte. */
  textDouble(): number {
    const l = this.byte();
    if (l === RDB_DOUBLE_NAN) return NaN;
    if (l === RDB_DOUBLE_POS_INF) return Infinity;
    if (l === RDB_DOUBLE_NEG_INF) return -Infinity;
    const s = this.bytes(l).toString('latin1');
    const d = Number(s);
    if (Number.isNaN(d) && s.toLowerCase() !== 'nan') throw new RdbFormatError('Invalid double');
    return d;
  }
}

// ------------------------------------------------------------------ objects

/** The RDB type Redis 7.0 writes for the value's encoding. */
export function rdbTypeOf(o: RedisObject): number {
  switch (o.type) {
    case 'string': return RDB_TYPE.STRING;
    case 'list': return RDB_TYPE.LIST_QUICKLIST_2;
    case 'set': return o.value.encoding() === 'intset' ? RDB_TYPE.SET_INTSET : RDB_TYPE.SET;
    case 'zset': return o.value.encoding() === 'listpack' ? RDB_TYPE.ZSET_LISTPACK : RDB_TYPE.ZSET_2;
    case 'hash': return o.value.encoding() === 'listpack' ? RDB_TYPE.HASH_LISTPACK : RDB_TYPE.HASH;
  }
}

const OPTIMIZATION_LEVEL = [4096, 8192, 16384, 32768, 65536];
const SIZE_SAFETY_LIMIT = 8192;
const PACKED_THRESHOLD = 1 << 30;

/** Splits list elements into quicklist nodes as Redis 7.0's pushes do (_quicklistNodeAllowInsert). */
function quicklistNodes(items: Buffer[], fill: number, packedThreshold: number): Buffer[][] {
  const nodes: Buffer[][] = [];
  let cur: Buffer[] = [];
  let curSz = LP_HDR_SIZE + 1;
  for (const e of items) {
    const sz = e.length;
    let allow = cur.length > 0;
    if (allow && sz >= packedThreshold) allow = false;
    if (allow) {
      // Redis over-estimates an entry's cost as its length + 8 bytes.
      const newSz = curSz + sz + 8;
      if (fill < 0) {
        const lim = OPTIMIZATION_LEVEL[Math.min(-fill, OPTIMIZATION_LEVEL.length) - 1]!;
        allow = newSz <= lim;
      } else {
        allow = newSz <= SIZE_SAFETY_LIMIT && cur.length < fill;
      }
    }
    if (!allow && cur.length > 0) {
      nodes.push(cur);
      cur = [];
      curSz = LP_HDR_SIZE + 1;
    }
    cur.push(e);
    curSz += lpEntrySize(e);
    if (sz >= packedThreshold) {
      nodes.push(cur);
      cur = [];
      curSz = LP_HDR_SIZE + 1;
    }
  }
  if (cur.length > 0) nodes.push(cur);
  return nodes;
}

/** rdbSaveObjectType + rdbSaveObject. */
export function writeObject(w: RdbWriter, o: RedisObject, opts: RdbWriteOptions = DEFAULT_WRITE_OPTIONS): void {
  w.byte(rdbTypeOf(o));
  writeValue(w, o, opts);
}

/** rdbSaveObject: the value alone (in a file, the key sits between the type byte and the value). */
export function writeValue(w: RdbWriter, o: RedisObject, opts: RdbWriteOptions = DEFAULT_WRITE_OPTIONS): void {
  const type = rdbTypeOf(o);
  const z = opts.compress;
  switch (o.type) {
    case 'string':
      w.string(o.value, z);
      return;
    case 'list': {
      const threshold = opts.packedThreshold ?? PACKED_THRESHOLD;
      const nodes = quicklistNodes([...o.value], opts.listMaxListpackSize, threshold);
      w.len(nodes.length);
      for (const n of nodes) {
        if (n.length === 1 && n[0]!.length >= threshold) {
          w.len(QUICKLIST_NODE_CONTAINER_PLAIN);
          w.string(n[0]!, z);
        } else {
          w.len(QUICKLIST_NODE_CONTAINER_PACKED);
          w.string(lpEncode(n), z);
        }
      }
      return;
    }
    case 'set': {
      const members = [...o.value.members()];
      if (type === RDB_TYPE.SET_INTSET) {
        const is = intsetEncode(members);
        if (is === null) throw new RdbFormatError('Non-integer member in an intset');
        w.string(is, z);
        return;
      }
      w.len(members.length);
      for (const m of members) w.string(m, z);
      return;
    }
    case 'zset': {
      const entries = [...o.value.entries()];
      if (type === RDB_TYPE.ZSET_LISTPACK) {
        const flat: Buffer[] = [];
        for (const [m, s] of entries) flat.push(m, Buffer.from(formatG17(s), 'latin1'));
        w.string(lpEncode(flat), z);
        return;
      }
      // Greatest to smallest, so that loading inserts at the skip list's head.
      w.len(entries.length);
      for (let i = entries.length - 1; i >= 0; i--) {
        w.string(entries[i]![0], z);
        w.binaryDouble(entries[i]![1]);
      }
      return;
    }
    case 'hash': {
      const entries = [...o.value.entries()];
      if (type === RDB_TYPE.HASH_LISTPACK) {
        const flat: Buffer[] = [];
        for (const [f, v] of entries) flat.push(f, v);
        w.string(lpEncode(flat), z);
        return;
      }
      w.len(entries.length);
      for (const [f, v] of entries) {
        w.string(f, z);
        w.string(v, z);
      }
      return;
    }
  }
}

function bad(msg: string): never {
  throw new RdbFormatError(msg);
}

function parseScore(b: Buffer): number {
  const s = b.toString('latin1');
  const l = s.toLowerCase();
  if (l === 'inf' || l === '+inf') return Infinity;
  if (l === '-inf') return -Infinity;
  const d = Number(s);
  if (s.length === 0 || Number.isNaN(d)) bad('Invalid zset score');
  return d;
}

function pairsOf(flat: Buffer[] | null, what: string): Buffer[] {
  if (flat === null) bad(`Invalid ${what}`);
  if (flat.length === 0) bad('Empty keys skipped');
  if (flat.length % 2 !== 0) bad(`Odd number of elements in ${what}`);
  return flat;
}

/**
 * `compact`: the payload held a listpack/ziplist, which Redis 7.0 converts
 * only for the entry count, not for long fields or values.
 */
function hashFrom(pairs: [Buffer, Buffer][], lim: RdbLoadLimits, compact = false): RedisObject {
  const h = HashValue.fromEntries(pairs, lim.hashMaxListpackEntries, compact ? Number.MAX_SAFE_INTEGER : lim.hashMaxListpackValue);
  if (h.length !== pairs.length) bad('Duplicate hash fields detected');
  return { type: 'hash', value: h, lru: 0, idx: -1, snap: 0, sidx: -1 };
}

function zsetFrom(entries: [Buffer, number][], lim: RdbLoadLimits, compact = false): RedisObject {
  for (const [, s] of entries) if (Number.isNaN(s)) bad('Zset with NAN score detected');
  const z = ZSetValue.fromEntries(entries, lim.zsetMaxListpackEntries, compact ? Number.MAX_SAFE_INTEGER : lim.zsetMaxListpackValue);
  if (z.length !== entries.length) bad('Duplicate zset fields detected');
  return { type: 'zset', value: z, lru: 0, idx: -1, snap: 0, sidx: -1 };
}

function setFrom(members: Buffer[], lim: RdbLoadLimits): RedisObject {
  if (members.length === 0) bad('Empty keys skipped');
  const s = SetValue.fromMembers(members, lim.setMaxIntsetEntries);
  if (s.length !== members.length) bad('Duplicate set members detected');
  return { type: 'set', value: s, lru: 0, idx: -1, snap: 0, sidx: -1 };
}

function listFrom(items: Buffer[]): RedisObject {
  if (items.length === 0) bad('Empty keys skipped');
  return { type: 'list', value: ListValue.from(items), lru: 0, idx: -1, snap: 0, sidx: -1 };
}

function toPairs(flat: Buffer[]): [Buffer, Buffer][] {
  const out: [Buffer, Buffer][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}

function toScored(flat: Buffer[]): [Buffer, number][] {
  const out: [Buffer, number][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, parseScore(flat[i + 1]!)]);
  return out;
}

/** Decodes a zipmap (Redis ≤ 2.4 small hashes) into field/value pairs. */
function zipmapDecode(zm: Buffer): Buffer[] | null {
  let p = 1;
  const out: Buffer[] = [];
  const readLen = (): number | null => {
    if (p >= zm.length) return null;
    const b = zm[p]!;
    if (b < 254) {
      p += 1;
      return b;
    }
    if (b === 254) {
      if (p + 5 > zm.length) return null;
      const n = zm.readUInt32LE(p + 1);
      p += 5;
      return n;
    }
    return null;
  };
  while (p < zm.length && zm[p] !== 255) {
    const kl = readLen();
    if (kl === null || p + kl > zm.length) return null;
    out.push(Buffer.from(zm.subarray(p, p + kl)));
    p += kl;
    const vl = readLen();
    if (vl === null || p + 1 > zm.length) return null;
    const free = zm[p]!;
    p += 1;
    if (p + vl + free > zm.length) return null;
    out.push(Buffer.from(zm.subarray(p, p + vl)));
    p += vl + free;
  }
  if (p !== zm.length - 1) return null;
  return out;
}

/** rdbLoadObject: the value of the given RDB type. Throws RdbFormatError on bad data. */
export function readObject(r: RdbReader, type: number, lim: RdbLoadLimits = DEFAULT_LOAD_LIMITS): RedisObject {
  switch (type) {
    case RDB_TYPE.STRING:
      return { type: 'string', value: r.string(), lru: 0, idx: -1, snap: 0, sidx: -1 };
    case RDB_TYPE.LIST: {
      const n = r.len();
      const items: Buffer[] = [];
      for (let i = 0; i < n; i++) items.push(r.string());
      return listFrom(items);
    }
    case RDB_TYPE.SET: {
      const n = r.len();
      const members: Buffer[] = [];
      for (let i = 0; i < n; i++) members.push(r.string());
      return setFrom(members, lim);
    }
    case RDB_TYPE.ZSET:
    case RDB_TYPE.ZSET_2: {
      const n = r.len();
      const entries: [Buffer, number][] = [];
      for (let i = 0; i < n; i++) {
        const m = r.string();
        const s = type === RDB_TYPE.ZSET_2 ? r.binaryDouble() : r.textDouble();
        entries.push([m, s]);
      }
      if (n === 0) bad('Empty keys skipped');
      return zsetFrom(entries, lim);
    }
    case RDB_TYPE.HASH: {
      const n = r.len();
      const pairs: [Buffer, Buffer][] = [];
      for (let i = 0; i < n; i++) pairs.push([r.string(), r.string()]);
      if (n === 0) bad('Empty keys skipped');
      return hashFrom(pairs, lim);
    }
    case RDB_TYPE.LIST_QUICKLIST:
    case RDB_TYPE.LIST_QUICKLIST_2: {
      const n = r.len();
      if (n === 0) bad('Empty keys skipped');
      const items: Buffer[] = [];
      for (let i = 0; i < n; i++) {
        let container = QUICKLIST_NODE_CONTAINER_PACKED;
        if (type === RDB_TYPE.LIST_QUICKLIST_2) {
          container = r.len();
          if (container !== QUICKLIST_NODE_CONTAINER_PACKED && container !== QUICKLIST_NODE_CONTAINER_PLAIN) {
            bad('Quicklist integrity check failed');
          }
        }
        const blob = r.string();
        if (container === QUICKLIST_NODE_CONTAINER_PLAIN) {
          items.push(blob);
          continue;
        }
        const els = type === RDB_TYPE.LIST_QUICKLIST_2 ? lpDecode(blob) : zlDecode(blob);
        if (els === null) bad('Quicklist integrity check failed');
        // Empty nodes are skipped, like Redis does.
        for (const e of els) items.push(e);
      }
      return listFrom(items);
    }
    case RDB_TYPE.LIST_ZIPLIST: {
      const els = zlDecode(r.string());
      if (els === null) bad('Ziplist integrity check failed');
      return listFrom(els);
    }
    case RDB_TYPE.SET_INTSET: {
      const els = intsetDecode(r.string());
      if (els === null) bad('Intset integrity check failed');
      return setFrom(els, lim);
    }
    case RDB_TYPE.SET_LISTPACK: {
      const els = lpDecode(r.string());
      if (els === null) bad('Set listpack integrity check failed');
      return setFrom(els, lim);
    }
    case RDB_TYPE.ZSET_ZIPLIST:
      return zsetFrom(toScored(pairsOf(zlDecode(r.string()), 'zset ziplist')), lim, true);
    case RDB_TYPE.ZSET_LISTPACK:
      return zsetFrom(toScored(pairsOf(lpDecode(r.string()), 'zset listpack')), lim, true);
    case RDB_TYPE.HASH_ZIPLIST:
      return hashFrom(toPairs(pairsOf(zlDecode(r.string()), 'hash ziplist')), lim, true);
    case RDB_TYPE.HASH_LISTPACK:
      return hashFrom(toPairs(pairsOf(lpDecode(r.string()), 'hash listpack')), lim, true);
    case RDB_TYPE.HASH_ZIPMAP:
      return hashFrom(toPairs(pairsOf(zipmapDecode(r.string()), 'zipmap')), lim);
    default:
      return bad(`Unknown RDB encoding type ${type}`);
  }
}

// ------------------------------------------------------------------ DUMP payloads

/** createDumpPayload: type + value + RDB version (2 bytes LE) + CRC64 (8 bytes LE). */
export function createDumpPayload(o: RedisObject, opts: RdbWriteOptions = DEFAULT_WRITE_OPTIONS): Buffer {
  const w = new RdbWriter();
  writeObject(w, o, opts);
  w.byte(RDB_VERSION & 0xff);
  w.byte((RDB_VERSION >> 8) & 0xff);
  const body = w.toBuffer();
  return Buffer.concat([body, crc64Bytes(body)]);
}

/** verifyDumpPayload: the footer's version is one we load and the CRC64 matches (unless skipped). */
export function verifyDumpPayload(p: Buffer, skipChecksum = false): boolean {
  if (p.length < DUMP_FOOTER_LEN) return false;
  const footer = p.length - DUMP_FOOTER_LEN;
  const ver = p[footer]! | (p[footer + 1]! << 8);
  if (ver > RDB_VERSION) return false;
  if (skipChecksum) return true;
  return crc64(p.subarray(0, p.length - 8)) === p.readBigUInt64LE(p.length - 8);
}

/** Decodes a verified payload's value; throws RdbFormatError when it is not valid RDB. */
export function loadDumpPayload(p: Buffer, lim: RdbLoadLimits = DEFAULT_LOAD_LIMITS): RedisObject {
  // Like Redis, the value is read from the whole buffer (a value may run into
  // the footer) and bytes left after it are not checked.
  const r = new RdbReader(p, p.length);
  const type = r.byte();
  return readObject(r, type, lim);
}
