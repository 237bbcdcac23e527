import {
  bearingDeg,
  distanceM,
  DRIVING,
  gaussian,
  pathSeconds,
  route,
  type LatLng,
  type LocationFix,
  type RoadGraph,
  type Rng,
  type TripState,
  isSharpTurn,
} from '@ridetrack/shared';
import { onStreet, type OnStreet } from './roads/on-street';

/**
 * One simulated car. `stepCar` moves it along the road geometry with acceleration and braking,
 * slowing for turns and stopping at its destination; the same seed gives the same drive. Pure but
 * for mutating the car it is given (no clock, no I/O).
 */
export interface Car {
  id: string;
  path: number[];
  /** Index of the arc being driven: path[leg] to path[leg + 1]. */
  leg: number;
  legPoints: LatLng[];
  legCumM: number[];
  legSpeedMps: number;
  onLegM: number;
  speedMps: number;
  headingDeg: number;
  tripState: TripState;
  /** Parked for this long before driving on. */
  dwellMs: number;
  /** On the path's last leg, the car stops this far along it (a pickup mid-block), not at its end. */
  stopAtM: number | null;
  /** Where a trip goes once the pickup is reached. */
  dropoff: LatLng | null;
  tripId: string | null;
  /** How long the driver of this trip waits at the pickup for the rider, ms. */
  tripWaitMs: number;
  /** While `waiting` at the pickup: how much of the wait is left. */
  waitLeftMs: number;
  seq: number;
}

export const CAR = {
  /** Speeding up, and the turns, as every ETA assumes (shared DRIVING). */
  accelMps2: DRIVING.accelMps2,
  brakeMps2: 3,
  turnSpeedMps: DRIVING.turnSpeedMps,
  minDwellMs: 3000,
  maxDwellMs: 20_000,
  gpsSigmaM: 4,
} as const;

function enterLeg(car: Car, graph: RoadGraph): void {
  const from = car.path[car.leg] ?? 0;
  const to = car.path[car.leg + 1] ?? from;
  const arc = (graph.out[from] ?? []).find((a) => a.to === to);
  const pts = [graph.nodes[from] as LatLng, ...(arc?.shape ?? []), graph.nodes[to] as LatLng];
  car.legPoints = pts;
  car.legCumM = [0];
  for (let i = 1; i < pts.length; i++)
    car.legCumM.push((car.legCumM[i - 1] ?? 0) + distanceM(pts[i - 1] as LatLng, pts[i] as LatLng));
  car.legSpeedMps = arc?.speedMps ?? 8;
  car.onLegM = 0;
}

/** Where the car's path ends on its last leg: its stop mid-block, or the leg's end. */
function legEndM(car: Car): number {
  const length = car.legCumM.at(-1) ?? 0;
  return car.leg + 2 >= car.path.length && car.stopAtM !== null ? Math.min(car.stopAtM, length) : length;
}

/** At the end of its path (parked there, or about to be). */
function atPathEnd(car: Car): boolean {
  return car.leg + 2 >= car.path.length && car.onLegM >= legEndM(car);
}

/**
 * Sends the car to a node along the fastest route. A car part-way along a street drives on to its
 * end first (it cannot jump there, nor turn mid-block); a car at its path's end sets off from there.
 */
export function driveTo(car: Car, graph: RoadGraph, node: number): void {
  car.stopAtM = null;
  const here = car.path[car.leg + 1] ?? car.path[car.leg] ?? 0;
  const path = route(graph, here, node) ?? [here];
  keepLeg(car, graph, path);
}

/** The new path from `path[0]` (the end of the current leg), keeping the car where it is on that leg. */
function keepLeg(car: Car, graph: RoadGraph, path: number[]): void {
  const mid = car.onLegM < (car.legCumM.at(-1) ?? 0);
  if (mid) {
    car.path = [car.path[car.leg] ?? path[0] ?? 0, ...path];
    car.leg = 0;
    return;
  }
  car.path = path.length > 1 ? path : [path[0] ?? 0, path[0] ?? 0];
  car.leg = 0;
  enterLeg(car, graph);
}

/**
 * Sends the car to a point on a street (a pickup, a destination) and stops it there: the quicker of
 * the street's two sides when it is two-way, and on the street it is driving when the point is
 * still ahead on it.
 */
