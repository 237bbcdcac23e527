import { readFile } from 'node:fs/promises';
import { seededRng } from '@ridetrack/shared';
import { builtInCity } from './city';
import type { RoadGraph } from './graph';
import { importGeoJson } from './geojson';
import { importOsmPbf, importOsmXml } from './osm';

const OSM_ATTRIBUTION = '© OpenStreetMap contributors';

/** The built-in city for a seed, or the roads in a file: .osm.pbf, .osm (XML) or GeoJSON. Throws with a clear message on a bad file. */
export async function loadRoads(file: string | undefined, seed: number): Promise<RoadGraph> {
  if (file === undefined) return builtInCity(seededRng(seed));
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (err) {
    throw new Error(`cannot read --roads ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      cause: err,
    });
  }
  const result =
    file.endsWith('.osm.pbf') || file.endsWith('.pbf')
      ? importOsmPbf(data)
      : file.endsWith('.osm')
        ? importOsmXml(data.toString('utf8'))
        : // GeoJSON roads carrying OSM tags come from OpenStreetMap and must be credited.
          importGeoJson(data.toString('utf8'), data.includes('"highway"') ? OSM_ATTRIBUTION : null);
  if (!result.ok) throw new Error(`--roads ${file}: ${result.reason.replaceAll('_', ' ')}`);
  return result.value;
}
