import type { LatLng } from './geo';
import { fail, ok, type Result } from './result';

/**
 * What dispatch tells a driver on `d/{driverId}/t` (JSON, QoS 1): a trip assigned to it, or ended.
 * `{"trip":"t-1f3a","state":"assigned","pickup":{"lat":39.28,"lng":-76.6},"rider":"r-1","ts":1764288000000}`
 */
export interface TripMessage {
  trip: string;
  state: 'assigned' | 'completed' | 'cancelled';
  pickup?: LatLng;
  dropoff?: LatLng;
  rider?: string;
  ts: number;
}

export type TripMessageReason = 'not_json' | 'bad_trip' | 'bad_state' | 'bad_point' | 'bad_ts';

const STATES: readonly TripMessage['state'][] = ['assigned', 'completed', 'cancelled'];
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
  if (typeof r['ts'] !== 'number') return fail('bad_ts');
  return ok({
    trip: r['trip'],
    state: r['state'] as TripMessage['state'],
    ts: r['ts'],
    ...(pickup ? { pickup } : {}),
    ...(dropoff ? { dropoff } : {}),
    ...(typeof r['rider'] === 'string' ? { rider: r['rider'] } : {}),
  });
}
