import { classOf } from './density';
import { FLOATS_PER_POINT as FLOATS_PER_VERTEX, mercatorX, mercatorY } from './points';

/**
 * The density hexagons as triangles for the GPU (overlay.ts draws them under the drivers), and
 * their outlines as line segments: pure, no DOM. Same layout as the points: x, y from the origin in
 * Web Mercator, then a premultiplied colour.
 */

/**
 * Viridis (matplotlib's perceptually uniform scale, readable in greyscale and by most colour-blind
 * people), sampled at nine stops, from its dark end to its light one.
 */
const VIRIDIS: readonly (readonly [number, number, number])[] = [
  [0x44, 0x01, 0x54],
  [0x47, 0x2d, 0x7b],
  [0x3b, 0x52, 0x8b],
  [0x2c, 0x72, 0x8e],
  [0x21, 0x91, 0x8c],
  [0x28, 0xae, 0x80],
  [0x5e, 0xc9, 0x62],
  [0xad, 0xdc, 0x30],
  [0xfd, 0xe7, 0x25],
];

/** Opacity of the hexagons: the streets and their names stay readable under them. */
export const HEX_OPACITY = 0.42;
/** The outlines: a thin light edge that tells neighbouring hexagons apart. */
const OUTLINE = [1, 1, 1, 0.55] as const;

/** The scale at t in 0..1: light yellow for few drivers to dark purple for many (viridis reversed). */
export function scaleColour(t: number): [number, number, number] {
  const x = (1 - Math.min(1, Math.max(0, t))) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i] ?? [0, 0, 0];
  const b = VIRIDIS[i + 1] ?? a;
  return [0, 1, 2].map((k) => Math.round((a[k] ?? 0) + ((b[k] ?? 0) - (a[k] ?? 0)) * f)) as [number, number, number];
}

/** The colour of the legend's class k of n: evenly spread over the scale. */
export function classColour(k: number, classes: number): [number, number, number] {
  return scaleColour(classes <= 1 ? 0.35 : k / (classes - 1));
}

/** "#fde725" for CSS (the legend's swatches). */
export function cssOf([r, g, b]: readonly [number, number, number]): string {
  return `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

export interface HexCell {
  /** The cell's corners as [lng, lat] (h3-js cellToBoundary with GeoJSON order). */
  boundary: readonly (readonly [number, number])[];
  count: number;
}

export interface PackedHexes {
  origin: readonly [number, number];
  data: Float32Array;
  /** Vertices (three per triangle, or two per outline segment). */
  vertices: number;
}

/**
 * Each cell as a fan of triangles from its first corner (a hexagon is convex), in the colour of its
 * legend class, and its edges as segments.
 */
export function packHexes(
  cells: readonly HexCell[],
  origin: readonly [number, number],
  breaks: readonly number[] = [1],
): { fill: PackedHexes; outline: PackedHexes } {
  let fillVertices = 0;
  let outlineVertices = 0;
  for (const c of cells) {
    const n = distinctCorners(c.boundary);
    fillVertices += Math.max(0, n - 2) * 3;
    outlineVertices += n * 2;
  }
  const fill = new Float32Array(fillVertices * FLOATS_PER_VERTEX);
  const outline = new Float32Array(outlineVertices * FLOATS_PER_VERTEX);
  let i = 0;
  let o = 0;
  for (const c of cells) {
    const corners = c.boundary.slice(0, distinctCorners(c.boundary));
    const [r, g, b] = classColour(classOf(c.count, breaks), breaks.length).map((v) => (v / 255) * HEX_OPACITY) as [
      number,
      number,
      number,
    ];
    const put = (corner: readonly [number, number] | undefined): void => {
      fill[i++] = mercatorX(corner?.[0] ?? 0) - origin[0];
      fill[i++] = mercatorY(corner?.[1] ?? 0) - origin[1];
      fill[i++] = r;
      fill[i++] = g;
      fill[i++] = b;
      fill[i++] = HEX_OPACITY;
    };
    for (let k = 1; k + 1 < corners.length; k++) {
      put(corners[0]);
      put(corners[k]);
      put(corners[k + 1]);
    }
    for (let k = 0; k < corners.length; k++) {
      for (const corner of [corners[k], corners[(k + 1) % corners.length]]) {
        outline[o++] = mercatorX(corner?.[0] ?? 0) - origin[0];
        outline[o++] = mercatorY(corner?.[1] ?? 0) - origin[1];
        outline[o++] = OUTLINE[0] * OUTLINE[3];
        outline[o++] = OUTLINE[1] * OUTLINE[3];
        outline[o++] = OUTLINE[2] * OUTLINE[3];
        outline[o++] = OUTLINE[3];
      }
    }
  }
  return {
    fill: { origin, data: fill, vertices: fillVertices },
    outline: { origin, data: outline, vertices: outlineVertices },
  };
}

/** Corners without the closing repeat of the first one (GeoJSON rings close themselves). */
function distinctCorners(boundary: readonly (readonly [number, number])[]): number {
  const first = boundary[0];
  const last = boundary[boundary.length - 1];
  const closed =
    boundary.length > 1 && first !== undefined && last !== undefined && first[0] === last[0] && first[1] === last[1];
  return closed ? boundary.length - 1 : boundary.length;
}
