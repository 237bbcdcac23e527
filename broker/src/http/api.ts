import { Hono, type Context } from 'hono';
import { isDriverId, type Role } from '@ridetrack/shared';
import type { TokenVerifier } from '../auth/tokens';
import type { Dispatch } from '../dispatch';
import { boxCellEstimate, boxCells } from '../geo/box-cells';
import { TimeSlice } from '../time-slice';
import { IndexUnavailableError, type GeoIndex } from '../geo/types';
import { requireRole as requireRoleOf, type ApiEnv } from './require-role';
import { bboxParam, integerParam, numberParam, tripStateParam, type ParamError, type ParamResult } from './params';

export interface ApiDeps {
  index: GeoIndex;
  dispatch: Dispatch;
  /** null in open mode: the API asks for no token. */
  verifier: TokenVerifier | null;
  now: () => number;
  /** Most index-resolution cells one /api/cells request may cover. */
  maxCellsPerRequest: number;
  maxNearbyRadiusM: number;
}

type Env = ApiEnv;

const badRequest = (c: Context, e: ParamError) =>
  c.json({ error: 'bad_parameter', parameter: e.parameter, message: `${e.parameter} ${e.message}` }, 400);

/** Unwraps parameters in order; the first failure is the answer. */
function all<T extends unknown[]>(...results: { [K in keyof T]: ParamResult<T[K]> }): ParamResult<T> {
  const values: unknown[] = [];
  for (const r of results) {
    if (!r.ok) return r;
    values.push(r.value);
  }
  return { ok: true, value: values as T };
}

/** A JSON body field as text for the number parsers: numbers and strings only. */
function jsonNumberText(v: unknown): string | undefined {
  return typeof v === 'number' || typeof v === 'string' ? String(v) : undefined;
}

/** The JSON API under /api (docs/api.md). Operator and service tokens, as a Bearer header. */
export function createApi(deps: ApiDeps): Hono<Env> {
  const api = new Hono<Env>();
  // Redis away: live tracking goes on, and the API says so plainly, rather than a bare 500.
  api.onError((err, c) => {
    if (!(err instanceof IndexUnavailableError)) throw err;
    return c.json(
      { error: 'index_unavailable', message: 'the geo-index store (Redis) cannot be reached; retry shortly' },
      503,
      { 'retry-after': '1' },
    );
  });

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
    const drivers = await deps.index.nearby({ lat, lng, radiusM, limit, tripState }, deps.now());
    return c.json({ drivers });
  });

  api.get('/drivers/:id', requireRole('operator', 'service'), async (c) => {
    const id = c.req.param('id') ?? '';
    if (!isDriverId(id)) return badRequest(c, { parameter: 'id', message: 'must be 1-64 of A-Z a-z 0-9 _ . -' });
    const driver = await deps.index.get(id, deps.now());
    return driver === null ? c.json({ error: 'not_found', message: `no live driver ${id}` }, 404) : c.json(driver);
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
    // Counts come from the live index: the index-resolution cells of the box, rolled up to `res`,
    // listed and counted in slices so a large box never stalls the broker.
    const slice = new TimeSlice();
    const cells = await boxCells(box, deps.index.h3Resolution, slice);
    if (cells.length > deps.maxCellsPerRequest) {
      return badRequest(c, {
        parameter: 'bbox',
        message: `covers ${cells.length} cells at the index resolution; at most ${deps.maxCellsPerRequest} (zoom in)`,
      });
    }
    const counts = await deps.index.countCells(cells, res, deps.now());
    return c.json({ res, cells: counts, total: counts.reduce((n, x) => n + x.count, 0) });
  });

  api.post('/trips', requireRole('operator', 'service'), async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return badRequest(c, { parameter: 'body', message: 'must be JSON' });
    }
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const pickup = (b['pickup'] ?? {}) as Record<string, unknown>;
    const params = all<[number, number]>(
      numberParam('pickup.lat', jsonNumberText(pickup['lat']), -90, 90),
      numberParam('pickup.lng', jsonNumberText(pickup['lng']), -180, 180),
    );
    if (!params.ok) return badRequest(c, params.error);
    const riderId = typeof b['riderId'] === 'string' ? b['riderId'] : `r-${Math.floor(deps.now() % 1e9)}`;
    if (!isDriverId(riderId))
      return badRequest(c, { parameter: 'riderId', message: 'must be 1-64 of A-Z a-z 0-9 _ . -' });
    const [lat, lng] = params.value;
    const result = await deps.dispatch.request({ lat, lng }, riderId);
    if (!result.ok) {
      return result.reason === 'no_driver_available'
        ? c.json({ error: 'no_driver_available', message: 'no available driver near the pickup' }, 409)
        : c.json(
            { error: 'no_token_signer', message: 'dispatch needs the broker to hold the token secret (JWT_SECRET)' },
            501,
          );
    }
    return c.json({ trip: result.trip, riderToken: result.riderToken }, 201);
  });

  api.post('/trips/:id/complete', requireRole('operator', 'service'), async (c) => {
    const result = await deps.dispatch.complete(c.req.param('id') ?? '');
    if (!result.ok) return c.json({ error: result.reason }, result.reason === 'unknown_trip' ? 404 : 409);
    return c.json({ trip: result.trip });
  });

  return api;
}
