/*
 * HyperLogLog in Redis's exact string format, so values move between this
 * server and Redis byte for byte (GET/SET, DUMP/RESTORE):
 *
 *   header (16 bytes): "HYLL", encoding (0 dense, 1 sparse), 3 unused bytes,
 *   8 bytes of cached cardinality, little endian; the top bit of the last
 *   byte set means the cache is invalid.
 *
 *   dense: 16384 registers of 6 bits, register i at bit i*6, least
 *   significant bits first (12288 bytes).
 *
 *   sparse: run-length opcodes
 *     ZERO  00xxxxxx           1..64 zero registers
 *     XZERO 01xxxxxx yyyyyyyy  1..16384 zero registers
 *     VAL   1vvvvvxx           1..4 registers of value 1..32
 *
 * Elements are hashed with MurmurHash64A (seed 0xadc83b19): the low 14 bits
 * pick the register, the position of the first set bit of the rest (with a
 * sentinel at bit 50) is the run length. The estimate is Otmar Ertl's
 * improved raw estimator, as Redis computes it, in doubles.
 */

export const HLL_P = 14;
export const HLL_REGISTERS = 1 << HLL_P;
const HLL_P_MASK = HLL_REGISTERS - 1;
const HLL_Q = 64 - HLL_P;
export const HLL_HDR_SIZE = 16;
export const HLL_DENSE_SIZE = HLL_HDR_SIZE + Math.floor((HLL_REGISTERS * 6 + 7) / 8);
const HLL_DENSE = 0;
const HLL_SPARSE = 1;
const HLL_SPARSE_VAL_MAX_VALUE = 32;
const HLL_SPARSE_VAL_MAX_LEN = 4;
const HLL_SPARSE_ZERO_MAX_LEN = 64;
const HLL_SPARSE_XZERO_MAX_LEN = 16384;
const HLL_ALPHA_INF = 0.721347520444481703680;

// ------------------------------------------------------------------ hashing

/** Low 64 bits of (ah:al) * (bh:bl), as [hi, lo] unsigned 32-bit halves. */
let mulHi = 0;
let mulLo = 0;
function mul64(ah: number, al: number, bh: number, bl: number): void {
  const a48 = ah >>> 16, a32 = ah & 0xffff, a16 = al >>> 16, a00 = al & 0xffff;
  const b48 = bh >>> 16, b32 = bh & 0xffff, b16 = bl >>> 16, b00 = bl & 0xffff;
  let c00 = a00 * b00;
  let c16 = c00 >>> 16;
  c00 &= 0xffff;
  c16 += a16 * b00;
  let c32 = c16 >>> 16;
  c16 &= 0xffff;
  c16 += a00 * b16;
  c32 += c16 >>> 16;
  c16 &= 0xffff;
  c32 += a32 * b00;
  let c48 = c32 >>> 16;
  c32 &= 0xffff;
  c32 += a16 * b16;
  c48 += c32 >>> 16;
  c32 &= 0xffff;
  c32 += a00 * b32;
  c48 += c32 >>> 16;
  c32 &= 0xffff;
  c48 += a48 * b00 + a32 * b16 + a16 * b32 + a00 * b48;
  c48 &= 0xffff;
  mulHi = ((c48 << 16) | c32) >>> 0;
  mulLo = ((c16 << 16) | c00) >>> 0;
}

const MH = 0xc6a4a793;
const ML = 0x5bd1e995;

/** MurmurHash64A as Redis uses it; the result is left in hashHi/hashLo. */
let hashHi = 0;
let hashLo = 0;
export function murmurHash64A(data: Uint8Array, seed: number): [number, number] {
  murmur(data, seed);
  return [hashHi, hashLo];
}

