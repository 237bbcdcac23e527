import { distanceM, type LatLng } from '../geo';
import { classifyNode, classifyWay, isDrawnMultipolygon } from './basemap-tags';
import type { BasemapFeature } from './basemap';
import { seaPolygons } from './coastline';
import { buildGraphFromPoints, largestComponent, type PointWay, type RoadGraph } from './graph';
import { NodeStore } from './node-store';
import { readOsmPbf, type OsmPbfOptions } from './osm-pbf';
import type { Bounds, OsmHeader, OsmTags, OsmVisitor } from './osm-types';
import { readOsmXml } from './osm-xml';
import { drivableRoad } from './road-tags';
import { joinWays } from './rings';
import { assemble, parkLabels, type Multipolygon } from './area-features';

/** Why a file is not a city: each gets one line on the terminal (see cityReasonText). */
export type CityReason = 'not_an_extract' | 'unsupported_extract' | 'no_drivable_roads' | 'too_large';

/** Bumped whenever the import's output changes, so that caches made by an older import are not read. */
export const CITY_IMPORT_VERSION = 2;
export const OSM_ATTRIBUTION = '© OpenStreetMap contributors';
/** The largest extract imported by default: a 50 MB one takes about 2 GB at its peak and two minutes (docs/benchmarks.md). */
export const DEFAULT_MAX_CITY_BYTES = 64 * 1024 * 1024;

export interface CityOptions {
  /** Also collect what the basemap draws (water, parks, buildings...); the simulator needs roads only. */
  basemap: boolean;
  maxBytes?: number;
  inflate?: OsmPbfOptions['inflate'];
  /** 0..1 through the whole import. */
  onProgress?: (fraction: number) => void;
}

/** An imported city: its drivable road graph (largest strongly connected part) and basemap features. */
export interface City {
  bounds: Bounds;
  /** Where the pages open: the middle of the drivable roads, [lng, lat]. */
  center: [number, number];
  graph: RoadGraph;
  basemap: BasemapFeature[];
  counts: { nodes: number; ways: number; drivableWays: number; roadNodes: number; features: number };
}

/** The one line a person reads when a file is refused. */
export function cityReasonText(reason: CityReason, maxBytes = DEFAULT_MAX_CITY_BYTES): string {
  switch (reason) {
    case 'not_an_extract':
      return 'not an OpenStreetMap extract (expected .osm.pbf or .osm XML, as Geofabrik and BBBike publish)';
    case 'unsupported_extract':
      return 'an OpenStreetMap extract in a form not read here (only zlib or raw blocks; re-save it with osmium cat)';
    case 'no_drivable_roads':
      return 'an OpenStreetMap extract with no drivable roads';
    case 'too_large':
      return `too large: at most ${Math.round(maxBytes / 1024 / 1024)} MB (cut a smaller extract, e.g. with osmium extract)`;
  }
}

/**
 * Imports an OpenStreetMap extract (.osm.pbf, or .osm XML). Two passes over the bytes when the
 * basemap is wanted: the first only notes which ways multipolygons use (relations come last in a
 * file), the second keeps nodes in typed arrays and turns each way into a road or a basemap feature
 * as it is read. Never throws on bad input.
 */
