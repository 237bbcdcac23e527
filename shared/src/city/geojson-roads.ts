import type { LatLng } from '../geo';
import { drivableRoad } from './road-tags';
import { buildGraph, largestComponent, type RoadGraph, type RoadLine } from './graph';

export type ImportReason = 'not_json' | 'not_feature_collection' | 'no_drivable_roads';

/** A tagged way as importers read it, before it becomes a road line. */
export function wayToRoad(tags: Record<string, unknown>, points: LatLng[]): RoadLine | null {
  const road = drivableRoad(tags);
  if (road === null || points.length < 2) return null;
  return {
    points: road.oneway === -1 ? [...points].reverse() : points,
    speedMps: road.speedMps,
    oneway: road.oneway !== 0,
    name: road.name,
    roadClass: road.roadClass,
  };
}

/**
 * Reads GeoJSON road LineStrings (properties as OSM tags: highway, oneway, maxspeed, name) into a
 * graph of the largest strongly connected component. Never throws on bad input.
 */
export function importGeoJson(
  text: string,
  attribution: string | null,
): { ok: true; value: RoadGraph } | { ok: false; reason: ImportReason } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not_json' };
  }
  const features = (doc as { type?: unknown; features?: unknown }).features;
  if ((doc as { type?: unknown }).type !== 'FeatureCollection' || !Array.isArray(features)) {
    return { ok: false, reason: 'not_feature_collection' };
  }
  const lines: RoadLine[] = [];
  for (const f of features as {
    properties?: Record<string, unknown>;
    geometry?: { type?: string; coordinates?: unknown };
  }[]) {
    const geom = f.geometry;
    const parts =
      geom?.type === 'LineString'
        ? [geom.coordinates]
        : geom?.type === 'MultiLineString' && Array.isArray(geom.coordinates)
          ? (geom.coordinates as unknown[])
          : [];
    for (const part of parts) {
      if (!Array.isArray(part)) continue;
      const points = part
        .filter((p): p is [number, number] => Array.isArray(p) && typeof p[0] === 'number' && typeof p[1] === 'number')
        .map(([lng, lat]) => ({ lat, lng }));
      const road = wayToRoad(f.properties ?? {}, points);
      if (road) lines.push(road);
    }
  }
  if (lines.length === 0) return { ok: false, reason: 'no_drivable_roads' };
  return { ok: true, value: largestComponent(buildGraph(lines, attribution)) };
}
