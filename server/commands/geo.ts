/*
 * The geo commands: points stored in sorted sets with their 52-bit geohash
 * as score (server/types/geohash.ts), searched like Redis's geo.c: the
 * centre cell and its 8 neighbours at a step estimated from the radius,
 * each scanned as a score range, members filtered by exact distance.
 */
import type { Handler } from './index.js';
import type { Client } from '../client.js';
import { E } from '../../common/errors.js';
import { floatOrReply, isArg, keyOf, toInt } from './args.js';
import { ZSetValue } from '../types/zset.js';
import { NONE, scoreLteMax } from '../types/skiplist.js';
import {
  GEO_LAT_MAX, GEO_LAT_MIN, GEO_LONG_MAX, GEO_LONG_MIN, align52, areasByShape, decodeScore, distance,
  distanceIfInShape, encodeWGS84, geohashString, type HashBits, type Shape,
} from '../types/geohash.js';
import { getZset, storeResult, zaddCommand } from './zset.js';

const E_UNIT = 'ERR unsupported unit provided. please use M, KM, FT, MI';

/**
 * printf("%.<digits>f"): the exact value of the double rounded half-to-even
 * (glibc), where JS's toFixed rounds exact ties away from zero.
 */
export function fmtF(d: number, digits: number): string {
  if (!Number.isFinite(d)) return Number.isNaN(d) ? 'nan' : d > 0 ? 'inf' : '-inf';
  const neg = d < 0 || Object.is(d, -0);
  const a = Math.abs(d);
  // a = mant * 2^exp exactly.
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, a);
  const hi = dv.getUint32(0);
  const lo = dv.getUint32(4);
  const bexp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (bexp === 0) exp = -1074;
  else {
    mant |= 1n << 52n;
    exp = bexp - 1075;
  }
  const scale = 10n ** BigInt(digits);
  let q: bigint;
  if (exp >= 0) q = (mant << BigInt(exp)) * scale;
  else {
    const den = 1n << BigInt(-exp);
    const num = mant * scale;
    q = num / den;
    const r2 = (num % den) * 2n;
    if (r2 > den || (r2 === den && (q & 1n) === 1n)) q += 1n;
  }
  let s = q.toString();
  if (digits > 0) {
    s = s.padStart(digits + 1, '0');
    s = s.slice(0, s.length - digits) + '.' + s.slice(s.length - digits);
  }
  return (neg ? '-' : '') + s;
}

/** addReplyDoubleDistance: "%.4f" as a bulk string (RESP2 and RESP3). */
function replyDistance(c: Client, d: number): void {
  c.reply.bulk(Buffer.from(fmtF(d, 4), 'latin1'));
}

/** addReplyHumanLongDouble: "%.17Lf" with trailing zeros cut; a double in RESP3. */
function replyCoord(c: Client, d: number): void {
  let s = fmtF(d, 17);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  if (s === '-0') s = '0';
  if (c.resp === 3) c.reply.raw(Buffer.from(',' + s + '\r\n', 'latin1'));
  else c.reply.bulk(Buffer.from(s, 'latin1'));
}

function unitOrReply(c: Client, b: Buffer): number | null {
  if (isArg(b, 'M')) return 1;
  if (isArg(b, 'KM')) return 1000;
  if (isArg(b, 'FT')) return 0.3048;
  if (isArg(b, 'MI')) return 1609.34;
  c.error(E_UNIT);
  return null;
}

function longLatOrReply(c: Client, a: Buffer, b: Buffer): [number, number] | null {
  const x = floatOrReply(c, a);
  if (x === null) return null;
  const y = floatOrReply(c, b);
  if (y === null) return null;
  if (x < GEO_LONG_MIN || x > GEO_LONG_MAX || y < GEO_LAT_MIN || y > GEO_LAT_MAX) {
    c.error(`ERR invalid longitude,latitude pair ${fmtF(x, 6)},${fmtF(y, 6)}`);
    return null;
  }
  return [x, y];
}


// ------------------------------------------------------------------ GEOADD

