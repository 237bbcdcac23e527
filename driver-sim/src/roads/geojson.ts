import type { LatLng } from '@ridetrack/shared';
import { buildGraph, largestComponent, type RoadGraph, type RoadLine } from './graph';

/** Road-class speeds where a way has no usable maxspeed, m/s. */
const CLASS_SPEED_MPS: Record<string, number> = {
  motorway: 27.8,
  trunk: 22.2,
  primary: 16.7,
  secondary: 13.9,
  tertiary: 12.5,
  unclassified: 11.1,
  residential: 8.3,
  living_street: 4.2,
  service: 5.6,
  motorway_link: 16.7,
  trunk_link: 13.9,
  primary_link: 11.1,
  secondary_link: 11.1,
  tertiary_link: 11.1,
};
export const DRIVABLE: ReadonlySet<string> = new Set(Object.keys(CLASS_SPEED_MPS));

export type ImportReason = 'not_json' | 'not_feature_collection' | 'no_drivable_roads';

/** An OSM maxspeed ("50", "30 mph", "50 km/h") in m/s, or null when it says something else. */
export function parseMaxspeed(value: unknown): number | null {
  if (typeof value === 'number') return value > 0 ? value / 3.6 : null;
  if (typeof value !== 'string') return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(mph|km\/h|kmh)?\s*$/i.exec(value);
  if (!m) return null;
  const n = Number(m[1]);
  return n > 0 ? (m[2]?.toLowerCase() === 'mph' ? n * 0.44704 : n / 3.6) : null;
}

/** Direction from OSM's oneway tag: 1 along the way, -1 against it, 0 both ways. */
export function onewayOf(tags: Record<string, unknown>): -1 | 0 | 1 {
  const v = tags['oneway'];
  if (v === 1 || v === '1' || v === 'yes' || v === true) return 1;
  if (v === -1 || v === '-1' || v === 'reverse') return -1;
  if (v === 'no' || v === 0 || v === '0') return 0;
  // Roundabouts and motorways are one-way unless tagged otherwise.
  if (tags['junction'] === 'roundabout' || tags['highway'] === 'motorway') return 1;
  return 0;
}

/** A tagged way as importers read it, before it becomes a road line. */
export function wayToRoad(tags: Record<string, unknown>, points: LatLng[]): RoadLine | null {
  const highway = tags['highway'];
  if (typeof highway !== 'string' || !DRIVABLE.has(highway) || points.length < 2) return null;
  const access = [tags['access'], tags['motor_vehicle'], tags['motorcar']];
  if (access.some((a) => a === 'no' || a === 'private')) return null;
  if (
    highway === 'service' &&
    ['parking_aisle', 'driveway', 'drive-through', 'emergency_access'].includes(String(tags['service']))
  )
    return null;
  const dir = onewayOf(tags);
  const speedMps = parseMaxspeed(tags['maxspeed']) ?? CLASS_SPEED_MPS[highway] ?? 8.3;
  const name = typeof tags['name'] === 'string' ? tags['name'] : undefined;
  return { points: dir === -1 ? [...points].reverse() : points, speedMps, oneway: dir !== 0, name };
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
