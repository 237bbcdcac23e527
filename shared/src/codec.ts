import { LIMITS, TRIP_STATES, validateFix, type LocationFix } from './location';
import { fail, ok, type Result } from './result';

/**
 * Location packet v1: 24 bytes, little-endian. The layout is documented in docs/protocol.md.
 *
 *  0  u8   version (1)
 *  1  u8   flags: bits 0-1 trip state, bit 2 simulated, bit 3 waiting at pickup (with state 1),
 *           bits 4-7 reserved (written 0, ignored)
 *  2  u32  seq
 *  6  u48  device timestamp, ms since the epoch
 * 12  i32  latitude, 1e-7 degree
 * 16  i32  longitude, 1e-7 degree
 * 20  u24  heading (bits 0-11, 0.1 degree, 0xFFF unknown) | speed (bits 12-23, 0.1 m/s, 0xFFF unknown)
 * 23  u8   horizontal accuracy, metres (254 = 254 or worse, 255 unknown)
 */
export const LOCATION_V1 = 1;
export const LOCATION_V1_BYTES = 24;

const UNKNOWN_12 = 0xfff;
const TO_PICKUP = 1;
/** Flag bit 3: with trip state 1 (to pickup), the driver is at the pickup waiting for the rider. */
const WAITING_FLAG = 0b1000;
const UNKNOWN_ACCURACY = 0xff;
const MAX_HEADING_CODE = 3599;
const MAX_SPEED_CODE = 4094;
const E7 = 1e7;

export type DecodeReason =
  | 'empty'
  | 'unknown_version'
  | 'too_short'
  | 'too_long'
  | 'lat_out_of_range'
  | 'lng_out_of_range'
  | 'heading_out_of_range';

/**
 * Encodes a fix as a v1 packet. Speed and accuracy saturate at the wire maximum.
 * Throws RangeError on a fix that fails `validateFix`: callers encode their own data, so that is a bug.
 */
export function encodeLocation(fix: LocationFix): Uint8Array {
  const valid = validateFix(fix);
  if (!valid.ok) throw new RangeError(`encodeLocation: ${valid.reason}`);
  const bytes = new Uint8Array(LOCATION_V1_BYTES);
  const view = new DataView(bytes.buffer);
  const tripCode = fix.tripState === 'waiting' ? TO_PICKUP | WAITING_FLAG : TRIP_STATES.indexOf(fix.tripState);
  view.setUint8(0, LOCATION_V1);
  view.setUint8(1, tripCode | (fix.simulated ? 0b100 : 0));
  view.setUint32(2, fix.seq, true);
  const ts = Math.round(fix.timestampMs);
  view.setUint32(6, ts % 2 ** 32, true);
  view.setUint16(10, Math.floor(ts / 2 ** 32), true);
  view.setInt32(12, Math.round(fix.lat * E7), true);
  view.setInt32(16, Math.round(fix.lng * E7), true);
  const heading = fix.headingDeg === null ? UNKNOWN_12 : Math.round(fix.headingDeg * 10) % 3600;
  const speed = fix.speedMps === null ? UNKNOWN_12 : Math.min(Math.round(fix.speedMps * 10), MAX_SPEED_CODE);
  const motion = heading | (speed << 12);
  view.setUint16(20, motion & 0xffff, true);
  view.setUint8(22, motion >>> 16);
  const accuracy = fix.accuracyM === null ? UNKNOWN_ACCURACY : Math.min(Math.round(fix.accuracyM), LIMITS.maxAccuracyM);
  view.setUint8(23, accuracy);
  return bytes;
}

/** Decodes a v1 packet. Never throws: every way a buffer can be wrong is a reason. */
export function decodeLocation(bytes: Uint8Array): Result<LocationFix, DecodeReason> {
  if (bytes.byteLength === 0) return fail('empty');
  if (bytes[0] !== LOCATION_V1) return fail('unknown_version');
  if (bytes.byteLength < LOCATION_V1_BYTES) return fail('too_short');
  if (bytes.byteLength > LOCATION_V1_BYTES) return fail('too_long');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const flags = view.getUint8(1);
  const latE7 = view.getInt32(12, true);
  const lngE7 = view.getInt32(16, true);
  if (latE7 < -90 * E7 || latE7 > 90 * E7) return fail('lat_out_of_range');
  if (lngE7 < -180 * E7 || lngE7 > 180 * E7) return fail('lng_out_of_range');
  const motion = view.getUint16(20, true) | (view.getUint8(22) << 16);
  const heading = motion & 0xfff;
  const speed = motion >>> 12;
  if (heading > MAX_HEADING_CODE && heading !== UNKNOWN_12) return fail('heading_out_of_range');
  const accuracy = view.getUint8(23);
  return ok({
    seq: view.getUint32(2, true),
    timestampMs: view.getUint32(6, true) + view.getUint16(10, true) * 2 ** 32,
    lat: latE7 / E7,
    lng: lngE7 / E7,
    headingDeg: heading === UNKNOWN_12 ? null : heading / 10,
    speedMps: speed === UNKNOWN_12 ? null : speed / 10,
    accuracyM: accuracy === UNKNOWN_ACCURACY ? null : accuracy,
    tripState:
      (flags & 0b11) === TO_PICKUP && (flags & WAITING_FLAG) !== 0
        ? 'waiting'
        : (TRIP_STATES[flags & 0b11] ?? 'available'),
    simulated: (flags & 0b100) !== 0,
  });
}
