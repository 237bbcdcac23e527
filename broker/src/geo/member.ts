import { TRIP_STATES, type TripState } from '@ridetrack/shared';
import type { DriverState } from './types';

/**
 * A driver's state as one compact string, the member of its cell's sorted set, so a ring search
 * reads positions straight from the cells:
 * "{id}|{lat}|{lng}|{heading}|{speed}|{accuracy}|{trip code}|{seq}|{fix ms}" (unknowns empty).
 */
export function stateToMember(s: DriverState): string {
  return `${s.driverId}|${s.lat.toFixed(7)}|${s.lng.toFixed(7)}|${fixed(s.headingDeg, 1)}|${fixed(s.speedMps, 1)}|${fixed(s.accuracyM, 0)}|${TRIP_STATES.indexOf(s.tripState)}|${s.seq}|${s.fixTimestampMs}`;
}

// Helpers at module level, not closures per call: this runs once per update and per candidate.
function fixed(n: number | null, digits: number): string {
  return n === null ? '' : n.toFixed(digits);
}

function numOrNull(s: string | undefined): number | null {
  return s === undefined || s === '' ? null : Number(s);
}

/** Reads a member back; null if it is not one (the index never writes such a member). */
export function memberToState(member: string, cell: string, updatedMs: number): DriverState | null {
  const f = member.split('|');
  if (f.length !== 9) return null;
  const trip: TripState | undefined = TRIP_STATES[Number(f[6])];
  if (trip === undefined) return null;
  return {
    driverId: f[0] ?? '',
    lat: Number(f[1]),
    lng: Number(f[2]),
    headingDeg: numOrNull(f[3]),
    speedMps: numOrNull(f[4]),
    accuracyM: numOrNull(f[5]),
    tripState: trip,
    seq: Number(f[7]),
    fixTimestampMs: Number(f[8]),
    updatedMs,
    cell,
  };
}
