import { TRIP_STATES, validateFix, type LocationFix } from './location';
import { fail, ok, type Result } from './result';

/**
 * The operator's fleet stream (`GET /api/fleet/events`) sends, twice a second, the drivers whose
 * fix or presence changed, one compact row each:
 * `[driverId, seq, timestampMs, lat, lng, headingDeg, speedMps, accuracyM, tripStateCode, simulated, online]`
 * (`tripStateCode` is the index in TRIP_STATES; `simulated` and `online` are 0 or 1). One JSON parse
 * per batch instead of thousands of MQTT messages a second is what keeps a fleet map smooth.
 */
export type FleetRow = [
  string,
  number,
  number,
  number,
  number,
  number | null,
  number | null,
  number | null,
  number,
  0 | 1,
  0 | 1,
];

export interface FleetDriver {
  driverId: string;
  fix: LocationFix;
  online: boolean;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

export function fleetRow(driverId: string, fix: LocationFix, online: boolean): FleetRow {
  return [
    driverId,
    fix.seq,
    fix.timestampMs,
    round(fix.lat, 6),
    round(fix.lng, 6),
    fix.headingDeg === null ? null : round(fix.headingDeg, 1),
    fix.speedMps === null ? null : round(fix.speedMps, 1),
    fix.accuracyM,
    TRIP_STATES.indexOf(fix.tripState),
    fix.simulated ? 1 : 0,
    online ? 1 : 0,
  ];
}

const numOrNull = (v: unknown): v is number | null => v === null || typeof v === 'number';

/** One row back to a driver; a row that does not check out is refused, never thrown. */
export function parseFleetRow(row: unknown): Result<FleetDriver, 'bad_row'> {
  if (!Array.isArray(row) || row.length !== 11) return fail('bad_row');
  const [driverId, seq, ts, lat, lng, heading, speed, accuracy, state, simulated, online] = row as unknown[];
  if (typeof driverId !== 'string' || typeof seq !== 'number' || typeof ts !== 'number') return fail('bad_row');
  if (typeof lat !== 'number' || typeof lng !== 'number' || typeof state !== 'number') return fail('bad_row');
  if (!numOrNull(heading) || !numOrNull(speed) || !numOrNull(accuracy)) return fail('bad_row');
  const tripState = TRIP_STATES[state];
  if (tripState === undefined || (simulated !== 0 && simulated !== 1) || (online !== 0 && online !== 1))
    return fail('bad_row');
  const fix: LocationFix = {
    seq,
    timestampMs: ts,
    lat,
    lng,
    headingDeg: heading,
    speedMps: speed,
    accuracyM: accuracy,
    tripState,
    simulated: simulated === 1,
  };
  return validateFix(fix).ok ? ok({ driverId, fix, online: online === 1 }) : fail('bad_row');
}
