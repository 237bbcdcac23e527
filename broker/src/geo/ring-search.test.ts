import { cellToLatLng, cellToParent, gridDisk, latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { diskCoverageM, ReachGuide, localEdgeM } from './ring-search';
import type { NearbyDriver, NearbyQuery } from './types';

const query: NearbyQuery = { lat: 51.5, lng: -0.12, radiusM: 3000, limit: 2 };
const center = latLngToCell(query.lat, query.lng, 9);
const edgeM = localEdgeM(center);
const at = (distanceM: number): NearbyDriver => ({ distanceM }) as NearbyDriver;

describe('ReachGuide', () => {
  it('knows nothing of an area at first', () => {
    expect(new ReachGuide().reachM(ReachGuide.key(query, center))).toBeUndefined();
  });

  it('looks, with some slack, as far as the last search in the area had to', () => {
    const guide = new ReachGuide();
    guide.learn(ReachGuide.key(query, center), query, [at(100), at(900)]);
    expect(guide.reachM(ReachGuide.key(query, center))).toBe(900 * 1.25);
    // A point in a neighbouring cell of the same area shares what was learnt.
    const near = gridDisk(center, 1).find((c) => c !== center && cellToParent(c, 6) === cellToParent(center, 6));
    if (near === undefined) throw new Error('no neighbour in the same area');
    const [lat, lng] = cellToLatLng(near);
    expect(guide.reachM(ReachGuide.key({ ...query, lat, lng }, near))).toBe(900 * 1.25);
    // Another limit or status does not.
    expect(guide.reachM(ReachGuide.key({ ...query, limit: 3 }, center))).toBeUndefined();
    expect(guide.reachM(ReachGuide.key({ ...query, tripState: 'available' }, center))).toBeUndefined();
  });

  it('looks out to the radius where the last search found fewer drivers than asked for', () => {
    const guide = new ReachGuide();
    guide.learn(ReachGuide.key(query, center), query, [at(50)]);
    expect(guide.reachM(ReachGuide.key(query, center))).toBe(query.radiusM * 1.25);
  });
});

describe('diskCoverageM', () => {
  it('never claims more than the disk covers: every point that near falls in the disk', () => {
    for (const k of [0, 1, 2, 5]) {
      const cells = new Set(gridDisk(center, k));
      const reach = diskCoverageM(k, edgeM);
      for (let bearing = 0; bearing < 360; bearing += 7.5) {
        const rad = (bearing * Math.PI) / 180;
        const lat = query.lat + ((reach * Math.cos(rad)) / 6_371_008.8) * (180 / Math.PI);
        const lng =
          query.lng +
          ((reach * Math.sin(rad)) / (6_371_008.8 * Math.cos((query.lat * Math.PI) / 180))) * (180 / Math.PI);
        expect(cells.has(latLngToCell(lat, lng, 9))).toBe(true);
      }
    }
  });
});
