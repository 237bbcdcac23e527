/**
 * What density the console can show for a view, and what to ask `/api/cells` for: pure, no DOM,
 * no h3-js (sizes per resolution are H3's published averages). The hexagons follow the zoom so
 * that one is a small part of the view (never wider than a twentieth of it), and a request never
 * covers more index cells than the API allows: it asks only for the part of the view the fleet is
 * in, and hides the layer with a note when even that is too wide, rather than draw a stale count.
 */

/** Average hexagon edge length in metres by H3 resolution (H3's table of cell statistics). */
export const H3_EDGE_M = [
  1_281_256.011, 483_056.839, 182_512.957, 68_979.222, 26_071.76, 9_854.091, 3_724.533, 1_406.476, 531.414, 200.786,
  75.864, 28.664, 10.83, 4.092, 1.546, 0.584,
] as const;
/** Average hexagon area in km² by resolution (same table). */
export const H3_AREA_KM2 = [
  4_357_450, 609_788, 86_801.8, 12_393.4, 1_770.35, 252.904, 36.1291, 5.16129, 0.737328, 0.105333, 0.0150475,
  0.00214964, 0.000307092, 0.0000438703, 0.00000626718, 8.95312e-7,
] as const;

/** A hexagon is at most this fraction of the view across (the "about a twentieth"). */
export const MAX_HEX_FRACTION = 1 / 20;
/** The request stays this far below the API's cell limit: hexagon sizes vary over the globe. */
const CELL_MARGIN = 0.7;
/** The API refuses a box of more than 4 square degrees. */
const MAX_BOX_DEG2 = 4;

export type Bbox = readonly [minLng: number, minLat: number, maxLng: number, maxLat: number];

export interface DensityView {
  zoom: number;
  /** The view in CSS pixels. */
  widthPx: number;
  heightPx: number;
  /** What the map shows. */
  bounds: Bbox;
  /** Where the known drivers are (null: none known). */
  fleet: Bbox | null;
  /** The geo-index's resolution: the finest the API counts at. */
  indexRes: number;
  /** Most index cells one request may cover. */
  maxCells: number;
}

export type DensityPlan =
  | { kind: 'show'; res: number; bbox: Bbox; hexPx: number }
  | { kind: 'hidden'; reason: 'street_level' | 'too_wide' | 'no_drivers'; note: string };

/** Metres per CSS pixel at a zoom and latitude (MapLibre's 512-pixel world at zoom 0). */
export function metresPerPixel(zoom: number, lat: number): number {
  return (40_075_016.686 * Math.cos((lat * Math.PI) / 180)) / (512 * 2 ** zoom);
}

/** A hexagon's width across its corners, about two edges. */
export function hexWidthM(res: number): number {
  return 2 * (H3_EDGE_M[res] ?? 0);
}

/** The coarsest resolution (up to `maxRes`) whose hexagons are at most `maxPx` across; null if none. */
export function resolutionFor(zoom: number, lat: number, maxPx: number, maxRes: number): number | null {
  const mpp = metresPerPixel(zoom, lat);
  for (let res = 0; res <= maxRes; res++) if (hexWidthM(res) / mpp <= maxPx) return res;
  return null;
}

/** The highest zoom at which a resolution's hexagons are still at most `maxPx` across. */
export function maxZoomFor(res: number, lat: number, maxPx: number): number {
  return Math.log2((40_075_016.686 * Math.cos((lat * Math.PI) / 180) * maxPx) / (512 * hexWidthM(res)));
}

/** The widest a hexagon may be in a view of this size: a twentieth of it (of its geometric mean side). */
export function maxHexPx(widthPx: number, heightPx: number): number {
  return Math.sqrt(widthPx * heightPx) * MAX_HEX_FRACTION;
}

/** The box's area in km² (a spherical rectangle). */
export function bboxAreaKm2([minLng, minLat, maxLng, maxLat]: Bbox): number {
  const r = 6371.0088;
  const toRad = Math.PI / 180;
  return r * r * (maxLng - minLng) * toRad * Math.abs(Math.sin(maxLat * toRad) - Math.sin(minLat * toRad));
}

function intersect(a: Bbox, b: Bbox): Bbox | null {
  const out: Bbox = [Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])];
  return out[0] < out[2] && out[1] < out[3] ? out : null;
}

/** A box grown by `metres` on every side (a hexagon at the fleet's edge is counted whole). */
function grown([minLng, minLat, maxLng, maxLat]: Bbox, metres: number): Bbox {
  const dLat = metres / 111_320;
  const midLat = (minLat + maxLat) / 2;
  const dLng = metres / (111_320 * Math.max(0.01, Math.cos((midLat * Math.PI) / 180)));
  return [
    Math.max(-180, minLng - dLng),
    Math.max(-85, minLat - dLat),
    Math.min(180, maxLng + dLng),
    Math.min(85, maxLat + dLat),
  ];
}