export function importCity(
  bytes: Uint8Array,
  options: CityOptions,
): { ok: true; value: City } | { ok: false; reason: CityReason } {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_CITY_BYTES;
  if (bytes.length > maxBytes) return { ok: false, reason: 'too_large' };
  const xml = looksLikeXml(bytes);
  const text = xml ? new TextDecoder().decode(bytes) : '';
  const passes = options.basemap ? 2 : 1;
  let pass = 0;
  const read = (visitor: OsmVisitor): { ok: true; value: OsmHeader } | { ok: false; reason: CityReason } => {
    const base = pass++ / passes;
    const r = xml
      ? readOsmXml(text, visitor)
      : readOsmPbf(bytes, visitor, {
          ...(options.inflate ? { inflate: options.inflate } : {}),
          onProgress: (done, total) => options.onProgress?.(base + done / total / passes),
        });
    if (r.ok) return r;
    return { ok: false, reason: r.reason === 'unsupported_pbf' ? 'unsupported_extract' : 'not_an_extract' };
  };

  // Pass 1: the multipolygons drawn, and the ways they are made of.
  const multipolygons: Multipolygon[] = [];
  const memberWays = new Set<number>();
  if (options.basemap) {
    const r = read({
      relation(_id, members, tags) {
        if (!isDrawnMultipolygon(tags)) return;
        const mp: Multipolygon = { tags, outer: [], inner: [] };
        for (const m of members)
          if (m.type === 'way') {
            (m.role === 'inner' ? mp.inner : mp.outer).push(m.ref);
            memberWays.add(m.ref);
          }
        multipolygons.push(mp);
      },
    });
    if (!r.ok) return r;
  }

  // Pass 2: nodes, then ways.
  const store = new NodeStore();
  const roads: PointWay[] = [];
  const basemap: BasemapFeature[] = [];
  const memberGeometry = new Map<number, number[]>(); // way id -> node slots
  const coastline: number[][] = [];
  let ways = 0;
  const slots = (refs: readonly number[]): number[] => {
    const out: number[] = [];
    for (const ref of refs) {
      const s = store.slot(ref);
      if (s >= 0) out.push(s);
    }
    return out;
  };
  const coords = (path: readonly number[]): Float64Array => {
    const c = new Float64Array(path.length * 2);
    path.forEach((s, i) => {
      c[2 * i] = store.lng(s);
      c[2 * i + 1] = store.lat(s);
    });
    return c;
  };
  const r = read({
    node(id, lat, lng, tags) {
      store.add(id, lat, lng);
      if (options.basemap && tags !== null) {
        const c = classifyNode(tags);
        if (c !== null)
          basemap.push({
            layer: c.layer,
            kind: c.kind,
            minZoom: c.minZoom,
            type: 'point',
            parts: [Float64Array.of(lng, lat)],
            ...named(tags),
          });
      }
    },
    way(id, refs, tags) {
      ways++;
      const road = drivableRoad(tags);
      const closed = refs.length > 3 && refs[0] === refs[refs.length - 1];
      const c = options.basemap ? classifyWay(tags, closed) : null;
      const member = options.basemap && memberWays.has(id);
      const coast = options.basemap && tags['natural'] === 'coastline';
      if (road === null && c === null && !member && !coast) return;
      const path = slots(refs);
      if (path.length < 2) return;
      if (road !== null) {
        roads.push({
          points: road.oneway === -1 ? Int32Array.from(path).reverse() : Int32Array.from(path),
          speedMps: road.speedMps,
          oneway: road.oneway !== 0,
          name: road.name,
          roadClass: road.roadClass,
        });
      }
      if (member) memberGeometry.set(id, path);
      if (coast) coastline.push(path);
      if (c === null || (c.area && path.length < 4)) return;
      basemap.push({
        layer: c.layer,
        kind: c.kind,
        type: c.area ? 'polygon' : 'line',
        parts: [coords(path)],
        minZoom: c.minZoom,
        ...named(tags),
        ...(c.layer === 'roads' ? roadFlags(tags) : {}),
      });
    },
  });
  if (!r.ok) return r;
  if (roads.length === 0) return { ok: false, reason: 'no_drivable_roads' };
  const table = { size: store.size, lat: (s: number) => store.lat(s), lng: (s: number) => store.lng(s) };
  const graph = largestComponent(buildGraphFromPoints(table, roads, OSM_ATTRIBUTION));
  if (graph.nodes.length < 2) return { ok: false, reason: 'no_drivable_roads' };
  const bounds = r.value.bounds ?? boundsOf(graph.nodes);

  if (options.basemap) {
    for (const mp of multipolygons) basemap.push(...assemble(mp, memberGeometry, coords));
    basemap.push(...parkLabels(basemap));
    for (const rings of seaPolygons(joinWays(coastline, true).map(coords), bounds))
      basemap.push({ layer: 'water', kind: 'sea', type: 'polygon', parts: rings, minZoom: 10 });
  }
  return {
    ok: true,
    value: {
      bounds,
      center: middleOf(graph.nodes),
      graph,
      basemap,
      counts: {
        nodes: store.size,
        ways,
        drivableWays: roads.length,
        roadNodes: graph.nodes.length,
        features: basemap.length,
      },
    },
  };
}

function looksLikeXml(bytes: Uint8Array): boolean {
  for (let i = 0; i < Math.min(bytes.length, 64); i++) {
    const b = bytes[i];
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09 || b === 0xef || b === 0xbb || b === 0xbf) continue;
    return b === 0x3c; // '<'
  }
  return false;
}

function named(tags: OsmTags): { name?: string } {
  const name = tags['name'];
  return name === undefined ? {} : { name };
}

function roadFlags(tags: OsmTags): Pick<BasemapFeature, 'oneway' | 'bridge' | 'tunnel'> {
  const road = drivableRoad(tags);
  return {
    ...(road !== null && road.oneway !== 0 ? { oneway: 1 as const } : {}),
    ...(tags['bridge'] !== undefined && tags['bridge'] !== 'no' ? { bridge: 1 as const } : {}),
    ...(tags['tunnel'] !== undefined && tags['tunnel'] !== 'no' ? { tunnel: 1 as const } : {}),
  };
}

function boundsOf(nodes: readonly LatLng[]): Bounds {
  let w = Infinity;
  let s = Infinity;
  let e = -Infinity;
  let n = -Infinity;
  for (const p of nodes) {
    w = Math.min(w, p.lng);
    e = Math.max(e, p.lng);
    s = Math.min(s, p.lat);
    n = Math.max(n, p.lat);
  }
  return [w, s, e, n];
}

/**
 * The junction nearest the median of all junctions: the middle of where the roads are (not of a
 * bounding box that may be mostly water), and on a street (not in the middle of a park).
 */
function middleOf(nodes: readonly LatLng[]): [number, number] {
  const lngs = nodes.map((p) => p.lng).sort((a, b) => a - b);
  const lats = nodes.map((p) => p.lat).sort((a, b) => a - b);
  const mid = Math.floor(nodes.length / 2);
  const m = { lat: lats[mid] ?? 0, lng: lngs[mid] ?? 0 };
  let best = nodes[0] ?? m;
  for (const p of nodes) if (distanceM(p, m) < distanceM(best, m)) best = p;
  return [best.lng, best.lat];
}
