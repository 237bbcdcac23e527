import { serveStatic } from '@hono/node-server/serve-static';
import type { Hono } from 'hono';
import { isDriverId, type LatLng, type Role } from '@ridetrack/shared';
import type { TokenMinter } from '../auth/tokens';
import type { Dispatch } from '../dispatch';
import type { CityMap } from '../map/city-map';
import { mountMap } from './map';
import { mountMapSearch } from './map-search';
import { requestRide } from './trips';
import { errorBody } from './errors';

export interface WebOptions {
  /** The built pages (rider-web/dist); no pages are served without it. */
  webDir: string | undefined;
  /** A hosted basemap style (MAP_STYLE_URL); without one the pages draw the city's own offline basemap. */
  styleUrl: string | undefined;
  /** Where the pages open, [lng, lat] (MAP_CENTER); without it, the middle of the city's roads. */
  center: [number, number] | undefined;
  maxH3Resolution: number;
  /** Dev mode: the pages may request rides and operator tokens without credentials (loopback only). */
  devMode: boolean;
  /** What the rider page calls the city's area when a rider is outside it (SERVICE_AREA_NAME). */
  serviceAreaName: string;
}

function devPoint(v: unknown): LatLng | null {
  const { lat, lng } = (typeof v === 'object' && v !== null ? v : {}) as { lat?: unknown; lng?: unknown };
  return typeof lat === 'number' && typeof lng === 'number' && Math.abs(lat) <= 90 && Math.abs(lng) <= 180
    ? { lat, lng }
    : null;
}

/** Where the pages open when there is neither a city nor MAP_CENTER: Baltimore, the demo city. */
const FALLBACK_CENTER: [number, number] = [-76.61, 39.29];

/**
 * The web pages and what they read: /config.json, the city's basemap under /map/, and in dev mode
 * two helpers that stand in for a ride app's backend: POST /api/dev/ride and GET /api/dev/token?role=operator.
 */
export function mountWeb(
  app: Hono,
  options: WebOptions,
  deps: { dispatch: Dispatch; minter: TokenMinter | null; city: CityMap | null },
): void {
  const { city } = deps;
  app.get('/config.json', (c) =>
    c.json({
      devMode: options.devMode,
      styleUrl: options.styleUrl ?? (city === null ? null : '/map/style.json'),
      center: options.center ?? city?.center ?? FALLBACK_CENTER,
      bounds: city?.bounds ?? null,
      maxH3Resolution: options.maxH3Resolution,
      // Where riders may be picked up: the city's extent, for the rider page's "outside" notice.
      servedArea: city === null ? null : { bbox: city.bounds, name: options.serviceAreaName },
    }),
  );
  if (city !== null) {
    mountMap(app, city, options.webDir);
    mountMapSearch(app, city);
  }
  if (options.devMode) {
    app.post('/api/dev/ride', async (c) => {
      const body = (await c.req.json().catch(() => ({}))) as { pickup?: unknown; dropoff?: unknown };
      const pickup = devPoint(body.pickup);
      const dropoff = body.dropoff === undefined ? undefined : devPoint(body.dropoff);
      if (pickup === null || dropoff === null) {
        return c.json(
          errorBody('bad_parameter', 'pickup and dropoff must be {"lat": number, "lng": number}', {
            parameter: pickup === null ? 'pickup' : 'dropoff',
          }),
          400,
        );
      }
      return requestRide(c, deps, pickup, `rider-${Math.floor(Math.random() * 1e9)}`, dropoff);
    });
    app.get('/api/dev/token', async (c) => {
      const role = c.req.query('role') as Role | undefined;
      if (role !== 'operator' || deps.minter === null)
        return c.json(errorBody('bad_parameter', 'role must be operator', { parameter: 'role' }), 400);
      const sub = c.req.query('sub') ?? 'ops-web';
      if (!isDriverId(sub)) return c.json(errorBody('bad_parameter', 'bad subject', { parameter: 'sub' }), 400);
      return c.json({ token: await deps.minter.mint({ role, sub }, 3600) });
    });
  }
  if (options.webDir !== undefined) {
    const root = options.webDir;
    // The build writes a .br and a .gz copy beside each file; the browser gets the best it accepts.
    app.get('/', serveStatic({ root, path: 'index.html', precompressed: true }));
    // By its own name too: the service worker precaches the shell as /index.html.
    app.get('/index.html', serveStatic({ root, path: 'index.html', precompressed: true }));
    app.get('/fleet', serveStatic({ root, path: 'fleet.html', precompressed: true }));
    app.get(
      '/assets/*',
      serveStatic({
        root,
        precompressed: true,
        onFound: (_path, c) => c.header('cache-control', 'public, max-age=31536000, immutable'),
      }),
    );
    // The rider page's service worker and its Workbox runtime: always revalidated, so a new
    // deployment's worker (and with it the new shell) is picked up on the next visit.
    app.get(
      '/sw.js',
      serveStatic({ root, path: 'sw.js', onFound: (_path, c) => c.header('cache-control', 'no-cache') }),
    );
    app.get(
      '/workbox-*',
      serveStatic({ root, onFound: (_path, c) => c.header('cache-control', 'public, max-age=31536000, immutable') }),
    );
    app.get('/favicon.ico', (c) => c.body(null, 204));
  }
}
