import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import {
  CITY_IMPORT_VERSION,
  cityReasonText,
  decodeGraph,
  DEFAULT_MAX_CITY_BYTES,
  encodeGraph,
  importCity,
  importGeoJson,
  OSM_ATTRIBUTION,
  type CityReason,
  type RoadGraph,
  clipToBounds,
  type Bounds,
} from '@ridetrack/shared';

/** The simulator's city: its road graph, and where the pages should look. */
export interface LoadedCity {
  graph: RoadGraph;
  center: [number, number] | null;
  fromCache: boolean;
}

export type CityFileReason = CityReason | 'unreadable' | 'not_geojson';

export interface CityFileOptions {
  /** Where imports are kept, by the extract's sha256 (the broker keeps its tiles beside them). */
  cacheDir: string;
  maxBytes?: number;
  onProgress?: (fraction: number) => void;
}

/**
 * The road graph of a city file: an OpenStreetMap extract (.osm.pbf or .osm XML), imported once and
 * cached by its sha256, or GeoJSON road lines (.geojson, .json) read as they are. Never throws on a
 * bad file: the reason, and a line for a person to read.
 */
export async function loadCityFile(
  file: string,
  options: CityFileOptions,
): Promise<{ ok: true; value: LoadedCity } | { ok: false; reason: CityFileReason; message: string }> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_CITY_BYTES;
  const refuse = (reason: CityFileReason, message: string) => ({ ok: false as const, reason, message });
  let bytes: Buffer;
  try {
    if ((await stat(file)).size > maxBytes) return refuse('too_large', cityReasonText('too_large', maxBytes));
    bytes = await readFile(file);
  } catch (err) {
    return refuse('unreadable', `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  if (/\.(geo)?json$/i.test(file)) {
    // GeoJSON roads carrying OSM tags come from OpenStreetMap and must be credited.
    const text = bytes.toString('utf8');
    const r = importGeoJson(text, text.includes('"highway"') ? OSM_ATTRIBUTION : null);
    if (!r.ok)
      return refuse(r.reason === 'no_drivable_roads' ? r.reason : 'not_geojson', r.reason.replaceAll('_', ' '));
    return { ok: true, value: { graph: r.value, center: null, fromCache: false } };
  }
  const dir = join(options.cacheDir, `${createHash('sha256').update(bytes).digest('hex')}-v${CITY_IMPORT_VERSION}`);
  const cached = await readFile(join(dir, 'graph.bin')).then(
    (b) => decodeGraph(b),
    () => null,
  );
  const meta = await readFile(join(dir, 'city.json'), 'utf8').then(
    (t) => JSON.parse(t) as { center?: [number, number]; bounds?: Bounds },
    () => null,
  );
  if (cached !== null && meta?.center)
    return {
      ok: true,
      value: { graph: meta.bounds ? clipToBounds(cached, meta.bounds) : cached, center: meta.center, fromCache: true },
    };
  const r = importCity(bytes, {
    basemap: false,
    maxBytes,
    inflate: (data) => inflateSync(data),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  if (!r.ok) return refuse(r.reason, cityReasonText(r.reason, maxBytes));
  const { graph, center, bounds } = r.value;
  await mkdir(dir, { recursive: true });
  // Written beside, then renamed: a reader (or the broker importing the same city) never sees half a file.
  await writeAtomic(join(dir, 'graph.bin'), encodeGraph(graph));
  if (meta === null) await writeAtomic(join(dir, 'city.json'), JSON.stringify({ center, bounds }));
  // The cache keeps the whole import; the cars drive the part inside the extract's box (the map).
  return { ok: true, value: { graph: clipToBounds(graph, bounds), center, fromCache: false } };
}

async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}
