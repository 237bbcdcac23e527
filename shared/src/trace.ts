import { distanceM } from './geo';
import { TRIP_STATES, validateFix, type LocationFix } from './location';
import { fail, ok, type Result } from './result';

/**
 * A recorded track, as the trip trace and driver track routes send it (`GET /api/trips/:id/trace`,
 * `GET /api/drivers/:id/track`): one compact row per fix, oldest first,
 * `[receivedMs, timestampMs, lat, lng, headingDeg, speedMps, accuracyM, tripStateCode, simulated]`
 * (`receivedMs` is when the broker accepted the fix, `timestampMs` the device's time of it;
 * `tripStateCode` indexes TRIP_STATES; `simulated` is 0 or 1; the fix's seq is not sent). Also what a replay measures: distance, duration, average
 * speed and stops.
 */
export type TraceRow = [number, number, number, number, number | null, number | null, number | null, number, 0 | 1];

/** One fix of a recorded track and when the broker accepted it. */
export interface TracePoint {
  receivedMs: number;
  fix: LocationFix;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

export function traceRow(p: TracePoint): TraceRow {
  const { fix } = p;
  return [
    p.receivedMs,
    fix.timestampMs,
    round(fix.lat, 6),
    round(fix.lng, 6),
    fix.headingDeg === null ? null : round(fix.headingDeg, 1),
    fix.speedMps === null ? null : round(fix.speedMps, 1),
    fix.accuracyM,
    TRIP_STATES.indexOf(fix.tripState),
    fix.simulated ? 1 : 0,
  ];
}

const numOrNull = (v: unknown): v is number | null => v === null || typeof v === 'number';

/** One row back to a point; a row that does not check out is refused, never thrown. */
export function parseTraceRow(row: unknown): Result<TracePoint, 'bad_row'> {
  if (!Array.isArray(row) || row.length !== 9) return fail('bad_row');
  const [receivedMs, ts, lat, lng, heading, speed, accuracy, state, simulated] = row as unknown[];
  if (typeof receivedMs !== 'number' || typeof ts !== 'number') return fail('bad_row');
  if (typeof lat !== 'number' || typeof lng !== 'number' || typeof state !== 'number') return fail('bad_row');
  if (!numOrNull(heading) || !numOrNull(speed) || !numOrNull(accuracy)) return fail('bad_row');
  const tripState = TRIP_STATES[state];
  if (tripState === undefined || (simulated !== 0 && simulated !== 1)) return fail('bad_row');
  const fix: LocationFix = {
    seq: 0,
    timestampMs: ts,
    lat,
    lng,
    headingDeg: heading,
    speedMps: speed,
    accuracyM: accuracy,
    tripState,
    simulated: simulated === 1,
  };
  return validateFix(fix).ok ? ok({ receivedMs, fix }) : fail('bad_row');
}

/** A place where the car stood still (within `STOP_RADIUS_M`) for at least `STOP_MIN_MS`. */
export interface Stop {
  lat: number;
  lng: number;
  startMs: number;
  endMs: number;
}

export interface TraceStats {
  /** Metres driven: the fixes joined in order, GPS jitter while stopped left out. */
  distanceM: number;
  /** From the first fix to the last. */
  durationMs: number;
  /** distanceM over durationMs (stops included, as a rider experiences the trip). */
  avgSpeedMps: number;
  /** Highest speed a fix reported (null when none did). */
  maxSpeedMps: number | null;
  stops: Stop[];
  /**
   * Metres driven with the rider aboard (the fixes in `on_trip`, measured as distanceM is): what
   * the rider's own summary counts, where distanceM includes the drive to the pickup. Null when
   * no fix was on the trip.
   */
  withRiderM: number | null;
}

/** Still within this of where it stopped: GPS noise of a parked phone, a few metres of creeping. */
export const STOP_RADIUS_M = 30;
/** Shorter halts (a red light) are not stops. Traccar's default is 5 min; a ride's pickup wait is shorter. */
export const STOP_MIN_MS = 60_000;

/** Time, place and speed of a point, as the stats read it. */
export interface TimedPoint {
  t: number;
  lat: number;
  lng: number;
  speedMps: number | null;
  /** The rider was aboard (the fix's state `on_trip`). */
  aboard?: boolean;
}

/**
 * Distance, duration, average and top speed, and stops of a track in time order, and the distance
 * with the rider aboard. Pure: the replay bar and the trace route compute the same figures.
 */
export function traceStats(points: readonly TimedPoint[], stopMinMs = STOP_MIN_MS): TraceStats {
  const aboard = points.filter((p) => p.aboard === true);
  return {
    ...trackStats(points, stopMinMs),
    withRiderM: aboard.length === 0 ? null : trackStats(aboard, stopMinMs).distanceM,
  };
}

function trackStats(points: readonly TimedPoint[], stopMinMs: number): Omit<TraceStats, 'withRiderM'> {
  const first = points[0];
  const last = points[points.length - 1];
  if (first === undefined || last === undefined)
    return { distanceM: 0, durationMs: 0, avgSpeedMps: 0, maxSpeedMps: null, stops: [] };
  const stops: Stop[] = [];
  let distance = 0;
  let maxSpeed: number | null = null;
  // A candidate stop: the point it began at and the points still within the radius of it.
  let anchor = 0;
  const closeStop = (endIndex: number): boolean => {
    const a = points[anchor] as TimedPoint;
    const e = points[endIndex] as TimedPoint;
    if (e.t - a.t < stopMinMs) return false;
    let lat = 0;
    let lng = 0;
    for (let k = anchor; k <= endIndex; k++) {
      lat += (points[k] as TimedPoint).lat;
      lng += (points[k] as TimedPoint).lng;
    }
    const n = endIndex - anchor + 1;
    stops.push({ lat: lat / n, lng: lng / n, startMs: a.t, endMs: e.t });
    return true;
  };
  let pendingM = 0; // metres moved since the anchor, counted only if no stop is made of them
  for (let i = 0; i < points.length; i++) {
    const p = points[i] as TimedPoint;
    if (p.speedMps !== null) maxSpeed = Math.max(maxSpeed ?? 0, p.speedMps);
    if (i === 0) continue;
    const step = distanceM(points[i - 1] as TimedPoint, p);
    if (distanceM(points[anchor] as TimedPoint, p) <= STOP_RADIUS_M) {
      pendingM += step;
      continue;
    }
    // Left the radius: the time inside it was a stop (its jitter not driven) or just driving.
    if (!closeStop(i - 1)) distance += pendingM;
    distance += step;
    pendingM = 0;
    anchor = i;
  }
  if (!closeStop(points.length - 1)) distance += pendingM;
  const durationMs = Math.max(0, last.t - first.t);
  return {
    distanceM: distance,
    durationMs,
    avgSpeedMps: durationMs > 0 ? distance / (durationMs / 1000) : 0,
    maxSpeedMps: maxSpeed,
    stops,
  };
}
