/*
 * Redis's geohash: longitude and latitude quantised to `step` bits each
 * (26 for stored points) and interleaved, latitude in the even bits and
 * longitude in the odd ones, over lat ±85.05112878 (Web Mercator) and
 * lon ±180. A stored point is the 52-bit integer used as the zset score.
 * The neighbour-cell search, bounding boxes and haversine distance follow
 * Redis's geohash_helper so searches find the same members with the same
 * distances. Hashes are plain numbers: 52 bits fit a double exactly.
 */

export const GEO_LAT_MIN = -85.05112878;
export const GEO_LAT_MAX = 85.05112878;
export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;
export const GEO_STEP_MAX = 26;
const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;
const D_R = Math.PI / 180.0;

export interface Range {
  min: number;
  max: number;
}
export interface HashBits {
  bits: number;
  step: number;
}
export interface Area {
  hash: HashBits;
  longitude: Range;
  latitude: Range;
}

const P2_26 = 67108864;

function spread(x: number): number {
  x &= 0xffff;
  x = (x | (x << 8)) & 0x00ff00ff;
  x = (x | (x << 4)) & 0x0f0f0f0f;
  x = (x | (x << 2)) & 0x33333333;
  x = (x | (x << 1)) & 0x55555555;
  return x >>> 0;
}

function squash(x: number): number {
  x &= 0x55555555;
  x = (x | (x >>> 1)) & 0x33333333;
  x = (x | (x >>> 2)) & 0x0f0f0f0f;
  x = (x | (x >>> 4)) & 0x00ff00ff;
  x = (x | (x >>> 8)) & 0x0000ffff;
  return x;
}

/** Interleaves lat (even bits) and lon (odd bits) indexes of up to 26(+1) bits. */
export function interleave(lat: number, lon: number): number {
  const lo = (spread(lat & 0x1fff) | (spread(lon & 0x1fff) << 1)) >>> 0;
  const hi = (spread(lat >>> 13) | (spread(lon >>> 13) << 1)) >>> 0;
  return hi * P2_26 + lo;
}

/** [lat index, lon index] of an interleaved hash. */
export function deinterleave(bits: number): [number, number] {
  const hi = Math.floor(bits / P2_26);
  const lo = bits - hi * P2_26;
  const lat = squash(lo) + squash(hi) * 8192;
  const lon = squash(lo >>> 1) + squash(hi >>> 1) * 8192;
  return [lat, lon];
}

export const WGS84_LONG: Range = { min: GEO_LONG_MIN, max: GEO_LONG_MAX };
export const WGS84_LAT: Range = { min: GEO_LAT_MIN, max: GEO_LAT_MAX };

/** geohashEncode; null when the point is outside the supported area. */
export function encode(longRange: Range, latRange: Range, longitude: number, latitude: number, step: number): HashBits | null {
  if (longitude > GEO_LONG_MAX || longitude < GEO_LONG_MIN || latitude > GEO_LAT_MAX || latitude < GEO_LAT_MIN) return null;
  if (latitude < latRange.min || latitude > latRange.max || longitude < longRange.min || longitude > longRange.max) return null;
  let latOffset = (latitude - latRange.min) / (latRange.max - latRange.min);
  let longOffset = (longitude - longRange.min) / (longRange.max - longRange.min);
  latOffset *= 2 ** step;
  longOffset *= 2 ** step;
  return { bits: interleave(Math.trunc(latOffset), Math.trunc(longOffset)), step };
}

export function encodeWGS84(longitude: number, latitude: number, step = GEO_STEP_MAX): HashBits | null {
  return encode(WGS84_LONG, WGS84_LAT, longitude, latitude, step);
}

/** The 52-bit score of a point at full precision. */
export function align52(h: HashBits): number {
  return h.bits * 2 ** (52 - h.step * 2);
}

export function decode(longRange: Range, latRange: Range, hash: HashBits): Area {
  const [ilato, ilono] = deinterleave(hash.bits);
  const latScale = latRange.max - latRange.min;
  const longScale = longRange.max - longRange.min;
  const div = 2 ** hash.step;
  return {
    hash,
    latitude: { min: latRange.min + (ilato * 1.0 / div) * latScale, max: latRange.min + ((ilato + 1) * 1.0 / div) * latScale },
    longitude: { min: longRange.min + (ilono * 1.0 / div) * longScale, max: longRange.min + ((ilono + 1) * 1.0 / div) * longScale },
  };
}

/** The centre of a cell, clamped to the valid area: [lon, lat]. */
export function areaToLongLat(a: Area): [number, number] {
  let x = (a.longitude.min + a.longitude.max) / 2;
  if (x > GEO_LONG_MAX) x = GEO_LONG_MAX;
  if (x < GEO_LONG_MIN) x = GEO_LONG_MIN;
  let y = (a.latitude.min + a.latitude.max) / 2;
  if (y > GEO_LAT_MAX) y = GEO_LAT_MAX;
  if (y < GEO_LAT_MIN) y = GEO_LAT_MIN;
  return [x, y];
}

/** A stored score back to [lon, lat] (cell centre). */
export function decodeScore(score: number): [number, number] {
  return areaToLongLat(decode(WGS84_LONG, WGS84_LAT, { bits: score, step: GEO_STEP_MAX }));
}

const ALPHABET = '0123456789bcdefghjkmnpqrstuvwxyz';

/** The standard 11-character geohash string of a stored score (re-encoded over lat ±90). */
export function geohashString(score: number): string {
  const [x, y] = decodeScore(score);
  const h = encode({ min: -180, max: 180 }, { min: -90, max: 90 }, x, y, 26);
  const bits = h === null ? 0 : h.bits;
  let s = '';
  for (let i = 0; i < 11; i++) {
    const idx = i === 10 ? 0 : Math.floor(bits / 2 ** (52 - (i + 1) * 5)) % 32;
    s += ALPHABET[idx];
  }
  return s;
}

