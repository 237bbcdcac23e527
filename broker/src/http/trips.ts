import { Hono, type Context } from 'hono';
import { isDriverId, type Claims, type DriverStatus, type LatLng } from '@ridetrack/shared';
import type { TokenVerifier } from '../auth/tokens';
import type { Dispatch } from '../dispatch';
import type { GeoIndex } from '../geo/types';
import type { Router } from '../routing/router';
import { coarseCars } from '../trips/coarse-cars';
import { lngLatPoints, riderView, streetAt } from '../trips/rider-view';
import type { TripBook } from '../trips/trip-book';
import { isActive, type Trip } from '../trips/trip';
import { TripStoreUnavailableError } from '../trips/trip-store';
import { answerIndexUnavailable } from './api';
import { badRequest, numberParam, type ParamError } from './params';
import { errorBody } from './errors';
import { authorize, bearerToken, refusalHeaders } from './require-role';

/** Cars near a point shown before booking (`GET /api/cars/nearby`); `more` says there are others. */
const CARS_SHOWN = 12;

export interface TripApiDeps {
  book: TripBook;
  dispatch: Dispatch;
  index: GeoIndex;
  presenceOf: (driverId: string) => Promise<DriverStatus | null>;
  router: Router;
  /** Adopts a trip into this node's supervision (after a restart, or a trip another node dispatched). */
  watch: (tripId: string) => void;
  /** null in open mode: no token is asked for. */
  verifier: TokenVerifier | null;
  /** Dev and open mode: cars near a point may be asked for without a token. */
  anonymousCars: boolean;
  /** The H3 resolution cars are snapped to before anyone without a trip sees them. */
  carsResolution: number;
  now: () => number;
}

type Env = { Variables: { claims: Claims | null } };

const unknownTrip = (c: Context) =>
  c.json(errorBody('unknown_trip', 'this trip does not exist (it ended long ago, or the id is wrong)'), 404);

/** A point of a JSON body: `{lat, lng}` within range, absent, or the name of the bad field. */
function bodyPoint(v: unknown, name: string): LatLng | undefined | ParamError {
  if (v === undefined) return undefined;
  const p = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  const lat = numberParam(
    `${name}.lat`,
    typeof p['lat'] === 'number' || typeof p['lat'] === 'string' ? String(p['lat']) : undefined,
    -90,
    90,
  );
  if (!lat.ok) return lat.error;
  const lng = numberParam(
    `${name}.lng`,
    typeof p['lng'] === 'number' || typeof p['lng'] === 'string' ? String(p['lng']) : undefined,
    -180,
    180,
  );
  if (!lng.ok) return lng.error;
  return { lat: lat.value, lng: lng.value };
}

/** Redis away: the trip store's or the index's, each named, with when to retry. */
function answerStoreUnavailable(err: Error, c: Context): Response {
  if (!(err instanceof TripStoreUnavailableError)) return answerIndexUnavailable(err, c);
  return c.json(errorBody('trips_unavailable', 'the trip store (Redis) cannot be reached; retry shortly'), 503, {
    'retry-after': '1',
  });
}

const isError = (v: unknown): v is ParamError => typeof v === 'object' && v !== null && 'parameter' in v;

/**
 * Trips: dispatch (`POST /api/trips`, for the ride app's backend), the rider's view of its trip
 * and its two taps ("I'm in", cancel), an operator's end, and the cars near a point as anyone may
 * see them before booking (coarse). docs/api.md.
 */
