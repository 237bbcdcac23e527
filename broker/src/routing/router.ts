import { distanceM, type LatLng } from '@ridetrack/shared';

/** A way from one point to another: how far, how long, and (along roads) the points to draw. */
export interface RoadRoute {
  /** Along the roads, or estimated from the straight line. */
  basis: 'road' | 'straight';
  distanceM: number;
  durationS: number;
  /** The route's points, start first, with the seconds still to drive from each; null when not along roads. */
  path: { points: LatLng[]; remainingS: number[] } | null;
}

/** Where a route starts: a point, and for a car its heading and speed (a moving car does not turn on the spot). */
export type RouteStart = LatLng & { headingDeg?: number | null; speedMps?: number | null };

/**
 * How the broker gets from a car to a pickup or a destination: the ETA a rider reads, the route it
 * sees and dispatch's ranking of candidates. The road router (the shared road graph) implements
 * it; without a road network the straight-line estimate below stands in, and says so (`basis`).
 */
export interface Router {
  readonly basis: 'road' | 'straight';
  route(from: RouteStart, to: LatLng): RoadRoute | null;
  /** The nearest point on a street and the street's name; absent without roads, null far from any. */
  snap?(p: LatLng): { point: LatLng; name: string | null; offM: number; bearingDeg?: number } | null;
}

export interface StraightLineOptions {
  /** Road distance over straight-line distance in a street grid (about 1.3: a Manhattan walk averages 4/π). */
  detourFactor: number;
  /** Average driving speed in town, stops and turns included. */
  speedMps: number;
}

export const STRAIGHT_LINE_DEFAULTS: StraightLineOptions = { detourFactor: 1.3, speedMps: 8 };

/** The estimate when no roads are known: the straight line, lengthened to a street grid's detour. */
export function straightLineRouter(options: StraightLineOptions = STRAIGHT_LINE_DEFAULTS): Router {
  return {
    basis: 'straight',
    route(from, to) {
      const d = distanceM(from, to) * options.detourFactor;
      return { basis: 'straight', distanceM: d, durationS: d / options.speedMps, path: null };
    },
  };
}

/**
 * The road router where there are roads, the straight line where there are none (a driver outside
 * the city's network still gets an ETA, marked `straight`).
 */
export function withFallback(primary: Router, fallback: Router): Router {
  return {
    basis: primary.basis,
    route: (from, to) => primary.route(from, to) ?? fallback.route(from, to),
    ...(primary.snap === undefined ? {} : { snap: primary.snap.bind(primary) }),
  };
}
