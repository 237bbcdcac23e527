import { describe, expect, it } from 'vitest';
import {
  buildGraph,
  distanceM,
  DRIVING,
  drivingSeconds,
  isSharpTurn,
  type LatLng,
  backoffMs,
  seededRng,
} from '@ridetrack/shared';
import { DEFAULT_RATE, shouldPublish } from './adaptive-rate';
import { acceptTrip, boardTrip, carFix, carPosition, driveTo, dropTrip, newCar, stepCar, type Car } from './car-motion';
import { builtInCity } from './roads/city';
import type { RoadGraph } from '@ridetrack/shared';

const city = builtInCity(seededRng(1));

/** Distance from a point to the nearest road (any arc's polyline), metres; sampled along segments. */
function distanceToRoad(g: RoadGraph, p: LatLng): number {
  let best = Infinity;
  g.out.forEach((arcs, v) => {
    for (const arc of arcs) {
      const pts = [g.nodes[v] as LatLng, ...arc.shape, g.nodes[arc.to] as LatLng];
      for (let i = 1; i < pts.length; i++) {
        const a = pts[i - 1] as LatLng;
        const b = pts[i] as LatLng;
        // Project onto the segment in a local flat frame (exact enough over a few hundred metres).
        const k = Math.cos((p.lat * Math.PI) / 180);
        const len2 = ((b.lng - a.lng) * k) ** 2 + (b.lat - a.lat) ** 2;
        const dot = (p.lng - a.lng) * k * (b.lng - a.lng) * k + (p.lat - a.lat) * (b.lat - a.lat);
        const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, dot / len2));
        best = Math.min(best, distanceM({ lat: a.lat + (b.lat - a.lat) * t, lng: a.lng + (b.lng - a.lng) * t }, p));
      }
    }
  });
  return best;
}

function drive(seed: number, seconds: number): { positions: LatLng[]; speeds: number[]; car: Car } {
  const rng = seededRng(seed);
  const car = newCar('drv-t', city, rng);
  const positions: LatLng[] = [];
  const speeds: number[] = [];
  for (let s = 0; s < seconds; s++) {
    stepCar(car, city, 1000, rng);
    const p = carPosition(car);
    positions.push({ lat: p.lat, lng: p.lng });
    speeds.push(car.speedMps);
  }
  return { positions, speeds, car };
}

