import { cellToLatLng, cellToParent, gridDisk, latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { diskCoverageM, FIRST_RINGS, FirstRingsGuide, localEdgeM } from './ring-search';
import type { NearbyDriver, NearbyQuery } from './types';

const query: NearbyQuery = { lat: 51.5, lng: -0.12, radiusM: 3000, limit: 2 };
const center = latLngToCell(query.lat, query.lng, 9);
const edgeM = localEdgeM(center);
const at = (distanceM: number): NearbyDriver => ({ distanceM }) as NearbyDriver;

describe('FirstRingsGuide', () => {
  it('starts with the default rings, and never more than the radius needs', () => {
    const guide = new FirstRingsGuide();
    expect(guide.rings(FirstRingsGuide.key(query, center), edgeM, 20)).toBe(FIRST_RINGS);
    expect(guide.rings(FirstRingsGuide.key(query, center), edgeM, 1)).toBe(1);
  });

  it('covers, with some slack, as far as the last search in the area had to look', () => {
    const guide = new FirstRingsGuide();
    guide.learn(FirstRingsGuide.key(query, center), query, [at(100), at(900)]);
    const k = guide.rings(FirstRingsGuide.key(query, center), edgeM, 20);
    expect(diskCoverageM(k, edgeM)).toBeGreaterThanOrEqual(900 * 1.25);
    expect(diskCoverageM(k - 1, edgeM)).toBeLessThan(900 * 1.25);
    // A point in a neighbouring cell of the same area shares what was learnt.
    const near = gridDisk(center, 1).find((c) => c !== center && cellToParent(c, 6) === cellToParent(center, 6));
    if (near === undefined) throw new Error('no neighbour in the same area');
    const [lat, lng] = cellToLatLng(near);
    expect(guide.rings(FirstRingsGuide.key({ ...query, lat, lng }, near), edgeM, 20)).toBe(k);
    // Another limit or status does not.
    expect(guide.rings(FirstRingsGuide.key({ ...query, limit: 3 }, center), edgeM, 20)).toBe(FIRST_RINGS);
    expect(guide.rings(FirstRingsGuide.key({ ...query, tripState: 'available' }, center), edgeM, 20)).toBe(FIRST_RINGS);
  });

  it('looks out to the radius where the last search found fewer drivers than asked for', () => {
    const guide = new FirstRingsGuide();
    guide.learn(FirstRingsGuide.key(query, center), query, [at(50)]);
    expect(guide.rings(FirstRingsGuide.key(query, center), edgeM, 7)).toBe(7);
  });
});
