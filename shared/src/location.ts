import { fail, ok, type Result } from './result';

/** What a driver is doing, carried in every fix so riders and operators see it without another topic. */
export type TripState = 'available' | 'to_pickup' | 'waiting' | 'on_trip' | 'off_duty';

/**
 * Trip states by code: the index is the state's code in index members and fleet rows. In the v1
 * packet, codes 0-3 are the 2-bit trip state of the flags; `waiting` (at the pickup, waiting for the
 * rider) is sent as `to_pickup` with flag bit 3 set, so readers that predate it see `to_pickup`.
 */
export const TRIP_STATES: readonly TripState[] = ['available', 'to_pickup', 'on_trip', 'off_duty', 'waiting'];

/** One GPS fix of one driver, the unit every part of ridetrack passes around. */
export interface LocationFix {
  /** Per-driver sequence number, 0 .. 2^32-1; larger is newer. */
  seq: number;
  /** Device time of the fix, milliseconds since the Unix epoch (UTC). */
  timestampMs: number;
  /** WGS 84 latitude in degrees, -90 .. 90. */
  lat: number;
  /** WGS 84 longitude in degrees, -180 .. 180. */
  lng: number;
  /** Course over ground in degrees clockwise from true north, 0 .. <360; null when unknown. */
  headingDeg: number | null;
  /** Ground speed in metres per second, 0 .. 409.4; null when unknown. */
  speedMps: number | null;
  /** Horizontal accuracy (radius, metres), 0 .. 254 (254 means 254 or worse); null when unknown. */
  accuracyM: number | null;
  tripState: TripState;
  /** True when the fix comes from a simulator rather than a real device. */
  simulated: boolean;
}

/** Limits of the v1 packet, shared by the codec, the OwnTracks decoder and the docs. */
export const LIMITS = {
  maxSeq: 0xffff_ffff,
  /** 2^48 - 1 ms: the year 10889. */
  maxTimestampMs: 2 ** 48 - 1,
  maxSpeedMps: 409.4,
  maxAccuracyM: 254,
} as const;

export type FixReason =
  | 'seq_out_of_range'
  | 'timestamp_out_of_range'
  | 'lat_out_of_range'
  | 'lng_out_of_range'
  | 'heading_out_of_range'
  | 'speed_out_of_range'
  | 'accuracy_out_of_range'
  | 'not_a_number'
  | 'bad_trip_state';

function isFiniteIn(x: number, min: number, max: number): boolean {
  return Number.isFinite(x) && x >= min && x <= max;
}

/**
 * Checks that a fix fits the v1 ranges. NaN and infinities anywhere give `not_a_number`.
 * Speeds above the wire maximum and accuracies worse than it are not errors: they saturate on encode.
 */
export function validateFix(fix: LocationFix): Result<LocationFix, FixReason> {
  const numbers = [fix.seq, fix.timestampMs, fix.lat, fix.lng, fix.headingDeg, fix.speedMps, fix.accuracyM];
  if (numbers.some((n) => n !== null && Number.isNaN(n))) return fail('not_a_number');
  if (!Number.isInteger(fix.seq) || !isFiniteIn(fix.seq, 0, LIMITS.maxSeq)) return fail('seq_out_of_range');
  if (!isFiniteIn(fix.timestampMs, 0, LIMITS.maxTimestampMs)) return fail('timestamp_out_of_range');
  if (!isFiniteIn(fix.lat, -90, 90)) return fail('lat_out_of_range');
  if (!isFiniteIn(fix.lng, -180, 180)) return fail('lng_out_of_range');
  if (fix.headingDeg !== null && !isFiniteIn(fix.headingDeg, 0, 360)) return fail('heading_out_of_range');
  if (fix.speedMps !== null && !isFiniteIn(fix.speedMps, 0, Number.MAX_VALUE)) return fail('speed_out_of_range');
  if (fix.accuracyM !== null && !isFiniteIn(fix.accuracyM, 0, Number.MAX_VALUE)) {
    return fail('accuracy_out_of_range');
  }
  if (!TRIP_STATES.includes(fix.tripState)) return fail('bad_trip_state');
  return ok(fix);
}
