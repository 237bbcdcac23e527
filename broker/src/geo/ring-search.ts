import { edgeLength, gridDiskDistances, latLngToCell, originToDirectedEdges } from 'h3-js';
import { distanceM } from '@ridetrack/shared';
import type { DriverState, NearbyDriver, NearbyQuery } from './types';

/** Fetches the live drivers of some cells (the backend's part of a ring search). */
export type FetchCells = (cells: string[]) => Promise<DriverState[]>;

/** A margin for H3's cell size varying over a few kilometres. */
const SIZE_MARGIN = 0.85;

/**
 * How far from the query point disk k is certain to reach: the disk's inscribed radius,
 * (k + 1/2) x sqrt(3) x edge, less how far the point may sit from its cell's centre (one edge).
 */
export function diskCoverageM(k: number, edgeM: number): number {
  return Math.max(0, (k + 0.5) * Math.sqrt(3) * edgeM * SIZE_MARGIN - edgeM);
}

/** The shortest edge of a cell, in metres: the local scale of the grid. */
export function localEdgeM(cell: string): number {
  return Math.min(...originToDirectedEdges(cell).map((e) => edgeLength(e, 'm')));
}

/** Rings searched before widening: the nearest drivers are usually this close in a city. */
export const FIRST_RINGS = 2;

const EDGE_CACHE_MAX = 50_000;
const edgeCache = new Map<string, number>();

/** localEdgeM, cached: six h3-js calls a query add up at thousands of queries a second. */
function cachedEdgeM(cell: string): number {
  let edge = edgeCache.get(cell);
  if (edge === undefined) {
    if (edgeCache.size >= EDGE_CACHE_MAX) edgeCache.delete(edgeCache.keys().next().value ?? '');
    edge = localEdgeM(cell);
    edgeCache.set(cell, edge);
  }
  return edge;
}

/** Cells of a disk by distance, cached: pure functions of the centre, and h3-js calls cost ~0.1 ms. */
const DISK_CACHE_MAX = 50_000;
const diskCache = new Map<string, { edgeM: number; rings: string[][] }>();

export function cachedDisk(center: string, k: number): { edgeM: number; rings: string[][] } {
  const key = `${center}:${k}`;
  let hit = diskCache.get(key);
  if (hit === undefined) {
    if (diskCache.size >= DISK_CACHE_MAX) diskCache.delete(diskCache.keys().next().value ?? '');
    hit = { edgeM: cachedEdgeM(center), rings: gridDiskDistances(center, k) };
    diskCache.set(key, hit);
  }
  return hit;
}

/**
 * Nearby drivers by ring search: cells are fetched ring by ring outwards from the query point's
 * cell, and the search stops once `limit` drivers are found nearer than everything the next ring
 * could hold, or the rings cover `radiusM`. Results are sorted by exact distance, so they are the
 * same as a brute-force scan of every driver.
 */
export async function ringSearch(
  query: NearbyQuery,
  res: number,
  maxRings: number,
  fetch: FetchCells,
): Promise<NearbyDriver[]> {
  const { center, edgeM, kMax } = ringPlan(query, res, maxRings);
  // The first rings first: the disk out to kMax (hundreds of cells for a 2 km radius) is only
  // worked out when they are not enough.
  let rings = cachedDisk(center, Math.min(kMax, FIRST_RINGS)).rings;
  const within: NearbyDriver[] = [];
  for (let k = 0; k <= kMax; k++) {
    if (k >= rings.length) rings = cachedDisk(center, kMax).rings;
    const cells = rings[k] ?? [];
    for (const state of await fetch(cells)) {
      if (query.tripState !== undefined && state.tripState !== query.tripState) continue;
      const d = distanceM(query, state);
      if (d <= query.radiusM) within.push({ ...state, distanceM: d });
    }
    if (within.length >= query.limit) {
      within.sort(byDistance);
      const kth = within[query.limit - 1]?.distanceM ?? Number.POSITIVE_INFINITY;
      if (kth <= diskCoverageM(k, edgeM)) break;
    }
  }
  return within.sort(byDistance).slice(0, query.limit);
}

function byDistance(a: NearbyDriver, b: NearbyDriver): number {
  return a.distanceM - b.distanceM || (a.driverId < b.driverId ? -1 : a.driverId > b.driverId ? 1 : 0);
}

/** Where a ring search starts and how many rings it may need to cover the radius. */
export function ringPlan(
  query: NearbyQuery,
  res: number,
  maxRings: number,
): { center: string; edgeM: number; kMax: number } {
  const center = latLngToCell(query.lat, query.lng, res);
  const edgeM = cachedEdgeM(center);
  let kMax = 0;
  while (kMax < maxRings && diskCoverageM(kMax, edgeM) < query.radiusM) kMax++;
  return { center, edgeM, kMax };
}

/** Exact distances, radius, order and limit over candidates: the final step of every search. */
export function rankNearby(query: NearbyQuery, candidates: Iterable<DriverState>): NearbyDriver[] {
  const within: NearbyDriver[] = [];
  for (const state of candidates) {
    if (query.tripState !== undefined && state.tripState !== query.tripState) continue;
    const d = distanceM(query, state);
    if (d <= query.radiusM) within.push({ ...state, distanceM: d });
  }
  return within.sort(byDistance).slice(0, query.limit);
}
