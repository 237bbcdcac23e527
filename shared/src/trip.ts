import type { LatLng } from './geo';
import { fail, ok, type Result } from './result';

/**
 * What dispatch tells a driver on `d/{driverId}/t` (JSON, QoS 1): a trip assigned to it, the rider
 * aboard ("I'm in", tapped by the rider while the driver waits at the pickup), or the trip ended
 * (completed, or cancelled: by the rider, or because the trip was given to another driver).
 * `{"trip":"t-1f3a","state":"assigned","pickup":{"lat":39.28,"lng":-76.6},"rider":"r-1","waitS":120,"ts":1764288000000}`
 */
export interface TripMessage {
  trip: string;
  state: TripMessageState;
  pickup?: LatLng;
  dropoff?: LatLng;
  rider?: string;
  /** How long the driver waits at the pickup for the rider before starting the trip, seconds. */
  waitS?: number;
  ts: number;
}

export type TripMessageState = 'assigned' | 'boarded' | 'completed' | 'cancelled';

export type TripMessageReason = 'not_json' | 'bad_trip' | 'bad_state' | 'bad_point' | 'bad_wait' | 'bad_ts';

const STATES: readonly TripMessageState[] = ['assigned', 'boarded', 'completed', 'cancelled'];
/** The longest wait a trip may ask of a driver: an hour. */
const MAX_WAIT_S = 3600;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function encodeTripMessage(m: TripMessage): string {
  return JSON.stringify(m);
}

function point(v: unknown): LatLng | null | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null) return null;
  const { lat, lng } = v as Record<string, unknown>;
  if (typeof lat !== 'number' || typeof lng !== 'number' || Math.abs(lat) > 90 || Math.abs(lng) > 180) return null;
  return { lat, lng };
}

/** Decodes a trip message. Never throws. */
export function decodeTripMessage(payload: Uint8Array | string): Result<TripMessage, TripMessageReason> {
  let v: unknown;
  try {
    v = JSON.parse(typeof payload === 'string' ? payload : utf8.decode(payload));
  } catch {
    return fail('not_json');
  }
  if (typeof v !== 'object' || v === null) return fail('bad_trip');
  const r = v as Record<string, unknown>;
  if (typeof r['trip'] !== 'string' || r['trip'].length === 0) return fail('bad_trip');
  if (!STATES.includes(r['state'] as TripMessage['state'])) return fail('bad_state');
  const pickup = point(r['pickup']);
  const dropoff = point(r['dropoff']);
  if (pickup === null || dropoff === null) return fail('bad_point');
  const waitS = r['waitS'];
  if (waitS !== undefined && (typeof waitS !== 'number' || !(waitS >= 0 && waitS <= MAX_WAIT_S)))
    return fail('bad_wait');
  if (typeof r['ts'] !== 'number') return fail('bad_ts');
  return ok({
    trip: r['trip'],
    state: r['state'] as TripMessageState,
    ts: r['ts'],
    ...(typeof waitS === 'number' ? { waitS } : {}),
    ...(pickup ? { pickup } : {}),
    ...(dropoff ? { dropoff } : {}),
    ...(typeof r['rider'] === 'string' ? { rider: r['rider'] } : {}),
  });
}