export function driveToPoint(car: Car, graph: RoadGraph, p: LatLng): void {
  const from = car.path[car.leg] ?? 0;
  const here = car.path[car.leg + 1] ?? from;
  const mid = car.onLegM < (car.legCumM.at(-1) ?? 0);
  let best: { path: number[]; s: number; stop: OnStreet } | null = null;
  for (const stop of onStreet(graph, p)) {
    if (mid && stop.from === from && stop.to === here && stop.alongM >= car.onLegM) {
      best = { path: [here], s: -1, stop };
      break;
    }
    const nodes = route(graph, here, stop.from);
    if (nodes === null) continue;
    const arc = (graph.out[stop.from] ?? []).find((x) => x.to === stop.to);
    const s = pathSeconds(graph, nodes) + stop.alongM / (arc?.speedMps ?? 8);
    if (best === null || s < best.s) best = { path: [...nodes, stop.to], s, stop };
  }
  if (best === null) {
    driveTo(car, graph, here);
    return;
  }
  if (best.s === -1) {
    // Ahead on this very street: stop there.
    car.path = [from, here];
    car.leg = 0;
  } else keepLeg(car, graph, best.path);
  car.stopAtM = best.stop.alongM;
}

const SUB_STEP_S = 0.25;
/** The last metres to a stop are covered at a crawl rather than never. */
const MIN_CREEP_MPS = 0.5;

/** Cars start parked for up to this long, so a fleet does not all pull away at once. */
const INITIAL_DWELL_MAX_MS = 5000;

export function newCar(id: string, graph: RoadGraph, rng: Rng): Car {
  const start = Math.floor(rng() * graph.nodes.length);
  const car: Car = {
    id,
    path: [start, start],
    leg: 0,
    legPoints: [],
    legCumM: [0],
    legSpeedMps: 8,
    onLegM: 0,
    speedMps: 0,
    headingDeg: 0,
    tripState: 'available',
    dwellMs: Math.floor(rng() * INITIAL_DWELL_MAX_MS),
    stopAtM: null,
    dropoff: null,
    tripId: null,
    tripWaitMs: 0,
    waitLeftMs: 0,
    seq: 0,
  };
  enterLeg(car, graph);
  return car;
}

/** Where the car is on its current leg, and which way it faces. */
export function carPosition(car: Car): { lat: number; lng: number; headingDeg: number } {
  const pts = car.legPoints;
  for (let i = 1; i < pts.length; i++) {
    const end = car.legCumM[i] ?? 0;
    if (car.onLegM <= end || i === pts.length - 1) {
      const start = car.legCumM[i - 1] ?? 0;
      const a = pts[i - 1] as LatLng;
      const b = pts[i] as LatLng;
      const t = end > start ? Math.min(1, Math.max(0, (car.onLegM - start) / (end - start))) : 0;
      const heading = end > start ? bearingDeg(a, b) : car.headingDeg;
      return { lat: a.lat + (b.lat - a.lat) * t, lng: a.lng + (b.lng - a.lng) * t, headingDeg: heading };
    }
  }
  const p = pts[0] ?? { lat: 0, lng: 0 };
  return { ...p, headingDeg: car.headingDeg };
}

const PLAN_DECEL_MPS2 = DRIVING.planDecelMps2;
/** How far ahead a driver looks for a reason to slow down. */
const LOOKAHEAD_M = 400;

/**
 * The fastest the car may go now and still brake in time for everything within the lookahead:
 * each sharp turn (at most `turnSpeedMps`) and the end of its route (a stop).
 */
function speedLimitAhead(car: Car, graph: RoadGraph): number {
  let limit = car.legSpeedMps;
  let distM = (car.legCumM.at(-1) ?? 0) - car.onLegM;
  for (let i = car.leg; ; i++) {
    const here = car.path[i + 1];
    if (here === undefined || i + 2 >= car.path.length) {
      // The stop is short of the last leg's end when it is mid-block.
      const lastM = i === car.leg ? (car.legCumM.at(-1) ?? 0) : arcM(graph, car.path[i] ?? 0, here ?? 0);
      const shortM = car.stopAtM === null ? 0 : Math.max(0, lastM - car.stopAtM);
      limit = Math.min(limit, Math.sqrt(2 * PLAN_DECEL_MPS2 * Math.max(0, distM - shortM)));
      break;
    }
    const a = graph.nodes[car.path[i] ?? 0] as LatLng;
    const b = graph.nodes[here] as LatLng;
    const next = car.path[i + 2] ?? here;
    const c = graph.nodes[next] as LatLng;
    if (isSharpTurn(a, b, c)) {
      limit = Math.min(limit, Math.sqrt(CAR.turnSpeedMps ** 2 + 2 * PLAN_DECEL_MPS2 * Math.max(0, distM)));
    }
    const arc = (graph.out[here] ?? []).find((x) => x.to === next);
    if (arc === undefined || distM > LOOKAHEAD_M) break;
    distM += arc.lengthM;
  }
  return limit;
}