function murmur(data: Uint8Array, seed: number): void {
  const len = data.length;
  // h = seed ^ (len * m)
  mul64(0, len >>> 0, MH, ML);
  let hh = mulHi;
  let hl = (mulLo ^ seed) >>> 0;
  const blocks = len - (len & 7);
  for (let i = 0; i < blocks; i += 8) {
    let kl = (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)) >>> 0;
    let kh = (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24)) >>> 0;
    mul64(kh, kl, MH, ML);
    kh = mulHi;
    kl = mulLo;
    kl = (kl ^ (kh >>> 15)) >>> 0; // k ^= k >> 47
    mul64(kh, kl, MH, ML);
    hh = (hh ^ mulHi) >>> 0;
    hl = (hl ^ mulLo) >>> 0;
    mul64(hh, hl, MH, ML);
    hh = mulHi;
    hl = mulLo;
  }
  const rem = len & 7;
  if (rem > 0) {
    const t = blocks;
    if (rem >= 7) hh ^= data[t + 6]! << 16;
    if (rem >= 6) hh ^= data[t + 5]! << 8;
    if (rem >= 5) hh ^= data[t + 4]!;
    if (rem >= 4) hl ^= data[t + 3]! << 24;
    if (rem >= 3) hl ^= data[t + 2]! << 16;
    if (rem >= 2) hl ^= data[t + 1]! << 8;
    hl ^= data[t]!;
    mul64(hh >>> 0, hl >>> 0, MH, ML);
    hh = mulHi;
    hl = mulLo;
  }
  hl = (hl ^ (hh >>> 15)) >>> 0; // h ^= h >> 47
  mul64(hh, hl, MH, ML);
  hh = mulHi;
  hl = mulLo;
  hl = (hl ^ (hh >>> 15)) >>> 0;
  hashHi = hh;
  hashLo = hl;
}

let patIndex = 0;
/** hllPatLen: returns the run length (1..51) and leaves the register index in patIndex. */
function patLen(ele: Uint8Array): number {
  murmur(ele, 0xadc83b19);
  patIndex = hashLo & HLL_P_MASK;
  // hash >>= P; hash |= 1 << Q
  const lo = ((hashLo >>> HLL_P) | (hashHi << (32 - HLL_P))) >>> 0;
  const hi = ((hashHi >>> HLL_P) | (1 << (HLL_Q - 32))) >>> 0;
  if (lo !== 0) return 32 - Math.clz32(lo & -lo);
  return 32 + 32 - Math.clz32(hi & -hi);
}

// ------------------------------------------------------------------ registers

export function denseGet(b: Uint8Array, off: number, i: number): number {
  const bit = i * 6;
  const byte = off + (bit >>> 3);
  const fb = bit & 7;
  const b0 = b[byte]!;
  const b1 = byte + 1 < b.length ? b[byte + 1]! : 0;
  return ((b0 >>> fb) | (b1 << (8 - fb))) & 63;
}

export function denseSetReg(b: Uint8Array, off: number, i: number, val: number): void {
  const bit = i * 6;
  const byte = off + (bit >>> 3);
  const fb = bit & 7;
  const fb8 = 8 - fb;
  b[byte] = (b[byte]! & ~(63 << fb)) | (val << fb);
  if (byte + 1 < b.length) b[byte + 1] = (b[byte + 1]! & ~(63 >>> fb8)) | (val >>> fb8);
}

// ------------------------------------------------------------------ the value

/**
 * A HyperLogLog being modified: a working buffer with spare room (sparse
 * updates grow it a few bytes at a time) and its used length.
 */
export class Hll {
  b: Buffer;
  len: number;

  constructor(b: Buffer, len: number) {
    this.b = b;
    this.len = len;
  }

  /** An empty sparse HLL (one XZERO opcode covering every register), cardinality cached as 0. */
  static create(): Hll {
    const len = HLL_HDR_SIZE + 2;
    const b = Buffer.alloc(len);
    b.write('HYLL', 0, 'latin1');
    b[4] = HLL_SPARSE;
    const n = HLL_SPARSE_XZERO_MAX_LEN - 1;
    b[16] = 0x40 | (n >>> 8);
    b[17] = n & 0xff;
    return new Hll(b, len);
  }

  /** A private working copy of a stored value. */
  static from(v: Uint8Array): Hll {
    const b = Buffer.allocUnsafe(v.length + 16);
    b.set(v);
    return new Hll(b, v.length);
  }

  get encoding(): number {
    return this.b[4]!;
  }

  /** The value to store: an exact-length copy. */
  toBuffer(): Buffer {
    const out = Buffer.allocUnsafe(this.len);
    this.b.copy(out, 0, 0, this.len);
    return out;
  }

  invalidateCache(): void {
    this.b[15] = this.b[15]! | 0x80;
  }

  validCache(): boolean {
    return (this.b[15]! & 0x80) === 0;
  }

  cachedCard(): number {
    return this.b.readUInt32LE(8) + this.b.readUInt32LE(12) * 0x100000000;
  }

  setCachedCard(card: number): void {
    this.b.writeUInt32LE(card >>> 0, 8);
    this.b.writeUInt32LE(Math.floor(card / 0x100000000) >>> 0, 12);
  }

