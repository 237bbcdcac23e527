import { cellToLatLng, latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { distanceM, type RoadGraph } from '@ridetrack/shared';
import { roadRouter } from '../routing/road-router';
import { coarseCars } from './coarse-cars';

describe('coarseCars', () => {
  it('puts a lone car at the centre of its cell, never at its fix, heading to the nearest 45°', () => {
    const fix = { lat: 39.2912345, lng: -76.6054321, headingDeg: 100 };
    const [car] = coarseCars([fix], 9);
    const [lat, lng] = cellToLatLng(latLngToCell(fix.lat, fix.lng, 9));
    expect(car).toEqual({ lat, lng, headingDeg: 90 });
    expect(distanceM(fix, car as { lat: number; lng: number })).toBeGreaterThan(1);
  });

  it('gives the same places whichever fixes inside the cell the cars have (nothing of where in the cell)', () => {
    const cell = latLngToCell(39.29, -76.61, 9);
    const [lat, lng] = cellToLatLng(cell);
    const a = coarseCars(
      [
        { lat: lat + 0.0004, lng, headingDeg: null },
        { lat, lng: lng - 0.0004, headingDeg: null },
      ],
      9,
    );
    const b = coarseCars(
      [
        { lat: lat - 0.0003, lng: lng + 0.0002, headingDeg: null },
        { lat, lng, headingDeg: null },
      ],
      9,
    );
    expect(a).toEqual(b);
    expect(a).toHaveLength(2);
    // Spread around the centre, so both can be seen, within the cell.
    for (const car of a) expect(latLngToCell(car.lat, car.lng, 9)).toBe(cell);
  });
});

describe('coarseCars on streets', () => {
  // A 1.2 km square of two-way streets 100 m apart, around the cell of (39.29, -76.61).
  const origin = { lat: 39.285, lng: -76.616 };
  const M = 1 / 111_320;
  const K = 1 / (111_320 * Math.cos((origin.lat * Math.PI) / 180));
  const at = (n: number, e: number) => ({ lat: origin.lat + n * M, lng: origin.lng + e * K });
  const nodes = Array.from({ length: 13 * 13 }, (_, i) => at(Math.floor(i / 13) * 100, (i % 13) * 100));
  const out = nodes.map((): RoadGraph['out'][number] => []);
  const link = (a: number, b: number) => out[a]?.push({ to: b, lengthM: 100, speedMps: 10, shape: [], name: `s${a}` });
  for (let r = 0; r < 13; r++)
    for (let c = 0; c < 13; c++) {
      const v = r * 13 + c;
      if (c < 12) {
        link(v, v + 1);
        link(v + 1, v);
      }
      if (r < 12) {
        link(v, v + 13);
        link(v + 13, v);
      }
    }
  const router = roadRouter({ nodes, out, attribution: null });
  const snap = router.snap.bind(router);
  const cell = latLngToCell(39.29, -76.61, 9);
  const [clat, clng] = cellToLatLng(cell);
  const inCell = (k: number, headingDeg: number | null) => ({
    lat: clat + ((k % 3) - 1) * 0.0002,
    lng: clng + (Math.floor(k / 3) - 1) * 0.0002,
    headingDeg,
  });

  it('draws six cars of one cell on streets, apart, headed along their streets, from nothing but the cell', () => {
    const cars = coarseCars(
      Array.from({ length: 6 }, (_, k) => inCell(k, 80)),
      9,
      snap,
    );
    expect(cars).toHaveLength(6);
    for (const car of cars) {
      expect(router.snap(car)?.offM ?? Infinity).toBeLessThan(0.5);
      expect([0, 90, 180, 270]).toContain(car.headingDeg);
    }
    for (const [i, a] of cars.entries())
      for (const b of cars.slice(i + 1)) expect(distanceM(a, b)).toBeGreaterThanOrEqual(35);
    // Other fixes in the same cell, the same places.
    expect(
      coarseCars(
        Array.from({ length: 6 }, (_, k) => inCell(5 - k, 80)),
        9,
        snap,
      ),
    ).toEqual(cars);
  });
});