function arcM(graph: RoadGraph, from: number, to: number): number {
  return (graph.out[from] ?? []).find((a) => a.to === to)?.lengthM ?? 0;
}

/** Advances the car by `dtMs`. At its destination it parks, then picks a new one (or follows its trip). */
export function stepCar(car: Car, graph: RoadGraph, dtMs: number, rng: Rng): void {
  const dt = dtMs / 1000;
  if (car.tripState === 'waiting') {
    // At the pickup, engine running: the rider's "I'm in" starts the trip; when the wait runs out
    // with nobody aboard, the driver gives up (a no-show: the broker ends the trip) and drives on.
    car.speedMps = 0;
    car.waitLeftMs = Math.max(0, car.waitLeftMs - dtMs);
    if (car.waitLeftMs === 0) giveUp(car);
    return;
  }
  if (car.dwellMs > 0) {
    car.dwellMs = Math.max(0, car.dwellMs - dtMs);
    car.speedMps = 0;
    if (car.dwellMs === 0 && atPathEnd(car)) {
      driveTo(car, graph, Math.floor(rng() * graph.nodes.length));
    }
    return;
  }
  // Integrate in short sub-steps; at a leg's end only the time actually spent counts, so speed
  // never changes faster than the car can accelerate or brake.
  let remainingS = dt;
  while (remainingS > 1e-9) {
    const legLength = legEndM(car);
    const left = legLength - car.onLegM;
    const vAllowed = speedLimitAhead(car, graph);
    const step = Math.min(remainingS, SUB_STEP_S);
    const a = Math.max(-CAR.brakeMps2, Math.min(CAR.accelMps2, (vAllowed - car.speedMps) / step));
    const vNext = Math.max(0, car.speedMps + a * step);
    const avg = Math.max(MIN_CREEP_MPS, (car.speedMps + vNext) / 2);
    if (avg * step < left) {
      car.speedMps = vNext;
      car.onLegM += avg * step;
      remainingS -= step;
      continue;
    }
    const used = left / avg;
    car.speedMps = Math.max(0, car.speedMps + a * used);
    remainingS -= used;
    car.onLegM = legLength;
    if (car.leg + 2 < car.path.length) {
      car.leg++;
      enterLeg(car, graph);
      continue;
    }
    arrive(car, rng);
    break;
  }
  car.headingDeg = carPosition(car).headingDeg;
}

function arrive(car: Car, rng: Rng): void {
  car.speedMps = 0;
  if (car.tripState === 'to_pickup') {
    car.tripState = 'waiting';
    car.waitLeftMs = car.tripWaitMs;
    return;
  }
  if (car.tripState === 'on_trip') {
    car.tripState = 'available';
    car.tripId = null;
  }
  car.dwellMs = CAR.minDwellMs + Math.floor(rng() * (CAR.maxDwellMs - CAR.minDwellMs));
}

/** The wait ran out and the rider never came: available again, on after a short stop. */
function giveUp(car: Car): void {
  car.tripState = 'available';
  car.tripId = null;
  car.dropoff = null;
  car.dwellMs = CAR.minDwellMs;
}

/** The rider is aboard: drive to the drop-off (or a random place). */
function startRide(car: Car, graph: RoadGraph, rng: Rng): void {
  car.tripState = 'on_trip';
  car.dwellMs = 0;
  car.waitLeftMs = 0;
  const dropoff = car.dropoff;
  car.dropoff = null;
  if (dropoff === null) {
    driveTo(car, graph, Math.floor(rng() * graph.nodes.length));
    return;
  }
  // Standing at the kerb, the car sets off whichever way is quicker, turning round on a two-way
  // street if need be: as the broker's router takes a standing car (its route is what the rider
  // sees). Driving on round the block instead drew one way on the rider's map and drove another.
  const turned = turnedRound(car, graph);
  driveToPoint(car, graph, dropoff);
  if (turned === null) return;
  driveToPoint(turned, graph, dropoff);
  if (secondsLeft(turned, graph) < secondsLeft(car, graph)) Object.assign(car, turned);
}

