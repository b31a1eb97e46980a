import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOurs, startRedis, type ProcServer, type TestServer } from './helpers/servers.js';
import { compareScript, type Script } from './helpers/compare.js';
import { fmtF } from '../server/commands/geo.js';
import { decodeScore, encodeWGS84, align52, geohashString } from '../server/types/geohash.js';
import { rng } from './helpers/rng.js';

describe('geo commands against real Redis', () => {
  let ours: TestServer;
  let redis: ProcServer;
  beforeAll(async () => {
    ours = await startOurs();
    redis = await startRedis();
  });
  afterAll(async () => {
    await ours?.stop();
    await redis?.stop();
  });

  async function same(script: Script, resp: 2 | 3 = 2): Promise<void> {
    const [a, b] = await compareScript(ours.port, redis.port, script, resp);
    expect(a).toEqual(b);
  }

  const sicily: Script = [
    ['GEOADD', 'Sicily', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'],
    ['GEOADD', 'Sicily', '12.758489', '38.788135', 'edge1', '17.241510', '38.788135', 'edge2'],
    ['SET', 'str', 'x'],
  ];

  for (const resp of [2, 3] as const) {
    it(`GEOADD GEOPOS GEODIST GEOHASH (RESP${resp})`, async () => {
      await same([
        ...sicily,
        ['GEOADD', 'Sicily', 'NX', '13', '38', 'Palermo', '14', '37', 'new'], ['GEOADD', 'Sicily', 'XX', 'CH', '13', '38', 'Palermo', '14', '37', 'new2'],
        ['GEOADD', 'Sicily', 'CH', 'XX', '13.361389', '38.115556', 'Palermo'], ['GEOADD', 'Sicily', 'XX', 'NX', '1', '2', 'x'], ['GEOADD', 'Sicily', 'GT', '1', '2', 'x'],
        ['GEOADD', 'Sicily', '1', '2', 'x', '3'], ['GEOADD', 'Sicily', '200', '10', 'x'], ['GEOADD', 'Sicily', '10', '86', 'x'], ['GEOADD', 'Sicily', 'a', '10', 'x'],
        ['GEOADD', 'Sicily', '-180', '-85.05112878', 'sw', '180', '85.05112878', 'ne'], ['GEOADD', 'Sicily', '0', '0', 'zero'], ['GEOADD', 'str', '1', '1', 'x'],
        ['ZRANGE', 'Sicily', '0', '-1', 'WITHSCORES'],
        ['GEOPOS', 'Sicily', 'Palermo', 'Catania', 'nope', 'sw', 'ne', 'zero', 'edge1'], ['GEOPOS', 'nokey', 'a', 'b'], ['GEOPOS', 'str', 'a'], ['GEOPOS', 'Sicily'],
        ['GEODIST', 'Sicily', 'Palermo', 'Catania'], ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'km'], ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'MI'],
        ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'ft'], ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'M'], ['GEODIST', 'Sicily', 'Palermo', 'Palermo'],
        ['GEODIST', 'Sicily', 'Palermo', 'nope'], ['GEODIST', 'nokey', 'a', 'b'], ['GEODIST', 'Sicily', 'Palermo', 'Catania', 'yd'], ['GEODIST', 'Sicily', 'a', 'b', 'km', 'x'],
        ['GEODIST', 'str', 'a', 'b'], ['GEODIST', 'Sicily', 'sw', 'ne'], ['GEODIST', 'Sicily', 'zero', 'edge2', 'km'],
        ['GEOHASH', 'Sicily', 'Palermo', 'Catania', 'nope', 'sw', 'ne', 'zero'], ['GEOHASH', 'nokey', 'a', 'b'], ['GEOHASH', 'str', 'a'], ['GEOHASH', 'Sicily'],
      ], resp);
    });

    it(`GEORADIUS / GEOSEARCH options and errors (RESP${resp})`, async () => {
      await same([
        ...sicily,
        ['GEORADIUS', 'Sicily', '15', '37', '200', 'km'], ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'WITHDIST', 'WITHCOORD', 'WITHHASH', 'ASC'],
        ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'DESC', 'WITHDIST'], ['GEORADIUS', 'Sicily', '15', '37', '400', 'km', 'COUNT', '1'],
        ['GEORADIUS', 'Sicily', '15', '37', '400', 'km', 'COUNT', '2', 'ANY'], ['GEORADIUS', 'Sicily', '15', '37', '400', 'km', 'COUNT', '2', 'DESC', 'WITHHASH'],
        ['GEORADIUS', 'Sicily', '15', '37', '1', 'm'], ['GEORADIUS', 'Sicily', '15', '37', '200000', 'ft', 'WITHDIST'], ['GEORADIUS', 'Sicily', '15', '37', '200', 'mi', 'WITHDIST'],
        ['GEORADIUS', 'Sicily', '15', '37', 'x', 'km'], ['GEORADIUS', 'Sicily', '15', '37', '-1', 'km'], ['GEORADIUS', 'Sicily', '15', '37', '1', 'yd'],
        ['GEORADIUS', 'Sicily', '15', '37', '1', 'km', 'COUNT', '0'], ['GEORADIUS', 'Sicily', '15', '37', '1', 'km', 'COUNT', 'x'], ['GEORADIUS', 'Sicily', '15', '37', '1', 'km', 'ANY'],
        ['GEORADIUS', 'Sicily', '15', '37', '1', 'km', 'FOO'], ['GEORADIUS', 'Sicily', '200', '37', '1', 'km'], ['GEORADIUS', 'nokey', '15', '37', '1', 'km'], ['GEORADIUS', 'str', '15', '37', '1', 'km'],
        ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE', 'dst'], ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
        ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STOREDIST', 'dst'], ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
        ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE', 'dst', 'WITHDIST'], ['GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE'],
        ['GEORADIUS', 'Sicily', '0', '0', '1', 'km', 'STORE', 'dst'], ['ZCARD', 'dst'], ['GEORADIUS', 'nokey', '0', '0', '1', 'km', 'STORE', 'dst'],
        ['GEORADIUS_RO', 'Sicily', '15', '37', '200', 'km', 'WITHDIST'], ['GEORADIUS_RO', 'Sicily', '15', '37', '200', 'km', 'STORE', 'dst'],
        ['GEORADIUSBYMEMBER', 'Sicily', 'Palermo', '200', 'km', 'WITHDIST'], ['GEORADIUSBYMEMBER', 'Sicily', 'nope', '200', 'km'], ['GEORADIUSBYMEMBER', 'nokey', 'nope', 'x', 'km'],
        ['GEORADIUSBYMEMBER', 'Sicily', 'Palermo', '200', 'km', 'STOREDIST', 'dst'], ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
        ['GEORADIUSBYMEMBER_RO', 'Sicily', 'Palermo', '200', 'km', 'WITHCOORD'], ['GEORADIUSBYMEMBER_RO', 'Sicily', 'Palermo', '200', 'km', 'STORE', 'x'],
        ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '200', 'km', 'ASC', 'WITHDIST'], ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', '400', '400', 'km', 'ASC', 'WITHCOORD', 'WITHDIST', 'WITHHASH'],
        ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', '400', '100', 'km', 'DESC'], ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '400', 'km', 'COUNT', '3', 'ANY'],
        ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'FROMLONLAT', '1', '2', 'BYRADIUS', '1', 'km'], ['GEOSEARCH', 'Sicily', 'BYRADIUS', '1', 'km', 'BYBOX', '1', '1', 'km'],
        ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo'], ['GEOSEARCH', 'Sicily', 'BYRADIUS', '1', 'km'], ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYBOX', '1', '-1', 'km'],
        ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYBOX', 'x', '1', 'km'], ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYBOX', '1', 'x', 'km'],
        ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'nope', 'BYRADIUS', '1', 'km'], ['GEOSEARCH', 'nokey', 'FROMMEMBER', 'nope', 'BYRADIUS', '1', 'km'], ['GEOSEARCH', 'nokey', 'FROMMEMBER', 'x', 'BYRADIUS', '1', 'km', 'X'],
        ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '1', 'km', 'STORE', 'dst'], ['GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '1', 'km', 'STOREDIST'],
        ['GEOSEARCH', 'str', 'FROMMEMBER', 'a', 'BYRADIUS', '1', 'km'], ['GEOSEARCH', 'Sicily', 'FROMLONLAT', '200', '0', 'BYRADIUS', '1', 'km'],
        ['GEOSEARCHSTORE', 'dst', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', '400', '400', 'km', 'ASC', 'COUNT', '3'], ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
        ['GEOSEARCHSTORE', 'dst', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', '400', '400', 'km', 'STOREDIST'], ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
        ['GEOSEARCHSTORE', 'dst', 'Sicily', 'FROMLONLAT', '15', '37', 'BYBOX', '400', '400', 'km', 'WITHDIST'], ['GEOSEARCHSTORE', 'dst', 'nokey', 'FROMLONLAT', '15', '37', 'BYBOX', '4', '4', 'km'],
        ['ZCARD', 'dst'], ['GEOSEARCHSTORE', 'dst', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '10', 'm'], ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
      ], resp);
    });
  }

  it('finds the same members with the same distances on random points', async () => {
    const r = rng(7);
    const script: Script = [];
    const add: (string | number)[] = ['GEOADD', 'pts'];
    for (let i = 0; i < 600; i++) {
      // Clusters around a few centres plus world-wide noise, so small and large radii both see points.
      const c = i % 3;
      const lon = c === 0 ? (r() * 360 - 180) : c === 1 ? 2 + r() * 2 : -73 + r() * 0.5;
      const lat = c === 0 ? (r() * 170 - 85) : c === 1 ? 48 + r() * 2 : 40 + r() * 0.5;
      add.push(lon.toFixed(6), lat.toFixed(6), `p${i}`);
    }
    script.push(add);
    const units = ['m', 'km', 'mi', 'ft'];
    const conv: Record<string, number> = { m: 1, km: 1000, mi: 1609.34, ft: 0.3048 };
    for (let i = 0; i < 120; i++) {
      const c = i % 3;
      const lon = (c === 0 ? (r() * 360 - 180) : c === 1 ? 2 + r() * 2 : -73 + r() * 0.5).toFixed(5);
      const lat = (c === 0 ? (r() * 170 - 85) : c === 1 ? 48 + r() * 2 : 40 + r() * 0.5).toFixed(5);
      const unit = units[Math.floor(r() * units.length)]!;
      const meters = c === 0 ? (i % 9 === 0 ? 5000000 + r() * 15000000 : 100000 + r() * 3000000) : 1000 + r() * 150000;
      const radius = (meters / conv[unit]!).toFixed(2);
      const x = r();
      if (x < 0.25) script.push(['GEORADIUS', 'pts', lon, lat, radius, unit, 'WITHDIST', 'WITHCOORD', 'WITHHASH']);
      else if (x < 0.5) script.push(['GEOSEARCH', 'pts', 'FROMLONLAT', lon, lat, 'BYRADIUS', radius, unit, 'ASC', 'WITHDIST']);
      else if (x < 0.75) script.push(['GEOSEARCH', 'pts', 'FROMLONLAT', lon, lat, 'BYBOX', radius, (Number(radius) * (0.3 + r())).toFixed(2), unit, 'WITHDIST', 'WITHCOORD']);
      else if (x < 0.85) script.push(['GEOSEARCH', 'pts', 'FROMMEMBER', `p${Math.floor(r() * 600)}`, 'BYRADIUS', radius, unit, 'DESC', 'COUNT', '5', 'WITHDIST']);
      else script.push(['GEORADIUSBYMEMBER', 'pts', `p${Math.floor(r() * 600)}`, radius, unit, 'COUNT', '10', 'ANY']);
    }
    const some = Array.from({ length: 120 }, (_, i) => `p${i * 5}`);
    script.push(['GEOPOS', 'pts', ...some], ['GEOHASH', 'pts', ...some]);
    for (let i = 0; i < 60; i++) script.push(['GEODIST', 'pts', `p${Math.floor(r() * 600)}`, `p${Math.floor(r() * 600)}`, units[i % 4]!]);
    await same(script);
    await same(script.slice(-62), 3);
  });

  it('orders members at equal distances like Redis', async () => {
    await same([
      ['GEOADD', 'tie', '10', '10', 'm9', '10', '10', 'm3', '10', '10', 'm5', '10.001', '10', 'far', '10', '10', 'm1', '10', '10', 'm7', '10', '10', 'm2',
        '10', '10', 'm8', '10', '10', 'm4', '10', '10', 'm6', '10.0005', '10', 'mid'],
      ['GEOSEARCH', 'tie', 'FROMLONLAT', '10', '10', 'BYRADIUS', '1', 'km', 'ASC'], ['GEOSEARCH', 'tie', 'FROMLONLAT', '10', '10', 'BYRADIUS', '1', 'km', 'DESC'],
      ['GEOSEARCH', 'tie', 'FROMLONLAT', '10', '10', 'BYRADIUS', '1', 'km', 'COUNT', '4'], ['GEOSEARCH', 'tie', 'FROMLONLAT', '10.001', '10', 'BYRADIUS', '1', 'km', 'COUNT', '8', 'DESC'],
      ['GEOSEARCH', 'tie', 'FROMMEMBER', 'm1', 'BYBOX', '1', '1', 'km', 'WITHDIST'],
    ]);
  });

  it('formats like printf %.Nf (half-even on exact ties)', () => {
    expect(fmtF(0.03125, 4)).toBe('0.0312');
    expect(fmtF(0.09375, 4)).toBe('0.0938');
    expect(fmtF(-0.03125, 4)).toBe('-0.0312');
    expect(fmtF(166274.15156960033, 4)).toBe('166274.1516');
    expect(fmtF(0, 4)).toBe('0.0000');
    expect(fmtF(13.361389338970184, 17)).toBe('13.36138933897018433');
    expect(fmtF(1e22, 2)).toBe('10000000000000000000000.00');
  });

  it('encodes and decodes like Redis (unit)', () => {
    const h = encodeWGS84(13.361389, 38.115556)!;
    expect(align52(h)).toBe(3479099956230698);
    const [x, y] = decodeScore(3479099956230698);
    expect(x.toFixed(17)).toBe('13.36138933897018433');
    expect(y.toFixed(17)).toBe('38.11555639549629859');
    expect(geohashString(3479099956230698)).toBe('sqc8b49rny0');
  });
});
