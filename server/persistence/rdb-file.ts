/*
 * Whole RDB files (Redis 7.0, version 10) around the value codec of
 * rdb-value.ts: "REDIS0010", AUX fields, SELECTDB + RESIZEDB, entries with
 * their EXPIRETIME_MS, EOF and the CRC64 of everything before it.
 *
 * The writer is a snapshot format (snapshot.ts): it produces the file in
 * chunks with a running CRC, so a file of any size streams to disk or to a
 * socket. The reader returns one record at a time, so a loader can work in
 * slices; every error names the byte offset where the file stopped making
 * sense, and nothing is returned from a file whose checksum is wrong.
 */
import { RDB_OPCODE, RDB_VERSION } from './rdb-format.js';
import { crc64 } from './crc64.js';
import {
  RdbFormatError, RdbReader, RdbWriter, rdbTypeOf, readObject, writeValue, type RdbLoadLimits, type RdbWriteOptions,
} from './rdb-value.js';
import type { RedisObject } from '../types/object.js';
import type { SnapshotFormat } from './snapshot.js';

const MAGIC = Buffer.from('REDIS', 'latin1');

export class RdbFileWriter implements SnapshotFormat {
  private readonly w = new RdbWriter(64 * 1024);
  private crc = 0n;
  private out: Buffer[] = [];
  private outBytes = 0;

  constructor(private readonly opts: { checksum: boolean; write: RdbWriteOptions }) {}

  get pending(): number {
    return this.outBytes + this.w.length;
  }

  /** The magic and version, then the AUX fields in order (numbers int-encoded as Redis writes them). */
  header(aux: [string, string][]): void {
    this.w.raw(Buffer.from(`REDIS${String(RDB_VERSION).padStart(4, '0')}`, 'latin1'));
    for (const [k, v] of aux) {
      this.w.byte(RDB_OPCODE.AUX);
      this.w.string(Buffer.from(k, 'latin1'), false);
      this.w.string(Buffer.from(v, 'latin1'), false);
    }
  }

  selectDb(index: number, dbSize: number, expiresSize: number): void {
    this.w.byte(RDB_OPCODE.SELECTDB);
    this.w.len(index);
    this.w.byte(RDB_OPCODE.RESIZEDB);
    this.w.len(dbSize);
    this.w.len(expiresSize);
  }

  entry(key: string, o: RedisObject, expireAtMs: number | undefined): void {
    const w = this.w;
    if (expireAtMs !== undefined) {
      w.byte(RDB_OPCODE.EXPIRETIME_MS);
      const b = Buffer.allocUnsafe(8);
      b.writeBigInt64LE(BigInt(expireAtMs));
      w.raw(b);
    }
    w.byte(rdbTypeOf(o));
    w.string(Buffer.from(key, 'latin1'), this.opts.write.compress);
    writeValue(w, o, this.opts.write);
    this.spill();
  }

  /** Moves the writer's bytes to the output list once they are worth a chunk. */
  private spill(force = false): void {
    if (!force && this.w.length < 64 * 1024) return;
    if (this.w.length === 0) return;
    const b = this.w.take();
    if (this.opts.checksum) this.crc = crc64(b, this.crc);
    this.out.push(b);
    this.outBytes += b.length;
  }

  end(): void {
    this.w.byte(RDB_OPCODE.EOF);
    this.spill(true);
    const sum = Buffer.alloc(8);
    if (this.opts.checksum) sum.writeBigUInt64LE(this.crc);
    this.out.push(sum);
    this.outBytes += 8;
  }

  take(): Buffer | null {
    this.spill(true);
    if (this.outBytes === 0) return null;
    const b = this.out.length === 1 ? this.out[0]! : Buffer.concat(this.out, this.outBytes);
    this.out = [];
    this.outBytes = 0;
    return b;
  }
}

export type RdbRecord =
  | { kind: 'aux'; key: string; value: Buffer }
  | { kind: 'select'; db: number }
  | { kind: 'resize'; db: number; dbSize: number; expiresSize: number }
  | { kind: 'entry'; db: number; key: string; value: RedisObject; expireAtMs: number | undefined; idleSec?: number; freq?: number };