const geoadd: Handler = (c, argv) => {
  let xx = false, nx = false;
  let idx = 2;
  for (; idx < argv.length; idx++) {
    const a = argv[idx]!;
    if (isArg(a, 'NX')) nx = true;
    else if (isArg(a, 'XX')) xx = true;
    else if (isArg(a, 'CH')) { /* passed on to ZADD */ } else break;
  }
  if ((argv.length - idx) % 3 !== 0 || (xx && nx)) {
    c.error(E.SYNTAX);
    return;
  }
  const out: Buffer[] = [Buffer.from('zadd'), argv[1]!, ...argv.slice(2, idx)];
  for (let i = idx; i < argv.length; i += 3) {
    const xy = longLatOrReply(c, argv[i]!, argv[i + 1]!);
    if (xy === null) return;
    const h = encodeWGS84(xy[0], xy[1])!;
    out.push(Buffer.from(String(align52(h))), argv[i + 2]!);
  }
  zaddCommand(c, out);
  c.propagateArgv = out;
};

// ------------------------------------------------------------------ GEOPOS GEODIST GEOHASH

const geopos: Handler = (c, argv) => {
  const z = getZset(c, keyOf(argv[1]!), false);
  if (z === null) return;
  c.reply.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const s = z?.score(argv[i]!);
    if (s === undefined) {
      c.reply.nilArray();
      continue;
    }
    const [x, y] = decodeScore(s);
    c.reply.array(2);
    replyCoord(c, x);
    replyCoord(c, y);
  }
};

const geodist: Handler = (c, argv) => {
  let toMeter = 1;
  if (argv.length === 5) {
    const u = unitOrReply(c, argv[4]!);
    if (u === null) return;
    toMeter = u;
  } else if (argv.length > 5) {
    c.error(E.SYNTAX);
    return;
  }
  const z = getZset(c, keyOf(argv[1]!), false);
  if (z === null) return;
  const s1 = z?.score(argv[2]!);
  const s2 = z?.score(argv[3]!);
  if (s1 === undefined || s2 === undefined) {
    c.reply.nil();
    return;
  }
  const a = decodeScore(s1);
  const b = decodeScore(s2);
  replyDistance(c, distance(a[0], a[1], b[0], b[1]) / toMeter);
};

const geohash: Handler = (c, argv) => {
  const z = getZset(c, keyOf(argv[1]!), false);
  if (z === null) return;
  c.reply.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const s = z?.score(argv[i]!);
    if (s === undefined) c.reply.nil();
    else c.reply.bulk(Buffer.from(geohashString(s), 'latin1'));
  }
};

// ------------------------------------------------------------------ searches

const RADIUS_COORDS = 1, RADIUS_MEMBER = 2, NOSTORE = 4, SEARCH = 8, SEARCHSTORE = 16;

interface Found {
  member: string;
  score: number;
  dist: number;
  x: number;
  y: number;
}

/** membersOfAllNeighbors: scans the cells in order, skipping repeats of the previous cell. */
function collect(z: ZSetValue, s: Shape, limit: number): Found[] {
  const cells = areasByShape(s);
  const out: Found[] = [];
  let last = 0;
  for (let i = 0; i < cells.length; i++) {
    const h: HashBits = cells[i]!;
    if (h.bits === 0 && h.step === 0) continue;
    if (last !== 0 && h.bits === cells[last]!.bits && h.step === cells[last]!.step) continue;
    if (out.length > 0 && limit > 0 && out.length >= limit) break;
    const min = align52(h);
    const max = align52({ bits: h.bits + 1, step: h.step });
    const r = { min, max, minex: false, maxex: true };
    const zsl = z.zsl;
    for (let n = zsl.firstInRange(r); n !== NONE && scoreLteMax(zsl.score(n), r); n = zsl.next(n)) {
      const score = zsl.score(n);
      const [x, y] = decodeScore(score);
      const d = distanceIfInShape(s, x, y);
      if (d === null) continue;
      out.push({ member: zsl.member(n), score, dist: d, x, y });
      if (limit > 0 && out.length >= limit) break;
    }
    last = i;
  }
  return out;
}

