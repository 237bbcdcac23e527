import type { LatLng } from '../geo';

/**
 * How a car drives, for the simulator's cars and for every ETA the broker gives (one model, so a
 * simulated car arrives when its rider was told): it speeds up and slows down gently, takes a sharp
 * turn at a junction slowly, and stops at the end of its route.
 */
export const DRIVING = {
  accelMps2: 2,
  /** Drivers plan to slow down more gently than the brakes can, which leaves a margin. */
  planDecelMps2: 2,
  /** The speed a sharp turn is taken at. */
  turnSpeedMps: 6,
  /** A change of direction at a junction above this is a sharp turn. */
  sharpTurnDeg: 45,
} as const;

export function bearingDeg(a: LatLng, b: LatLng): number {
  const toRad = Math.PI / 180;
  const y = Math.sin((b.lng - a.lng) * toRad) * Math.cos(b.lat * toRad);
  const x =
    Math.cos(a.lat * toRad) * Math.sin(b.lat * toRad) -
    Math.sin(a.lat * toRad) * Math.cos(b.lat * toRad) * Math.cos((b.lng - a.lng) * toRad);
  return ((Math.atan2(y, x) * 180) / Math.PI + 360) % 360;
}

/** The angle between two bearings, 0-180 degrees. */
export function turnDeg(a: number, b: number): number {
  const d = Math.abs(a - b) % 360;
  return d > 180 ? 360 - d : d;
}

/** Whether coming from `a` through `b` towards `c` is a sharp turn at `b`. */
export function isSharpTurn(a: LatLng, b: LatLng, c: LatLng): boolean {
  return turnDeg(bearingDeg(a, b), bearingDeg(b, c)) > DRIVING.sharpTurnDeg;
}

/** One stretch of a route, driven at most at its speed. */
export interface Stretch {
  lengthM: number;
  speedMps: number;
}

/**
 * Seconds to drive each stretch of a route, given the speed the car may have at each point between
 * them (`capsMps[i]` at the start of stretch i, `capsMps[n]` at the end: 0 for a car standing or
 * stopping, DRIVING.turnSpeedMps at a sharp turn, Infinity where nothing slows it). The fastest
 * speed profile within the stretches' speeds and the caps, at DRIVING's acceleration and
 * deceleration: a forward pass for what the car can reach, a backward pass for what it must brake
 * for, then the time of each stretch from its entry and exit speeds.
 */
export function drivingSeconds(stretches: readonly Stretch[], capsMps: readonly number[]): number[] {
  const a = DRIVING.accelMps2;
  const d = DRIVING.planDecelMps2;
  const n = stretches.length;
  const v = new Array<number>(n + 1);
  const speed = (i: number): number => Math.max(0.5, stretches[i]?.speedMps ?? 0.5);
  for (let i = 0; i <= n; i++) {
    const around = Math.min(i > 0 ? speed(i - 1) : Infinity, i < n ? speed(i) : Infinity);
    v[i] = Math.min(capsMps[i] ?? Infinity, around);
  }
  for (let i = 0; i < n; i++)
    v[i + 1] = Math.min(v[i + 1] ?? 0, Math.sqrt((v[i] ?? 0) ** 2 + 2 * a * (stretches[i]?.lengthM ?? 0)));
  for (let i = n - 1; i >= 0; i--)
    v[i] = Math.min(v[i] ?? 0, Math.sqrt((v[i + 1] ?? 0) ** 2 + 2 * d * (stretches[i]?.lengthM ?? 0)));
  return stretches.map((s, i) => {
    const v0 = v[i] ?? 0;
    const v1 = v[i + 1] ?? 0;
    const top = speed(i);
    if (s.lengthM <= 0) return 0;
    // The highest speed reachable in the stretch, speeding up from v0 and slowing to v1.
    const peak = Math.sqrt((2 * a * d * s.lengthM + d * v0 * v0 + a * v1 * v1) / (a + d));
    if (peak <= top) return (peak - v0) / a + (peak - v1) / d;
    const upM = (top * top - v0 * v0) / (2 * a);
    const downM = (top * top - v1 * v1) / (2 * d);
    return (top - v0) / a + (top - v1) / d + Math.max(0, s.lengthM - upM - downM) / top;
  });
}
