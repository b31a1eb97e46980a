/*
 * Whole RDB files (Redis 7.0, version 10) around the value codec of
 * rdb-value.ts: "REDIS0010", AUX fields, SELECTDB + RESIZEDB, entries with
 * their EXPIRETIME_MS, EOF and the CRC64 of everything before it.
 *
 * The writer is a snapshot format (snapshot.ts): it produces the file in
 * chunks with a running CRC, so a file of any size streams to disk or to a
 * socket. The reader returns one record at a time, so a loader can work in
 * time slices, and folds the bytes into its CRC as it goes (no full pass left
 * for the end). Like Redis, it can only check the CRC at EOF: records come out
 * before the file is known to be whole, so a caller that gets an error must
 * throw away everything it loaded from that file. Every error is an
 * RdbFormatError naming the byte offset where the file stopped making sense.
 */
import { RDB_OPCODE, RDB_TYPE, RDB_VERSION } from './rdb-format.js';
import { crc64 } from './crc64.js';
import {
  RdbFormatError, RdbReader, RdbWriter, rdbTypeOf, readObject, writeValue, type RdbLoadLimits, type RdbWriteOptions,
} from './rdb-value.js';
import type { RedisObject } from '../types/object.js';
import type { SnapshotFormat } from './snapshot.js';

export { RdbFormatError };

const SIGNATURE = Buffer.from('REDIS', 'latin1');
const HEADER_LEN = 9;
/** Checksums (the 8 bytes after EOF) came with RDB version 5. */
const FIRST_CHECKSUMMED_VERSION = 5;

export class RdbFileWriter implements SnapshotFormat {
  private readonly w = new RdbWriter(64 * 1024);
  private crc = 0n;
  /** The last chunk, EOF and checksum included, once end() has run. */
  private sealed: Buffer | null = null;
  private ended = false;
  // Reused for every entry: keys and expiry times need bytes only until they are copied into `w`.
  private keyBytes = Buffer.allocUnsafe(256);
  private readonly msBytes = Buffer.allocUnsafe(8);

  constructor(private readonly opts: { checksum: boolean; write: RdbWriteOptions }) {}

  /** Bytes produced and not yet taken. */
  get pending(): number {
    return this.w.length + (this.sealed?.length ?? 0);
  }

  /**
   * The signature and version, then the AUX fields in the caller's order.
   * Both halves go through rdbSaveRawString's rules, as Redis writes them:
   * numbers that fit 32 bits int-encoded, long texts LZF-compressed when on.
   */
  header(aux: [string, string][]): void {
    this.open();
    this.w.raw(Buffer.from(`REDIS${String(RDB_VERSION).padStart(4, '0')}`, 'latin1'));
    for (const [k, v] of aux) {
      this.w.byte(RDB_OPCODE.AUX);
      this.w.string(Buffer.from(k, 'latin1'), this.opts.write.compress);
      this.w.string(Buffer.from(v, 'latin1'), this.opts.write.compress);
    }
  }

  /** SELECTDB, then RESIZEDB with the sizes loaders use to presize their tables. */
  selectDb(index: number, dbSize: number, expiresSize: number): void {
    this.open();
    this.w.byte(RDB_OPCODE.SELECTDB);
    this.w.len(index);
    this.w.byte(RDB_OPCODE.RESIZEDB);
    this.w.len(dbSize);
    this.w.len(expiresSize);
  }

  /** One key (latin1) with its value and, when it has one, its absolute expiry time in ms. */
  entry(key: string, o: RedisObject, expireAtMs: number | undefined): void {
    this.open();
    const w = this.w;
    if (expireAtMs !== undefined) {
      w.byte(RDB_OPCODE.EXPIRETIME_MS);
      // Two 32-bit halves: an int64 without a BigInt per key.
      const hi = Math.floor(expireAtMs / 2 ** 32);
      this.msBytes.writeUInt32LE(expireAtMs - hi * 2 ** 32, 0);
      this.msBytes.writeInt32LE(hi, 4);
      w.raw(this.msBytes);
    }
    w.byte(rdbTypeOf(o));
    if (key.length > this.keyBytes.length) this.keyBytes = Buffer.allocUnsafe(key.length * 2);
    const n = this.keyBytes.write(key, 0, 'latin1');
    w.string(this.keyBytes.subarray(0, n), this.opts.write.compress);
    writeValue(w, o, this.opts.write);
  }

