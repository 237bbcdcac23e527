import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Hono } from 'hono';
import { BASEMAP_FONTS, basemapStyle, OSM_ATTRIBUTION } from '@ridetrack/shared';
import { TILE_MAX_ZOOM, TILE_MIN_ZOOM, type CityMap } from '../map/city-map';
import { parseTile } from '../map/tile-math';
import { acceptsCoding } from './accept-encoding';
import { errorBody } from './errors';

const TILE_TYPE = 'application/vnd.mapbox-vector-tile';
const FONTS: ReadonlySet<string> = new Set(Object.values(BASEMAP_FONTS));
const OSM_CREDIT = `<a href="https://www.openstreetmap.org/copyright" target="_blank">${OSM_ATTRIBUTION}</a>`;

/**
 * The offline basemap: GET /map/style.json (the style, in shared/city/basemap-style.ts, pointed at
 * this city), /map/tiles/{z}/{x}/{y}.pbf (vector tiles from the import cache, gzip as stored or
 * plain), and /map/glyphs/{fontstack}/{range}.pbf (label glyphs made by the page build into
 * WEB_DIR/glyphs). Bad z/x/y is a 400 naming the parameter; a tile with nothing in it is a 204,
 * which MapLibre draws as empty.
 */
export function mountMap(app: Hono, city: CityMap, webDir: string | undefined): void {
  const version = city.sha256.slice(0, 12);
  const style = JSON.stringify(
    basemapStyle({
      // Versioned by the extract's hash: another city is another URL, so tiles may be cached long.
      tiles: `/map/tiles/{z}/{x}/{y}.pbf?v=${version}`,
      glyphs: '/map/glyphs/{fontstack}/{range}.pbf',
      bounds: city.bounds,
      center: city.center,
      attribution: OSM_CREDIT,
      minZoom: TILE_MIN_ZOOM,
      maxZoom: TILE_MAX_ZOOM,
    }),
  );
  const styleEtag = `"style-${version}"`;
  app.get('/map/style.json', (c) => {
    const headers = { 'cache-control': 'no-cache', etag: styleEtag };
    if (c.req.header('if-none-match') === styleEtag) return c.body(null, 304, headers);
    return c.body(style, 200, { ...headers, 'content-type': 'application/json' });
  });

  app.get('/map/tiles/:z/:x/:file', async (c) => {
    const { z, x, file } = c.req.param();
    const y = /^(.*)\.pbf$/.exec(file)?.[1];
    if (y === undefined)
      return c.json(
        errorBody('bad_parameter', 'the tile must be named {y}.pbf', { parameter: 'y', reason: 'not_a_tile_name' }),
        400,
      );
    const t = parseTile(z, x, y);
    if (!t.ok) {
      const message = {
        not_a_number: 'z, x and y must be whole numbers',
        zoom_out_of_range: 'z must be between 0 and 22',
        tile_out_of_range: 'x and y must be below 2^z',
      }[t.reason];
      return c.json(errorBody('bad_parameter', message, { parameter: 'z/x/y', reason: t.reason }), 400);
    }
    const cache = {
      'cache-control': c.req.query('v') === version ? 'public, max-age=31536000, immutable' : 'public, max-age=300',
    };
    const gz = await city.tile(t.value.z, t.value.x, t.value.y);
    if (gz === null) return c.body(null, 204, cache);
    const etag = `"${version}-${t.value.z}-${t.value.x}-${t.value.y}"`;
    const gzip = acceptsCoding(c.req.header('accept-encoding'), 'gzip');
    const headers: Record<string, string> = { ...cache, 'content-type': TILE_TYPE, etag, vary: 'Accept-Encoding' };
    if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers);
    if (gzip) return c.body(new Uint8Array(gz), 200, { ...headers, 'content-encoding': 'gzip' });
    return c.body(new Uint8Array(gunzipSync(gz)), 200, headers);
  });

  app.get('/map/glyphs/:fontstack/:file', async (c) => {
    const { fontstack, file } = c.req.param();
    const range = /^(\d+)-(\d+)\.pbf$/.exec(file);
    const start = Number(range?.[1]);
    if (range === null || start % 256 !== 0 || Number(range[2]) !== start + 255 || start > 65280)
      return c.json(
        errorBody('bad_parameter', 'the range must be {start}-{start+255}.pbf, start a multiple of 256', {
          parameter: 'range',
        }),
        400,
      );
    // MapLibre asks for a stack as the names joined by commas; the first this server has answers.
    const font = fontstack
      .split(',')
      .find((f) => FONTS.has(f.trim()))
      ?.trim();
    if (font === undefined)
      return c.json(
        errorBody('bad_parameter', `fonts here: ${[...FONTS].join(', ')}`, { parameter: 'fontstack' }),
        404,
      );
    if (webDir === undefined) return c.json(errorBody('no_glyphs', 'WEB_DIR is not set: no glyphs to serve'), 404);
    const headers: Record<string, string> = {
      'content-type': 'application/x-protobuf',
      'cache-control': 'public, max-age=86400',
      vary: 'Accept-Encoding',
    };
    const path = join(webDir, 'glyphs', font, `${start}-${start + 255}.pbf`);
    // The build writes a .br and a .gz copy beside each range; the best the browser accepts goes out.
    const accept = c.req.header('accept-encoding');
    for (const [coding, ext] of [
      ['br', '.br'],
      ['gzip', '.gz'],
    ] as const) {
      if (!acceptsCoding(accept, coding)) continue;
      const body = await readFile(path + ext).catch(() => null);
      if (body !== null) return c.body(new Uint8Array(body), 200, { ...headers, 'content-encoding': coding });
    }
    const body = await readFile(path).catch(() => null);
    // A range the font has no glyphs in is an empty glyph set (an empty message), not an error.
    return c.body(body === null ? new Uint8Array(0) : new Uint8Array(body), 200, headers);
  });
}
