import fc from 'fast-check';
import { cellToBoundary, cellToLatLng, cellToParent, latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { distanceM } from '@ridetrack/shared';
import { RegionOf } from './regions';
import { DESCENDANT_REACH_EDGES, localEdgeM } from './ring-search';

const RES = 9;
const lat = fc.double({ min: -70, max: 70, noNaN: true });
const lng = fc.double({ min: -180, max: 180, noNaN: true });

describe('regions', () => {
  it('a region is the parent of a cell at the region resolution, or the cell itself if coarser', () => {
    const cell = latLngToCell(48.85, 2.35, RES);
    const of = new RegionOf(5);
    expect(of.get(cell)).toBe(cellToParent(cell, 5));
    const coarse = latLngToCell(48.85, 2.35, 4);
    expect(of.get(coarse)).toBe(coarse);
  });

  it('every point of a cell lies within DESCENDANT_REACH_EDGES of the centre of its parent', () => {
    fc.assert(
      fc.property(lat, lng, fc.integer({ min: 3, max: 8 }), (la, ln, parentRes) => {
        const cell = latLngToCell(la, ln, RES);
        const parent = cellToParent(cell, parentRes);
        const [pLat, pLng] = cellToLatLng(parent);
        const reachM = DESCENDANT_REACH_EDGES * localEdgeM(parent);
        for (const [vLat, vLng] of cellToBoundary(cell))
          expect(distanceM({ lat: pLat, lng: pLng }, { lat: vLat, lng: vLng })).toBeLessThanOrEqual(reachM);
      }),
      { numRuns: 2000 },
    );
  });
});
