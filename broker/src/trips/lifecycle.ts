import { distanceM, type DriverLostReason, type LatLng, type TripState } from '@ridetrack/shared';
import { isActive, type Trip } from './trip';

/** What the broker knows of a trip's driver at one moment. */
export interface DriverObservation {
  /** Presence from the retained status: null when the broker has none (never connected since start). */
  online: boolean | null;
  /** When the presence last changed, broker time. */
  presenceMs: number | null;
  /** The driver's last fix in the geo-index, null when it has none within the staleness window. */
  fix: (LatLng & { speedMps: number | null; tripState: TripState; updatedMs: number }) | null;
}

export interface LifecycleLimits {
  /** A driver offline this long (a phone changing networks comes back sooner) loses the trip. */
  offlineGraceMs: number;
  /** A driver whose fixes stop for this long loses the trip. */
  silentAfterMs: number;
  /** A driver still reporting `available` this long after assignment has dropped the trip. */
  declineAfterMs: number;
  /** Stopped this close to the pickup counts as arrived, for drivers whose fixes do not say `waiting`. */
  arrivedWithinM: number;
  /** Moves shorter than this are GPS noise, not counted as distance driven. */
  odometerStepM: number;
  /**
   * A waiting driver who leaves this close to the end of the wait has waited it out: the driver's
   * clock started the wait when it stopped, the broker's a fix or a tick later.
   */
  waitSlackMs: number;
}

export const DEFAULT_LIFECYCLE: LifecycleLimits = {
  offlineGraceMs: 5000,
  silentAfterMs: 15_000,
  declineAfterMs: 10_000,
  arrivedWithinM: 40,
  odometerStepM: 15,
  waitSlackMs: 10_000,
};

export type Judgement =
  { kind: 'keep' } | { kind: 'update'; changes: Partial<Trip> } | { kind: 'lost'; reason: DriverLostReason };

const KEEP: Judgement = { kind: 'keep' };
const at = (p: LatLng): LatLng => ({ lat: p.lat, lng: p.lng });

/**
 * The next step of an active trip, from what its driver is doing. Before the rider is aboard, a
 * driver who goes offline, falls silent or drops the trip is lost (dispatch finds another); the
 * driver's fixes move the trip along: `waiting` at the pickup, `on_trip` once it drives the rider,
 * and back to `available` at the destination; a driver back to `available` from the pickup after
 * the whole wait ends the trip as a no-show. With the rider aboard the driver is never replaced:
 * the rider is in that car. Pure: time is an argument.
 */
export function judgeTrip(trip: Trip, seen: DriverObservation, nowMs: number, limits: LifecycleLimits): Judgement {
  if (!isActive(trip)) return KEEP;
  const fix = seen.fix;
  if (
    trip.state === 'waiting' &&
    fix?.tripState === 'available' &&
    fix.updatedMs > (trip.arrivedMs ?? trip.createdMs)
  ) {
    // The driver left the pickup: after the whole wait the rider did not come (a no-show, the
    // ride ends); before it, the driver dropped the trip (another driver is found).
    const waitEndsMs = (trip.arrivedMs ?? trip.createdMs) + trip.waitS * 1000;
    return nowMs >= waitEndsMs - limits.waitSlackMs
      ? { kind: 'update', changes: { state: 'cancelled', endedMs: nowMs, endReason: 'no_show' } }
      : { kind: 'lost', reason: 'declined' };
  }
  if (trip.state !== 'on_trip') {
    if (seen.online === false && nowMs - (seen.presenceMs ?? 0) >= limits.offlineGraceMs) {
      return { kind: 'lost', reason: 'offline' };
    }
    const heardMs = Math.max(trip.createdMs, fix?.updatedMs ?? 0);
    if (nowMs - heardMs >= limits.silentAfterMs) return { kind: 'lost', reason: 'silent' };
    if (fix?.tripState === 'available' && fix.updatedMs - trip.createdMs >= limits.declineAfterMs) {
      return { kind: 'lost', reason: 'declined' };
    }
  }
  if (fix === null) return KEEP;
  const fresh = fix.updatedMs > (trip.startedMs ?? trip.arrivedMs ?? trip.createdMs);
  switch (trip.state) {
    case 'assigned': {
      if (fix.tripState === 'on_trip') {
        return {
          kind: 'update',
          changes: { state: 'on_trip', arrivedMs: nowMs, startedMs: nowMs, startedBy: 'driver', odometerAt: at(fix) },
        };
      }
      const stoppedNear = (fix.speedMps ?? 0) < 1 && distanceM(fix, trip.pickup) <= limits.arrivedWithinM;
      if (fix.tripState === 'waiting' || (fresh && stoppedNear && fix.tripState !== 'available')) {
        return { kind: 'update', changes: { state: 'waiting', arrivedMs: nowMs } };
      }
      return KEEP;
    }
    case 'waiting':
      return fix.tripState === 'on_trip'
        ? { kind: 'update', changes: { state: 'on_trip', startedMs: nowMs, startedBy: 'driver', odometerAt: at(fix) } }
        : KEEP;
    case 'on_trip': {
      if (fresh && (fix.tripState === 'available' || fix.tripState === 'off_duty')) {
        return { kind: 'update', changes: { state: 'completed', endedMs: nowMs, endReason: 'arrived' } };
      }
      const from = trip.odometerAt;
      if (from === undefined) return { kind: 'update', changes: { odometerAt: at(fix) } };
      const step = distanceM(from, fix);
      return step >= limits.odometerStepM
        ? { kind: 'update', changes: { drivenM: trip.drivenM + step, odometerAt: at(fix) } }
        : KEEP;
    }
    default:
      return KEEP;
  }
}
