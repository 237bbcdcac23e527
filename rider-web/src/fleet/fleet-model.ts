import type { TripState } from '@ridetrack/shared';
import { isStale, type DriverPoint } from '../markers';

/**
 * The fleet as the console sorts it: pure, no DOM, time an argument. A driver is in one category:
 * its trip state while live, `offline` when disconnected or silent for longer than the staleness
 * window (never shown as live).
 */
export type Category = TripState | 'offline';

/** In the order the console lists them: the states of a trip's life, then the ones out of service. */
export const CATEGORIES: readonly Category[] = ['available', 'to_pickup', 'waiting', 'on_trip', 'off_duty', 'offline'];

export const CATEGORY_LABELS: Record<Category, string> = {
  available: 'Available',
  to_pickup: 'To pickup',
  waiting: 'Waiting at pickup',
  on_trip: 'On trip',
  off_duty: 'Off duty',
  offline: 'Offline',
};

export function categoryOf(d: DriverPoint, nowMs: number): Category {
  return isStale(d.fix.timestampMs, d.online, nowMs) ? 'offline' : d.fix.tripState;
}

/** Drivers per category (every category present, zero or not). */
export function countByCategory(drivers: Iterable<DriverPoint>, nowMs: number): Record<Category, number> {
  const counts = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  for (const d of drivers) counts[categoryOf(d, nowMs)]++;
  return counts;
}

/** A driver's heading as a compass point and degrees: "NE 45°". */
export function compassText(headingDeg: number | null): string {
  if (headingDeg === null) return '—';
  const points = ['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW'];
  return `${points[Math.round(headingDeg / 45) % 8] ?? 'N'} ${Math.round(headingDeg)}°`;
}

/** "34 km/h" from metres a second. */
export function speedText(speedMps: number | null): string {
  return speedMps === null ? '—' : `${Math.round(speedMps * 3.6)} km/h`;
}

/** "12 min", "1 h 05 min", "45 s". */
export function durationText(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  return `${Math.floor(min / 60)} h ${String(min % 60).padStart(2, '0')} min`;
}

/** "850 m", "12.4 km". */
export function distanceText(m: number): string {
  return m < 1000 ? `${Math.round(m / 10) * 10} m` : `${(m / 1000).toFixed(1)} km`;
}
