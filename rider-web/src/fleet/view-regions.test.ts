import fc from 'fast-check';
import { cellToParent, latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { viewRegions } from './view-regions';

describe('viewRegions', () => {
  it("names the region of every point in the view, as the broker finds a driver's region", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 39.0, max: 39.5, noNaN: true }),
        fc.double({ min: -77.0, max: -76.3, noNaN: true }),
        fc.double({ min: 0.005, max: 0.2, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (lat, lng, size, u, v) => {
          const bounds = [lng, lat, lng + size * 1.3, lat + size] as const;
          const regions = viewRegions(bounds, 5, 64);
          expect(regions).not.toBeNull();
          // A point anywhere in the view, its region as the index has it (its res-9 cell's parent).
          const p = latLngToCell(lat + v * size, lng + u * size * 1.3, 9);
          expect(regions).toContain(cellToParent(p, 5));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('gives up on a view wider than the stream allows: the whole fleet is shown as density', () => {
    expect(viewRegions([-80, 35, -70, 42], 5, 64)).toBeNull();
    expect(viewRegions([-180, -85, 180, 85], 5, 64)).toBeNull();
    expect(viewRegions([-76.7, 39.25, -76.55, 39.35], 5, 64)?.length).toBeLessThanOrEqual(6);
  });
});