/** What to show for a view: a resolution and the box to ask for, or why nothing is shown. */
export function planDensity(v: DensityView): DensityPlan {
  const lat = (v.bounds[1] + v.bounds[3]) / 2;
  const maxPx = maxHexPx(v.widthPx, v.heightPx);
  const res = resolutionFor(v.zoom, lat, maxPx, v.indexRes);
  if (res === null)
    return { kind: 'hidden', reason: 'street_level', note: 'Zoomed in past the finest hexagons: each driver is shown' };
  // The API counts the index cells in the box and rolls them up: a coarse hexagon at the fleet's
  // edge is counted whole as long as its drivers are in the box, so one index cell of margin does.
  const wanted = v.fleet === null ? null : intersect(v.bounds, grown(v.fleet, hexWidthM(v.indexRes)));
  if (wanted === null) return { kind: 'hidden', reason: 'no_drivers', note: 'No drivers in view' };
  const cells = bboxAreaKm2(wanted) / (H3_AREA_KM2[v.indexRes] ?? 1);
  const deg2 = (wanted[2] - wanted[0]) * (wanted[3] - wanted[1]);
  if (cells > v.maxCells * CELL_MARGIN || deg2 > MAX_BOX_DEG2 * CELL_MARGIN)
    return { kind: 'hidden', reason: 'too_wide', note: 'The fleet is spread too wide to count here: zoom in' };
  return { kind: 'show', res, bbox: wanted, hexPx: hexWidthM(res) / metresPerPixel(v.zoom, lat) };
}

/** The box around a set of points; null for none. */
export function boundsOf(points: Iterable<{ lat: number; lng: number }>): Bbox | null {
  let minLng = Infinity;
  let minLat = Infinity;
  let maxLng = -Infinity;
  let maxLat = -Infinity;
  for (const p of points) {
    if (p.lng < minLng) minLng = p.lng;
    if (p.lng > maxLng) maxLng = p.lng;
    if (p.lat < minLat) minLat = p.lat;
    if (p.lat > maxLat) maxLat = p.lat;
  }
  return minLng <= maxLng ? [minLng, minLat, maxLng, maxLat] : null;
}

/** Round numbers for class breaks, per decade (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, then 10, 15, ...). */
const NICE = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8];

/** The largest round number at or below x (x >= 1), a whole number. */
function niceAtMost(x: number): number {
  let best = 1;
  for (let decade = 1; decade <= x; decade *= 10)
    for (const n of NICE) if (n * decade <= x && Number.isInteger(n * decade)) best = n * decade;
  return best;
}

/** Where the legend's class breaks fall in the counts: the busy tail gets the finer steps. */
const QUANTILES = [0.5, 0.75, 0.9, 0.97];

/**
 * The legend's classes for the counts on the map: the first starting at 1, the others at round
 * numbers near the counts' median, upper quartile, 90th and 97th percentiles (density is skewed: many
 * quiet hexagons, a few busy ones, and those are what an operator looks for), the last open-ended.
 * With few distinct counts, one class each. Each count falls in exactly one class.
 */
export function legendBreaks(counts: readonly number[], most = 5): number[] {
  const sorted = counts.filter((c) => c >= 1).sort((a, b) => a - b);
  const top = Math.floor(sorted[sorted.length - 1] ?? 1);
  if (top <= most) return Array.from({ length: top }, (_, i) => i + 1);
  const breaks = [1];
  for (const q of QUANTILES) {
    const b = niceAtMost(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 1);
    if (b > (breaks[breaks.length - 1] ?? 0) && b <= top) breaks.push(b);
  }
  return breaks.slice(0, most);
}

/**
 * The legend for new counts, given the one on screen (at the same resolution): the one on screen
 * while it still describes the counts (its top class is reached, and the busiest count is under
 * four times its top break), so that a refresh after a few drivers moved does not recolour a map
 * whose hexagons barely changed; else new breaks (legendBreaks).
 */
export function keptBreaks(shown: readonly number[] | undefined, counts: readonly number[], most = 5): number[] {
  const last = shown?.[shown.length - 1];
  if (shown === undefined || last === undefined) return legendBreaks(counts, most);
  const top = counts.reduce((m, c) => Math.max(m, c), 0);
  return top >= last && top < last * 4 ? [...shown] : legendBreaks(counts, most);
}

/** The class of a count: the last break at or below it. */
export function classOf(count: number, breaks: readonly number[]): number {
  let k = 0;
  for (let i = 0; i < breaks.length; i++) if (count >= (breaks[i] ?? Infinity)) k = i;
  return k;
}

/** "1", "2–4", "50+": a class's label. */
export function classLabel(breaks: readonly number[], k: number): string {
  const from = breaks[k] ?? 1;
  const next = breaks[k + 1];
  if (next === undefined) return k === 0 && breaks.length === 1 ? `${from}` : `${from}+`;
  return next - 1 === from ? `${from}` : `${from}–${next - 1}`;
}