  private ensureRoom(extra: number): void {
    if (this.len + extra <= this.b.length) return;
    const nb = Buffer.allocUnsafe(Math.max(this.len + extra, this.b.length * 2));
    this.b.copy(nb, 0, 0, this.len);
    this.b = nb;
  }

  /** hllAdd: 1 when a register changed, 0 when not, -1 on a corrupt value. */
  add(ele: Uint8Array, sparseMaxBytes: number): number {
    const count = patLen(ele);
    const index = patIndex;
    if (this.b[4] === HLL_DENSE) return this.denseSet(index, count);
    if (this.b[4] === HLL_SPARSE) return this.sparseSet(index, count, sparseMaxBytes);
    return -1;
  }

  denseSet(index: number, count: number): number {
    const old = denseGet(this.b, HLL_HDR_SIZE, index);
    if (count > old) {
      denseSetReg(this.b, HLL_HDR_SIZE, index, count);
      return 1;
    }
    return 0;
  }

  /** hllSparseToDense: false when the sparse data is corrupt. A dense value is left alone. */
  toDense(): boolean {
    if (this.b[4] === HLL_DENSE) return true;
    const d = Buffer.alloc(HLL_DENSE_SIZE);
    this.b.copy(d, 0, 0, HLL_HDR_SIZE);
    d[4] = HLL_DENSE;
    let idx = 0;
    let p = HLL_HDR_SIZE;
    const end = this.len;
    const b = this.b;
    while (p < end) {
      const op = b[p]!;
      if ((op & 0xc0) === 0) {
        idx += (op & 0x3f) + 1;
        p++;
      } else if ((op & 0xc0) === 0x40) {
        idx += (((op & 0x3f) << 8) | (p + 1 < end ? b[p + 1]! : 0)) + 1;
        p += 2;
      } else {
        const runlen = (op & 3) + 1;
        const val = ((op >>> 2) & 0x1f) + 1;
        if (runlen + idx > HLL_REGISTERS) return false;
        for (let k = 0; k < runlen; k++) denseSetReg(d, HLL_HDR_SIZE, idx++, val);
        p++;
      }
    }
    if (idx !== HLL_REGISTERS) return false;
    this.b = d;
    this.len = HLL_DENSE_SIZE;
    return true;
  }

  /** hllSparseSet: may promote to dense (bigger count than 32, or past hll-sparse-max-bytes). */
  sparseSet(index: number, count: number, sparseMaxBytes: number): number {
    if (count > HLL_SPARSE_VAL_MAX_VALUE) return this.promote(index, count);
    this.ensureRoom(3);
    let b = this.b;
    let end = this.len;
    let p = HLL_HDR_SIZE;
    let first = 0;
    let prev = -1;
    let span = 0;
    // Step 1: find the opcode covering the register.
    while (p < end) {
      const op = b[p]!;
      let oplen = 1;
      if ((op & 0xc0) === 0) span = (op & 0x3f) + 1;
      else if ((op & 0x80) !== 0) span = (op & 3) + 1;
      else {
        span = (((op & 0x3f) << 8) | (p + 1 < end ? b[p + 1]! : 0)) + 1;
        oplen = 2;
      }
      if (index <= first + span - 1) break;
      prev = p;
      p += oplen;
      first += span;
    }
    if (span === 0 || p >= end) return -1;
    const op = b[p]!;
    const isZero = (op & 0xc0) === 0;
    const isXzero = (op & 0xc0) === 0x40;
    const isVal = (op & 0x80) !== 0;
    let next = isXzero ? p + 2 : p + 1;
    if (next >= end) next = -1;
    const runlen = isZero ? (op & 0x3f) + 1 : isXzero ? span : (op & 3) + 1;

    let done = false;
    if (isVal) {
      const oldcount = ((op >>> 2) & 0x1f) + 1;
      if (oldcount >= count) return 0; // Case A
      if (runlen === 1) { // Case B
        b[p] = valOp(count, 1);
        done = true;
      }
    }
    if (!done && isZero && runlen === 1) { // Case C
      b[p] = valOp(count, 1);
      done = true;
    }
    if (!done) {
      // Case D: split the opcode into up to three.
      const seq: number[] = [];
      const last = first + span - 1;
      if (isZero || isXzero) {
        if (index !== first) pushZero(seq, index - first);
        seq.push(valOp(count, 1));
        if (index !== last) pushZero(seq, last - index);
      } else {
        const curval = ((op >>> 2) & 0x1f) + 1;
        if (index !== first) seq.push(valOp(curval, index - first));
        seq.push(valOp(count, 1));
        if (index !== last) seq.push(valOp(curval, last - index));
      }
      const oldlen = isXzero ? 2 : 1;
      const delta = seq.length - oldlen;
      if (delta > 0 && this.len + delta > sparseMaxBytes) return this.promote(index, count);
      if (delta !== 0 && next !== -1) b.copy(b, next + delta, next, end);
      this.len += delta;
      end += delta;
      for (let k = 0; k < seq.length; k++) b[p + k] = seq[k]!;
    }
    // Step 4: merge adjacent VAL opcodes with the same value, scanning up to 5 opcodes from prev.
    b = this.b;
    p = prev >= 0 ? prev : HLL_HDR_SIZE;
    let scan = 5;
    while (p < end && scan-- > 0) {
      const o = b[p]!;
      if ((o & 0xc0) === 0x40) { p += 2; continue; }
      if ((o & 0xc0) === 0) { p++; continue; }
      if (p + 1 < end && (b[p + 1]! & 0x80) !== 0) {
        const v1 = ((o >>> 2) & 0x1f) + 1;
        const o2 = b[p + 1]!;
        const v2 = ((o2 >>> 2) & 0x1f) + 1;
        if (v1 === v2) {
          const len = (o & 3) + 1 + (o2 & 3) + 1;
          if (len <= HLL_SPARSE_VAL_MAX_LEN) {
            b[p + 1] = valOp(v1, len);
            b.copy(b, p, p + 1, end);
            this.len--;
            end--;
            continue;
          }
        }
      }
      p++;
    }
    this.invalidateCache();
    return 1;
  }

