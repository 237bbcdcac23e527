import { FLOATS_PER_POINT as FLOATS_PER_VERTEX, mercatorX, mercatorY } from './fleet-points';

/**
 * The density hexagons as triangles for the GPU (fleet-overlay.ts draws them under the drivers):
 * pure, no DOM. Same layout as the points: x, y from the origin in Web Mercator, then a
 * premultiplied colour.
 */

/** Count to colour, as the density legend goes: pale at 1 driver, dark red at 60 and more. */
const STOPS: readonly (readonly [number, readonly [number, number, number]])[] = [
  [1, [0xfd, 0xe0, 0xc5]],
  [5, [0xf5, 0x9e, 0x5b]],
  [20, [0xd7, 0x30, 0x1f]],
  [60, [0x7f, 0x00, 0x00]],
];

/** Opacity of the hexagons: the roads stay readable under them. */
export const HEX_OPACITY = 0.45;

/** The colour of a count, interpolated linearly between the stops (0..255 per channel). */
export function hexColour(count: number): [number, number, number] {
  const first = STOPS[0];
  const last = STOPS[STOPS.length - 1];
  if (first === undefined || last === undefined) return [0, 0, 0];
  if (count <= first[0]) return [...first[1]];
  for (let i = 1; i < STOPS.length; i++) {
    const [x1, c1] = STOPS[i] ?? last;
    const [x0, c0] = STOPS[i - 1] ?? first;
    if (count <= x1) {
      const t = (count - x0) / (x1 - x0);
      return [0, 1, 2].map((k) => Math.round((c0[k] ?? 0) + ((c1[k] ?? 0) - (c0[k] ?? 0)) * t)) as [
        number,
        number,
        number,
      ];
    }
  }
  return [...last[1]];
}

export interface HexCell {
  /** The cell's corners as [lng, lat] (h3-js cellToBoundary with GeoJSON order). */
  boundary: readonly (readonly [number, number])[];
  count: number;
}

export interface PackedHexes {
  origin: readonly [number, number];
  data: Float32Array;
  /** Vertices (three per triangle). */
  vertices: number;
}

/** Each cell as a fan of triangles from its first corner (a hexagon is convex), in its colour. */
export function packHexes(cells: readonly HexCell[], origin: readonly [number, number]): PackedHexes {
  let vertices = 0;
  for (const c of cells) vertices += Math.max(0, distinctCorners(c.boundary) - 2) * 3;
  const data = new Float32Array(vertices * FLOATS_PER_VERTEX);
  let i = 0;
  for (const c of cells) {
    const corners = c.boundary.slice(0, distinctCorners(c.boundary));
    const [r, g, b] = hexColour(c.count).map((v) => (v / 255) * HEX_OPACITY) as [number, number, number];
    const put = (corner: readonly [number, number] | undefined): void => {
      data[i++] = mercatorX(corner?.[0] ?? 0) - origin[0];
      data[i++] = mercatorY(corner?.[1] ?? 0) - origin[1];
      data[i++] = r;
      data[i++] = g;
      data[i++] = b;
      data[i++] = HEX_OPACITY;
    };
    for (let k = 1; k + 1 < corners.length; k++) {
      put(corners[0]);
      put(corners[k]);
      put(corners[k + 1]);
    }
  }
  return { origin, data, vertices };
}

/** Corners without the closing repeat of the first one (GeoJSON rings close themselves). */
function distinctCorners(boundary: readonly (readonly [number, number])[]): number {
  const first = boundary[0];
  const last = boundary[boundary.length - 1];
  const closed =
    boundary.length > 1 && first !== undefined && last !== undefined && first[0] === last[0] && first[1] === last[1];
  return closed ? boundary.length - 1 : boundary.length;
}
