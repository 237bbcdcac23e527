import type { Hono } from 'hono';
import type { LatLng } from '@ridetrack/shared';
import type { CityMap } from '../map/city-map';
import { MAX_QUERY_CHARS, StreetSearch } from '../map/street-search';
import { badRequest, integerParam, numberParam } from './params';

/**
 * GET /map/search?q=&lat=&lng=&limit=: the city's streets, crossings, neighbourhoods and parks by
 * name, for a rider's
 * "Where to?" (docs/api.md). Public like the tiles, whose labels carry the same names; the index
 * is built from the road graph on the first search.
 */
export function mountMapSearch(app: Hono, city: CityMap): void {
  let streets: StreetSearch | null = null;
  app.get('/map/search', (c) => {
    const q = c.req.query('q') ?? '';
    if (q.trim() === '') return badRequest(c, { parameter: 'q', message: 'is required (what to look for)' });
    if (q.length > MAX_QUERY_CHARS)
      return badRequest(c, { parameter: 'q', message: `must be at most ${MAX_QUERY_CHARS} characters` });
    const limit = integerParam('limit', c.req.query('limit'), 1, 10, 6);
    if (!limit.ok) return badRequest(c, limit.error);
    let near: LatLng | null = null;
    if (c.req.query('lat') !== undefined || c.req.query('lng') !== undefined) {
      const lat = numberParam('lat', c.req.query('lat'), -90, 90);
      if (!lat.ok) return badRequest(c, lat.error);
      const lng = numberParam('lng', c.req.query('lng'), -180, 180);
      if (!lng.ok) return badRequest(c, lng.error);
      near = { lat: lat.value, lng: lng.value };
    }
    streets ??= new StreetSearch(city.graph, city.places);
    return c.json({ places: streets.search(q, near, limit.value) }, 200, { 'cache-control': 'no-cache' });
  });
}
