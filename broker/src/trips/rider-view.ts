import type { DriverStatus, LatLng, RideCar, RideEta, RideRoute, RiderTrip } from '@ridetrack/shared';
import type { DriverState } from '../geo/types';
import type { Router } from '../routing/router';
import { isActive, type Trip } from './trip';

/** No ETA or route is given from a position older than this: it would be a guess presented as fact. */
export const ETA_MAX_AGE_MS = 15_000;

/**
 * The trip as its rider sees it (`GET /api/trips/{id}`). Exact positions only while the trip is
 * active; the ETA and route only from a fresh fix of an online driver, toward the pickup before the
 * rider is aboard and toward the destination after. Pure: the car, presence and clock are given.
 */
export function riderView(
  trip: Trip,
  seen: { state: DriverState | null; status: DriverStatus | null },
  router: Router,
  nowMs: number,
  next: { trip: string; riderToken: string } | null,
): RiderTrip {
  const active = isActive(trip);
  const s = seen.state;
  const car: RideCar | null =
    active && s !== null
      ? {
          lat: s.lat,
          lng: s.lng,
          headingDeg: s.headingDeg,
          speedMps: s.speedMps,
          fixMs: s.fixTimestampMs,
          updatedMs: s.updatedMs,
          online: seen.status?.online !== false,
        }
      : null;
  const target: { toward: 'pickup' | 'dropoff'; at: LatLng } | null =
    trip.state === 'assigned'
      ? { toward: 'pickup', at: trip.pickup }
      : trip.state === 'on_trip' && trip.dropoff !== undefined
        ? { toward: 'dropoff', at: trip.dropoff }
        : null;
  const usable = car !== null && car.online && nowMs - car.updatedMs <= ETA_MAX_AGE_MS;
  const way = usable && target !== null ? router.route(car, target.at) : null;
  const eta: RideEta | null =
    way === null || target === null
      ? null
      : {
          toward: target.toward,
          durationS: Math.round(way.durationS),
          distanceM: Math.round(way.distanceM),
          atMs: nowMs,
          basis: way.basis,
        };
  const route: RideRoute | null =
    way?.path == null || target === null
      ? null
      : {
          toward: target.toward,
          points: lngLatPoints(way.path.points),
          remainingS: way.path.remainingS.map((x) => Math.round(x * 10) / 10),
        };
  return {
    id: trip.id,
    stage: trip.state,
    driverId: trip.driverId,
    driver: trip.driver,
    pickup: trip.pickup,
    dropoff: trip.dropoff ?? null,
    streets: { pickup: streetAt(router, trip.pickup), dropoff: trip.dropoff ? streetAt(router, trip.dropoff) : null },
    createdMs: trip.createdMs,
    waitS: trip.waitS,
    arrivedMs: trip.arrivedMs ?? null,
    waitUntilMs: trip.arrivedMs === undefined ? null : trip.arrivedMs + trip.waitS * 1000,
    startedMs: trip.startedMs ?? null,
    startedBy: trip.startedBy ?? null,
    endedMs: trip.endedMs ?? null,
    endReason: trip.endReason ?? null,
    lost: trip.lost ?? null,
    car,
    eta,
    route,
    summary:
      trip.state === 'completed' && trip.startedMs !== undefined && trip.endedMs !== undefined
        ? { distanceM: Math.round(trip.drivenM), durationS: Math.round((trip.endedMs - trip.startedMs) / 1000) }
        : null,
    next,
    serverMs: nowMs,
    version: trip.version,
  };
}

/** A point's street is named within this distance of it (a pin dropped on a street, not near one). */
export const STREET_NAMED_WITHIN_M = 150;

/** The name of the street a point is on, when the router knows the roads and one is that near. */
export function streetAt(router: Router, p: LatLng): string | null {
  const on = router.snap?.(p) ?? null;
  return on !== null && on.offM <= STREET_NAMED_WITHIN_M ? on.name : null;
}

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/** A route's points as the API sends them: `[lng, lat]`, to six decimals (about 0.1 m). */
export function lngLatPoints(points: readonly LatLng[]): [number, number][] {
  return points.map((p): [number, number] => [round6(p.lng), round6(p.lat)]);
}
