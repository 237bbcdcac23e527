import { Hono, type Context } from 'hono';
import { isDriverId, type Role } from '@ridetrack/shared';
import type { TokenVerifier } from '../auth/tokens';
import { boxCellEstimate } from '../geo/box-cells';
import { IndexUnavailableError, type GeoIndex } from '../geo/types';
import { requireRole as requireRoleOf, type ApiEnv } from './require-role';
import { badRequest, bboxParam, integerParam, numberParam, tripStateParam, type ParamResult } from './params';
import { errorBody } from './errors';

export interface ApiDeps {
  index: GeoIndex;
  /** null in open mode: the API asks for no token. */
  verifier: TokenVerifier | null;
  now: () => number;
  /** Most index-resolution cells one /api/cells request may cover. */
  maxCellsPerRequest: number;
  maxNearbyRadiusM: number;
}

type Env = ApiEnv;

/** Unwraps parameters in order; the first failure is the answer. */
function all<T extends unknown[]>(...results: { [K in keyof T]: ParamResult<T[K]> }): ParamResult<T> {
  const values: unknown[] = [];
  for (const r of results) {
    if (!r.ok) return r;
    values.push(r.value);
  }
  return { ok: true, value: values as T };
}

/** Redis away: live tracking goes on, and the API says so plainly, rather than a bare 500. */
export function answerIndexUnavailable(err: Error, c: Context): Response {
  if (!(err instanceof IndexUnavailableError)) throw err;
  return c.json(errorBody('index_unavailable', 'the geo-index store (Redis) cannot be reached; retry shortly'), 503, {
    'retry-after': '1',
  });
}

/** The JSON API under /api (docs/api.md). Operator and service tokens, as a Bearer header. */
export function createApi(deps: ApiDeps): Hono<Env> {
  const api = new Hono<Env>();
  api.onError(answerIndexUnavailable);

  const requireRole = (...roles: Role[]) => requireRoleOf(deps.verifier, ...roles);

  api.get('/drivers/nearby', requireRole('operator', 'service'), async (c) => {
    const q = (k: string) => c.req.query(k);
    const params = all<
      [
        number,
        number,
        number,
        number,
        Awaited<ReturnType<typeof tripStateParam>> extends ParamResult<infer S> ? S : never,
      ]
    >(
      numberParam('lat', q('lat'), -90, 90),
      numberParam('lng', q('lng'), -180, 180),
      numberParam('radius_m', q('radius_m'), 1, deps.maxNearbyRadiusM, 2000),
      integerParam('limit', q('limit'), 1, 500, 10),
      tripStateParam('status', q('status')),
    );
    if (!params.ok) return badRequest(c, params.error);
    const [lat, lng, radiusM, limit, tripState] = params.value;
    const found = await deps.index.nearby({ lat, lng, radiusM, limit, tripState }, deps.now());
    // Ranked at full precision; answered to the decimetre (a fix is good to metres, not to 10⁻¹⁰ m).
    const drivers = found.map((d) => ({ ...d, distanceM: Math.round(d.distanceM * 10) / 10 }));
    return c.json({ drivers });
  });

  // What an operator types in the console's search, answered whether or not a driver matches (a
  // search that finds nothing is not an error). Today: a live driver by its exact id, wherever it is.
  api.get('/drivers/search', requireRole('operator', 'service'), async (c) => {
    const q = (c.req.query('q') ?? '').trim();
    if (q === '' || q.length > 64) return badRequest(c, { parameter: 'q', message: 'must be 1-64 characters' });
    const driver = isDriverId(q) ? await deps.index.get(q, deps.now()) : null;
    return c.json({
      drivers:
        driver === null
          ? []
          : [{ driverId: driver.driverId, lat: driver.lat, lng: driver.lng, tripState: driver.tripState }],
    });
  });

  api.get('/drivers/:id', requireRole('operator', 'service'), async (c) => {
    const id = c.req.param('id') ?? '';
    if (!isDriverId(id)) return badRequest(c, { parameter: 'id', message: 'must be 1-64 of A-Z a-z 0-9 _ . -' });
    const driver = await deps.index.get(id, deps.now());
    return driver === null ? c.json(errorBody('not_found', `no live driver ${id}`), 404) : c.json(driver);
  });

  api.get('/cells', requireRole('operator', 'service'), async (c) => {
    const params = all<[[number, number, number, number], number]>(
      bboxParam('bbox', c.req.query('bbox')),
      integerParam('res', c.req.query('res'), 0, deps.index.h3Resolution),
    );
    if (!params.ok) return badRequest(c, params.error);
    const [box, res] = params.value;
    // Refused before any cell is listed: the estimate comes from the box's area alone.
    const estimate = boxCellEstimate(box, deps.index.h3Resolution);
    if (estimate > deps.maxCellsPerRequest) {
      return badRequest(c, {
        parameter: 'bbox',
        message: `covers about ${estimate} cells at the index resolution; at most ${deps.maxCellsPerRequest} (zoom in)`,
      });
    }
    // Counts come from the live index: its occupied cells in the box, rolled up to `res`.
    const counts = await deps.index.countBox(box, res, deps.now());
    return c.json({ res, cells: counts, total: counts.reduce((n, x) => n + x.count, 0) });
  });

  return api;
}
