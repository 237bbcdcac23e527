import { describe, expect, it } from 'vitest';
import type { LocationFix, TripState } from '@ridetrack/shared';
import {
  crowdedRadiusPx,
  FLOATS_PER_POINT,
  mercatorX,
  mercatorY,
  packPoints,
  pickDriver,
  pointRadiusPx,
  POINT_COLOURS,
  translated,
} from './points';
import { STALE_AFTER_MS, type DriverPoint } from '../markers';

const driver = (
  id: string,
  lat: number,
  lng: number,
  tripState: TripState,
  timestampMs = 0,
  online = true,
): DriverPoint => {
  const fix: LocationFix = {
    seq: 1,
    timestampMs,
    lat,
    lng,
    headingDeg: null,
    speedMps: 5,
    accuracyM: 5,
    tripState,
    simulated: true,
  };
  return { driverId: id, fix, online };
};

describe('web mercator', () => {
  it('matches the known corners and centre of the world square', () => {
    expect(mercatorX(-180)).toBe(0);
    expect(mercatorX(0)).toBe(0.5);
    expect(mercatorX(180)).toBe(1);
    expect(mercatorY(0)).toBeCloseTo(0.5, 12);
    // The square's top and bottom edges are at ±85.0511287798° of latitude.
    expect(mercatorY(85.0511287798)).toBeCloseTo(0, 9);
    expect(mercatorY(-85.0511287798)).toBeCloseTo(1, 9);
    // Baltimore, as MapLibre's MercatorCoordinate.fromLngLat([-76.6122, 39.2904]) gives it.
    expect(mercatorX(-76.6122)).toBeCloseTo(0.28718833333, 10);
    expect(mercatorY(39.2904)).toBeCloseTo(0.3811390473956463, 12);
  });
});

describe('packPoints', () => {
  it('packs positions relative to the origin with the colour of each state, stale drivers first and faded', () => {
    const now = 100_000;
    const origin = [mercatorX(-76.6), mercatorY(39.3)] as const;
    const fleet = [
      driver('a', 39.3, -76.6, 'available', now),
      driver('b', 39.31, -76.59, 'on_trip', now - STALE_AFTER_MS - 1), // old fix: stale
      driver('c', 39.29, -76.61, 'to_pickup', now, false), // offline: stale
      driver('d', 39.3, -76.62, 'to_pickup', now),
    ];
    const { data, count, live } = packPoints(fleet, origin, now);
    expect(count).toBe(4);
    expect(live).toBe(2);
    const point = (i: number) => [...data.subarray(i * FLOATS_PER_POINT, (i + 1) * FLOATS_PER_POINT)];
    const rgb = (c: readonly number[]) => c.map((v) => v / 255);
    // b and c (stale, grey) come first, in their order; then a and d.
    const faded = rgb(POINT_COLOURS.offline).map((v) => Math.fround(v * 0.6));
    expect(point(0).slice(2, 6)).toEqual([...faded, Math.fround(0.6)]);
    expect(point(1).slice(2, 6)).toEqual([...faded, Math.fround(0.6)]);
    expect(point(2).slice(2, 5)).toEqual(rgb(POINT_COLOURS.available).map((v) => Math.fround(v)));
    expect(point(3).slice(2, 5)).toEqual(rgb(POINT_COLOURS.to_pickup).map((v) => Math.fround(v)));
    expect(point(2).slice(0, 2)).toEqual([0, 0]);
    // Relative to the origin, a 32-bit float keeps a position to well under a centimetre
    // (one mercator unit is the Earth's circumference, about 40,075 km, at the equator).
    const x = (point(3)[0] ?? 0) + origin[0];
    expect(Math.abs(x - mercatorX(-76.62)) * 40_075_000).toBeLessThan(0.01);
    expect(point(1)[0]).toBeCloseTo(mercatorX(-76.61) - origin[0], 12);
    for (let i = 2; i < 4; i++) expect(point(i)[5]).toBe(1);
  });

  it('leaves out the categories filtered away', () => {
    const now = 100_000;
    const fleet = [
      driver('a', 39.3, -76.6, 'available', now),
      driver('b', 39.3, -76.6, 'on_trip', now),
      driver('c', 39.3, -76.6, 'waiting', now, false), // offline
    ];
    const all = packPoints(fleet, [0.5, 0.5], now);
    expect([all.count, all.live]).toEqual([3, 2]);
    const some = packPoints(fleet, [0.5, 0.5], now, undefined, new Set(['available', 'offline'] as const));
    expect([some.count, some.live]).toEqual([1, 1]);
    const rgb = POINT_COLOURS.on_trip.map((v) => Math.fround(v / 255));
    expect([...some.data.subarray(2, 5)]).toEqual(rgb);
  });

  it('reuses the array it is given when it is large enough', () => {
    const first = packPoints([driver('a', 1, 1, 'available')], [0.5, 0.5], 0);
    const again = packPoints([driver('a', 1, 1, 'available'), driver('b', 2, 2, 'on_trip')], [0.5, 0.5], 0, first.data);
    expect(again.data).toBe(first.data);
    expect(again.count).toBe(2);
    const big = packPoints(
      Array.from({ length: 1000 }, (_, i) => driver(`d${i}`, 0, 0, 'available')),
      [0.5, 0.5],
      0,
      first.data,
    );
    expect(big.data).not.toBe(first.data);
    expect(big.data.length).toBeGreaterThanOrEqual(1000 * FLOATS_PER_POINT);
  });
});

