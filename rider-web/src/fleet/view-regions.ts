import { cellToParent, polygonToCells } from 'h3-js';
import { bboxAreaKm2, H3_AREA_KM2, H3_EDGE_M, type Bbox } from './density';

/** Finer cells than the regions are listed over the view: two resolutions down (res 7 for 5). */
const STEP = 2;
/**
 * How far past the view the finer cells are listed, in their edges. A driver's index cell sits in
 * the finer cell it descends from, but H3's descendants stick out of their ancestor's outline, so
 * that finer cell's centre can lie more than one of its edges from the driver (a property test
 * found one 1.05 edges away): two edges hold every case with room to spare.
 */
const GROW_EDGES = 2;
/** Finer cells listed at most before the view is taken as too wide (a millisecond's work). */
const MAX_FINE_CELLS = 20_000;

/**
 * The regions a view's drivers can be in (H3 cells at the broker's region resolution), for the
 * fleet stream to send: the finer cells over the view grown by two of their edges, rolled up to
 * their parents. A driver's region is its index cell's parent, and H3's children do not tile their
 * parent exactly, so the regions holding the view's drivers are found through the hierarchy, not by
 * the regions' own outlines. Null when the view needs more than `max` regions (a whole-fleet view:
 * the console shows density only). Pure.
 */
export function viewRegions(bounds: Bbox, regionRes: number, max: number): string[] | null {
  const res = Math.min(15, regionRes + STEP);
  const [west, south, east, north] = grown(bounds, GROW_EDGES * (H3_EDGE_M[res] ?? 0));
  if (east - west >= 180 || north - south >= 90) return null;
  if (bboxAreaKm2([west, south, east, north]) / (H3_AREA_KM2[res] ?? 1) > MAX_FINE_CELLS) return null;
  const ring = [
    [south, west],
    [south, east],
    [north, east],
    [north, west],
    [south, west],
  ];
  const regions = new Set<string>();
  for (const cell of polygonToCells(ring, res)) {
    regions.add(cellToParent(cell, regionRes));
    if (regions.size > max) return null;
  }
  return [...regions].sort();
}

function grown([minLng, minLat, maxLng, maxLat]: Bbox, metres: number): Bbox {
  const dLat = metres / 111_320;
  const dLng = metres / (111_320 * Math.max(0.01, Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180)));
  return [
    Math.max(-180, minLng - dLng),
    Math.max(-85, minLat - dLat),
    Math.min(180, maxLng + dLng),
    Math.min(85, maxLat + dLat),
  ];
}
