import type { BasemapFeature } from './basemap';
import { classifyWay } from './basemap-tags';
import type { OsmTags } from './osm-types';
import { insideRing, joinWays, signedArea2 } from './rings';

/** A multipolygon relation the basemap draws: its tags, and the ids of its outer and inner ways. */
export interface Multipolygon {
  tags: OsmTags;
  outer: number[];
  inner: number[];
}

/** A multipolygon's rings joined from its ways: one polygon per outer ring, holes by containment. */
export function assemble(
  mp: Multipolygon,
  geometry: ReadonlyMap<number, number[]>,
  coords: (path: readonly number[]) => Float64Array,
): BasemapFeature[] {
  const c = classifyWay(mp.tags, true);
  if (c === null) return [];
  const rings = (ids: number[]): Float64Array[] =>
    joinWays(
      ids.flatMap((id) => {
        const g = geometry.get(id);
        return g ? [g] : [];
      }),
      false,
    )
      .filter((r) => r.length >= 4 && r[0] === r[r.length - 1])
      .map(coords);
  const outers = rings(mp.outer).map((r) => (signedArea2(r) < 0 ? r : reverseRing(r)));
  const inners = rings(mp.inner);
  return outers.map((outer) => ({
    layer: c.layer,
    kind: c.kind,
    type: 'polygon' as const,
    minZoom: c.minZoom,
    parts: [outer, ...inners.filter((inner) => insideRing(inner[0] ?? 0, inner[1] ?? 0, outer))],
    ...(mp.tags['name'] === undefined ? {} : { name: mp.tags['name'] }),
  }));
}

/** A label point for each named park, where its outer ring's centroid falls inside it. */
export function parkLabels(features: readonly BasemapFeature[]): BasemapFeature[] {
  const labels: BasemapFeature[] = [];
  for (const f of features) {
    const ring = f.parts[0];
    if (f.layer !== 'landuse' || f.kind !== 'park' || f.name === undefined || ring === undefined) continue;
    const a = signedArea2(ring);
    // Small gardens and playgrounds are not labelled: about 0.5 ha and up (in square degrees at mid latitudes).
    if (Math.abs(a) / 2 < 6e-7) continue;
    let x = 0;
    let y = 0;
    let crossSum = 0;
    for (let i = 0; i + 3 < ring.length; i += 2) {
      const cross = (ring[i] ?? 0) * (ring[i + 3] ?? 0) - (ring[i + 2] ?? 0) * (ring[i + 1] ?? 0);
      crossSum += cross;
      x += ((ring[i] ?? 0) + (ring[i + 2] ?? 0)) * cross;
      y += ((ring[i + 1] ?? 0) + (ring[i + 3] ?? 0)) * cross;
    }
    const cx = x / (3 * crossSum);
    const cy = y / (3 * crossSum);
    if (insideRing(cx, cy, ring))
      labels.push({
        layer: 'places',
        kind: 'park',
        type: 'point',
        parts: [Float64Array.of(cx, cy)],
        minZoom: 13,
        name: f.name,
      });
  }
  return labels;
}

function reverseRing(r: Float64Array): Float64Array {
  const out = new Float64Array(r.length);
  for (let i = 0; i < r.length; i += 2) {
    out[r.length - 2 - i] = r[i] ?? 0;
    out[r.length - 1 - i] = r[i + 1] ?? 0;
  }
  return out;
}
