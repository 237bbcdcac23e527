import { distanceM } from '@ridetrack/shared';

/**
 * When a driver's phone publishes, to save battery and bandwidth: when it moved more than
 * `minMoveM`, or turned more than `turnDeg`, or `maxIntervalS` passed (so a parked car still says
 * where it is); never more often than `minIntervalS`. A car on a trip reports more often.
 */
export interface RatePolicy {
  minMoveM: number;
  turnDeg: number;
  maxIntervalS: number;
  minIntervalS: number;
  onTripMinMoveM: number;
  onTripMaxIntervalS: number;
}

export const DEFAULT_RATE: RatePolicy = {
  minMoveM: 50,
  turnDeg: 25,
  maxIntervalS: 15,
  // The simulator's 1 s tick is the real floor; half a tick here keeps timer jitter (a late tick's
  // successor fires early) from skipping a fix.
  minIntervalS: 0.5,
  onTripMinMoveM: 20,
  onTripMaxIntervalS: 4,
};

export interface Sample {
  lat: number;
  lng: number;
  headingDeg: number | null;
  atMs: number;
}

export function shouldPublish(last: Sample | null, now: Sample, onTrip: boolean, policy: RatePolicy): boolean {
  if (last === null) return true;
  const elapsedS = (now.atMs - last.atMs) / 1000;
  if (elapsedS < policy.minIntervalS) return false;
  if (elapsedS >= (onTrip ? policy.onTripMaxIntervalS : policy.maxIntervalS)) return true;
  if (distanceM(last, now) >= (onTrip ? policy.onTripMinMoveM : policy.minMoveM)) return true;
  if (last.headingDeg !== null && now.headingDeg !== null) {
    const d = Math.abs(last.headingDeg - now.headingDeg) % 360;
    if ((d > 180 ? 360 - d : d) >= policy.turnDeg) return true;
  }
  return false;
}
