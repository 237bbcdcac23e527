import { readFile } from 'node:fs/promises';
import { seededRng } from '../rng';
import { builtInCity } from './city';
import type { RoadGraph } from './graph';
import { importGeoJson } from './geojson';

const OSM_ATTRIBUTION = '© OpenStreetMap contributors';

/** The built-in city for a seed, or the roads in a GeoJSON file. Throws with a clear message on a bad file. */
export async function loadRoads(file: string | undefined, seed: number): Promise<RoadGraph> {
  if (file === undefined) return builtInCity(seededRng(seed));
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read --roads ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      cause: err,
    });
  }
  // GeoJSON roads carrying OSM tags come from OpenStreetMap and must be credited.
  const result = importGeoJson(text, text.includes('"highway"') ? OSM_ATTRIBUTION : null);
  if (!result.ok) throw new Error(`--roads ${file}: ${result.reason.replaceAll('_', ' ')}`);
  return result.value;
}
