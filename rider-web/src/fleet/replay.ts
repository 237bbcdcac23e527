import type { TripState } from '@ridetrack/shared';

/**
 * A recorded trip played back: where the car was at any moment of it. Pure, no DOM, no clock: the
 * replay bar (replay-bar.ts) moves the time. Times are the fixes' own (device) times, made
 * non-decreasing, so a fix stamped a little before the one ahead of it does not run the car back.
 */
export interface ReplayPoint {
  t: number;
  lat: number;
  lng: number;
  headingDeg: number | null;
  speedMps: number | null;
  tripState: TripState;
}

/** The speeds the replay bar offers (Traccar's replay goes up to about as fast). */
export const REPLAY_SPEEDS = [1, 2, 5, 10, 20] as const;

export interface ReplayPosition {
  lat: number;
  lng: number;
  headingDeg: number;
  speedMps: number | null;
  tripState: TripState;
  /** The last fix at or before the time. */
  index: number;
}

export class ReplayTimeline {
  readonly points: readonly ReplayPoint[];

  constructor(points: readonly ReplayPoint[]) {
    let last = Number.NEGATIVE_INFINITY;
    this.points = points.map((p) => {
      last = Math.max(last, p.t);
      return { ...p, t: last };
    });
  }

  get startMs(): number {
    return this.points[0]?.t ?? 0;
  }

  get endMs(): number {
    return this.points[this.points.length - 1]?.t ?? 0;
  }

  /** The last point at or before `t` (0 before the start). */
  indexAt(t: number): number {
    let lo = 0;
    let hi = this.points.length - 1;
    if (hi < 0 || t <= (this.points[0]?.t ?? 0)) return 0;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.points[mid]?.t ?? 0) <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The car at `t`: between two fixes, on the straight line between them, facing along it. */
  positionAt(t: number): ReplayPosition | null {
    const i = this.indexAt(t);
    const a = this.points[i];
    if (a === undefined) return null;
    const b = this.points[i + 1];
    if (b === undefined || b.t <= a.t || t <= a.t) return { ...a, headingDeg: a.headingDeg ?? 0, index: i };
    const f = Math.min(1, (t - a.t) / (b.t - a.t));
    const moved = a.lat !== b.lat || a.lng !== b.lng;
    return {
      lat: a.lat + (b.lat - a.lat) * f,
      lng: a.lng + (b.lng - a.lng) * f,
      headingDeg: moved ? bearingDeg(a, b) : (a.headingDeg ?? 0),
      speedMps: a.speedMps,
      tripState: a.tripState,
      index: i,
    };
  }
}

/** The initial bearing from a to b, degrees clockwise from north. */
export function bearingDeg(a: { lat: number; lng: number }, b: { lat: number; lng: number }): number {
  const toRad = Math.PI / 180;
  const y = Math.sin((b.lng - a.lng) * toRad) * Math.cos(b.lat * toRad);
  const x =
    Math.cos(a.lat * toRad) * Math.sin(b.lat * toRad) -
    Math.sin(a.lat * toRad) * Math.cos(b.lat * toRad) * Math.cos((b.lng - a.lng) * toRad);
  return (Math.atan2(y, x) / toRad + 360) % 360;
}

/** The replay clock after `elapsedMs` of real time at `speed`, stopping at the end. */
export function advance(t: number, elapsedMs: number, speed: number, endMs: number): number {
  return Math.min(endMs, t + elapsedMs * speed);
}
