import { distanceM, type LatLng, type LocationFix } from '@ridetrack/shared';

/**
 * The pure parts of the pages: where to draw a car between fixes, whether its data is stale, how
 * to say how fresh it is, and fixes as GeoJSON. No DOM, no clock: time is an argument.
 */

/**
 * A car's drawn position moves from where it was drawn to the newest fix over this long: main's
 * animation before the rider page moved to ride/motion.ts, kept as bench:rider's same-run baseline.
 */
export interface Glide {
  from: LatLng & { headingDeg: number };
  to: LatLng & { headingDeg: number };
  startMs: number;
  durationMs: number;
}

/** Starts a glide from wherever the car is drawn now to the new fix (a running glide is replaced). */
export function glideTo(
  current: (LatLng & { headingDeg: number }) | null,
  fix: LocationFix,
  nowMs: number,
  expectedIntervalMs: number,
): Glide {
  const to = { lat: fix.lat, lng: fix.lng, headingDeg: fix.headingDeg ?? current?.headingDeg ?? 0 };
  // Far jumps (a reconnect, a first fix) are not animated: the car is put where it is.
  const jump = current === null || distanceM(current, to) > 1000;
  return {
    from: jump ? to : current,
    to,
    startMs: nowMs,
    durationMs: jump ? 0 : Math.min(Math.max(expectedIntervalMs, 250), 5000),
  };
}

/** Where to draw the car at `nowMs`: eased along the glide, heading turned the short way round. */
export function glidePosition(g: Glide, nowMs: number): LatLng & { headingDeg: number } {
  const t = g.durationMs === 0 ? 1 : Math.min(1, Math.max(0, (nowMs - g.startMs) / g.durationMs));
  const e = t * (2 - t); // ease out
  let dh = ((g.to.headingDeg - g.from.headingDeg + 540) % 360) - 180;
  if (Number.isNaN(dh)) dh = 0;
  return {
    lat: g.from.lat + (g.to.lat - g.from.lat) * e,
    lng: g.from.lng + (g.to.lng - g.from.lng) * e,
    headingDeg: (g.from.headingDeg + dh * e + 360) % 360,
  };
}

/** Data older than this is not shown as live. */
export const STALE_AFTER_MS = 30_000;

/** Stale when the fix is old or the driver is offline: an old position is never presented as live. */
export function isStale(fixTimestampMs: number, online: boolean, nowMs: number): boolean {
  return !online || nowMs - fixTimestampMs > STALE_AFTER_MS;
}

/** "updated just now", "updated 3 s ago", "updated 2 min ago". */
export function freshnessText(fixTimestampMs: number, nowMs: number): string {
  const s = Math.max(0, Math.round((nowMs - fixTimestampMs) / 1000));
  if (s < 2) return 'updated just now';
  if (s < 90) return `updated ${s} s ago`;
  if (s < 5400) return `updated ${Math.round(s / 60)} min ago`;
  return `updated ${Math.round(s / 3600)} h ago`;
}

export interface DriverPoint {
  driverId: string;
  fix: LocationFix;
  online: boolean;
}

/** "1:42": minutes and seconds left (a driver's wait, on the rider page and the console). */
export function countdownText(msLeft: number): string {
  const s = Math.max(0, Math.ceil(msLeft / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
