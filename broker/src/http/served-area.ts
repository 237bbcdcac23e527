import { readFile } from 'node:fs/promises';

/** The area a deployment serves: where riders may be picked up. `[minLng, minLat, maxLng, maxLat]`. */
export interface ServedArea {
  bbox: [number, number, number, number];
  name: string;
}

/** The box around every coordinate of a GeoJSON text (its roads), widened by `marginM`; null when it has none. */
export function bboxOfGeoJson(text: string, marginM: number): [number, number, number, number] | null {
  let minLng = Infinity;
  let minLat = Infinity;
  let maxLng = -Infinity;
  let maxLat = -Infinity;
  // Every [lng, lat] pair in the file, without building the whole object tree of a large network.
  for (const m of text.matchAll(
    /\[\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*,\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*[\],]/g,
  )) {
    const lng = Number(m[1]);
    const lat = Number(m[2]);
    if (Math.abs(lng) > 180 || Math.abs(lat) > 90) continue;
    if (lng < minLng) minLng = lng;
    if (lng > maxLng) maxLng = lng;
    if (lat < minLat) minLat = lat;
    if (lat > maxLat) maxLat = lat;
  }
  if (!Number.isFinite(minLng)) return null;
  const dLat = marginM / 111_320;
  const dLng = marginM / (111_320 * Math.cos((((minLat + maxLat) / 2) * Math.PI) / 180));
  return [minLng - dLng, minLat - dLat, maxLng + dLng, maxLat + dLat];
}

/** The served area from the road network file: the box around its roads, 300 m wider. */
export async function servedAreaOf(roadsFile: string | undefined, name: string): Promise<ServedArea | null> {
  if (roadsFile === undefined) return null;
  const text = await readFile(roadsFile, 'utf8').catch(() => null);
  const bbox = text === null ? null : bboxOfGeoJson(text, 300);
  return bbox === null ? null : { bbox, name };
}
