import type { LatLng } from '../geo';
import { featureBounds, type BasemapFeature } from './basemap';

/** A place a rider may name: a neighbourhood, or a park. */
export interface NamedPlace extends LatLng {
  name: string;
  kind: 'neighbourhood' | 'park';
}

/**
 * The places of a city's basemap that people call by name: its named place nodes (neighbourhoods,
 * suburbs) and its named parks, each at the middle of its extent; a name given to several parks
 * (the parts of one) once, at the largest. Pure.
 */
export function namedPlaces(features: readonly BasemapFeature[]): NamedPlace[] {
  const byName = new Map<string, NamedPlace & { size: number }>();
  for (const f of features) {
    const name = f.name?.trim();
    if (name === undefined || name === '') continue;
    const kind = f.layer === 'places' ? 'neighbourhood' : f.layer === 'landuse' && f.kind === 'park' ? 'park' : null;
    if (kind === null) continue;
    const [w, s, e, n] = featureBounds(f);
    if (!Number.isFinite(w)) continue;
    const size = (e - w) * (n - s);
    const had = byName.get(name);
    if (had !== undefined && (had.kind === 'neighbourhood' || had.size >= size)) continue;
    byName.set(name, { name, kind, lat: (s + n) / 2, lng: (w + e) / 2, size });
  }
  return [...byName.values()].map(({ name, kind, lat, lng }) => ({ name, kind, lat, lng }));
}
