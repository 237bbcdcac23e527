import { cellToLatLng, getHexagonEdgeLengthAvg, latLngToCell, UNITS } from 'h3-js';
import type { LatLng } from '@ridetrack/shared';

/** A car as anyone may see it before booking: a place no closer than its H3 cell, a rough heading. */
export interface CoarseCar {
  lat: number;
  lng: number;
  /** Heading rounded to the nearest 45° (or along the street it is drawn on), or null when unknown. */
  headingDeg: number | null;
}

/** The nearest point on a street (the router's snap), with the street's direction there. */
export type StreetSnap = (p: LatLng) => { point: LatLng; offM: number; bearingDeg?: number } | null;

/** A place is put on a street this near it, not farther (a park, the water). */
const SNAP_M = 90;
/** Cars drawn closer than this look like one: another place is tried. */
const APART_M = 35;

/**
 * Cars near a pickup as a rider may see them before booking: each placed from its H3 cell at `res`
 * (res 9: cells about 350 m across), never from its fix. A lone car is at the cell's centre; cars
 * sharing a cell are spread on a ring around it, in an order that says nothing of where in the cell
 * each is. With `snap` (the city's streets), each place goes onto its nearest street, headed along
 * it, and a place that would lie on top of another car's is turned further round the ring: cars
 * are drawn on streets and apart, as a rider expects, from nothing but the cell. Headings are
 * rounded to eight directions. Pure.
 */
export function coarseCars(
  cars: readonly (LatLng & { headingDeg: number | null })[],
  res: number,
  snap?: StreetSnap,
): CoarseCar[] {
  const byCell = new Map<string, (number | null)[]>();
  for (const c of cars) {
    const cell = latLngToCell(c.lat, c.lng, res);
    const headings = byCell.get(cell) ?? [];
    headings.push(c.headingDeg === null ? null : (Math.round(c.headingDeg / 45) * 45) % 360);
    byCell.set(cell, headings);
  }
  const edgeM = getHexagonEdgeLengthAvg(res, UNITS.m);
  const out: CoarseCar[] = [];
  for (const [cell, headings] of [...byCell].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [lat, lng] = cellToLatLng(cell);
    headings.sort((a, b) => (a ?? -1) - (b ?? -1));
    const ringM = edgeM * (snap === undefined ? 0.3 : 0.5);
    headings.forEach((headingDeg, i) => {
      const n = headings.length;
      // Places to try: the car's own on the ring (the centre when alone), then round the ring.
      const tries = Array.from({ length: n === 1 ? 1 + 8 : 2 * n }, (_, k) => {
        if (n === 1 && k === 0) return { lat, lng };
        const angle = (2 * Math.PI * (n === 1 ? k - 1 : i + k / 2)) / (n === 1 ? 8 : n);
        return ringPoint(lat, lng, n === 1 ? edgeM * 0.5 : ringM, angle);
      });
      out.push(place(tries, headingDeg, out, snap));
    });
  }
  return out;
}

function ringPoint(lat: number, lng: number, m: number, angle: number): LatLng {
  const mPerLat = 111_320;
  const mPerLng = mPerLat * Math.cos((lat * Math.PI) / 180);
  return { lat: lat + (m * Math.cos(angle)) / mPerLat, lng: lng + (m * Math.sin(angle)) / mPerLng };
}

function place(tries: LatLng[], headingDeg: number | null, placed: readonly CoarseCar[], snap?: StreetSnap): CoarseCar {
  const first = tries[0] as LatLng;
  if (snap === undefined) return { ...first, headingDeg };
  for (const p of tries) {
    const on = snap(p);
    if (on === null || on.offM > SNAP_M) continue;
    if (placed.some((c) => metres(c, on.point) < APART_M)) continue;
    return { lat: on.point.lat, lng: on.point.lng, headingDeg: alongStreet(headingDeg, on.bearingDeg) };
  }
  return { ...first, headingDeg };
}

/** The street's direction nearest the car's heading (either way along it); the heading when unknown. */
function alongStreet(headingDeg: number | null, bearingDeg: number | undefined): number | null {
  if (bearingDeg === undefined) return headingDeg;
  const b = Math.round(bearingDeg) % 360;
  if (headingDeg === null) return b;
  const diff = Math.abs(((headingDeg - b + 540) % 360) - 180);
  return diff <= 90 ? b : (b + 180) % 360;
}

function metres(a: LatLng, b: LatLng): number {
  const mPerLat = 111_320;
  const dx = (a.lng - b.lng) * mPerLat * Math.cos((a.lat * Math.PI) / 180);
  return Math.hypot(dx, (a.lat - b.lat) * mPerLat);
}
