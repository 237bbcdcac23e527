import { distanceM, type City, type LatLng } from '@ridetrack/shared';

/** Helpers of basemap.test.ts: screen to map coordinates, pixels in the page, polygons and roads of the city. */

/** The point under a screen pixel, by Web Mercator as MapLibre draws it: 512 px tiles, the centre in the middle of the map's box. */
export function toLngLat(
  sx: number,
  sy: number,
  center: [number, number],
  zoom: number,
  box: { x: number; y: number; width: number; height: number },
): [number, number] {
  const world = 512 * 2 ** zoom;
  const cx = (center[0] + 180) / 360;
  const cy = (1 - Math.log(Math.tan(Math.PI / 4 + (center[1] * Math.PI) / 360)) / Math.PI) / 2;
  const x = cx + (sx - box.x - box.width / 2) / world;
  const y = cy + (sy - box.y - box.height / 2) / world;
  return [x * 360 - 180, (Math.atan(Math.sinh(Math.PI * (1 - 2 * y))) * 180) / Math.PI];
}

/**
 * In the page: the colours of a screenshot at points, for those points where the map itself is on
 * top, with no panel, control or panel shadow within 24 px.
 */
export function pixelsAt(arg: {
  png64: string;
  points: { x: number; y: number }[];
}): Promise<([number, number, number] | null)[]> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onerror = () => reject(new Error('screenshot does not decode'));
    img.onload = () => {
      const canvas = document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext('2d');
      if (ctx === null) {
        reject(new Error('no 2d context'));
        return;
      }
      ctx.drawImage(img, 0, 0);
      resolve(
        arg.points.map(({ x, y }) => {
          const clear = [
            [0, 0],
            [24, 0],
            [-24, 0],
            [0, 24],
            [0, -24],
          ].every(([dx = 0, dy = 0]) => document.elementFromPoint(x + dx, y + dy) instanceof HTMLCanvasElement);
          if (!clear) return null;
          const d = ctx.getImageData(Math.round(x), Math.round(y), 1, 1).data;
          return [d[0] ?? 0, d[1] ?? 0, d[2] ?? 0];
        }),
      );
    };
    img.src = `data:image/png;base64,${arg.png64}`;
  });
}

export function insideRing(x: number, y: number, ring: Float64Array): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 2; i < ring.length; j = i, i += 2) {
    const [xi = 0, yi = 0, xj = 0, yj = 0] = [ring[i], ring[i + 1], ring[j], ring[j + 1]];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Distance from a point to the nearest road of the city's graph, metres (a local flat frame is exact enough). */
export function distanceToRoad(c: City, p: LatLng): number {
  const g = c.graph;
  let best = Infinity;
  const k = Math.cos((p.lat * Math.PI) / 180);
  g.out.forEach((arcs, v) => {
    for (const arc of arcs) {
      const pts = [g.nodes[v] as LatLng, ...arc.shape, g.nodes[arc.to] as LatLng];
      for (let i = 1; i < pts.length; i++) {
        const a = pts[i - 1] as LatLng;
        const b = pts[i] as LatLng;
        const len2 = ((b.lng - a.lng) * k) ** 2 + (b.lat - a.lat) ** 2;
        const dot = (p.lng - a.lng) * k * (b.lng - a.lng) * k + (p.lat - a.lat) * (b.lat - a.lat);
        const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, dot / len2));
        best = Math.min(best, distanceM({ lat: a.lat + (b.lat - a.lat) * t, lng: a.lng + (b.lng - a.lng) * t }, p));
      }
    }
  });
  return best;
}