// ------------------------------------------------------------------ distances

function degRad(a: number): number {
  return a * D_R;
}
function radDeg(a: number): number {
  return a / D_R;
}

export function latDistance(lat1d: number, lat2d: number): number {
  return EARTH_RADIUS_IN_METERS * Math.abs(degRad(lat2d) - degRad(lat1d));
}

/** Haversine distance in meters. */
export function distance(lon1d: number, lat1d: number, lon2d: number, lat2d: number): number {
  const lon1r = degRad(lon1d);
  const lon2r = degRad(lon2d);
  const v = Math.sin((lon2r - lon1r) / 2);
  if (v === 0.0) return latDistance(lat1d, lat2d);
  const lat1r = degRad(lat1d);
  const lat2r = degRad(lat2d);
  const u = Math.sin((lat2r - lat1r) / 2);
  const a = u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(a));
}

// ------------------------------------------------------------------ search areas

/** The search shape: centre [lon, lat], radius or box in `conversion` units. */
export interface Shape {
  xy: [number, number];
  conversion: number;
  circular: boolean;
  radius: number;
  width: number;
  height: number;
}

/** Distance from the centre when the point is inside the shape, else null. */
export function distanceIfInShape(s: Shape, x: number, y: number): number | null {
  if (s.circular) {
    const d = distance(s.xy[0], s.xy[1], x, y);
    return d > s.radius * s.conversion ? null : d;
  }
  const w = s.width * s.conversion;
  const h = s.height * s.conversion;
  if (latDistance(y, s.xy[1]) > h / 2) return null;
  if (distance(x, y, s.xy[0], y) > w / 2) return null;
  return distance(s.xy[0], s.xy[1], x, y);
}

function estimateSteps(rangeMeters: number, lat: number): number {
  if (rangeMeters === 0) return 26;
  let step = 1;
  while (rangeMeters < MERCATOR_MAX) {
    rangeMeters *= 2;
    step++;
  }
  step -= 2;
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

function boundingBox(s: Shape): [number, number, number, number] {
  const [longitude, latitude] = s.xy;
  const height = s.conversion * (s.circular ? s.radius : s.height / 2);
  const width = s.conversion * (s.circular ? s.radius : s.width / 2);
  const latDelta = radDeg(height / EARTH_RADIUS_IN_METERS);
  const longDeltaTop = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(latitude + latDelta)));
  const longDeltaBottom = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(latitude - latDelta)));
  const south = latitude < 0;
  return [
    south ? longitude - longDeltaBottom : longitude - longDeltaTop,
    latitude - latDelta,
    south ? longitude + longDeltaBottom : longitude + longDeltaTop,
    latitude + latDelta,
  ];
}

function move(h: HashBits, dx: number, dy: number): HashBits {
  let [lat, lon] = deinterleave(h.bits);
  const size = 2 ** h.step;
  lon = (lon + dx + size) % size;
  lat = (lat + dy + size) % size;
  return { bits: interleave(lat, lon), step: h.step };
}

const ZERO: HashBits = { bits: 0, step: 0 };

/**
 * The cells to scan, in Redis's order: centre, N, S, E, W, NE, NW, SE, SW;
 * useless ones are zeroed ({bits 0, step 0}).
 */
export function areasByShape(s: Shape): HashBits[] {
  const [minLon, minLat, maxLon, maxLat] = boundingBox(s);
  const [longitude, latitude] = s.xy;
  const radiusMeters = (s.circular ? s.radius : Math.sqrt((s.width / 2) * (s.width / 2) + (s.height / 2) * (s.height / 2))) * s.conversion;
  let steps = estimateSteps(radiusMeters, latitude);
  const compute = (): [HashBits, HashBits[], Area] => {
    const hash = encode(WGS84_LONG, WGS84_LAT, longitude, latitude, steps) ?? { bits: 0, step: steps };
    const nb = [move(hash, 0, 1), move(hash, 0, -1), move(hash, 1, 0), move(hash, -1, 0),
      move(hash, 1, 1), move(hash, -1, 1), move(hash, 1, -1), move(hash, -1, -1)];
    return [hash, nb, decode(WGS84_LONG, WGS84_LAT, hash)];
  };
  let [hash, nb, area] = compute();
  const north = decode(WGS84_LONG, WGS84_LAT, nb[0]!);
  const south = decode(WGS84_LONG, WGS84_LAT, nb[1]!);
  const east = decode(WGS84_LONG, WGS84_LAT, nb[2]!);
  const west = decode(WGS84_LONG, WGS84_LAT, nb[3]!);
  const decrease = north.latitude.max < maxLat || south.latitude.min > minLat || east.longitude.max < maxLon || west.longitude.min > minLon;
  if (steps > 1 && decrease) {
    steps--;
    [hash, nb, area] = compute();
  }
  // nb: 0 N, 1 S, 2 E, 3 W, 4 NE, 5 NW, 6 SE, 7 SW
  if (steps >= 2) {
    if (area.latitude.min < minLat) nb[1] = nb[7] = nb[6] = ZERO;
    if (area.latitude.max > maxLat) nb[0] = nb[4] = nb[5] = ZERO;
    if (area.longitude.min < minLon) nb[3] = nb[7] = nb[5] = ZERO;
    if (area.longitude.max > maxLon) nb[2] = nb[6] = nb[4] = ZERO;
  }
  return [hash, nb[0]!, nb[1]!, nb[2]!, nb[3]!, nb[4]!, nb[5]!, nb[6]!, nb[7]!];
}
