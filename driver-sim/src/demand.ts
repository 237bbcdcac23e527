import { distanceM, type LatLng, type RoadGraph, type Rng } from '@ridetrack/shared';

/**
 * Simulated demand, the pure part: when the next rider asks for a ride, where from and to, and
 * how long the rider takes to come out once the car waits. The requests themselves are
 * riders.ts's. A fleet with no demand never takes a trip, and an operator watching it sees every
 * car "available" for ever.
 */
export interface DemandSettings {
  /** Rides asked for a minute, on average (arrivals are a Poisson process). */
  ridesPerMin: number;
  /** The straight-line length of a ride, metres: at least this ... */
  minTripM: number;
  /** ... and at most this. */
  maxTripM: number;
  /** How long a rider takes to reach the waiting car, ms: between this ... */
  walkOutMinMs: number;
  /** ... and this. */
  walkOutMaxMs: number;
}

export const DEFAULT_DEMAND: Omit<DemandSettings, 'ridesPerMin'> = {
  minTripM: 800,
  maxTripM: 4000,
  walkOutMinMs: 8_000,
  walkOutMaxMs: 45_000,
};

/** Roads no one is picked up or set down on (OSM highway classes). */
const NO_STOPPING = new Set(['motorway', 'motorway_link', 'trunk', 'trunk_link']);

/**
 * The junctions a car may stop at for a rider: every road leaving them is one a car may stop on,
 * and at least one road leaves (a car that arrives can drive on).
 */
export function stopNodes(graph: RoadGraph): number[] {
  const stops: number[] = [];
  for (let i = 0; i < graph.nodes.length; i++) {
    const out = graph.out[i] ?? [];
    if (out.length > 0 && out.every((arc) => arc.roadClass === undefined || !NO_STOPPING.has(arc.roadClass)))
      stops.push(i);
  }
  return stops;
}

/** Milliseconds until the next ride is asked for: exponential, so the asks form a Poisson process. */
export function nextRequestInMs(ridesPerMin: number, rng: Rng): number {
  return (-Math.log(1 - rng()) * 60_000) / ridesPerMin;
}

/** How long this rider takes to come out to the waiting car. */
export function walkOutMs(settings: Pick<DemandSettings, 'walkOutMinMs' | 'walkOutMaxMs'>, rng: Rng): number {
  return settings.walkOutMinMs + rng() * (settings.walkOutMaxMs - settings.walkOutMinMs);
}

/** How many picks of a drop-off are tried for one pickup before another pickup is drawn. */
const TRIES = 40;

/**
 * A ride between two stop junctions whose straight-line distance lies within the settings' range,
 * or null when none was found in a few hundred draws (a city smaller than the shortest ride).
 */
export function pickRide(
  graph: RoadGraph,
  stops: readonly number[],
  settings: Pick<DemandSettings, 'minTripM' | 'maxTripM'>,
  rng: Rng,
): { pickup: LatLng; dropoff: LatLng } | null {
  if (stops.length < 2) return null;
  const draw = (): LatLng => graph.nodes[stops[Math.floor(rng() * stops.length)] as number] as LatLng;
  for (let p = 0; p < 10; p++) {
    const pickup = draw();
    for (let d = 0; d < TRIES; d++) {
      const dropoff = draw();
      const m = distanceM(pickup, dropoff);
      if (m >= settings.minTripM && m <= settings.maxTripM) return { pickup, dropoff };
    }
  }
  return null;
}