  private promote(index: number, count: number): number {
    if (!this.toDense()) return -1;
    return this.denseSet(index, count);
  }

  /** hllMerge: max[i] = MAX(max[i], reg[i]); false when the value is corrupt. */
  mergeInto(max: Uint8Array): boolean {
    const b = this.b;
    if (b[4] === HLL_DENSE) {
      for (let i = 0; i < HLL_REGISTERS; i++) {
        const v = denseGet(b, HLL_HDR_SIZE, i);
        if (v > max[i]!) max[i] = v;
      }
      return true;
    }
    let p = HLL_HDR_SIZE;
    const end = this.len;
    let i = 0;
    while (p < end) {
      const op = b[p]!;
      if ((op & 0xc0) === 0) {
        i += (op & 0x3f) + 1;
        p++;
      } else if ((op & 0xc0) === 0x40) {
        i += (((op & 0x3f) << 8) | (p + 1 < end ? b[p + 1]! : 0)) + 1;
        p += 2;
      } else {
        const runlen = (op & 3) + 1;
        const val = ((op >>> 2) & 0x1f) + 1;
        if (runlen + i > HLL_REGISTERS) return false;
        for (let k = 0; k < runlen; k++, i++) if (val > max[i]!) max[i] = val;
        p++;
      }
    }
    return i === HLL_REGISTERS;
  }

  /** hllCount; returns -1 when a sparse value is corrupt. */
  count(): number {
    const histo = new Array<number>(64).fill(0);
    const b = this.b;
    if (b[4] === HLL_DENSE) {
      for (let i = 0; i < HLL_REGISTERS; i++) histo[denseGet(b, HLL_HDR_SIZE, i)]!++;
    } else {
      let p = HLL_HDR_SIZE;
      const end = this.len;
      let idx = 0;
      while (p < end) {
        const op = b[p]!;
        if ((op & 0xc0) === 0) {
          const r = (op & 0x3f) + 1;
          idx += r;
          histo[0] += r;
          p++;
        } else if ((op & 0xc0) === 0x40) {
          const r = (((op & 0x3f) << 8) | (p + 1 < end ? b[p + 1]! : 0)) + 1;
          idx += r;
          histo[0] += r;
          p += 2;
        } else {
          const r = (op & 3) + 1;
          idx += r;
          histo[((op >>> 2) & 0x1f) + 1] += r;
          p++;
        }
      }
      if (idx !== HLL_REGISTERS) return -1;
    }
    return estimate(histo);
  }

