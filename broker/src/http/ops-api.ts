import { Hono, type Context } from 'hono';
import { isDriverId, traceRow, traceStats, type Claims } from '@ridetrack/shared';
import type { TokenVerifier } from '../auth/tokens';
import type { ConnectionRegistry } from '../connections';
import { IndexUnavailableError, type GeoIndex } from '../geo/types';
import { cutAtTripEnd, traceWindow } from '../history/trace-window';
import type { ProfileDirectory } from '../trips/profiles';
import { TripStoreUnavailableError, type TripStore } from '../trips/trip-store';
import type { TripLog } from '../history/trip-log';
import { HistoryUnavailableError, type HistoryStore, type TrackPoint, type TripRecord } from '../history/types';
import { badRequest, driverIdsParam, integerParam } from './params';
import { requireRole, type ApiEnv } from './require-role';
import { errorBody } from './errors';

export interface OpsApiDeps {
  history: HistoryStore;
  connections: ConnectionRegistry;
  trips: TripLog;
  /** The index's resolutions, for the console's settings. */
  index: GeoIndex;
  /** Dispatch's own record of a trip, for one the history did not hear of (read only). */
  tripStore: TripStore;
  verifier: TokenVerifier | null;
  now: () => number;
  maxTripMs: number;
  /** What the console needs to know to stay within the API's limits. */
  maxCellsPerRequest: number;
  /** Regions one fleet stream may show. */
  maxStreamRegions: number;
  /** Who each driver is to riders: the console shows the same name, car and plate. */
  profiles: ProfileDirectory;
}

/** Most fixes one trace or track answer holds: five and a half hours at one fix a second. */
export const MAX_TRACE_FIXES = 20_000;
/** Most drivers one profiles request names: the console asks for those it knows, in pages of this size. */
export const MAX_PROFILES_PER_REQUEST = 500;
/** The widest time range one track request may ask for. */
const MAX_TRACK_WINDOW_MS = 24 * 3_600_000;
const COLUMNS = [
  'receivedMs',
  'timestampMs',
  'lat',
  'lng',
  'headingDeg',
  'speedMps',
  'accuracyM',
  'tripState',
  'simulated',
] as const;

const badId = (c: Context) => badRequest(c, { parameter: 'id', message: 'must be 1-64 of A-Z a-z 0-9 _ . -' });

/**
 * The operator console's routes under /api (docs/api.md): a trip's trace (also for that trip's own
 * rider), a driver's recent track, trips, profile and connection, and the console's settings.
 */
