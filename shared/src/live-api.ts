import { validateFix, type LocationFix, type TripState } from './location';
import { fail, ok, type Result } from './result';
import type { DriverStatus } from './status';

/**
 * The HTTP ways of following a driver (short poll, long poll, Server-Sent Events) share one idea of
 * "where the client is" in a driver's stream of fixes: a cursor `<timestampMs>.<seq>` naming the last
 * fix it has. It is made from the fix itself, not from a counter of one server, so a client that
 * reconnects to another broker node resumes where it was.
 */
export interface Cursor {
  timestampMs: number;
  seq: number;
}

export function cursorOf(fix: LocationFix): string {
  return `${fix.timestampMs}.${fix.seq}`;
}

const CURSOR = /^(\d{1,15})\.(\d{1,10})$/;

export function parseCursor(text: string): Result<Cursor, 'bad_cursor'> {
  const m = CURSOR.exec(text);
  if (m === null) return fail('bad_cursor');
  const timestampMs = Number(m[1]);
  const seq = Number(m[2]);
  if (seq > 0xffff_ffff) return fail('bad_cursor');
  return ok({ timestampMs, seq });
}

function sameFix(fix: LocationFix, cursor: Cursor): boolean {
  return fix.timestampMs === cursor.timestampMs && fix.seq === cursor.seq;
}

/**
 * The fixes of `history` (oldest first) that a client at `cursor` has not seen, oldest first. When
 * the cursor's fix is in the history, everything after it; otherwise (it came from another node, or
 * fell out of the history) the fixes with a later device time. No cursor: only the newest fix.
 */
export function fixesAfter(history: readonly LocationFix[], cursor: Cursor | null): LocationFix[] {
  if (cursor === null) return history.slice(-1);
  for (let i = history.length - 1; i >= 0; i--) {
    const fix = history[i];
    if (fix !== undefined && sameFix(fix, cursor)) return history.slice(i + 1);
  }
  return history.filter((f) => f.timestampMs > cursor.timestampMs);
}

/** `GET /api/live/{driverId}`: the driver's latest fix and presence. */
export interface LiveSnapshot {
  driverId: string;
  fix: LocationFix | null;
  status: DriverStatus | null;
  cursor: string | null;
}

/** `GET /api/live/{driverId}/poll?after=`: the fixes after the cursor, oldest first (maybe none). */
export interface LivePoll {
  driverId: string;
  fixes: LocationFix[];
  status: DriverStatus | null;
  /** Pass it as `after` in the next poll. */
  cursor: string | null;
}

/** Why a server ended a live stream for good (the client should not reconnect with the same token). */
export type LiveEndReason = 'token_expired' | 'trip_ended';

/** A fix as the HTTP transports send it (the LocationFix fields as JSON), checked like a decoded packet. */
export function fixFromJson(value: unknown): Result<LocationFix, 'bad_fix'> {
  if (typeof value !== 'object' || value === null) return fail('bad_fix');
  const v = value as Record<string, unknown>;
  const num = (k: string): number | undefined => (typeof v[k] === 'number' ? v[k] : undefined);
  const numOrNull = (k: string): number | null | undefined => (v[k] === null ? null : num(k));
  const fix = {
    seq: num('seq'),
    timestampMs: num('timestampMs'),
    lat: num('lat'),
    lng: num('lng'),
    headingDeg: numOrNull('headingDeg'),
    speedMps: numOrNull('speedMps'),
    accuracyM: numOrNull('accuracyM'),
    tripState: v['tripState'],
    simulated: v['simulated'],
  };
  if (Object.values(fix).some((x) => x === undefined) || typeof fix.simulated !== 'boolean') return fail('bad_fix');
  const checked = validateFix(fix as LocationFix & { tripState: TripState });
  return checked.ok ? ok(checked.value) : fail('bad_fix');
}
