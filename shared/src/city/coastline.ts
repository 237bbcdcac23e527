import type { Bounds } from './osm-types';
import { insideRing, signedArea2 } from './rings';

/**
 * The sea inside an extract's bounds, from its coastline. OSM draws coastlines with the land on the
 * left, so the water is on the right of each chain: where a chain leaves the bounds, the sea's edge
 * follows the bounds clockwise to where the next chain enters. Closed chains inside are islands
 * (holes) or, drawn clockwise, enclosed water. Chains are lists of [lng, lat, ...].
 */
export function seaPolygons(chains: readonly Float64Array[], bounds: Bounds): Float64Array[][] {
  const [w, s, e, n] = bounds;
  const pieces: number[][] = [];
  const islands: Float64Array[] = [];
  const enclosed: Float64Array[] = [];
  for (const c of chains) {
    const closed = c.length >= 8 && c[0] === c[c.length - 2] && c[1] === c[c.length - 1];
    if (closed && allInside(c, bounds)) {
      if (signedArea2(c) > 0) islands.push(c);
      else enclosed.push(c);
      continue;
    }
    pieces.push(...clipChain(c, bounds));
  }
  const polygons: Float64Array[][] = enclosed.map((r) => [r]);
  if (pieces.length > 0) {
    const perimeter = (x: number, y: number): number => {
      // Clockwise from the north-west corner: north edge, east, south, west; 0 <= t < 4.
      if (y >= n) return (x - w) / (e - w);
      if (x >= e) return 1 + (n - y) / (n - s);
      if (y <= s) return 2 + (e - x) / (e - w);
      return 3 + (y - s) / (n - s);
    };
    const corners: [number, number, number][] = [
      [1, e, n],
      [2, e, s],
      [3, w, s],
      [4, w, n],
    ];
    const tIn = pieces.map((p) => perimeter(p[0] ?? 0, p[1] ?? 0));
    const tOut = pieces.map((p) => perimeter(p[p.length - 2] ?? 0, p[p.length - 1] ?? 0));
    const done = new Uint8Array(pieces.length);
    for (let start = 0; start < pieces.length; start++) {
      if (done[start]) continue;
      const ring: number[] = [];
      let i = start;
      for (let guard = 0; guard <= pieces.length; guard++) {
        done[i] = 1;
        ring.push(...(pieces[i] ?? []));
        // The next entry clockwise from this exit.
        const from = tOut[i] ?? 0;
        let next = -1;
        let best = Number.POSITIVE_INFINITY;
        tIn.forEach((t, k) => {
          const ahead = (t - from + 4) % 4;
          if (ahead < best) {
            best = ahead;
            next = k;
          }
        });
        for (const [t, x, y] of [...corners, ...corners.map(([t, x, y]) => [t + 4, x, y] as const)])
          if (t > from && t < from + best) ring.push(x, y);
        if (next === -1 || next === start) break;
        i = next;
        if (done[i]) break;
      }
      ring.push(ring[0] ?? 0, ring[1] ?? 0);
      polygons.push([Float64Array.from(ring)]);
    }
  }
  // Islands become holes of the water around them.
  for (const island of islands) {
    const owner = polygons.find((p) => p[0] && insideRing(island[0] ?? 0, island[1] ?? 0, p[0]));
    owner?.push(island);
  }
  return polygons;
}

function allInside(c: Float64Array, [w, s, e, n]: Bounds): boolean {
  for (let i = 0; i < c.length; i += 2) {
    const x = c[i] ?? 0;
    const y = c[i + 1] ?? 0;
    if (x < w || x > e || y < s || y > n) return false;
  }
  return true;
}

/**
 * The parts of a chain inside the bounds, each from where it enters to where it leaves. A chain that
 * starts or ends inside (a coastline cut short) is carried to the nearest edge.
 */
function clipChain(c: Float64Array, bounds: Bounds): number[][] {
  const [w, s, e, n] = bounds;
  const inside = (x: number, y: number): boolean => x >= w && x <= e && y >= s && y <= n;
  const toEdge = (x: number, y: number): [number, number] => {
    const d = [x - w, e - x, y - s, n - y];
    const m = Math.min(...d);
    if (m === d[0]) return [w, y];
    if (m === d[1]) return [e, y];
    if (m === d[2]) return [x, s];
    return [x, n];
  };
  const pieces: number[][] = [];
  let cur: number[] | null = null;
  const x0 = c[0] ?? 0;
  const y0 = c[1] ?? 0;
  if (inside(x0, y0)) cur = [...toEdge(x0, y0), x0, y0];
  for (let i = 2; i < c.length; i += 2) {
    const ax = c[i - 2] ?? 0;
    const ay = c[i - 1] ?? 0;
    const bx = c[i] ?? 0;
    const by = c[i + 1] ?? 0;
    const seg = clipSegment(ax, ay, bx, by, bounds);
    if (seg === null) continue;
    const [t0, t1] = seg;
    if (t0 > 0) {
      // Enters here.
      if (cur !== null) pieces.push(cur);
      cur = [ax + (bx - ax) * t0, ay + (by - ay) * t0];
    }
    cur ??= [ax, ay];
    if (t1 < 1) {
      cur.push(ax + (bx - ax) * t1, ay + (by - ay) * t1);
      pieces.push(cur);
      cur = null;
    } else cur.push(bx, by);
  }
  if (cur !== null) {
    const x = cur[cur.length - 2] ?? 0;
    const y = cur[cur.length - 1] ?? 0;
    cur.push(...toEdge(x, y));
    pieces.push(cur);
  }
  return pieces.filter((p) => p.length >= 4);
}

/** Liang-Barsky: the part [t0, t1] of segment a-b inside the bounds, or null. */
function clipSegment(ax: number, ay: number, bx: number, by: number, [w, s, e, n]: Bounds): [number, number] | null {
  let t0 = 0;
  let t1 = 1;
  const dx = bx - ax;
  const dy = by - ay;
  const edges: [number, number][] = [
    [-dx, ax - w],
    [dx, e - ax],
    [-dy, ay - s],
    [dy, n - ay],
  ];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return null;
      continue;
    }
    const r = q / p;
    if (p < 0) {
      if (r > t1) return null;
      if (r > t0) t0 = r;
    } else {
      if (r < t0) return null;
      if (r < t1) t1 = r;
    }
  }
  return t0 <= t1 ? [t0, t1] : null;
}