export class RdbFileReader {
  private readonly r: RdbReader;
  private db = 0;
  private done = false;
  readonly version: number;

  constructor(private readonly buf: Buffer, private readonly limits: RdbLoadLimits, private readonly opts: { verifyChecksum: boolean }) {
    this.r = new RdbReader(buf, buf.length);
    if (buf.length < 9 || !buf.subarray(0, 5).equals(MAGIC)) throw new RdbFormatError('Wrong signature trying to load DB from file (offset 0)');
    const version = Number(buf.subarray(5, 9).toString('latin1'));
    if (!Number.isInteger(version) || version < 1 || version > RDB_VERSION) {
      throw new RdbFormatError(`Can't handle RDB format version ${buf.subarray(5, 9).toString('latin1')} (offset 5)`);
    }
    this.version = version;
    this.r.pos = 9;
  }

  /** Byte offset of the next record. */
  get offset(): number {
    return this.r.pos;
  }

  next(): RdbRecord | null {
    if (this.done) return null;
    const start = this.r.pos;
    try {
      return this.read();
    } catch (e) {
      if (e instanceof RdbFormatError && !/offset \d+/.test(e.message)) {
        const what = e.message === 'Unexpected end of data' ? 'Short read or OOM loading DB. Unrecoverable error, aborting now.' : e.message;
        throw new RdbFormatError(`${what} (in the record at offset ${start}, reading offset ${this.r.pos})`);
      }
      throw e;
    }
  }

  private read(): RdbRecord | null {
    const r = this.r;
    let expireAtMs: number | undefined;
    let idleSec: number | undefined;
    let freq: number | undefined;
    for (;;) {
      const type = r.byte();
      switch (type) {
        case RDB_OPCODE.EXPIRETIME_MS:
          expireAtMs = Number(r.bytes(8).readBigInt64LE(0));
          continue;
        case RDB_OPCODE.EXPIRETIME:
          expireAtMs = r.bytes(4).readInt32LE(0) * 1000;
          continue;
        case RDB_OPCODE.IDLE:
          idleSec = r.len();
          continue;
        case RDB_OPCODE.FREQ:
          freq = r.byte();
          continue;
        case RDB_OPCODE.SELECTDB:
          this.db = r.len();
          return { kind: 'select', db: this.db };
        case RDB_OPCODE.RESIZEDB:
          return { kind: 'resize', db: this.db, dbSize: r.len(), expiresSize: r.len() };
        case RDB_OPCODE.AUX:
          return { kind: 'aux', key: r.string().toString('latin1'), value: r.string() };
        case RDB_OPCODE.MODULE_AUX:
          throw new RdbFormatError(`The RDB file contains AUX module data I can't load: no matching module (offset ${r.pos - 1})`);
        case RDB_OPCODE.FUNCTION:
        case RDB_OPCODE.FUNCTION2:
          throw new RdbFormatError(`The RDB file contains functions, which this server does not support (offset ${r.pos - 1})`);
        case RDB_OPCODE.EOF:
          this.checkTrailer();
          this.done = true;
          return null;
        default: {
          const key = r.string().toString('latin1');
          const value = readObject(r, type, this.limits);
          const rec: RdbRecord = { kind: 'entry', db: this.db, key, value, expireAtMs };
          if (idleSec !== undefined) rec.idleSec = idleSec;
          if (freq !== undefined) rec.freq = freq;
          return rec;
        }
      }
    }
  }

  private checkTrailer(): void {
    if (this.version < 5) return;
    const at = this.r.pos;
    if (this.buf.length - at < 8) throw new RdbFormatError(`Short read or OOM loading DB. Unrecoverable error, aborting now. (checksum expected at offset ${at})`);
    const stored = this.buf.readBigUInt64LE(at);
    if (!this.opts.verifyChecksum || stored === 0n) return;
    const actual = crc64(this.buf.subarray(0, at));
    if (actual !== stored) {
      throw new RdbFormatError(`Wrong RDB checksum expected: (${stored.toString(16)}) got: (${actual.toString(16)}) (checksum at offset ${at}). Aborting now.`);
    }
  }
}
