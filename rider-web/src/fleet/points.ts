import { isStale, type DriverPoint } from '../markers';
import type { Category } from './fleet-model';

/**
 * The operator map's drivers as one vertex array for the GPU (overlay.ts draws it): pure, no
 * DOM, no clock. Positions are Web Mercator (0..1 across the world, as MapLibre's
 * MercatorCoordinate) relative to an origin near the fleet, so that 32-bit floats keep them to the
 * centimetre; the origin goes into the matrix in 64-bit.
 */

/** Floats per point: x and y from the origin, then red, green, blue, alpha (premultiplied). */
export const FLOATS_PER_POINT = 6;

/**
 * Colours by category: a trip's states in hues far apart (green, amber, magenta, blue), out of
 * service in greys, the offline (stale) ones lighter and see-through, never shown as live. None is
 * in the density hexagons' yellow-to-purple scale's middle, and each has a white rim.
 */
export const POINT_COLOURS: Record<Category, readonly [number, number, number]> = {
  available: [0x1e, 0x8e, 0x3e],
  to_pickup: [0xf2, 0x99, 0x00],
  waiting: [0xd0, 0x18, 0x84],
  on_trip: [0x1b, 0x6e, 0xf3],
  off_duty: [0x5f, 0x63, 0x68],
  offline: [0x9a, 0xa0, 0xa6],
};
const OFFLINE_ALPHA = 0.6;

/** "#1e8e3e": a category's colour for CSS. */
export function cssColour(c: Category): string {
  return `#${POINT_COLOURS[c].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

export function mercatorX(lng: number): number {
  return (180 + lng) / 360;
}

export function mercatorY(lat: number): number {
  return (180 - (180 / Math.PI) * Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360))) / 360;
}

export interface PackedPoints {
  /** Mercator origin the positions are relative to. */
  origin: readonly [number, number];
  data: Float32Array;
  count: number;
  /** How many of them are live (not stale). */
  live: number;
}

const NOTHING_HIDDEN: ReadonlySet<Category> = new Set();

/**
 * Packs drivers into `FLOATS_PER_POINT` floats each, stale ones first so that live drivers are
 * drawn over them, leaving out the categories filtered away. Reuses `into` when it is large enough
 * (no garbage at every update).
 */
export function packPoints(
  drivers: Iterable<DriverPoint>,
  origin: readonly [number, number],
  nowMs: number,
  into?: Float32Array,
  hidden: ReadonlySet<Category> = NOTHING_HIDDEN,
): PackedPoints {
  const list = [...drivers];
  const size = list.length * FLOATS_PER_POINT;
  const data = into !== undefined && into.length >= size ? into : new Float32Array(Math.max(size, 64) * 2);
  let i = 0;
  let live = 0;
  for (const pass of [true, false]) {
    for (const d of list) {
      const stale = isStale(d.fix.timestampMs, d.online, nowMs);
      if (stale !== pass) continue;
      const category: Category = stale ? 'offline' : d.fix.tripState;
      if (hidden.has(category)) continue;
      if (!stale) live++;
      const [r, g, b] = POINT_COLOURS[category];
      const a = stale ? OFFLINE_ALPHA : 1;
      data[i++] = mercatorX(d.fix.lng) - origin[0];
      data[i++] = mercatorY(d.fix.lat) - origin[1];
      data[i++] = (r / 255) * a;
      data[i++] = (g / 255) * a;
      data[i++] = (b / 255) * a;
      data[i++] = a;
    }
  }
  return { origin, data, count: i / FLOATS_PER_POINT, live };
}

/** A column-major 4x4 matrix times a translation by (x, y, 0), in 64-bit: the origin moved into the matrix. */
export function translated(m: ArrayLike<number>, x: number, y: number): Float32Array {
  const out = Float32Array.from(m);
  for (let row = 0; row < 4; row++) out[12 + row] = (m[row] ?? 0) * x + (m[4 + row] ?? 0) * y + (m[12 + row] ?? 0);
  return out;
}

/** The circle's radius in CSS pixels at a zoom: 3 px at zoom 10 and below to 7 px at 16 and above. */
export function pointRadiusPx(zoom: number): number {
  return 3 + (Math.min(Math.max(zoom, 10), 16) - 10) * (4 / 6);
}

/** Dots cover at most this share of the view: thousands of drivers in view shrink so the density under them shows. */
const MAX_COVER = 0.06;

/** The dots' radius for a crowd: the zoom's radius, smaller when `inView` dots would cover too much, never under 2 px. */
export function crowdedRadiusPx(zoomRadiusPx: number, inView: number, widthPx: number, heightPx: number): number {
  if (inView <= 0) return zoomRadiusPx;
  const fits = Math.sqrt((MAX_COVER * widthPx * heightPx) / (Math.PI * inView));
  return Math.max(2, Math.min(zoomRadiusPx, fits));
}

/** The driver drawn nearest to a click, within `maxPx`; `project` maps a position to screen pixels. */
export function pickDriver(
  drivers: Iterable<DriverPoint>,
  project: (lng: number, lat: number) => { x: number; y: number },
  at: { x: number; y: number },
  maxPx: number,
): DriverPoint | undefined {
  let best: DriverPoint | undefined;
  let bestD2 = maxPx * maxPx;
  for (const d of drivers) {
    const p = project(d.fix.lng, d.fix.lat);
    const d2 = (p.x - at.x) ** 2 + (p.y - at.y) ** 2;
    if (d2 <= bestD2) {
      best = d;
      bestD2 = d2;
    }
  }
  return best;
}
