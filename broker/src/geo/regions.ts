import { cellToLatLng, cellToParent, getResolution, gridDisk, latLngToCell } from 'h3-js';
import { distanceM } from '@ridetrack/shared';
import { diskCoverageM, localEdgeM } from './ring-search';
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

/**
 * How far from a region's centre a point of a cell in it may lie, in the region's shortest edges.
 * H3's cells do not nest (a region's finest cells stick out past its hexagon): over every
 * resolution-9 cell of 40 regions at resolutions 4 to 7 and of the pentagons, the farthest
 * boundary vertex was 1.19 edges away (regions.test.ts checks random ones against this).
 */
export const REGION_REACH_EDGES = 1.5;

const REACH_CACHE_MAX = 10_000;
const reachCache = new Map<string, { region: string; lat: number; lng: number; reachM: number }[]>();

/**
 * Every region that may hold a cell with a point within the query's radius: the regions whose
 * centre is within the radius and their reach of the query point. Any cell of the index that can
 * hold a driver the query finds is in one of these.
 */
export function regionsInReach(query: NearbyQuery, regionResolution: number): string[] {
  const home = latLngToCell(query.lat, query.lng, regionResolution);
  const edgeM = localEdgeM(home);
  let k = 0;
  while (diskCoverageM(k, edgeM) < query.radiusM + REGION_REACH_EDGES * edgeM) k++;
  const key = `${home}:${k}`;
  let near = reachCache.get(key);
  if (near === undefined) {
    if (reachCache.size >= REACH_CACHE_MAX) reachCache.clear();
    near = gridDisk(home, k).map((region) => {
      const [lat, lng] = cellToLatLng(region);
      return { region, lat, lng, reachM: REGION_REACH_EDGES * localEdgeM(region) };
    });
    reachCache.set(key, near);
  }
  return near.filter((r) => distanceM(query, r) - r.reachM <= query.radiusM).map((r) => r.region);
}