export function createTripApi(deps: TripApiDeps): Hono<Env> {
  const api = new Hono<Env>();
  api.onError(answerStoreUnavailable);

  /** The request's claims, or a refusal: 401 without a valid token (unless the route allows none). */
  const claimsOf = async (c: Context<Env>, anonymous = false): Promise<Claims | null | Response> => {
    const authorized = await authorize(deps.verifier, bearerToken(c.req.header('authorization')), 'any', { anonymous });
    if (!authorized.ok) return c.json(authorized.body, authorized.status, refusalHeaders(authorized.status));
    return authorized.claims;
  };
  const staff = (claims: Claims | null) => claims === null || claims.role === 'operator' || claims.role === 'service';
  const ridesIt = (claims: Claims | null, tripId: string) =>
    staff(claims) || (claims?.role === 'rider' && claims.trip === tripId);
  const forbidden = (c: Context, message: string) => c.json(errorBody('forbidden', message), 403);

  api.post('/trips', async (c) => {
    const claims = await claimsOf(c);
    if (claims instanceof Response) return claims;
    if (!staff(claims)) return forbidden(c, 'needs an operator or service token');
    const body = (await c.req.json().catch(() => undefined)) as unknown;
    if (typeof body !== 'object' || body === null)
      return badRequest(c, { parameter: 'body', message: 'must be a JSON object' });
    const b = body as Record<string, unknown>;
    const pickup = bodyPoint(b['pickup'] ?? {}, 'pickup');
    if (isError(pickup)) return badRequest(c, pickup);
    const dropoff = bodyPoint(b['dropoff'], 'dropoff');
    if (isError(dropoff)) return badRequest(c, dropoff);
    const riderId = typeof b['riderId'] === 'string' ? b['riderId'] : `r-${Math.floor(deps.now() % 1e9)}`;
    if (!isDriverId(riderId))
      return badRequest(c, { parameter: 'riderId', message: 'must be 1-64 of A-Z a-z 0-9 _ . -' });
    return requestRide(c, deps, pickup as LatLng, riderId, dropoff);
  });

  api.get('/trips/:id', async (c) => {
    const id = c.req.param('id');
    const claims = await claimsOf(c);
    if (claims instanceof Response) return claims;
    if (!ridesIt(claims, id)) return forbidden(c, 'this token is not for this trip');
    const trip = await deps.book.load(id);
    if (trip === null) return unknownTrip(c);
    if (isActive(trip)) deps.watch(trip.id);
    const view = await viewOf(deps, trip);
    // The answer changes with the trip's version and with every fix of its car.
    const etag = `"${view.version}-${view.car?.updatedMs ?? 0}-${view.car?.online ?? ''}-${view.next?.trip ?? ''}"`;
    if (c.req.header('if-none-match') === etag) return c.body(null, 304, { etag, 'cache-control': 'no-store' });
    return c.json(view, 200, { etag, 'cache-control': 'no-store' });
  });

  api.post('/trips/:id/board', async (c) => {
    const id = c.req.param('id');
    const claims = await claimsOf(c);
    if (claims instanceof Response) return claims;
    if (!ridesIt(claims, id)) return forbidden(c, 'this token is not for this trip');
    const out = await deps.book.board(id);
    if (!out.ok) {
      if (out.reason === 'unknown_trip') return unknownTrip(c);
      return c.json({ error: out.reason, message: 'the driver is not waiting at the pickup' }, 409);
    }
    return c.json(await viewOf(deps, out.trip));
  });

  api.post('/trips/:id/cancel', async (c) => {
    const id = c.req.param('id');
    const claims = await claimsOf(c);
    if (claims instanceof Response) return claims;
    if (!ridesIt(claims, id)) return forbidden(c, 'this token is not for this trip');
    const out = await deps.book.end(id, 'cancelled', claims?.role === 'rider' ? 'rider_cancelled' : 'operator_ended');
    if (!out.ok) return out.reason === 'unknown_trip' ? unknownTrip(c) : c.json({ error: out.reason }, 409);
    return c.json(await viewOf(deps, out.trip));
  });

  api.post('/trips/:id/complete', async (c) => {
    const claims = await claimsOf(c);
    if (claims instanceof Response) return claims;
    if (!staff(claims)) return forbidden(c, 'needs an operator or service token');
    const out = await deps.book.end(c.req.param('id'), 'completed', 'arrived');
    if (!out.ok) return out.reason === 'unknown_trip' ? unknownTrip(c) : c.json({ error: out.reason }, 409);
    return c.json({ trip: out.trip });
  });

  api.get('/cars/nearby', async (c) => {
    const claims = await claimsOf(c, deps.anonymousCars);
    if (claims instanceof Response) return claims;
    const lat = numberParam('lat', c.req.query('lat'), -90, 90);
    if (!lat.ok) return badRequest(c, lat.error);
    const lng = numberParam('lng', c.req.query('lng'), -180, 180);
    if (!lng.ok) return badRequest(c, lng.error);
    const asked = { lat: lat.value, lng: lng.value };
    // The point on its street, as dispatch will take it, with the street's name for the pin.
    const at = deps.dispatch.onStreet(asked);
    // One more than is shown, to say "12+" rather than a cap that reads as a count.
    const found = await deps.dispatch.available(at, CARS_SHOWN + 1);
    const cars = found.slice(0, CARS_SHOWN);
    const nearest = cars[0] === undefined ? null : deps.router.route(cars[0], at);
    return c.json(
      {
        cars: coarseCars(cars, deps.carsResolution, deps.router.snap?.bind(deps.router)),
        more: found.length > CARS_SHOWN,
        resolution: deps.carsResolution,
        nearestEtaS: nearest === null ? null : Math.round(nearest.durationS),
        basis: deps.router.basis,
        pickup: { lat: at.lat, lng: at.lng, street: streetAt(deps.router, at) },
      },
      200,
      { 'cache-control': 'no-store' },
    );
  });

  // The ride before it is requested: how far and how long from the pickup to the destination,
  // the way, and the destination's street, for the rider's confirm step.
  api.get('/rides/estimate', async (c) => {
    const claims = await claimsOf(c, deps.anonymousCars);
    if (claims instanceof Response) return claims;
    const points: LatLng[] = [];
    for (const end of ['from', 'to'] as const) {
      const lat = numberParam(`${end}_lat`, c.req.query(`${end}_lat`), -90, 90);
      if (!lat.ok) return badRequest(c, lat.error);
      const lng = numberParam(`${end}_lng`, c.req.query(`${end}_lng`), -180, 180);
      if (!lng.ok) return badRequest(c, lng.error);
      // Each end on its street, as dispatch will take it.
      points.push(deps.dispatch.onStreet({ lat: lat.value, lng: lng.value }));
    }
    const [from, to] = points as [LatLng, LatLng];
    const way = deps.router.route(from, to);
    return c.json(
      {
        distanceM: way === null ? null : Math.round(way.distanceM),
        durationS: way === null ? null : Math.round(way.durationS),
        basis: way?.basis ?? deps.router.basis,
        route: way?.path == null ? null : lngLatPoints(way.path.points),
        dropoff: { lat: to.lat, lng: to.lng, street: streetAt(deps.router, to) },
      },
      200,
      { 'cache-control': 'no-store' },
    );
  });

  return api;
}

