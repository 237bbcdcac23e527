import { getHexagonAreaAvg, polygonToCells } from 'h3-js';
import type { TimeSlice } from '../time-slice';

/** minLng, minLat, maxLng, maxLat: the order of GeoJSON and OGC. */
export type Box = readonly [number, number, number, number];

/** H3's mean Earth radius, km. */
const EARTH_RADIUS_KM = 6371.007180918475;
const TO_RAD = Math.PI / 180;
/** Cells one strip of a box is cut to: a polygonToCells call of about a millisecond. */
const CELLS_PER_STRIP = 500;

/** A box's area on the sphere, km². */
export function boxAreaKm2([minLng, minLat, maxLng, maxLat]: Box): number {
  return (
    EARTH_RADIUS_KM ** 2 * (maxLng - minLng) * TO_RAD * Math.abs(Math.sin(maxLat * TO_RAD) - Math.sin(minLat * TO_RAD))
  );
}

/**
 * About how many cells at `res` cover a box, from its area and the average cell area: known before
 * any cell is listed, so a request for too many is refused without doing the work.
 */
export function boxCellEstimate(box: Box, res: number): number {
  return Math.ceil(boxAreaKm2(box) / getHexagonAreaAvg(res, 'km2'));
}

/**
 * The cells at `res` whose centres lie in the box. Listed in strips of about CELLS_PER_STRIP cells,
 * with the event loop's turn between them when one is due. H3 gives each cell to one strip (cells
 * belong to the polygon holding their centre); the set guards the strips' shared edges anyway.
 */
export async function boxCells(box: Box, res: number, slice: TimeSlice): Promise<string[]> {
  const [minLng, minLat, maxLng, maxLat] = box;
  const strips = Math.max(1, Math.ceil(boxCellEstimate(box, res) / CELLS_PER_STRIP));
  const cells = new Set<string>();
  for (let i = 0; i < strips; i++) {
    const south = minLat + ((maxLat - minLat) * i) / strips;
    const north = i === strips - 1 ? maxLat : minLat + ((maxLat - minLat) * (i + 1)) / strips;
    const ring = [
      [south, minLng],
      [south, maxLng],
      [north, maxLng],
      [north, minLng],
      [south, minLng],
    ];
    for (const cell of polygonToCells(ring, res)) cells.add(cell);
    await slice.yieldIfDue();
  }
  return [...cells];
}
