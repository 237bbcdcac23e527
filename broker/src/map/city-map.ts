import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir, open, readFile, rename, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync, inflateSync } from 'node:zlib';
import {
  CITY_IMPORT_VERSION,
  cityReasonText,
  clipToBounds,
  DEFAULT_MAX_CITY_BYTES,
  decodeGraph,
  encodeGraph,
  importCity,
  namedPlaces,
  type Bounds,
  type CityReason,
  type NamedPlace,
  type RoadGraph,
} from '@ridetrack/shared';
import { buildTiles } from './tile-builder';

/** Zooms the tiles are made for; MapLibre draws deeper zooms from the z16 tiles (overzoom). */
export const TILE_MIN_ZOOM = 10;
export const TILE_MAX_ZOOM = 16;

/** What the broker knows of its city: where it is, and its tiles, read from the cache on demand. */
export interface CityMap {
  /** The extract's sha256, which names its cache folder and versions its tile URLs. */
  sha256: string;
  bounds: Bounds;
  center: [number, number];
  /** The city's road graph, which the broker routes on (ETAs, routes, dispatch's ranking). */
  graph: RoadGraph;
  /** Its named neighbourhoods and parks, which a rider's search finds by name. */
  places: NamedPlace[];
  /** A tile's gzip-compressed vector tile bytes, or null when the tile is empty. */
  tile(z: number, x: number, y: number): Promise<Buffer | null>;
  close(): Promise<void>;
}

export interface CityMapOptions {
  cacheDir: string;
  maxBytes?: number;
  /** 0..1 through the import and the tiles. */
  onProgress?: (fraction: number) => void;
}

export type CityMapReason = CityReason | 'unreadable';

interface CityMeta {
  center: [number, number];
  bounds: Bounds;
  /** Absent in a cache written before places were kept: that cache is made again. */
  places?: NamedPlace[];
}

/**
 * The city's map from an OpenStreetMap extract: imported once (roads graph and basemap, by
 * shared/city) and cut into vector tiles, all kept in `<cacheDir>/<sha256>-v<version>/` (city.json,
 * graph.bin, tiles.bin with tiles.json as its index). A second start with the same file reads the
 * index and nothing else. Never throws on a bad file: the reason and a line for a person.
 */
export async function loadCityMap(
  file: string,
  options: CityMapOptions,
): Promise<{ ok: true; value: CityMap } | { ok: false; reason: CityMapReason; message: string }> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_CITY_BYTES;
  let bytes: Buffer;
  try {
    if ((await stat(file)).size > maxBytes)
      return { ok: false, reason: 'too_large', message: cityReasonText('too_large', maxBytes) };
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    return { ok: false, reason: 'unreadable', message: `cannot be read (${code})` };
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const dir = join(options.cacheDir, `${sha256}-v${CITY_IMPORT_VERSION}`);
  const cached = await openCached(dir, sha256);
  if (cached !== null) return { ok: true, value: cached };

  const progress = options.onProgress ?? (() => undefined);
  // The import is about two thirds of the work on a city extract, the tiles the rest.
  const r = importCity(bytes, {
    basemap: true,
    maxBytes,
    inflate: (d) => inflateSync(d),
    onProgress: (f) => progress(f * 0.65),
  });
  if (!r.ok) return { ok: false, reason: r.reason, message: cityReasonText(r.reason, maxBytes) };
  const city = r.value;
  await mkdir(dir, { recursive: true });
  const tmp = `.${randomBytes(6).toString('hex')}.tmp`;
  const index: Record<string, [number, number]> = {};
  // Tiles are made synchronously, area by area, and written as they come (synchronously too: this
  // is start-up), so that no more than one area's tiles are ever held in memory.
  const fd = openSync(join(dir, `tiles.bin${tmp}`), 'w');
  let offset = 0;
  try {
    buildTiles(
      city.basemap,
      { bounds: city.bounds, minZoom: TILE_MIN_ZOOM, maxZoom: TILE_MAX_ZOOM },
      (z, x, y, tile) => {
        const gz = gzipSync(tile, { level: 9 });
        writeSync(fd, gz);
        index[`${z}/${x}/${y}`] = [offset, gz.length];
        offset += gz.length;
      },
      (f) => progress(0.65 + f * 0.35),
    );
  } finally {
    closeSync(fd);
  }
  const meta: CityMeta = { center: city.center, bounds: city.bounds, places: namedPlaces(city.basemap) };
  // Each file is written beside and renamed into place; tiles.json last, as the mark of a complete cache.
  await rename(join(dir, `tiles.bin${tmp}`), join(dir, 'tiles.bin'));
  await writeAtomic(join(dir, 'graph.bin'), encodeGraph(city.graph), tmp);
  await writeAtomic(join(dir, 'city.json'), JSON.stringify(meta), tmp);
  await writeAtomic(join(dir, 'tiles.json'), JSON.stringify(index), tmp);
  const opened = await openCached(dir, sha256);
  if (opened === null) throw new Error(`the city cache just written in ${dir} cannot be read`);
  return { ok: true, value: opened };
}

async function writeAtomic(path: string, data: Uint8Array | string, tmp: string): Promise<void> {
  await writeFile(`${path}${tmp}`, data);
  await rename(`${path}${tmp}`, path);
}

async function openCached(dir: string, sha256: string): Promise<CityMap | null> {
  let index: Record<string, [number, number]>;
  let meta: CityMeta;
  let pack: FileHandle;
  let graph: RoadGraph | null;
  try {
    index = JSON.parse(await readFile(join(dir, 'tiles.json'), 'utf8')) as Record<string, [number, number]>;
    meta = JSON.parse(await readFile(join(dir, 'city.json'), 'utf8')) as CityMeta;
    graph = decodeGraph(await readFile(join(dir, 'graph.bin')));
    pack = await open(join(dir, 'tiles.bin'), 'r');
  } catch {
    return null;
  }
  if (graph === null || meta.places === undefined) {
    await pack.close();
    return null;
  }
  const places = meta.places;
  const tiles = new Map(Object.entries(index));
  return {
    sha256,
    bounds: meta.bounds,
    center: meta.center,
    // The cache keeps the whole import; routes keep to the part inside the extract's box (the map).
    graph: clipToBounds(graph, meta.bounds),
    places,
    async tile(z, x, y) {
      const at = tiles.get(`${z}/${x}/${y}`);
      if (at === undefined) return null;
      const buf = Buffer.alloc(at[1]);
      await pack.read(buf, 0, at[1], at[0]);
      return buf;
    },
    close: () => pack.close(),
  };
}
