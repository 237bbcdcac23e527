import { serveStatic } from '@hono/node-server/serve-static';
import type { Hono } from 'hono';
import { isDriverId, type LatLng, type Role } from '@ridetrack/shared';
import type { TokenMinter } from '../auth/tokens';
import type { Dispatch } from '../dispatch';
import { pickCoding } from './accept-encoding';
import { CompressedFile } from './compressed-file';
import type { ServedArea } from './served-area';
import { requestRide } from './trips';

export interface WebOptions {
  /** The built pages (rider-web/dist); no pages are served without it. */
  webDir: string | undefined;
  /** The road network the offline map draws (GeoJSON), and its attribution. */
  roadsFile: string | undefined;
  roadsAttribution: string | undefined;
  styleUrl: string | undefined;
  center: [number, number];
  maxH3Resolution: number;
  /** Dev mode: the pages may request rides and operator tokens without credentials (loopback only). */
  devMode: boolean;
  /** Where riders may be picked up (the road network's extent), for the rider page's "outside" notice. */
  servedArea: ServedArea | null;
}

function devPoint(v: unknown): LatLng | null {
  const { lat, lng } = (typeof v === 'object' && v !== null ? v : {}) as { lat?: unknown; lng?: unknown };
  return typeof lat === 'number' && typeof lng === 'number' && Math.abs(lat) <= 90 && Math.abs(lng) <= 180
    ? { lat, lng }
    : null;
}

/**
 * The web pages and what they read: /config.json, /roads.geojson, and in dev mode two helpers that
 * stand in for a ride app's backend: POST /api/dev/ride and GET /api/dev/token?role=operator.
 */
export function mountWeb(
  app: Hono,
  options: WebOptions,
  deps: { dispatch: Dispatch; minter: TokenMinter | null },
): void {
  app.get('/config.json', (c) =>
    c.json({
      devMode: options.devMode,
      styleUrl: options.styleUrl ?? null,
      roadsAttribution: options.roadsAttribution ?? null,
      center: options.center,
      maxH3Resolution: options.maxH3Resolution,
      servedArea: options.servedArea,
    }),
  );
  const roads = options.roadsFile === undefined ? undefined : new CompressedFile(options.roadsFile);
  app.get('/roads.geojson', async (c) => {
    if (roads === undefined) return c.json({ type: 'FeatureCollection', features: [] });
    const got = await roads.get(pickCoding(c.req.header('accept-encoding'))).catch(() => null);
    if (got === null)
      return c.json({ error: 'roads_unavailable', message: 'the road network file (ROADS_FILE) cannot be read' }, 503);
    const { body, etag, coding } = got;
    const headers: Record<string, string> = {
      'content-type': 'application/geo+json',
      'cache-control': 'max-age=300',
      etag,
      vary: 'Accept-Encoding',
    };
    if (coding !== undefined) headers['content-encoding'] = coding;
    if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers);
    return c.body(new Uint8Array(body), 200, headers);
  });
  if (options.devMode) {
    app.post('/api/dev/ride', async (c) => {
      const body = (await c.req.json().catch(() => ({}))) as { pickup?: unknown; dropoff?: unknown };
      const pickup = devPoint(body.pickup);
      const dropoff = body.dropoff === undefined ? undefined : devPoint(body.dropoff);
      if (pickup === null || dropoff === null) {
        return c.json(
          {
            error: 'bad_parameter',
            parameter: pickup === null ? 'pickup' : 'dropoff',
            message: 'pickup and dropoff must be {"lat": number, "lng": number}',
          },
          400,
        );
      }
      return requestRide(c, deps, pickup, `rider-${Math.floor(Math.random() * 1e9)}`, dropoff);
    });
    app.get('/api/dev/token', async (c) => {
      const role = c.req.query('role') as Role | undefined;
      if (role !== 'operator' || deps.minter === null)
        return c.json({ error: 'bad_parameter', parameter: 'role', message: 'role must be operator' }, 400);
      const sub = c.req.query('sub') ?? 'ops-web';
      if (!isDriverId(sub)) return c.json({ error: 'bad_parameter', parameter: 'sub', message: 'bad subject' }, 400);
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