describe('movement', () => {
  it('keeps the car on the road geometry at plausible speeds', () => {
    const { positions, speeds } = drive(5, 300);
    for (const p of positions.filter((_, i) => i % 10 === 0)) expect(distanceToRoad(city, p)).toBeLessThan(0.5);
    expect(Math.max(...speeds)).toBeLessThanOrEqual(25 + 1e-9);
    expect(speeds.some((v) => v > 5)).toBe(true); // it does drive
    // Acceleration and braking within a car's: at most 3 m/s per second.
    for (let i = 1; i < speeds.length; i++)
      expect(Math.abs((speeds[i] ?? 0) - (speeds[i - 1] ?? 0))).toBeLessThanOrEqual(3 + 1e-9);
    // Consecutive positions are no further apart than the speed allows.
    for (let i = 1; i < positions.length; i++)
      expect(distanceM(positions[i - 1] as LatLng, positions[i] as LatLng)).toBeLessThan(26);
  });

  it('drives the same trajectory for the same seed', () => {
    expect(drive(11, 120).positions).toEqual(drive(11, 120).positions);
    expect(drive(12, 120).positions).not.toEqual(drive(11, 120).positions);
  });

  it('reports fixes a few metres off the road, like a phone', () => {
    const rng = seededRng(2);
    const { car } = drive(7, 60);
    const truth = carPosition(car);
    const offsets = Array.from({ length: 200 }, () => distanceM(truth, carFix({ ...car }, 0, rng)));
    const mean = offsets.reduce((a, b) => a + b, 0) / offsets.length;
    expect(mean).toBeGreaterThan(2);
    expect(mean).toBeLessThan(10);
  });

  /** Drives a car on a trip until `until` holds (at most an hour), noting the states it went through. */
  function tripDrive(car: Car, rng: () => number, until: () => boolean): string[] {
    const states: string[] = [];
    for (let s = 0; s < 3600 && !until(); s++) {
      stepCar(car, city, 1000, rng);
      if (states.at(-1) !== car.tripState) states.push(car.tripState);
    }
    return states;
  }

  it('follows a trip: to the pickup, waits there until the rider is in, on trip to the drop-off, then available', () => {
    const rng = seededRng(4);
    const car = newCar('drv-trip', city, rng);
    const pickup = city.nodes[10] as LatLng;
    const dropoff = city.nodes[400] as LatLng;
    acceptTrip(car, city, { id: 't-1', pickup, dropoff, waitMs: 30_000 });
    let waitedS = 0;
    const states = tripDrive(car, rng, () => {
      if (car.tripState === 'waiting') {
        waitedS++;
        expect(distanceM(carPosition(car), pickup)).toBeLessThan(1);
        expect(car.speedMps).toBe(0);
        if (waitedS === 20) boardTrip(car, city, 't-1', rng);
      }
      return tripOver(car);
    });
    expect(states).toEqual(['to_pickup', 'waiting', 'on_trip', 'available']);
    expect(waitedS).toBe(20);
    expect(distanceM(carPosition(car), dropoff)).toBeLessThan(1);
  });

  it('waits the whole wait for a rider who never comes, then drives on as an available car (a no-show)', () => {
    const rng = seededRng(4);
    const car = newCar('drv-noshow', city, rng);
    const pickup = city.nodes[10] as LatLng;
    acceptTrip(car, city, { id: 't-3', pickup, dropoff: city.nodes[400] as LatLng, waitMs: 30_000 });
    let waitedS = 0;
    const states = tripDrive(car, rng, () => {
      if (car.tripState === 'waiting') waitedS++;
      return tripOver(car);
    });
    expect(states).toEqual(['to_pickup', 'waiting', 'available']);
    expect(waitedS).toBeGreaterThanOrEqual(30);
    expect(waitedS).toBeLessThanOrEqual(31);
    // Gave up where it waited, with no trip and no drop-off left: never on trip without its rider.
    expect(distanceM(carPosition(car), pickup)).toBeLessThan(1);
    expect(car).toMatchObject({ tripId: null, dropoff: null });
  });

  /** A point half-way along a long street of the city, as the broker puts a rider's pin (mid-block). */
  function midBlock(minM: number): LatLng {
    for (const [v, arcs] of city.out.entries())
      for (const arc of arcs) {
        if (arc.lengthM < minM) continue;
        const a = city.nodes[v] as LatLng;
        const b = city.nodes[arc.to] as LatLng;
        if (arc.shape.length > 0) continue;
        return { lat: (a.lat + b.lat) / 2, lng: (a.lng + b.lng) / 2 };
      }
    throw new Error('no street that long');
  }

  it('stops where the rider is, mid-block, not at the nearest junction (nor past it, round the block)', () => {
    const pickup = midBlock(150);
    for (const seed of [21, 22, 23, 24]) {
      const rng = seededRng(seed);
      const car = newCar('drv-mid', city, rng);
      for (let s = 0; s < 30; s++) stepCar(car, city, 1000, rng);
      acceptTrip(car, city, { id: 't-mid', pickup, dropoff: null, waitMs: 60_000 });
      // Once close to the rider it does not drive away again (past them, round the block).
      let near = false;
      let leftAgain = false;
      tripDrive(car, rng, () => {
        const m = distanceM(carPosition(car), pickup);
        if (m < 3) near = true;
        else if (near && m > 10) leftAgain = true;
        return car.tripState === 'waiting';
      });
      expect(car.tripState).toBe('waiting');
      expect(distanceM(carPosition(car), pickup)).toBeLessThan(1);
      expect(leftAgain).toBe(false);
    }
  });

  it('takes a trip from where it is on its street, without a jump', () => {
    const pickup = midBlock(150);
    for (const seed of [31, 32, 33, 34, 35, 36]) {
      const rng = seededRng(seed);
      const car = newCar('drv-jump', city, rng);
      for (let s = 0; s < 25; s++) stepCar(car, city, 1000, rng);
      const before = carPosition(car);
      acceptTrip(car, city, { id: 't-jump', pickup, dropoff: null, waitMs: 60_000 });
      expect(distanceM(carPosition(car), before)).toBeLessThan(0.01);
      stepCar(car, city, 1000, rng);
      expect(distanceM(carPosition(car), before)).toBeLessThan(26);
    }
  });

  it("starts the trip at once when the rider taps I'm in, and drops a trip cancelled elsewhere", () => {
    const rng = seededRng(5);
    const car = newCar('drv-board', city, rng);
    const pickup = city.nodes[20] as LatLng;
    acceptTrip(car, city, { id: 't-2', pickup, dropoff: city.nodes[300] as LatLng, waitMs: 600_000 });
    tripDrive(car, rng, () => car.tripState === 'waiting');
    boardTrip(car, city, 't-other', rng); // not its trip
    expect(car.tripState).toBe('waiting');
    boardTrip(car, city, 't-2', rng);
    expect(car.tripState).toBe('on_trip');
    stepCar(car, city, 1000, rng);
    dropTrip(car, 't-2');
    expect(car).toMatchObject({ tripState: 'available', tripId: null });
  });
});

