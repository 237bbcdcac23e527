import { TRIP_STATES, type TripState } from '@ridetrack/shared';
import type { DriverState } from './types';

/**
 * A driver's state as one compact string, its value in its cell's hash, so a search reads
 * positions straight from the cells:
 * "{id}|{lat}|{lng}|{heading}|{speed}|{accuracy}|{trip code}|{seq}|{fix ms}|{simulated 0/1}|{updated ms}"
 * (unknowns empty). Driver ids never hold "|" (topic rules). The update time comes last: the Lua
 * scripts read it there.
 */
export function stateToMember(s: DriverState): string {
  return `${s.driverId}|${s.lat.toFixed(7)}|${s.lng.toFixed(7)}|${fixed(s.headingDeg, 1)}|${fixed(s.speedMps, 1)}|${fixed(s.accuracyM, 0)}|${TRIP_STATES.indexOf(s.tripState)}|${s.seq}|${s.fixTimestampMs}|${s.simulated ? 1 : 0}|${s.updatedMs}`;
}

const FIELDS = 11;

/**
 * The longest member, give or take: 150 bytes with a 64-character driver id. A cell's hash stays
 * Redis's compact listpack while its members are no longer than `hash-max-listpack-value`, which
 * should therefore be at least this (infra/redis/redis.conf sets it; Redis's default is 64).
 */
export const MEMBER_MAX_BYTES = 160;

// Helpers at module level, not closures per call: this runs once per update and per candidate.
function fixed(n: number | null, digits: number): string {
  return n === null ? '' : n.toFixed(digits);
}

function numOrNull(s: string | undefined): number | null {
  return s === undefined || s === '' ? null : Number(s);
}

/** Reads a member back; null if it is not one (the index never writes such a member). */
export function memberToState(member: string, cell: string): DriverState | null {
  const f = member.split('|');
  if (f.length !== FIELDS) return null;
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
    simulated: f[9] === '1',
    updatedMs: Number(f[10]),
    cell,
  };
}

const BAR = 124; // '|'
const ZERO = 48;
const DOT = 46;
const MINUS = 45;

/**
 * What a search needs of a member, read in place: a search scans every member of the cells it
 * reads, so this allocates nothing per member. One reader is reused; `read` fills its fields.
 */
export class MemberReader {
  /** Where the driver id ends (the first bar): `m.slice(0, idEnd)` is the id. */
  idEnd = 0;
  lat = Number.NaN;
  lng = Number.NaN;
  tripCode = -1;
  updatedMs = Number.NaN;

  /** False for what is not a member (then the fields mean nothing). */
  read(m: string): boolean {
    const f1 = m.indexOf('|');
    const f2 = m.indexOf('|', f1 + 1);
    const f3 = m.indexOf('|', f2 + 1);
    const last = m.lastIndexOf('|');
    if (f1 < 0 || f2 < 0 || f3 < 0) return false;
    let bars = 3;
    let f6 = -1;
    for (let i = f3 + 1; i <= last; i++) {
      if (m.charCodeAt(i) === BAR && ++bars === 6) f6 = i;
    }
    if (bars !== FIELDS - 1) return false;
    this.idEnd = f1;
    this.lat = decimal(m, f1 + 1, f2);
    this.lng = decimal(m, f2 + 1, f3);
    this.tripCode = m.charCodeAt(f6 + 1) - ZERO;
    this.updatedMs = decimal(m, last + 1, m.length);
    return true;
  }
}

/**
 * The decimal number written in s[start, end), as Number() would read it; NaN if it is not one.
 * Exact for what the codec writes: the digits form an integer below 2^53, divided once by a power
 * of ten, which rounds correctly just as parsing does.
 */
export function decimal(s: string, start: number, end: number): number {
  let i = start;
  const negative = s.charCodeAt(i) === MINUS;
  if (negative) i++;
  if (i >= end) return Number.NaN;
  let n = 0;
  let scale = 1;
  let dot = false;
  let digits = 0;
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === DOT && !dot) {
      dot = true;
      continue;
    }
    const v = c - ZERO;
    if (v < 0 || v > 9) return Number.NaN;
    n = n * 10 + v;
    if (dot) scale *= 10;
    if (++digits > 15) return Number(s.slice(start, end)); // beyond exact integers: let Number() read it
  }
  if (digits === 0) return Number.NaN;
  const value = n / scale;
  return negative ? -value : value;
}