export function createOpsApi(deps: OpsApiDeps): Hono<ApiEnv> {
  const api = new Hono<ApiEnv>();
  api.onError((err, c) => {
    if (
      err instanceof HistoryUnavailableError ||
      err instanceof IndexUnavailableError ||
      err instanceof TripStoreUnavailableError
    )
      return c.json(
        errorBody('history_unavailable', 'the history store (Redis) cannot be reached; retry shortly'),
        503,
        { 'retry-after': '1' },
      );
    throw err;
  });
  const operator = requireRole(deps.verifier, 'operator', 'service');
  const historyOff = (c: Context) =>
    c.json(errorBody('history_off', 'this deployment keeps no history (HISTORY=off, live-only mode)'), 404);

  api.get('/console/settings', operator, (c) =>
    c.json({
      maxCellsPerRequest: deps.maxCellsPerRequest,
      indexResolution: deps.index.h3Resolution,
      regionResolution: deps.index.regionResolution,
      maxStreamRegions: deps.maxStreamRegions,
      history: { backend: deps.history.backend, retentionMs: deps.history.retentionMs },
    }),
  );

  // The whole fleet at a glance: drivers per region (as of the last sweep), for a view too wide to
  // stream its drivers (the console fits the map to it, and plans its density within it).
  api.get('/fleet/regions', operator, async (c) => {
    const regions = await deps.index.regionCounts(deps.now());
    return c.json({ res: deps.index.regionResolution, regions, total: regions.reduce((n, r) => n + r.count, 0) });
  });

  api.get('/trips/:id/trace', requireRole(deps.verifier, 'operator', 'service', 'rider'), async (c) => {
    const id = c.req.param('id') ?? '';
    if (!isDriverId(id)) return badId(c);
    if (!mayReadTrip(c.get('claims'), id))
      return c.json(errorBody('forbidden', 'a rider may read its own trip only', { reason: 'not_your_trip' }), 403);
    if (deps.history.backend === 'off') return historyOff(c);
    const nowMs = deps.now();
    const trip = (await deps.history.trip(id, nowMs)) ?? (await fromDispatch(deps.tripStore, id));
    if (trip === null) return c.json(errorBody('not_found', `no trip ${id} within the retention`), 404);
    const { fromMs, toMs } = traceWindow(trip, nowMs, deps.maxTripMs);
    const points = cutAtTripEnd(
      await deps.history.track(trip.driverId, fromMs, toMs, MAX_TRACE_FIXES, nowMs),
      trip.endMs !== null,
    );
    return c.json({
      trip: {
        id: trip.tripId,
        driverId: trip.driverId,
        riderId: trip.riderId,
        startMs: trip.startMs,
        endMs: trip.endMs,
      },
      columns: COLUMNS,
      rows: points.map(traceRow),
      stats: statsOf(points),
    });
  });

  api.get('/drivers/:id/track', operator, async (c) => {
    const id = c.req.param('id') ?? '';
    if (!isDriverId(id)) return badId(c);
    const nowMs = deps.now();
    const to = integerParam('to_ms', c.req.query('to_ms'), 0, Number.MAX_SAFE_INTEGER, nowMs);
    if (!to.ok) return badRequest(c, to.error);
    const from = integerParam('from_ms', c.req.query('from_ms'), 0, Number.MAX_SAFE_INTEGER, to.value - 600_000);
    if (!from.ok) return badRequest(c, from.error);
    if (from.value > to.value) return badRequest(c, { parameter: 'from_ms', message: 'must not be after to_ms' });
    if (to.value - from.value > MAX_TRACK_WINDOW_MS)
      return badRequest(c, { parameter: 'from_ms', message: 'must be within 24 h of to_ms' });
    const limit = integerParam('limit', c.req.query('limit'), 1, MAX_TRACE_FIXES, 5000);
    if (!limit.ok) return badRequest(c, limit.error);
    if (deps.history.backend === 'off') return historyOff(c);
    const points = await deps.history.track(id, from.value, to.value, limit.value, nowMs);
    return c.json({ driverId: id, columns: COLUMNS, rows: points.map(traceRow) });
  });

  api.get('/drivers/:id/trips', operator, async (c) => {
    const id = c.req.param('id') ?? '';
    if (!isDriverId(id)) return badId(c);
    const limit = integerParam('limit', c.req.query('limit'), 1, 100, 10);
    if (!limit.ok) return badRequest(c, limit.error);
    const current = deps.trips.currentTrip(id);
    const trips = await deps.history.tripsOf(id, limit.value, deps.now());
    return c.json({
      driverId: id,
      current: current === null ? null : { id: current.tripId, riderId: current.riderId, startMs: current.startMs },
      trips: trips.map((t) => ({ id: t.tripId, riderId: t.riderId, startMs: t.startMs, endMs: t.endMs })),
      history: deps.history.backend !== 'off',
    });
  });

  api.get('/drivers/:id/profile', operator, (c) => {
    const id = c.req.param('id') ?? '';
    if (!isDriverId(id)) return badId(c);
    return c.json({ driverId: id, ...deps.profiles(id) });
  });

  // Many drivers' profiles at once: the console finds a driver by its name or plate among those it shows.
  api.get('/driver-profiles', operator, (c) => {
    const ids = driverIdsParam('ids', c.req.query('ids'), MAX_PROFILES_PER_REQUEST);
    if (!ids.ok) return badRequest(c, ids.error);
    return c.json({ profiles: Object.fromEntries(ids.value.map((id) => [id, deps.profiles(id)])) });
  });

  api.get('/drivers/:id/connection', operator, async (c) => {
    const id = c.req.param('id') ?? '';
    if (!isDriverId(id)) return badId(c);
    const connection = await deps.connections.get(id);
    return connection === null
      ? c.json(errorBody('not_found', `no connection known for ${id}`), 404)
      : c.json({ driverId: id, ...connection });
  });

  return api;
}

/** Operators and services read any trip; a rider only the trip its token was issued for. */
function mayReadTrip(claims: Claims | null, tripId: string): boolean {
  if (claims === null || claims.role !== 'rider') return true;
  return claims.trip === tripId;
}

/** A trip dispatch still holds (it outlives neither its rider token nor a restart without Redis). */
async function fromDispatch(store: TripStore, tripId: string): Promise<TripRecord | null> {
  const trip = await store.load(tripId);
  if (trip === null) return null;
  return {
    tripId: trip.id,
    driverId: trip.driverId,
    riderId: trip.riderId,
    startMs: trip.createdMs,
    endMs: trip.endedMs ?? null,
  };
}

function statsOf(points: readonly TrackPoint[]) {
  return traceStats(
    points.map((p) => ({
      t: p.fix.timestampMs,
      lat: p.fix.lat,
      lng: p.fix.lng,
      speedMps: p.fix.speedMps,
      aboard: p.fix.tripState === 'on_trip',
    })),
  );
}