  /** PFDEBUG DECODE text, or null when not sparse. */
  decode(): string | null {
    if (this.b[4] !== HLL_SPARSE) return null;
    const parts: string[] = [];
    const b = this.b;
    let p = HLL_HDR_SIZE;
    while (p < this.len) {
      const op = b[p]!;
      if ((op & 0xc0) === 0) {
        parts.push(`z:${(op & 0x3f) + 1}`);
        p++;
      } else if ((op & 0xc0) === 0x40) {
        parts.push(`Z:${(((op & 0x3f) << 8) | (b[p + 1] ?? 0)) + 1}`);
        p += 2;
      } else {
        parts.push(`v:${((op >>> 2) & 0x1f) + 1},${(op & 3) + 1}`);
        p++;
      }
    }
    return parts.join(' ');
  }

  /** All registers (the value must be dense). */
  registers(): number[] {
    const out = new Array<number>(HLL_REGISTERS);
    for (let i = 0; i < HLL_REGISTERS; i++) out[i] = denseGet(this.b, HLL_HDR_SIZE, i);
    return out;
  }
}

function valOp(val: number, len: number): number {
  return 0x80 | ((val - 1) << 2) | (len - 1);
}

function pushZero(seq: number[], len: number): void {
  if (len > HLL_SPARSE_ZERO_MAX_LEN) {
    seq.push(0x40 | ((len - 1) >>> 8), (len - 1) & 0xff);
  } else {
    seq.push(len - 1);
  }
}

/** The histogram of a raw register array (PFCOUNT of several keys). */
export function countRegisters(regs: Uint8Array): number {
  const histo = new Array<number>(64).fill(0);
  for (let i = 0; i < HLL_REGISTERS; i++) histo[regs[i]!]!++;
  return estimate(histo);
}

function hllSigma(x: number): number {
  if (x === 1) return Infinity;
  let zPrime: number;
  let y = 1;
  let z = x;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

function hllTau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let zPrime: number;
  let y = 1.0;
  let z = 1 - x;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    const d = 1 - x;
    z -= d * d * y;
  } while (zPrime !== z);
  return z / 3;
}

function estimate(histo: number[]): number {
  const m = HLL_REGISTERS;
  let z = m * hllTau((m - histo[HLL_Q + 1]!) / m);
  for (let j = HLL_Q; j >= 1; --j) {
    z += histo[j]!;
    z *= 0.5;
  }
  z += m * hllSigma(histo[0]! / m);
  return Math.round((HLL_ALPHA_INF * m * m) / z);
}

/** isHLLObjectOrReply's checks on a string value's bytes. */
export function isValidHll(v: Uint8Array): boolean {
  if (v.length < HLL_HDR_SIZE) return false;
  if (v[0] !== 72 || v[1] !== 89 || v[2] !== 76 || v[3] !== 76) return false;
  if (v[4]! > HLL_SPARSE) return false;
  if (v[4] === HLL_DENSE && v.length !== HLL_DENSE_SIZE) return false;
  return true;
}

/** PFSELFTEST: register packing and the estimator's error; null when good, else the failure text. */
export function hllSelfTest(): string | null {
  // Test 1: setting and reading back every register with random values.
  const regs = Buffer.alloc(HLL_DENSE_SIZE - HLL_HDR_SIZE);
  const ref = new Uint8Array(HLL_REGISTERS);
  for (let round = 0; round < 100; round++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const v = Math.floor(Math.random() * 64);
      ref[i] = v;
      denseSetReg(regs, 0, i, v);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) {
      if (denseGet(regs, 0, i) !== ref[i]) return `TESTFAILED Register error at ${i}`;
    }
  }
  // Test 2: approximation error of the sparse and dense representations.
  const sparse = Hll.create();
  const dense = Hll.create();
  dense.toDense();
  const relerr = 1.04 / Math.sqrt(HLL_REGISTERS);
  let checkpoint = 1;
  const buf = Buffer.alloc(8);
  const seed = Math.floor(Math.random() * 0x100000000);
  for (let j = 1; j <= 100000; j++) {
    buf.writeUInt32LE(j, 0);
    buf.writeUInt32LE(seed, 4);
    sparse.add(buf, 3000);
    dense.add(buf, 3000);
    if (j === checkpoint) {
      const abserr = checkpoint * relerr * 5;
      const c1 = sparse.count();
      const c2 = dense.count();
      if (c1 !== c2) return 'TESTFAILED dense/sparse disagree';
      if (Math.abs(c1 - checkpoint) > abserr) {
        return `TESTFAILED Too big error. card:${c1} abserr:${abserr}`;
      }
      checkpoint *= 10;
    }
  }
  return null;
}
