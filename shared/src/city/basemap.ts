import type { BasemapLayer } from './basemap-tags';

/** One thing the basemap draws, in [lng, lat, lng, lat, ...] parts: a line, or a polygon's rings (outer first). */
export interface BasemapFeature {
  layer: BasemapLayer;
  kind: string;
  type: 'point' | 'line' | 'polygon';
  parts: Float64Array[];
  minZoom: number;
  name?: string;
  /** Roads: one-way (1), bridge (1), tunnel (1), OSM's layer. */
  oneway?: 1;
  bridge?: 1;
  tunnel?: 1;
}

/** The bounding box of a feature: [west, south, east, north]. */
export function featureBounds(f: BasemapFeature): [number, number, number, number] {
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  for (const part of f.parts)
    for (let i = 0; i < part.length; i += 2) {
      const x = part[i] ?? 0;
      const y = part[i + 1] ?? 0;
      if (x < w) w = x;
      if (x > e) e = x;
      if (y < s) s = y;
      if (y > n) n = y;
    }
  return [w, s, e, n];
}
