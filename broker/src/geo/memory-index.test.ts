import fc from 'fast-check';
import { latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { TRIP_STATES } from '@ridetrack/shared';
import { MemoryGeoIndex } from './memory-index';
import { NearestFirstSearch } from './nearest-first';
import { ReachGuide } from './ring-search';
import type { DriverState, NearbyQuery } from './types';

const RES = 9;
const NOW = 1_764_288_000_000;

const driver = fc.record({
  lat: fc.double({ min: 39.25, max: 39.33, noNaN: true }),
  lng: fc.double({ min: -76.65, max: -76.55, noNaN: true }),
  tripState: fc.constantFrom(...TRIP_STATES),
});
const query = fc.record({
  lat: fc.double({ min: 39.27, max: 39.31, noNaN: true }),
  lng: fc.double({ min: -76.62, max: -76.58, noNaN: true }),
  radiusM: fc.integer({ min: 100, max: 8000 }),
  limit: fc.integer({ min: 1, max: 12 }),
  tripState: fc.option(fc.constantFrom(...TRIP_STATES), { nil: undefined }),
});

/** The ring walk's answer over the same drivers: what the Redis backend runs too. */
function ringWalk(fleet: readonly DriverState[], q: NearbyQuery, maxRings: number): string[] {
  const byCell = new Map<string, DriverState[]>();
  for (const s of fleet) byCell.set(s.cell, [...(byCell.get(s.cell) ?? []), s]);
  const search = new NearestFirstSearch<DriverState>(q, RES, maxRings, new ReachGuide());
  for (let cells = search.next(); cells !== null; cells = search.next())
    for (const cell of cells)
      for (const s of byCell.get(cell) ?? [])
        if (q.tripState === undefined || s.tripState === q.tripState) search.offer(s.lat, s.lng, s, cell);
  return search.finish((s) => s).map((d) => d.driverId);
}

describe('memory index, a sparse fleet', () => {
  it('reads its occupied cells and answers as the ring walk, with the search capped at its rings or not', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(driver, { minLength: 1, maxLength: 40 }),
        query,
        fc.integer({ min: 1, max: 8 }),
        async (drivers, q, maxRings) => {
          const index = new MemoryGeoIndex(RES, 5, 30_000, maxRings);
          const fleet: DriverState[] = drivers.map((d, i) => ({
            driverId: `d${i}`,
            ...d,
            cell: latLngToCell(d.lat, d.lng, RES),
            headingDeg: 0,
            speedMps: 5,
            accuracyM: 5,
            seq: 1,
            simulated: true,
            fixTimestampMs: NOW,
            updatedMs: NOW,
          }));
          await index.upsert(fleet);
          const got = (await index.nearby(q, NOW + 1)).map((d) => d.driverId);
          expect(got).toEqual(ringWalk(fleet, q, maxRings));
        },
      ),
      { numRuns: 300 },
    );
  });
});
