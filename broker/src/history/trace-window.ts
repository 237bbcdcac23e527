import type { TripState } from '@ridetrack/shared';
import type { TrackPoint, TripRecord } from './types';

/** States in which a driver is serving a trip; back to another one, the trip is over. */
const ON_A_TRIP: ReadonlySet<TripState> = new Set(['to_pickup', 'waiting', 'on_trip']);

/**
 * The part of its driver's track a trip covers: from its start to its announced end, or, when no
 * end was announced (dispatch still running it, or never told), to now, at most `maxTripMs` (the
 * rider token's lifetime) after its start. Pure.
 */
export function traceWindow(trip: TripRecord, nowMs: number, maxTripMs: number): { fromMs: number; toMs: number } {
  return { fromMs: trip.startMs, toMs: trip.endMs ?? Math.min(nowMs, trip.startMs + maxTripMs) };
}

/**
 * A trip with no announced end ends where its driver's own fixes say so: at the first fix back in
 * `available` or `off_duty` after fixes in a trip state (that fix included: it is where the car
 * was when the driver was done). Fixes before the first trip state are kept: the driver may not
 * have heard of the trip yet, but it was assigned.
 */
export function cutAtTripEnd(points: readonly TrackPoint[], endAnnounced: boolean): TrackPoint[] {
  if (endAnnounced) return [...points];
  let serving = false;
  for (let i = 0; i < points.length; i++) {
    const on = ON_A_TRIP.has((points[i] as TrackPoint).fix.tripState);
    if (on) serving = true;
    else if (serving) return points.slice(0, i + 1);
  }
  return [...points];
}
