import { getHexagonAreaAvg } from 'h3-js';
import { distanceM } from '@ridetrack/shared';
import { cachedCentre, cachedEdgeM, DESCENDANT_REACH_EDGES } from './ring-search';

/** minLng, minLat, maxLng, maxLat: the order of GeoJSON and OGC. */
export type Box = readonly [number, number, number, number];

/** H3's mean Earth radius, km. */
const EARTH_RADIUS_KM = 6371.007180918475;
const TO_RAD = Math.PI / 180;

/** A box's area on the sphere, km². */
export function boxAreaKm2([minLng, minLat, maxLng, maxLat]: Box): number {
  return (
    EARTH_RADIUS_KM ** 2 * (maxLng - minLng) * TO_RAD * Math.abs(Math.sin(maxLat * TO_RAD) - Math.sin(minLat * TO_RAD))
  );
}

/**
 * About how many cells at `res` cover a box, from its area and the average cell area: known before
 * any cell is looked at, so a request for too many is refused without doing the work.
 */
export function boxCellEstimate(box: Box, res: number): number {
  return Math.ceil(boxAreaKm2(box) / getHexagonAreaAvg(res, 'km2'));
}

/**
 * Whether a cell belongs to the box: its centre lies in it, as H3's polygonToCells decides for the
 * box's polygon. A density query counts the occupied cells that do, so its cost follows the drivers
 * near the box, not the box's area (44,000 cells at resolution 9 for the largest box allowed).
 */
export function boxHoldsCell([minLng, minLat, maxLng, maxLat]: Box, cell: string): boolean {
  const { lat, lng } = cachedCentre(cell);
  return lat >= minLat && lat <= maxLat && lng >= minLng && lng <= maxLng;
}

/** Room for the nearest point of a box taken in degrees, not along the sphere. */
const REACH_MARGIN = 1.1;

/**
 * Whether a coarser cell (a region) may have a descendant that belongs to the box: the box comes
 * within DESCENDANT_REACH_EDGES of its centre (with a margin). False means none does.
 */
export function boxMayHoldDescendants(box: Box, region: string): boolean {
  const [minLng, minLat, maxLng, maxLat] = box;
  const centre = cachedCentre(region);
  const nearest = {
    lat: Math.min(maxLat, Math.max(minLat, centre.lat)),
    lng: Math.min(maxLng, Math.max(minLng, centre.lng)),
  };
  return distanceM(centre, nearest) <= REACH_MARGIN * DESCENDANT_REACH_EDGES * cachedEdgeM(region);
}
