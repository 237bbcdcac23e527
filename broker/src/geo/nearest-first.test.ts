import fc from 'fast-check';
import { cellToParent, latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { distanceM, seededRng } from '@ridetrack/shared';
import { NearestFirstSearch, type SearchCells } from './nearest-first';
import { cachedCentre, ReachGuide, type CellCentre } from './ring-search';
import type { DriverState, NearbyQuery } from './types';

const RES = 9;
const LAT0 = 52.52;
const LNG0 = 13.4;

function driver(i: number, lat: number, lng: number): DriverState {
  return {
    driverId: `d${String(i).padStart(5, '0')}`,
    lat,
    lng,
    headingDeg: null,
    speedMps: null,
    accuracyM: null,
    tripState: 'available',
    seq: 1,
    fixTimestampMs: 0,
    simulated: false,
    updatedMs: 0,
    cell: latLngToCell(lat, lng, RES),
  };
}

/**
 * What the search knows of where drivers are (SearchCells): nothing (every cell of the rings),
 * which cells hold drivers, or those cells listed by block (their parent one resolution up).
 */
type Known = 'nothing' | 'occupied' | 'blocks';
const KNOWN: Known[] = ['nothing', 'occupied', 'blocks'];

function known(byCell: ReadonlyMap<string, unknown>, how: Known): SearchCells {
  if (how === 'occupied') return { occupied: (cell) => byCell.has(cell) };
  if (how === 'nothing') return {};
  const byBlock = new Map<string, CellCentre[]>();
  for (const cell of byCell.keys()) {
    const block = cellToParent(cell, RES - 1);
    byBlock.set(block, [...(byBlock.get(block) ?? []), cachedCentre(cell)]);
  }
  return { blocks: { resolution: RES - 1, cellsOf: (block) => byBlock.get(block) ?? [] } };
}

/** Runs the search over an in-memory fleet; returns the ids found and the cells it read. */
function search(fleet: readonly DriverState[], q: NearbyQuery, guide = new ReachGuide(), how: Known = 'nothing') {
  const byCell = new Map<string, DriverState[]>();
  for (const d of fleet) byCell.set(d.cell, [...(byCell.get(d.cell) ?? []), d]);
  const s = new NearestFirstSearch<DriverState>(q, RES, 64, guide, undefined, known(byCell, how));
  const read: string[] = [];
  let steps = 0;
  for (let cells = s.next(); cells !== null; cells = s.next()) {
    // A step may only widen the disk (bounded work per step), but never forever.
    expect(++steps).toBeLessThan(1000);
    for (const cell of cells) {
      expect(read).not.toContain(cell); // no cell is read twice
      read.push(cell);
      for (const d of byCell.get(cell) ?? []) s.offer(d.lat, d.lng, d, cell);
    }
  }
  return { ids: s.finish((d) => d).map((d) => d.driverId), read };
}

function bruteForce(fleet: readonly DriverState[], q: NearbyQuery): string[] {
  return fleet
    .map((d) => ({ id: d.driverId, d: distanceM(q, d) }))
    .filter((x) => x.d <= q.radiusM)
    .sort((a, b) => a.d - b.d || (a.id < b.id ? -1 : 1))
    .slice(0, q.limit)
    .map((x) => x.id);
}

/** Points spread evenly over a square of ±km around the centre, from a seeded generator. */
function spread(seed: number, km: number): () => readonly [number, number] {
  const random = seededRng(seed);
  return () => [LAT0 + ((random() * 2 - 1) * km) / 111, LNG0 + ((random() * 2 - 1) * km) / 67.7];
}

describe('NearestFirstSearch', () => {
  it('finds what brute force finds, in the same order, at any density, radius and limit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 600 }),
        fc.double({ min: 0.2, max: 6, noNaN: true }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 50, max: 4000 }),
        fc.integer({ min: 0, max: 0xffff }),
        (n, km, limit, radiusM, seed) => {
          const at = spread(seed, km);
          const fleet = Array.from({ length: n }, (_, i) => driver(i, ...at()));
          for (const how of KNOWN) {
            const guide = new ReachGuide();
            for (let i = 0; i < 6; i++) {
              const q = { lat: at()[0], lng: at()[1], radiusM, limit };
              // A fresh guide's first step, then one that starts from what the last search learnt.
              expect(search(fleet, q, new ReachGuide(), how).ids).toEqual(bruteForce(fleet, q));
              expect(search(fleet, q, guide, how).ids).toEqual(bruteForce(fleet, q));
            }
          }
        },
      ),
      { numRuns: 80 },
    );
  });

  it('breaks ties at the same distance by driver id, as brute force does', () => {
    const fleet = Array.from({ length: 12 }, (_, i) => driver(11 - i, LAT0 + 0.001, LNG0));
    const q = { lat: LAT0, lng: LNG0, radiusM: 1000, limit: 5 };
    expect(search(fleet, q).ids).toEqual(bruteForce(fleet, q));
  });

  it('reads only the cells near the point where drivers are dense, and still finds what brute force finds', () => {
    // 100 drivers per km², evenly, over 4 x 4 km: the 10 nearest are within ~200 m.
    const place = spread(7, 2);
    const fleet = Array.from({ length: 1600 }, (_, i) => driver(i, ...place()));
    const at = spread(8, 1.5);
    const guide = new ReachGuide();
    for (let n = 0; n < 100; n++) {
      const [lat, lng] = at();
      for (const limit of [1, 10]) {
        const q = { lat, lng, radiusM: 2000, limit };
        const { ids, read } = search(fleet, q, guide);
        expect(ids).toEqual(bruteForce(fleet, q));
        expect(read.length).toBeLessThan(20); // a 2 km disk at res 9 has over 150 cells
      }
    }
  });

  it('reads only cells that hold drivers when it knows which do, by cell or by block', () => {
    // 300 drivers over 12 x 12 km: a sparse fleet, whose searches look far.
    const place = spread(11, 6);
    const fleet = Array.from({ length: 300 }, (_, i) => driver(i, ...place()));
    const occupied = new Set(fleet.map((d) => d.cell));
    const at = spread(12, 5);
    for (let n = 0; n < 50; n++) {
      const [lat, lng] = at();
      const q = { lat, lng, radiusM: 3000, limit: 10 };
      const all = search(fleet, q).read;
      for (const how of ['occupied', 'blocks'] as const) {
        const { ids, read } = search(fleet, q, new ReachGuide(), how);
        expect(ids).toEqual(bruteForce(fleet, q));
        expect(read.every((c) => occupied.has(c))).toBe(true);
        expect(read.length).toBeLessThan(all.length);
      }
    }
  });

  it('reads every cell in the radius where fewer drivers are there than asked for', () => {
    const fleet = [driver(1, LAT0 + 0.003, LNG0)];
    const q = { lat: LAT0, lng: LNG0, radiusM: 600, limit: 3 };
    const { ids, read } = search(fleet, q);
    expect(ids).toEqual(['d00001']);
    expect(read.length).toBeGreaterThan(19);
  });

  it('ignores a position that is not a number', () => {
    const s = new NearestFirstSearch<DriverState>(
      { lat: LAT0, lng: LNG0, radiusM: 500, limit: 2 },
      RES,
      64,
      new ReachGuide(),
    );
    const cells = s.next() ?? [];
    const ok = driver(1, LAT0, LNG0);
    s.offer(Number.NaN, LNG0, { ...ok, driverId: 'bad' }, cells[0] ?? '');
    s.offer(ok.lat, ok.lng, ok, cells[0] ?? '');
    while (s.next() !== null);
    expect(s.finish((d) => d).map((d) => d.driverId)).toEqual(['d00001']);
  });

  it('widens over an empty area in bounded steps, so the caller can yield between them', () => {
    // 50 km, 500 drivers, none there: the whole 64-ring disk (12,481 cells) is read, a step at a time.
    const s = new NearestFirstSearch<DriverState>(
      { lat: LAT0, lng: LNG0, radiusM: 50_000, limit: 500 },
      RES,
      64,
      new ReachGuide(),
    );
    const steps: number[] = [];
    for (let cells = s.next(); cells !== null; cells = s.next()) steps.push(cells.length);
    expect(steps.reduce((a, b) => a + b, 0)).toBe(12_481);
    expect(Math.max(...steps)).toBeLessThanOrEqual(1024 + 6 * 64);
    expect(steps.length).toBeGreaterThan(10);
  });
});
