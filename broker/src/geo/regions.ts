import { cellToLatLng, cellToParent, getResolution, gridDisk, latLngToCell } from 'h3-js';
import { distanceM } from '@ridetrack/shared';
import { cachedEdgeM, DESCENDANT_REACH_EDGES, diskCoverageM, localEdgeM } from './ring-search';
import type { NearbyQuery } from './types';

/** Cells whose region is remembered: a city's cells at resolution 9 are tens of thousands. */
const CACHE_MAX = 200_000;

/**
 * The region of a cell: its parent at the region resolution (the cell itself when it is that coarse
 * already). What shards the geo-index and the operators' fleet stream. Cached per cell: a search
 * asks for the region of each cell it reads.
 */
export class RegionOf {
  private readonly cache = new Map<string, string>();

  constructor(readonly resolution: number) {}

  get(cell: string): string {
    let region = this.cache.get(cell);
    if (region === undefined) {
      if (this.cache.size >= CACHE_MAX) this.cache.clear();
      region = getResolution(cell) <= this.resolution ? cell : cellToParent(cell, this.resolution);
      this.cache.set(cell, region);
    }
    return region;
  }
}

const REACH_CACHE_MAX = 20_000;
const reachCache = new Map<string, { block: string; lat: number; lng: number; reachM: number }[]>();

/**
 * Every cell at `resolution` (coarser than the index's: regions) that may have a finer cell with a
 * point within the query's radius under it: the cells whose centre is within the radius and their
 * reach of the query point. Cells under any other are out of the query's reach.
 */
export function cellsInReach(query: NearbyQuery, resolution: number): string[] {
  const home = latLngToCell(query.lat, query.lng, resolution);
  const edgeM = cachedEdgeM(home);
  let k = 0;
  while (diskCoverageM(k, edgeM) < query.radiusM + DESCENDANT_REACH_EDGES * edgeM) k++;
  const key = `${home}:${k}`;
  let near = reachCache.get(key);
  if (near === undefined) {
    if (reachCache.size >= REACH_CACHE_MAX) reachCache.clear();
    near = gridDisk(home, k).map((block) => {
      const [lat, lng] = cellToLatLng(block);
      return { block, lat, lng, reachM: DESCENDANT_REACH_EDGES * localEdgeM(block) };
    });
    reachCache.set(key, near);
  }
  const out: string[] = [];
  for (const b of near) if (distanceM(query, b) - b.reachM <= query.radiusM) out.push(b.block);
  return out;
}
