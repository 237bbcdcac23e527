import type { LatLng } from './geo';
import { fail, ok, type Result } from './result';

/**
 * A trip as its rider sees it: `GET /api/trips/{id}` (docs/api.md). The broker keeps the trip's
 * stage from the driver's fixes and the rider's taps; the page draws every text from this one
 * object, so no two texts can disagree.
 *
 *   assigned  the driver is on the way to the pickup
 *   waiting   the driver is at the pickup, waiting for the rider (until `waitUntilMs`)
 *   on_trip   the rider is aboard (tapped "I'm in", or the driver started the trip)
 *   completed at the destination (`summary` says how far and how long)
 *   cancelled by the rider, no driver could take the trip over, or the rider never came (`endReason`)
 *   reassigned its driver went offline or silent (`lost`): `next` is the trip that replaces it
 */
export type TripStage = 'assigned' | 'waiting' | 'on_trip' | 'completed' | 'cancelled' | 'reassigned';

export const TRIP_STAGES: readonly TripStage[] = [
  'assigned',
  'waiting',
  'on_trip',
  'completed',
  'cancelled',
  'reassigned',
];

/** Stages in which the trip goes on (its rider token works). */
export function isActiveStage(stage: TripStage): boolean {
  return stage === 'assigned' || stage === 'waiting' || stage === 'on_trip';
}

/**
 * Why a trip ended: at the destination, cancelled by the rider or an operator, no driver left, or
 * the rider never came: the driver waited the whole wait at the pickup and left (`no_show`).
 */
export type TripEndReason = 'arrived' | 'rider_cancelled' | 'operator_ended' | 'no_driver' | 'no_show';

/** Why a trip's driver was replaced: its connection ended, its fixes stopped, or it dropped the trip. */
export type DriverLostReason = 'offline' | 'silent' | 'declined';

/** Who the rider looks for: a name to greet and a car to recognise (never the driver's id). */
export interface DriverProfile {
  /** Display name, e.g. "Maria". */
  name: string;
  /** Colour, make and model, e.g. "Grey Toyota Prius". */
  car: string;
  /** Licence plate, e.g. "7KXM214". */
  plate: string;
}

/** The car of an active trip: its exact last fix (only this trip's rider and operators get it). */
export interface RideCar {
  lat: number;
  lng: number;
  headingDeg: number | null;
  speedMps: number | null;
  /** Device time of the fix. */
  fixMs: number;
  /** When the broker received it (staleness is judged on this). */
  updatedMs: number;
  online: boolean;
}

/** Time and distance still to go, as of `atMs`; a page counts it down between answers. */
export interface RideEta {
  toward: 'pickup' | 'dropoff';
  durationS: number;
  distanceM: number;
  atMs: number;
  /** `road` when computed along the road network; `straight` from the straight line (no roads known). */
  basis: 'road' | 'straight';
}

/** The route still to drive, when the broker knows the roads: [lng, lat] points, car first. */
export interface RideRoute {
  toward: 'pickup' | 'dropoff';
  points: [number, number][];
  /** Seconds to drive from each point to the end (same length as `points`): the ETA along the route. */
  remainingS: number[];
}

export interface RiderTrip {
  id: string;
  stage: TripStage;
  /** The driver's id: what the page follows (its topics); never shown. */
  driverId: string;
  driver: DriverProfile;
  pickup: LatLng;
  dropoff: LatLng | null;
  /** The streets the pickup and destination are on, when the broker knows the roads. */
  streets: { pickup: string | null; dropoff: string | null };
  createdMs: number;
  /** How long the driver waits at the pickup, seconds. */
  waitS: number;
  arrivedMs: number | null;
  waitUntilMs: number | null;
  startedMs: number | null;
  /** `rider`: the rider tapped "I'm in"; `driver`: the driver started the trip (from its app). */
  startedBy: 'rider' | 'driver' | null;
  endedMs: number | null;
  endReason: TripEndReason | null;
  lost: DriverLostReason | null;
  /** Null once the trip has ended: exact positions only while it is active. */
  car: RideCar | null;
  eta: RideEta | null;
  route: RideRoute | null;
  summary: { distanceM: number; durationS: number } | null;
  /** For a reassigned trip: the trip that replaced it, and a rider token for it. */
  next: { trip: string; riderToken: string } | null;
  /** The broker's clock when it answered, so a page can count down on its own clock. */
  serverMs: number;
  version: number;
}

/**
 * Reads a rider trip from JSON. Only the fields every screen depends on are checked; a broker
 * that answers something else is a bug the page reports as `bad_trip` rather than drawing.
 */
export function parseRiderTrip(value: unknown): Result<RiderTrip, 'bad_trip'> {
  if (typeof value !== 'object' || value === null) return fail('bad_trip');
  const t = value as Record<string, unknown>;
  const point = (p: unknown): p is LatLng =>
    typeof p === 'object' &&
    p !== null &&
    typeof (p as LatLng).lat === 'number' &&
    typeof (p as LatLng).lng === 'number';
  const driver = t['driver'] as Record<string, unknown> | null | undefined;
  if (
    typeof t['id'] !== 'string' ||
    !TRIP_STAGES.includes(t['stage'] as TripStage) ||
    typeof t['driverId'] !== 'string' ||
    typeof driver !== 'object' ||
    driver === null ||
    typeof driver['name'] !== 'string' ||
    typeof driver['car'] !== 'string' ||
    typeof driver['plate'] !== 'string' ||
    !point(t['pickup']) ||
    (t['dropoff'] !== null && !point(t['dropoff'])) ||
    typeof t['version'] !== 'number' ||
    typeof t['serverMs'] !== 'number'
  )
    return fail('bad_trip');
  return ok(value as RiderTrip);
}