  /** EOF and the checksum (zeros with checksums off, which tells loaders not to check). */
  end(): void {
    this.open();
    this.w.byte(RDB_OPCODE.EOF);
    const body = this.drain();
    const out = Buffer.allocUnsafe(body.length + 8);
    body.copy(out);
    out.writeBigUInt64LE(this.opts.checksum ? this.crc : 0n, body.length);
    this.sealed = out;
    this.ended = true;
  }

  /** The bytes produced since the last take, or null when there are none. */
  take(): Buffer | null {
    if (this.sealed !== null) {
      const b = this.sealed;
      this.sealed = null;
      return b;
    }
    return this.w.length === 0 ? null : this.drain();
  }

  private drain(): Buffer {
    const b = this.w.take();
    if (this.opts.checksum) this.crc = crc64(b, this.crc);
    return b;
  }

  private open(): void {
    if (this.ended) throw new Error('RDB file written past its end');
  }
}

export type RdbRecord =
  | { kind: 'aux'; key: string; value: Buffer }
  | { kind: 'select'; db: number }
  | { kind: 'resize'; db: number; dbSize: number; expiresSize: number }
  | { kind: 'entry'; db: number; key: string; value: RedisObject; expireAtMs: number | undefined; idleSec?: number; freq?: number };

/** The reader folds bytes into its CRC once this many are pending: bounded work per record, little per-call overhead. */
const CRC_STRIDE = 64 * 1024;
const KNOWN_TYPES = new Set<number>(Object.values(RDB_TYPE));
/** readObject's texts for an exhausted buffer and for an empty collection, which Redis skips. */
const CODEC_EOF = 'Unexpected end of data';
const CODEC_EMPTY_KEY = 'Empty keys skipped';
const SHORT_READ = 'Short read or OOM loading DB. Unrecoverable error, aborting now. Unexpected EOF reading RDB file';

/** An error that already names its offsets (those from the value codec know none). */
class LocatedError extends RdbFormatError {}

export class RdbFileReader {
  private readonly r: RdbReader;
  readonly version: number;
  /** Collections with no elements, which old Redis bugs could write (#8453): skipped like Redis does. */
  emptyKeysSkipped = 0;
  private db = 0;
  private done = false;
  /** Once a record fails, the position is inside it: every later call fails the same way. */
  private failed: RdbFormatError | null = null;
  private crc = 0n;
  private crcPos = 0;
  // Set by opcodes before a key; like Redis they hold until the next key is read.
  private expireAtMs: number | undefined;
  private idleSec: number | undefined;
  private freq: number | undefined;

  constructor(private readonly buf: Buffer, private readonly limits: RdbLoadLimits, private readonly opts: { verifyChecksum: boolean }) {
    this.r = new RdbReader(buf, buf.length);
    if (buf.length < HEADER_LEN) throw new LocatedError(`${SHORT_READ} (at offset ${buf.length}, in the header)`);
    if (!buf.subarray(0, SIGNATURE.length).equals(SIGNATURE)) throw new LocatedError('Wrong signature trying to load DB from file (at offset 0)');
    const text = buf.toString('latin1', SIGNATURE.length, HEADER_LEN);
    const version = /^\d{4}$/.test(text) ? Number(text) : NaN;
    if (!(version >= 1 && version <= RDB_VERSION)) {
      const shown = Number.isNaN(version) ? JSON.stringify(text) : String(version);
      throw new LocatedError(`Can't handle RDB format version ${shown} (at offset ${SIGNATURE.length})`);
    }
    this.version = version;
    this.r.pos = HEADER_LEN;
  }

  /** Where the next record starts; after EOF, the end of the checksum (a buffer may hold more after it). */
  get offset(): number {
    return this.r.pos;
  }

  /** The next record, or null once EOF (and the checksum) have been read. */
  next(): RdbRecord | null {
    if (this.failed !== null) throw this.failed;
    if (this.done) return null;
    const start = this.r.pos;
    try {
      const rec = this.read();
      if (this.r.pos - this.crcPos >= CRC_STRIDE) this.foldCrc();
      return rec;
    } catch (e) {
      const located = this.locate(e, start);
      if (located === null) throw e;
      this.failed = located;
      throw located;
    }
  }

  /** The error with its offsets, or null for one that is not about the data (a bug). */
  private locate(e: unknown, start: number): RdbFormatError | null {
    if (e instanceof LocatedError) return e;
    if (e instanceof RdbFormatError && e.message === CODEC_EOF) {
      return new LocatedError(`${SHORT_READ} (at offset ${this.buf.length}, in the record at offset ${start})`);
    }
    // Bounds errors from Buffer reads are damaged data too.
    if (e instanceof RdbFormatError || e instanceof RangeError) {
      return new LocatedError(`${e.message} (at offset ${this.r.pos}, in the record at offset ${start})`);
    }
    return null;
  }