/** A trip's end: the car was on it and is available again. */
function tripOver(car: Car): boolean {
  return car.tripId === null && car.tripState === 'available';
}

describe('adaptive rate', () => {
  const at = (lat: number, headingDeg: number | null, s: number) => ({ lat, lng: -76.6, headingDeg, atMs: s * 1000 });

  it('a parked car publishes at most every maxIntervalS', () => {
    let last = at(39.29, null, 0);
    let sent = 0;
    for (let s = 1; s <= 120; s++) {
      const now = at(39.29, null, s);
      if (shouldPublish(last, now, false, DEFAULT_RATE)) {
        expect(s - last.atMs / 1000).toBeGreaterThanOrEqual(DEFAULT_RATE.maxIntervalS);
        last = now;
        sent++;
      }
    }
    expect(sent).toBe(Math.floor(120 / DEFAULT_RATE.maxIntervalS));
  });

  it('a turning car publishes promptly, a moving one by distance, never faster than minIntervalS', () => {
    expect(shouldPublish(at(39.29, 0, 0), at(39.29, 40, 1), false, DEFAULT_RATE)).toBe(true);
    expect(shouldPublish(at(39.29, 0, 0), at(39.29, 40, 0.3), false, DEFAULT_RATE)).toBe(false);
    expect(shouldPublish(at(39.29, 0, 0), at(39.2906, 0, 2), false, DEFAULT_RATE)).toBe(true); // 67 m
    expect(shouldPublish(at(39.29, 0, 0), at(39.2902, 0, 2), false, DEFAULT_RATE)).toBe(false); // 22 m
    expect(shouldPublish(at(39.29, 0, 0), at(39.2902, 0, 2), true, DEFAULT_RATE)).toBe(true); // on a trip: 20 m
  });
});

describe('reconnect backoff', () => {
  it('grows exponentially, is capped, and is fully jittered', () => {
    const rng = seededRng(1);
    const samples = (attempt: number) => Array.from({ length: 2000 }, () => backoffMs(attempt, 500, 30_000, rng));
    const max = (xs: number[]) => Math.max(...xs);
    expect(max(samples(1))).toBeLessThan(1000);
    expect(max(samples(3))).toBeLessThan(4000);
    expect(max(samples(20))).toBeLessThan(30_000);
    // Full jitter: spread over the whole window, not bunched at its end.
    const s = samples(20);
    expect(Math.min(...s)).toBeLessThan(3000);
    expect(s.filter((x) => x < 15_000).length / s.length).toBeGreaterThan(0.4);
  });
});