/** The car standing mid-block facing the other way, on a two-way street; null when it cannot. */
function turnedRound(car: Car, graph: RoadGraph): Car | null {
  const from = car.path[car.leg];
  const here = car.path[car.leg + 1];
  const lengthM = car.legCumM.at(-1) ?? 0;
  if (from === undefined || here === undefined || from === here) return null;
  if (car.speedMps >= 0.5 || !(car.onLegM > 0 && car.onLegM < lengthM)) return null;
  if (!(graph.out[here] ?? []).some((a) => a.to === from)) return null; // one-way
  const t: Car = { ...car, path: [here, from], leg: 0, legPoints: [], legCumM: [0], stopAtM: null };
  enterLeg(t, graph);
  t.onLegM = Math.max(0, (t.legCumM.at(-1) ?? 0) - car.onLegM);
  t.headingDeg = (car.headingDeg + 180) % 360;
  return t;
}

/** Seconds left on the car's planned path at the roads' speeds, to its stop mid-block. */
function secondsLeft(car: Car, graph: RoadGraph): number {
  let s = Math.max(0, legEndM(car) - car.onLegM) / car.legSpeedMps;
  for (let i = car.leg + 1; i + 1 < car.path.length; i++) {
    const arc = (graph.out[car.path[i] ?? -1] ?? []).find((a) => a.to === car.path[i + 1]);
    if (arc === undefined) continue;
    const last = i + 2 >= car.path.length;
    s += (last && car.stopAtM !== null ? Math.min(car.stopAtM, arc.lengthM) : arc.lengthM) / arc.speedMps;
  }
  return s;
}

/**
 * Accepts a trip: drive to the pickup, wait there up to `waitMs` for the rider; with the rider aboard
 * drive to the drop-off (or a random place), without one drive on as an available car.
 */
export function acceptTrip(
  car: Car,
  graph: RoadGraph,
  trip: { id: string; pickup: LatLng; dropoff: LatLng | null; waitMs: number },
): void {
  car.tripId = trip.id;
  car.tripState = 'to_pickup';
  car.dwellMs = 0;
  car.tripWaitMs = trip.waitMs;
  car.dropoff = trip.dropoff;
  // Where the rider stands, mid-block on the street the broker put the pin on; not the nearest junction.
  driveToPoint(car, graph, trip.pickup);
}

/** The rider tapped "I'm in": a car waiting for that trip starts it. */
export function boardTrip(car: Car, graph: RoadGraph, tripId: string, rng: Rng): void {
  if (car.tripId === tripId && car.tripState === 'waiting') startRide(car, graph, rng);
}

/**
 * The trip ended elsewhere (cancelled by the rider, given to another driver, ended by an operator):
 * the car stops where it is and is available again.
 */
export function dropTrip(car: Car, tripId: string): void {
  if (car.tripId !== tripId) return;
  car.tripId = null;
  car.dropoff = null;
  car.waitLeftMs = 0;
  car.tripState = 'available';
  // Finish the street it is on and stop there (it parks, then drives on as any available car).
  car.path = car.path.slice(0, car.leg + 2);
  car.stopAtM = null;
}

/** A GPS fix of the car as a phone would report it: a few metres of noise, a plausible accuracy. */
export function carFix(car: Car, nowMs: number, rng: Rng): LocationFix {
  const p = carPosition(car);
  const mPerLat = 111_320;
  const mPerLng = mPerLat * Math.cos((p.lat * Math.PI) / 180);
  car.seq = (car.seq + 1) >>> 0;
  return {
    seq: car.seq,
    timestampMs: nowMs,
    lat: p.lat + gaussian(rng, CAR.gpsSigmaM) / mPerLat,
    lng: p.lng + gaussian(rng, CAR.gpsSigmaM) / mPerLng,
    headingDeg: car.speedMps > 0.5 ? (Math.round(p.headingDeg * 10) / 10) % 360 : null,
    speedMps: Math.round(car.speedMps * 10) / 10,
    accuracyM: Math.round(3 + rng() * 9),
    tripState: car.tripState,
    simulated: true,
  };
}