  private read(): RdbRecord | null {
    const r = this.r;
    for (;;) {
      const typeAt = r.pos;
      const type = r.byte();
      switch (type) {
        case RDB_OPCODE.EXPIRETIME_MS:
          this.expireAtMs = Number(r.bytes(8).readBigInt64LE(0));
          continue;
        case RDB_OPCODE.EXPIRETIME:
          this.expireAtMs = r.bytes(4).readInt32LE(0) * 1000;
          continue;
        case RDB_OPCODE.IDLE:
          this.idleSec = r.len();
          continue;
        case RDB_OPCODE.FREQ:
          this.freq = r.byte();
          continue;
        case RDB_OPCODE.SELECTDB:
          this.db = r.len();
          return { kind: 'select', db: this.db };
        case RDB_OPCODE.RESIZEDB:
          return { kind: 'resize', db: this.db, dbSize: r.len(), expiresSize: r.len() };
        case RDB_OPCODE.AUX:
          return { kind: 'aux', key: r.string().toString('latin1'), value: r.string() };
        case RDB_OPCODE.MODULE_AUX:
          throw new LocatedError(`The RDB file contains AUX module data I can't load: no matching module (at offset ${typeAt})`);
        case RDB_OPCODE.FUNCTION:
        case RDB_OPCODE.FUNCTION2:
          throw new LocatedError(`The RDB file contains a function library, which this server does not support (at offset ${typeAt})`);
        case RDB_OPCODE.EOF:
          this.trailer();
          this.done = true;
          return null;
        default: {
          this.checkType(type, typeAt);
          const key = r.string().toString('latin1');
          let value: RedisObject;
          try {
            value = readObject(r, type, this.limits);
          } catch (e) {
            // Thrown once the whole (empty) value has been read, so the next record starts where it should.
            if (!(e instanceof RdbFormatError) || e.message !== CODEC_EMPTY_KEY) throw e;
            this.emptyKeysSkipped++;
            this.clearKeyAttributes();
            continue;
          }
          const rec: RdbRecord = { kind: 'entry', db: this.db, key, value, expireAtMs: this.expireAtMs };
          if (this.idleSec !== undefined) rec.idleSec = this.idleSec;
          if (this.freq !== undefined) rec.freq = this.freq;
          this.clearKeyAttributes();
          return rec;
        }
      }
    }
  }

  /** Refuses a value type before its key is read, so the error names the type, not whatever the bytes after it look like. */
  private checkType(type: number, at: number): void {
    switch (type) {
      case RDB_TYPE.MODULE:
      case RDB_TYPE.MODULE_2:
        throw new LocatedError(`The RDB file contains module data I can't load: no matching module type (at offset ${at})`);
      case RDB_TYPE.STREAM_LISTPACKS:
      case RDB_TYPE.STREAM_LISTPACKS_2:
      case RDB_TYPE.STREAM_LISTPACKS_3:
        throw new LocatedError(`The RDB file contains a stream (RDB type ${type}), which this server does not support (at offset ${at})`);
    }
    if (!KNOWN_TYPES.has(type)) throw new LocatedError(`Unknown RDB encoding type ${type} (at offset ${at})`);
  }

  private clearKeyAttributes(): void {
    this.expireAtMs = undefined;
    this.idleSec = undefined;
    this.freq = undefined;
  }

  private foldCrc(): void {
    if (!this.opts.verifyChecksum) return;
    this.crc = crc64(this.buf.subarray(this.crcPos, this.r.pos), this.crc);
    this.crcPos = this.r.pos;
  }

  /** The 8 bytes after EOF: the CRC64 of everything before them, or 0 when the writer had checksums off. */
  private trailer(): void {
    if (this.version < FIRST_CHECKSUMMED_VERSION) return;
    const at = this.r.pos;
    this.foldCrc();
    const stored = this.r.bytes(8).readBigUInt64LE(0);
    if (!this.opts.verifyChecksum || stored === 0n) return;
    if (this.crc !== stored) {
      throw new LocatedError(
        `Wrong RDB checksum expected: (${this.crc.toString(16)}) but got (${stored.toString(16)}). Aborting now. (checksum at offset ${at})`,
      );
    }
  }
}