function georadiusGeneric(c: Client, argv: Buffer[], srcIdx: number, flags: number): void {
  let storeKey: string | null = null;
  let storeDist = false;
  const z = getZset(c, keyOf(argv[srcIdx]!), false);
  if (z === null) return;
  const shape: Shape = { xy: [0, 0], conversion: 1, circular: true, radius: 0, width: 0, height: 0 };
  let base: number;
  const distanceOrReply = (a: Buffer, u: Buffer): boolean => {
    const d = floatOrReply(c, a, 'ERR need numeric radius');
    if (d === null) return false;
    if (d < 0) {
      c.error('ERR radius cannot be negative');
      return false;
    }
    const conv = unitOrReply(c, u);
    if (conv === null) return false;
    shape.radius = d;
    shape.conversion = conv;
    shape.circular = true;
    return true;
  };
  const memberOrReply = (m: Buffer): boolean => {
    const s = z!.score(m);
    if (s === undefined) {
      c.error('ERR could not decode requested zset member');
      return false;
    }
    shape.xy = decodeScore(s);
    return true;
  };
  if (flags & RADIUS_COORDS) {
    base = 6;
    const xy = longLatOrReply(c, argv[2]!, argv[3]!);
    if (xy === null) return;
    shape.xy = xy;
    if (!distanceOrReply(argv[4]!, argv[5]!)) return;
  } else if (flags & RADIUS_MEMBER) {
    base = 5;
    if (z !== undefined) {
      if (!memberOrReply(argv[2]!)) return;
      if (!distanceOrReply(argv[3]!, argv[4]!)) return;
    }
  } else {
    base = 2;
    if (flags & SEARCHSTORE) {
      base = 3;
      storeKey = keyOf(argv[1]!);
    }
  }
  let withdist = false, withhash = false, withcoords = false;
  let frommember = false, fromloc = false, byradius = false, bybox = false;
  let sort: 'none' | 'asc' | 'desc' = 'none';
  let anyMatch = false;
  let count = 0;
  const remaining = argv.length - base;
  for (let i = 0; i < remaining; i++) {
    const a = argv[base + i]!;
    if (isArg(a, 'WITHDIST')) withdist = true;
    else if (isArg(a, 'WITHHASH')) withhash = true;
    else if (isArg(a, 'WITHCOORD')) withcoords = true;
    else if (isArg(a, 'ANY')) anyMatch = true;
    else if (isArg(a, 'ASC')) sort = 'asc';
    else if (isArg(a, 'DESC')) sort = 'desc';
    else if (isArg(a, 'COUNT') && i + 1 < remaining) {
      const n = toInt(argv[base + i + 1]!);
      if (n === null) {
        c.error(E.NOT_INTEGER);
        return;
      }
      if (n <= 0) {
        c.error('ERR COUNT must be > 0');
        return;
      }
      count = n;
      i++;
    } else if (isArg(a, 'STORE') && i + 1 < remaining && !(flags & NOSTORE) && !(flags & SEARCH)) {
      storeKey = keyOf(argv[base + i + 1]!);
      storeDist = false;
      i++;
    } else if (isArg(a, 'STOREDIST') && i + 1 < remaining && !(flags & NOSTORE) && !(flags & SEARCH)) {
      storeKey = keyOf(argv[base + i + 1]!);
      storeDist = true;
      i++;
    } else if (isArg(a, 'STOREDIST') && (flags & SEARCH) && (flags & SEARCHSTORE)) {
      storeDist = true;
    } else if (isArg(a, 'FROMMEMBER') && i + 1 < remaining && (flags & SEARCH) && !fromloc) {
      if (z !== undefined && !memberOrReply(argv[base + i + 1]!)) return;
      frommember = true;
      i++;
    } else if (isArg(a, 'FROMLONLAT') && i + 2 < remaining && (flags & SEARCH) && !frommember) {
      const xy = longLatOrReply(c, argv[base + i + 1]!, argv[base + i + 2]!);
      if (xy === null) return;
      shape.xy = xy;
      fromloc = true;
      i += 2;
    } else if (isArg(a, 'BYRADIUS') && i + 2 < remaining && (flags & SEARCH) && !bybox) {
      if (!distanceOrReply(argv[base + i + 1]!, argv[base + i + 2]!)) return;
      byradius = true;
      i += 2;
    } else if (isArg(a, 'BYBOX') && i + 3 < remaining && (flags & SEARCH) && !byradius) {
      const w = floatOrReply(c, argv[base + i + 1]!, 'ERR need numeric width');
      if (w === null) return;
      const h = floatOrReply(c, argv[base + i + 2]!, 'ERR need numeric height');
      if (h === null) return;
      if (h < 0 || w < 0) {
        c.error('ERR height or width cannot be negative');
        return;
      }
      const conv = unitOrReply(c, argv[base + i + 3]!);
      if (conv === null) return;
      shape.width = w;
      shape.height = h;
      shape.conversion = conv;
      shape.circular = false;
      bybox = true;
      i += 3;
    } else {
      c.error(E.SYNTAX);
      return;
    }
  }
  if (storeKey !== null && (withdist || withhash || withcoords)) {
    c.error(`ERR ${flags & SEARCHSTORE ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS'} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`);
    return;
  }
  const name = argv[0]!.toString('latin1');
  if ((flags & SEARCH) && !(frommember || fromloc)) {
    c.error(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${name}`);
    return;
  }
  if ((flags & SEARCH) && !(byradius || bybox)) {
    c.error(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${name}`);
    return;
  }
  if (anyMatch && count === 0) {
    c.error('ERR the ANY argument requires COUNT argument');
    return;
  }
  if (z === undefined) {
    if (storeKey !== null) {
      if (c.db.lookupWrite(storeKey) !== undefined) {
        c.db.delete(storeKey);
        c.db.signalModifiedKey(storeKey);
        c.server.notify('g', 'del', storeKey, c.dbIndex);
        c.server.dirty++;
      }
      c.reply.int(0);
    } else {
      c.reply.array(0);
    }
    return;
  }
  if (count !== 0 && sort === 'none' && !anyMatch) sort = 'asc';
  const found = collect(z, shape, anyMatch ? count : 0);
  if (found.length === 0 && storeKey === null) {
    c.reply.array(0);
    return;
  }
  if (sort === 'asc') found.sort((a, b) => (a.dist > b.dist ? 1 : a.dist === b.dist ? 0 : -1));
  else if (sort === 'desc') found.sort((a, b) => (a.dist < b.dist ? 1 : a.dist === b.dist ? 0 : -1));
  const returned = count === 0 || found.length < count ? found.length : count;
  if (storeKey === null) {
    const opts = (withdist ? 1 : 0) + (withcoords ? 1 : 0) + (withhash ? 1 : 0);
    c.reply.array(returned);
    for (let i = 0; i < returned; i++) {
      const f = found[i]!;
      if (opts > 0) c.reply.array(opts + 1);
      c.reply.bulkLatin1(f.member);
      if (withdist) replyDistance(c, f.dist / shape.conversion);
      if (withhash) c.reply.int(f.score);
      if (withcoords) {
        c.reply.array(2);
        replyCoord(c, f.x);
        replyCoord(c, f.y);
      }
    }
    return;
  }
  const out = new ZSetValue();
  out.listpack = false;
  for (let i = 0; i < returned; i++) {
    const f = found[i]!;
    out.setKey(f.member, storeDist ? f.dist / shape.conversion : f.score);
  }
  storeResult(c, storeKey, out, flags & SEARCH ? 'geosearchstore' : 'georadiusstore');
  if (returned > 0) c.server.dirty += returned;
  c.reply.int(returned);
}

export const geoHandlers: Record<string, Handler> = {
  geoadd, geopos, geodist, geohash,
  georadius: (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_COORDS),
  georadius_ro: (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_COORDS | NOSTORE),
  georadiusbymember: (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_MEMBER),
  georadiusbymember_ro: (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_MEMBER | NOSTORE),
  geosearch: (c, argv) => georadiusGeneric(c, argv, 1, SEARCH),
  geosearchstore: (c, argv) => georadiusGeneric(c, argv, 2, SEARCH | SEARCHSTORE),
};
