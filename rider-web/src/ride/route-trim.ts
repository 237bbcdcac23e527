import type { LatLng } from '@ridetrack/shared';

/** How many of the route's first segments the car is looked for on (it is near the start). */
const LOOK_AHEAD_SEGMENTS = 40;

/**
 * The route still to drive from where the car is drawn: the car's point, then the route's points
 * after the segment the car is on (the nearest of the first few to it). So the line never trails
 * behind the car between the broker's answers. Pure.
 */
export function trimRoute(points: readonly LatLng[], car: LatLng): LatLng[] {
  if (points.length < 2) return [car];
  const k = Math.cos((car.lat * Math.PI) / 180);
  let best = 0;
  let bestD = Number.POSITIVE_INFINITY;
  const last = Math.min(points.length - 1, LOOK_AHEAD_SEGMENTS);
  for (let i = 0; i < last; i++) {
    const a = points[i] as LatLng;
    const b = points[i + 1] as LatLng;
    const ax = a.lng * k;
    const bx = b.lng * k;
    const px = car.lng * k;
    const len2 = (bx - ax) ** 2 + (b.lat - a.lat) ** 2;
    const t =
      len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * (bx - ax) + (car.lat - a.lat) * (b.lat - a.lat)) / len2));
    const d = (ax + (bx - ax) * t - px) ** 2 + (a.lat + (b.lat - a.lat) * t - car.lat) ** 2;
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  }
  return [car, ...points.slice(best + 1)];
}