describe('translated', () => {
  it('moves the origin into the matrix: M x T(o) x p equals M x (o + p)', () => {
    const m = [2, 0.1, 0, 0.01, 0.3, 3, 0, 0.02, 0, 0, 1, 0, -1.5, 0.7, 0, 1];
    const o = [0.287, 0.383];
    const p = [1e-4, -2e-4];
    const apply = (mat: ArrayLike<number>, x: number, y: number) =>
      [0, 1, 2, 3].map((r) => (mat[r] ?? 0) * x + (mat[4 + r] ?? 0) * y + (mat[12 + r] ?? 0));
    const expected = apply(m, (o[0] ?? 0) + (p[0] ?? 0), (o[1] ?? 0) + (p[1] ?? 0));
    const got = apply(translated(m, o[0] ?? 0, o[1] ?? 0), p[0] ?? 0, p[1] ?? 0);
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i] ?? 0, 5));
  });
});

describe('pickDriver', () => {
  const fleet = [driver('a', 0, 0, 'available'), driver('b', 0, 10, 'on_trip'), driver('c', 0, 12, 'on_trip')];
  const project = (lng: number, lat: number) => ({ x: lng, y: lat });

  it('picks the nearest driver within reach of the click, and none beyond it', () => {
    expect(pickDriver(fleet, project, { x: 11.2, y: 0 }, 5)?.driverId).toBe('c');
    expect(pickDriver(fleet, project, { x: 10.5, y: 1 }, 5)?.driverId).toBe('b');
    expect(pickDriver(fleet, project, { x: 5, y: 0 }, 4)).toBeUndefined();
    expect(pickDriver([], project, { x: 0, y: 0 }, 4)).toBeUndefined();
  });

  it('draws smaller dots when thousands are in view, so that they cover at most 6% of it', () => {
    expect(crowdedRadiusPx(5, 200, 1120, 900)).toBe(5);
    const r = crowdedRadiusPx(5, 2000, 1120, 900);
    expect((2000 * Math.PI * r * r) / (1120 * 900)).toBeCloseTo(0.06, 6);
    expect(crowdedRadiusPx(5, 50_000, 1120, 900)).toBe(2);
    expect(crowdedRadiusPx(5, 0, 1120, 900)).toBe(5);
  });

  it('draws 3 px circles at zoom 10 and below, 7 px at 16 and above', () => {
    expect(pointRadiusPx(5)).toBe(3);
    expect(pointRadiusPx(13)).toBe(5);
    expect(pointRadiusPx(20)).toBe(7);
  });
});
