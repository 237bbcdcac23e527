import { TRIP_STATES, type TripState } from '@ridetrack/shared';
import type { DriverState } from './types';

/**
 * A driver's state as one compact string, the member of its cell's sorted set, so a ring search
 * reads positions straight from the cells:
 * "{id}|{lat}|{lng}|{heading}|{speed}|{accuracy}|{trip code}|{seq}|{fix ms}" (unknowns empty).
 */
export function stateToMember(s: DriverState): string {
  const opt = (n: number | null, digits: number): string => (n === null ? '' : n.toFixed(digits));
  return [
    s.driverId,
    s.lat.toFixed(7),
    s.lng.toFixed(7),
    opt(s.headingDeg, 1),
    opt(s.speedMps, 1),
    opt(s.accuracyM, 0),
    TRIP_STATES.indexOf(s.tripState),
    s.seq,
    s.fixTimestampMs,
  ].join('|');
}

/** Reads a member back; null if it is not one (the index never writes such a member). */
export function memberToState(member: string, cell: string, updatedMs: number): DriverState | null {
  const f = member.split('|');
  if (f.length !== 9) return null;
  const num = (s: string | undefined): number | null => (s === undefined || s === '' ? null : Number(s));
  const trip: TripState | undefined = TRIP_STATES[Number(f[6])];
  if (trip === undefined) return null;
  return {
    driverId: f[0] ?? '',
    lat: Number(f[1]),
    lng: Number(f[2]),
    headingDeg: num(f[3]),
    speedMps: num(f[4]),
    accuracyM: num(f[5]),
    tripState: trip,
    seq: Number(f[7]),
    fixTimestampMs: Number(f[8]),
    updatedMs,
    cell,
  };
}
