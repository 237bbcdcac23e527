import { GeoJSONVT, type GeoJSONVTFeature, type GeoJSONVTTile } from '@maplibre/geojson-vt';
import { fromGeojsonVt } from '@maplibre/vt-pbf';
import type { Feature, Geometry } from 'geojson';
import { featureBounds, type BasemapFeature, type Bounds } from '@ridetrack/shared';
import { tileBounds, tileRange } from './tile-math';

export interface TileBuildOptions {
  bounds: Bounds;
  minZoom: number;
  maxZoom: number;
}

/**
 * Cuts basemap features into Mapbox Vector Tiles with geojson-vt and vt-pbf (both kept by the
 * MapLibre project), one area at a time: each area gets an index of only the features that touch
 * it, and every tile in it is made and handed to `emit` before the next area, so memory holds one
 * area's features and tiles, not the whole extract's. Two bands: zooms below 12 from zoom-10 areas
 * with only the features drawn there (major roads, water, parks), zooms 12 and up from zoom-12
 * areas (about 10 km across) with everything. Features appear from their own minimum zoom
 * (buildings and paths from 14). Empty tiles are not emitted.
 */
export function buildTiles(
  features: readonly BasemapFeature[],
  options: TileBuildOptions,
  emit: (z: number, x: number, y: number, tile: Uint8Array) => void,
  onProgress?: (fraction: number) => void,
): { tiles: number } {
  const { minZoom, maxZoom } = options;
  const split = Math.min(Math.max(minZoom, 12), maxZoom + 1);
  const bands = [
    { areaZoom: minZoom, from: minZoom, to: split - 1 },
    { areaZoom: split, from: split, to: maxZoom },
  ].filter((b) => b.from <= b.to);
  const boxes = features.map(featureBounds);
  const areaCount = bands.reduce((n, b) => {
    const [x0, y0, x1, y1] = tileRange(options.bounds, b.areaZoom);
    return n + (x1 - x0 + 1) * (y1 - y0 + 1);
  }, 0);
  let tiles = 0;
  let done = 0;
  for (const band of bands) {
    const [x0, y0, x1, y1] = tileRange(options.bounds, band.areaZoom);
    for (let ax = x0; ax <= x1; ax++)
      for (let ay = y0; ay <= y1; ay++) {
        const [w, s, e, n] = tileBounds(band.areaZoom, ax, ay);
        // A margin of a tenth of the area, so that features just outside still reach its tiles' buffers.
        const mx = (e - w) / 10;
        const my = (n - s) / 10;
        const inside: Feature[] = [];
        features.forEach((f, i) => {
          const b = boxes[i] as Bounds;
          if (f.minZoom > band.to || b[0] > e + mx || b[2] < w - mx || b[1] > n + my || b[3] < s - my) return;
          inside.push(toGeoJson(f));
        });
        onProgress?.(++done / areaCount);
        if (inside.length === 0) continue;
        const index = new GeoJSONVT(
          { type: 'FeatureCollection', features: inside },
          { maxZoom: band.to, indexMaxZoom: band.areaZoom, indexMaxPoints: 0, tolerance: 3, buffer: 64, extent: 4096 },
        );
        for (let z = band.from; z <= band.to; z++) {
          const scale = 2 ** (z - band.areaZoom);
          const [cx0, cy0, cx1, cy1] = tileRange(options.bounds, z);
          for (let x = Math.max(ax * scale, cx0); x <= Math.min((ax + 1) * scale - 1, cx1); x++)
            for (let y = Math.max(ay * scale, cy0); y <= Math.min((ay + 1) * scale - 1, cy1); y++) {
              const tile = index.getTile(z, x, y);
              if (tile === null) continue;
              const bytes = encodeTile(tile, z);
              if (bytes === null) continue;
              emit(z, x, y, bytes);
              tiles++;
            }
        }
      }
  }
  return { tiles };
}

/** The tile's features by layer, those shown at this zoom only, as vector tile bytes; null if none. */
function encodeTile(tile: GeoJSONVTTile, z: number): Uint8Array | null {
  const layers: Record<string, GeoJSONVTFeature[]> = {};
  for (const f of tile.features) {
    const { layer, minZoom, ...tags } = (f.tags ?? {}) as { layer: string; minZoom: number };
    if (minZoom > z) continue;
    (layers[layer] ??= []).push({ ...f, tags });
  }
  const names = Object.keys(layers);
  if (names.length === 0) return null;
  const byLayer: Record<string, GeoJSONVTTile> = {};
  for (const name of names) byLayer[name] = { ...tile, features: (layers[name] ?? []) as GeoJSONVTTile['features'] };
  return fromGeojsonVt(byLayer, {
    version: 2,
    extent: 4096,
  });
}

function toGeoJson(f: BasemapFeature): Feature {
  const props: Record<string, string | number> = { layer: f.layer, minZoom: f.minZoom, kind: f.kind };
  if (f.name !== undefined) props['name'] = f.name;
  if (f.oneway) props['oneway'] = 1;
  if (f.bridge) props['bridge'] = 1;
  if (f.tunnel) props['tunnel'] = 1;
  const pairs = (part: Float64Array): [number, number][] => {
    const out: [number, number][] = [];
    for (let i = 0; i < part.length; i += 2) out.push([part[i] ?? 0, part[i + 1] ?? 0]);
    return out;
  };
  const geometry: Geometry =
    f.type === 'point'
      ? { type: 'Point', coordinates: pairs(f.parts[0] ?? new Float64Array(2))[0] ?? [0, 0] }
      : f.type === 'line'
        ? { type: 'LineString', coordinates: pairs(f.parts[0] ?? new Float64Array()) }
        : { type: 'Polygon', coordinates: f.parts.map(pairs) };
  return { type: 'Feature', properties: props, geometry };
}
