import { mercatorX, mercatorY } from './points';

/**
 * A track (a polyline) as triangles for the GPU, to be drawn a few pixels wide whatever the zoom:
 * pure, no DOM. Each segment is a quad of two triangles whose corners carry their own end, the
 * other end and a side; the vertex shader (overlay.ts) pushes each corner sideways in screen space
 * by half the width. Round joins are drawn as discs at the vertices (`joins`).
 */

/** Floats per vertex: x, y, the other end's x, y, and the side (+1 or -1). */
export const FLOATS_PER_LINE_VERTEX = 5;
/** Vertices per segment: two triangles. */
export const VERTICES_PER_SEGMENT = 6;

export interface PackedLine {
  origin: readonly [number, number];
  data: Float32Array;
  /** Segments packed (zero-length ones are left out). */
  segments: number;
  /** For each point of the line, how many segments end at or before it: draw `segmentsUpTo[i]` to draw it up to point i. */
  segmentsUpTo: Uint32Array;
  /** The points as x, y (for the round joins). */
  joins: Float32Array;
}

export function packLine(
  points: readonly { lat: number; lng: number }[],
  origin: readonly [number, number],
): PackedLine {
  const n = points.length;
  const xy = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    const p = points[i] as { lat: number; lng: number };
    xy[i * 2] = mercatorX(p.lng) - origin[0];
    xy[i * 2 + 1] = mercatorY(p.lat) - origin[1];
  }
  const data = new Float32Array(Math.max(0, n - 1) * VERTICES_PER_SEGMENT * FLOATS_PER_LINE_VERTEX);
  const segmentsUpTo = new Uint32Array(n);
  let k = 0;
  let segments = 0;
  const put = (x: number, y: number, ox: number, oy: number, side: number): void => {
    data[k++] = x;
    data[k++] = y;
    data[k++] = ox;
    data[k++] = oy;
    data[k++] = side;
  };
  for (let i = 1; i < n; i++) {
    const ax = xy[(i - 1) * 2] ?? 0;
    const ay = xy[(i - 1) * 2 + 1] ?? 0;
    const bx = xy[i * 2] ?? 0;
    const by = xy[i * 2 + 1] ?? 0;
    if (ax !== bx || ay !== by) {
      // Seen from B the direction is reversed, so B's sides are too: A+ A- B+ and A- B- B+.
      put(ax, ay, bx, by, 1);
      put(ax, ay, bx, by, -1);
      put(bx, by, ax, ay, -1);
      put(ax, ay, bx, by, -1);
      put(bx, by, ax, ay, 1);
      put(bx, by, ax, ay, -1);
      segments++;
    }
    segmentsUpTo[i] = segments;
  }
  return { origin, data, segments, segmentsUpTo, joins: xy };
}