describe('setting off with the rider', () => {
  /** A straight two-way street running east, 1 km, junctions every 500 m (the broker's router's assumptions). */
  const K = 1 / (111_320 * Math.cos((39.29 * Math.PI) / 180));
  const east = (m: number): LatLng => ({ lat: 39.29, lng: -76.6 + m * K });
  const street = (oneway: boolean) =>
    buildGraph([{ points: [east(0), east(500), east(1000)], speedMps: 10, oneway, name: 'Main' }], null);

  /** Drives a car from the street's west end to a pickup at 300 m, boards, and drives to a drop-off at 100 m. */
  function ride(graph: RoadGraph): { drivenM: number; arrived: boolean } {
    const rng = seededRng(3);
    const car = newCar('drv-u', graph, rng);
    const west = graph.nodes.findIndex((p) => distanceM(p, east(0)) < 1);
    car.path = [west, west];
    car.dwellMs = 0;
    acceptTrip(car, graph, { id: 't-u', pickup: east(300), dropoff: east(100), waitMs: 60_000 });
    for (let s = 0; s < 120 && car.tripState !== 'waiting'; s++) stepCar(car, graph, 1000, rng);
    expect(car.tripState).toBe('waiting');
    boardTrip(car, graph, 't-u', rng);
    let drivenM = 0;
    let last = carPosition(car);
    for (let s = 0; s < 300 && car.tripState === 'on_trip'; s++) {
      stepCar(car, graph, 1000, rng);
      const p = carPosition(car);
      drivenM += distanceM(last, p);
      last = p;
    }
    return { drivenM, arrived: car.tripState === 'available' && distanceM(last, east(100)) < 15 };
  }

  it('turns round at the kerb on a two-way street when the drop-off is behind it', () => {
    // 200 m back along the street, not 700 m on to the end, round and back.
    const r = ride(street(false));
    expect(r.arrived).toBe(true);
    expect(r.drivenM).toBeLessThan(260);
  });
});

describe('drive time', () => {
  /** The time the shared driving model (what every ETA assumes) gives for a path of nodes, from standing to a stop. */
  function modelSeconds(g: RoadGraph, path: readonly number[]): { model: number; atRoadSpeed: number } {
    const stretches = [];
    const caps = [0];
    for (let i = 1; i < path.length; i++) {
      const arc = (g.out[path[i - 1] ?? 0] ?? []).find((a) => a.to === path[i]);
      if (arc === undefined) throw new Error('not a path');
      stretches.push({ lengthM: arc.lengthM, speedMps: arc.speedMps });
      const [a, b, c] = [g.nodes[path[i - 1] ?? 0], g.nodes[path[i] ?? 0], g.nodes[path[i + 1] ?? -1]];
      caps.push(a && b && c && isSharpTurn(a, b, c) ? DRIVING.turnSpeedMps : Infinity);
    }
    caps[caps.length - 1] = 0;
    const model = drivingSeconds(stretches, caps).reduce((s, t) => s + t, 0);
    return { model, atRoadSpeed: stretches.reduce((s, x) => s + x.lengthM / x.speedMps, 0) };
  }

  it('takes as long as the driving model every ETA uses says, turns, starting and stopping included', () => {
    let worst = 0;
    let worstAtRoadSpeed = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const rng = seededRng(seed);
      const car = newCar('drv-eta', city, rng);
      car.dwellMs = 0;
      driveTo(car, city, Math.floor(rng() * city.nodes.length));
      const path = [...car.path];
      if (path.length < 4) continue;
      let s = 0;
      while (car.dwellMs === 0 && s < 3600) {
        stepCar(car, city, 100, rng);
        s += 0.1;
      }
      const { model, atRoadSpeed } = modelSeconds(city, path);
      worst = Math.max(worst, Math.abs(s - model) / model);
      worstAtRoadSpeed = Math.max(worstAtRoadSpeed, Math.abs(s - atRoadSpeed) / atRoadSpeed);
    }
    expect(worst).toBeLessThan(0.03);
    // The roads' speeds alone (the ETAs before) were further off.
    expect(worstAtRoadSpeed).toBeGreaterThan(worst * 2);
  });
});
