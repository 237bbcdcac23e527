import { cellToLatLng, getHexagonEdgeLengthAvg, latLngToCell, UNITS } from 'h3-js';
import type { LatLng } from '@ridetrack/shared';

/** A car as anyone may see it before booking: a place no closer than its H3 cell, a rough heading. */
export interface CoarseCar {
  lat: number;
  lng: number;
  /** Heading rounded to the nearest 45°, or null when unknown. */
  headingDeg: number | null;
}

/**
 * Cars near a pickup as a rider may see them before booking: each put at the centre of its H3 cell
 * at `res` (res 9: cells about 350 m across), never at its fix; cars sharing a cell are spread on a
 * small ring around the centre so that they can be counted, in an order that says nothing of where
 * in the cell each is. Headings are rounded to eight directions. Pure.
 */
export function coarseCars(cars: readonly (LatLng & { headingDeg: number | null })[], res: number): CoarseCar[] {
  const byCell = new Map<string, (number | null)[]>();
  for (const c of cars) {
    const cell = latLngToCell(c.lat, c.lng, res);
    const headings = byCell.get(cell) ?? [];
    headings.push(c.headingDeg === null ? null : (Math.round(c.headingDeg / 45) * 45) % 360);
    byCell.set(cell, headings);
  }
  const ringM = getHexagonEdgeLengthAvg(res, UNITS.m) * 0.3;
  const out: CoarseCar[] = [];
  for (const [cell, headings] of [...byCell].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [lat, lng] = cellToLatLng(cell);
    headings.sort((a, b) => (a ?? -1) - (b ?? -1));
    headings.forEach((headingDeg, i) => {
      if (headings.length === 1) {
        out.push({ lat, lng, headingDeg });
        return;
      }
      const angle = (2 * Math.PI * i) / headings.length;
      const mPerLat = 111_320;
      const mPerLng = mPerLat * Math.cos((lat * Math.PI) / 180);
      out.push({
        lat: lat + (ringM * Math.cos(angle)) / mPerLat,
        lng: lng + (ringM * Math.sin(angle)) / mPerLng,
        headingDeg,
      });
    });
  }
  return out;
}
