import {
  cellToLatLng,
  cellToParent,
  edgeLength,
  getResolution,
  gridRing,
  latLngToCell,
  originToDirectedEdges,
} from 'h3-js';
import { distanceM } from '@ridetrack/shared';
import type { DriverState, NearbyDriver, NearbyQuery } from './types';

/** A margin for H3's cell size varying over a few kilometres. */
export const SIZE_MARGIN = 0.85;

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
export function cachedEdgeM(cell: string): number {
  let edge = edgeCache.get(cell);
  if (edge === undefined) {
    if (edgeCache.size >= EDGE_CACHE_MAX) edgeCache.delete(edgeCache.keys().next().value ?? '');
    edge = localEdgeM(cell);
    edgeCache.set(cell, edge);
  }
  return edge;
}

const CENTRE_CACHE_MAX = 100_000;
const centreCache = new Map<string, CellCentre>();

/** A cell and its centre. */
export interface CellCentre {
  cell: string;
  lat: number;
  lng: number;
}

/**
 * A cell's centre, cached per cell: the disks around nearby points share most of their cells, so
 * a city's few thousand cells are worked out once, not once per disk they fall in.
 */
export function cachedCentre(cell: string): CellCentre {
  let hit = centreCache.get(cell);
  if (hit === undefined) {
    if (centreCache.size >= CENTRE_CACHE_MAX) centreCache.delete(centreCache.keys().next().value ?? '');
    const [lat, lng] = cellToLatLng(cell);
    hit = { cell, lat, lng };
    centreCache.set(cell, hit);
  }
  return hit;
}

/** The area over which a search remembers how far it had to look (res 6: about 36 km²). */
const AREA_RES = 6;
const GUIDE_MAX = 10_000;
/** Looks this much further than last time, so that a slightly sparser moment needs no second call. */
const GUIDE_SLACK = 1.25;

/**
 * How far the first step of a search should look, learnt per area: how far the last search there
 * (for as many drivers, of the same status) had to look. Density changes slowly, so in a sparse
 * suburb the first step reaches far enough and in a dense centre it reads only the cells it needs.
 * A guess only: a search still widens when the first step is not enough.
 */
export class ReachGuide {
  private readonly reachByArea = new Map<string, number>();

  /** What a search is remembered by: its area, its limit and the status it asks for. */
  static key(query: NearbyQuery, center: string): string {
    const area = cellToParent(center, Math.min(AREA_RES, getResolution(center)));
    return `${area}:${query.limit}:${query.tripState ?? ''}`;
  }

  /** How far a search here should first look: the last one's reach, with some slack; undefined at first. */
  reachM(key: string): number | undefined {
    const reach = this.reachByArea.get(key);
    return reach === undefined ? undefined : reach * GUIDE_SLACK;
  }

  /** Remembers a search's answer: the limit-th driver's distance, or the radius if it found fewer. */
  learn(key: string, query: NearbyQuery, found: readonly NearbyDriver[]): void {
    if (!this.reachByArea.has(key) && this.reachByArea.size >= GUIDE_MAX)
      this.reachByArea.delete(this.reachByArea.keys().next().value ?? '');
    this.reachByArea.set(key, found.length >= query.limit ? (found.at(-1)?.distanceM ?? 0) : query.radiusM);
  }
}

/** Rings of cells around a centre, cached: pure functions of the centre and distance. */
const RING_CACHE_MAX = 200_000;
const ringCache = new Map<string, CellCentre[]>();

/**
 * The cells exactly k steps from a centre cell (ring k; the centre itself for k = 0), with their
 * centres, cached. One ring at a time, so a search widening its disk costs only the new cells.
 */
export function cachedRing(center: string, k: number): CellCentre[] {
  const key = `${center}:${k}`;
  let hit = ringCache.get(key);
  if (hit === undefined) {
    if (ringCache.size >= RING_CACHE_MAX) ringCache.delete(ringCache.keys().next().value ?? '');
    hit = (k === 0 ? [center] : gridRing(center, k)).map(cachedCentre);
    ringCache.set(key, hit);
  }
  return hit;
}

/**
 * The cells of some rings that can hold a driver within the query's radius, nearest first, each
 * with the least distance any point of it can be from the query point: its centre's distance less
 * its circumradius (one edge, with the margin for the grid's size varying). `occupied`, when given,
 * leaves out cells known to hold no driver.
 */
export function ringCellsNearestFirst(
  query: NearbyQuery,
  rings: readonly (readonly CellCentre[])[],
  edgeM: number,
  occupied?: (cell: string) => boolean,
): { cell: string; minM: number }[] {
  const reach = edgeM / SIZE_MARGIN;
  const out: { cell: string; minM: number }[] = [];
  for (const ring of rings) {
    for (const at of ring) {
      if (occupied !== undefined && !occupied(at.cell)) continue;
      const minM = Math.max(0, distanceM(query, at) - reach);
      if (minM <= query.radiusM) out.push({ cell: at.cell, minM });
    }
  }
  return out.sort((a, b) => a.minM - b.minM);
}

/**
 * How far from a coarse cell's centre a point of a finer cell under it may lie, in the coarse
 * cell's shortest edges. H3's cells do not nest (the resolution-9 cells under a cell stick out past
 * its hexagon): over every resolution-9 cell under 40 cells at each of resolutions 4 to 7, and
 * under pentagons, the farthest boundary vertex was 1.19 edges away (regions.test.ts checks random
 * ones against this).
 */
export const DESCENDANT_REACH_EDGES = 1.5;

/**
 * Blocks (cells coarser than the index's) of some rings that can hold a driver within the query's
 * radius, nearest first, each with the least distance a point under it can be from the query
 * point: its centre's distance less `reachM`.
 */
export function blocksNearestFirst(
  query: NearbyQuery,
  rings: readonly (readonly CellCentre[])[],
  reachM: number,
): { cell: string; minM: number; block: true }[] {
  const out: { cell: string; minM: number; block: true }[] = [];
  for (const ring of rings) {
    for (const at of ring) {
      const minM = Math.max(0, distanceM(query, at) - reachM);
      if (minM <= query.radiusM) out.push({ cell: at.cell, minM, block: true });
    }
  }
  return out.sort((a, b) => a.minM - b.minM);
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

function byDistance(a: NearbyDriver, b: NearbyDriver): number {
  return a.distanceM - b.distanceM || (a.driverId < b.driverId ? -1 : a.driverId > b.driverId ? 1 : 0);
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