/** Dispatch's answer as HTTP: 201 with the trip and the rider token, or why not. */
export async function requestRide(
  c: Context,
  deps: Pick<TripApiDeps, 'dispatch'>,
  pickup: LatLng,
  riderId: string,
  dropoff: LatLng | undefined,
): Promise<Response> {
  const result = await deps.dispatch.request(pickup, riderId, dropoff);
  if (!result.ok) {
    return result.reason === 'no_driver_available'
      ? c.json(errorBody('no_driver_available', 'no available driver near the pickup'), 409)
      : c.json(errorBody('no_token_signer', 'dispatch needs the broker to hold the token secret (JWT_SECRET)'), 501);
  }
  return c.json({ trip: result.trip, riderToken: result.riderToken }, 201);
}

/** The rider's view of a trip, with the car's state and presence read now. */
async function viewOf(deps: TripApiDeps, trip: Trip) {
  const nowMs = deps.now();
  const [state, status] = isActive(trip)
    ? await Promise.all([deps.index.get(trip.driverId, nowMs), deps.presenceOf(trip.driverId).catch(() => null)])
    : [null, null];
  let next: { trip: string; riderToken: string } | null = null;
  if (trip.replacedBy !== undefined) {
    const replacement = await deps.book.load(trip.replacedBy);
    const riderToken = replacement === null ? null : await deps.dispatch.riderToken(replacement);
    if (replacement !== null && riderToken !== null) next = { trip: replacement.id, riderToken };
  }
  return riderView(trip, { state, status }, deps.router, nowMs, next);
}
