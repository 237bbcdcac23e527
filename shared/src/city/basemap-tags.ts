/**
 * Which basemap layer an OSM element belongs to, and its kind there: the vocabulary the tiles and
 * the style share. Layers: water, landuse (parks and green, industry), buildings, roads, rail,
 * waterways, places (neighbourhood names).
 */
export type BasemapLayer = 'water' | 'landuse' | 'buildings' | 'roads' | 'rail' | 'waterway' | 'places';

export interface BasemapClass {
  layer: BasemapLayer;
  kind: string;
  /** Polygon (closed way or multipolygon) or line. */
  area: boolean;
  /** The lowest zoom whose tiles carry it. */
  minZoom: number;
}

const ROAD_KIND: Record<string, [string, number]> = {
  motorway: ['motorway', 10],
  motorway_link: ['motorway', 11],
  trunk: ['trunk', 10],
  trunk_link: ['trunk', 11],
  primary: ['primary', 10],
  primary_link: ['primary', 12],
  secondary: ['secondary', 11],
  secondary_link: ['secondary', 12],
  tertiary: ['tertiary', 11],
  tertiary_link: ['tertiary', 12],
  unclassified: ['minor', 12],
  residential: ['minor', 12],
  living_street: ['minor', 12],
  road: ['minor', 12],
  service: ['service', 13],
  pedestrian: ['path', 14],
  footway: ['path', 14],
  path: ['path', 14],
  cycleway: ['path', 14],
  steps: ['path', 15],
  track: ['path', 14],
  bridleway: ['path', 14],
};

const GREEN: Record<string, string> = {
  park: 'park',
  garden: 'park',
  playground: 'park',
  pitch: 'pitch',
  golf_course: 'park',
  nature_reserve: 'park',
  recreation_ground: 'park',
  village_green: 'park',
  grass: 'grass',
  meadow: 'grass',
  grassland: 'grass',
  cemetery: 'cemetery',
  forest: 'wood',
  wood: 'wood',
  scrub: 'wood',
};

const LANDUSE: Record<string, string> = {
  industrial: 'industrial',
  railway: 'industrial',
  port: 'industrial',
  commercial: 'commercial',
  retail: 'commercial',
  university: 'education',
  school: 'education',
  college: 'education',
  hospital: 'hospital',
};

const WATER = new Set(['water', 'bay', 'reservoir', 'basin', 'riverbank', 'dock']);
const WATERWAY_LINES = new Set(['river', 'canal', 'stream']);
const RAIL = new Set(['rail', 'light_rail', 'tram', 'subway', 'narrow_gauge', 'preserved']);
const PLACES: Record<string, number> = { city: 10, town: 10, suburb: 11, quarter: 12, neighbourhood: 13, village: 11 };

/** The layer of a way or multipolygon, or null when the basemap does not draw it. */
export function classifyWay(tags: Record<string, string>, closed: boolean): BasemapClass | null {
  const highway = tags['highway'];
  if (highway !== undefined) {
    const road = ROAD_KIND[highway];
    if (road && tags['area'] !== 'yes') return { layer: 'roads', kind: road[0], area: false, minZoom: road[1] };
    return null;
  }
  const railway = tags['railway'];
  if (railway !== undefined && RAIL.has(railway) && tags['service'] === undefined)
    return { layer: 'rail', kind: railway === 'rail' ? 'rail' : 'transit', area: false, minZoom: 12 };
  if (railway !== undefined && RAIL.has(railway)) return { layer: 'rail', kind: 'siding', area: false, minZoom: 14 };
  const waterway = tags['waterway'];
  if (waterway !== undefined && WATERWAY_LINES.has(waterway) && !closed)
    return { layer: 'waterway', kind: waterway, area: false, minZoom: 12 };
  if (!closed) return null;
  if (
    tags['natural'] === 'water' ||
    tags['natural'] === 'bay' ||
    (waterway !== undefined && WATER.has(waterway)) ||
    (tags['landuse'] !== undefined && WATER.has(tags['landuse'])) ||
    tags['leisure'] === 'marina'
  )
    return { layer: 'water', kind: 'water', area: true, minZoom: 10 };
  const green = GREEN[tags['leisure'] ?? ''] ?? GREEN[tags['landuse'] ?? ''] ?? GREEN[tags['natural'] ?? ''];
  if (green !== undefined) return { layer: 'landuse', kind: green, area: true, minZoom: 10 };
  const use = LANDUSE[tags['landuse'] ?? ''] ?? LANDUSE[tags['amenity'] ?? ''];
  if (use !== undefined) return { layer: 'landuse', kind: use, area: true, minZoom: 11 };
  const building = tags['building'];
  if (building !== undefined && building !== 'no')
    return { layer: 'buildings', kind: 'building', area: true, minZoom: 14 };
  return null;
}

/** A named place node (a neighbourhood, a suburb), or null. */
export function classifyNode(tags: Record<string, string>): BasemapClass | null {
  const minZoom = PLACES[tags['place'] ?? ''];
  if (minZoom === undefined || tags['name'] === undefined) return null;
  return { layer: 'places', kind: tags['place'] ?? 'place', area: false, minZoom };
}

/** True for multipolygon relations the basemap draws (water, parks, landuse). */
export function isDrawnMultipolygon(tags: Record<string, string>): boolean {
  if (tags['type'] !== 'multipolygon') return false;
  const c = classifyWay(tags, true);
  return c !== null && c.area && c.layer !== 'buildings';
}
