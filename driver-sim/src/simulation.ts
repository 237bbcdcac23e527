import { encodeLocation, seededRng, type Rng, type TripState } from '@ridetrack/shared';
import { DEFAULT_RATE, shouldPublish, type RatePolicy, type Sample } from './adaptive-rate';
import { isTunnel, nextDropout, NO_DROPOUTS, type DropoutPolicy } from './dropouts';
import { acceptTrip, boardTrip, carFix, carPosition, dropTrip, newCar, stepCar, type Car } from './car-motion';
import { DriverLink } from './driver-link';
import type { RoadGraph } from '@ridetrack/shared';

export interface SimulationOptions {
  graph: RoadGraph;
  drivers: number;
  seed: number;
  brokers: readonly string[];
  idPrefix: string;
  /** The MQTT password (driver token) of a driver, or undefined in open mode. */
  tokenFor: (driverId: string) => Promise<string | undefined>;
  tickMs: number;
  rate: RatePolicy;
  /** New connections a second while the fleet starts (and no faster after a mass disconnect). */
  rampPerS: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  insecureTls: boolean;
  /** GPS dropouts: tunnels and random losses. */
  dropouts: DropoutPolicy;
  /** Drivers connected at start (at most `drivers`, which is the most the run will have). */
  initialActive?: number;
  /** Source addresses for the drivers' TCP connections, used in turn (none: the system's choice). */
  sourceAddresses?: readonly string[];
  /** The broker refused a driver's CONNECT (CONNACK return code): the caller decides whether to go on. */
  onRefused?: (driverId: string, returnCode: number) => void;
  /** A driver's connection failed (ECONNREFUSED, ETIMEDOUT, ...); it retries with backoff. */
  onConnectError?: (driverId: string, code: string) => void;
}

export interface SimulationStats {
  target: number;
  connected: number;
  published: number;
  publishedLastSecond: number;
  reconnects: number;
  errors: number;
  /** CONNECTs the broker refused (CONNACK return code other than 0). */
  refused: number;
  trips: number;
  /** Drivers on duty driving at the last tick. */
  moving: number;
  /** Drivers on duty parked at the last tick (at a destination, 3-20 s; they report every maxIntervalS). */
  parked: number;
  /** Simulation ticks run so far. */
  ticks: number;
  /** Drivers meant to be on the road now (a scenario changes it). */
  active: number;
  /** Drivers without a GPS fix right now (tunnel or dropout). */
  gpsBlind: number;
  /** Random GPS dropouts and network dropouts started so far. */
  dropouts: number;
  /** Driver-ticks spent without GPS so far (no fix could be sent). */
  blindTicks: number;
}

export interface Simulation {
  stats(): SimulationStats;
  /** Grows (at the ramp rate) or shrinks (the highest-numbered drivers go off duty) the fleet. */
  setActiveDrivers(count: number): void;
  /** Cuts the network of `share` of the active drivers for `seconds`; they reconnect afterwards. */
  networkDropout(share: number, seconds: number): void;
  close(): Promise<void>;
}

/** How long a driver waits at the pickup when the trip does not say. */
const DEFAULT_WAIT_S = 120;

export const DEFAULT_SIMULATION = {
  drivers: 100,
  seed: 1,
  idPrefix: 'drv-',
  tickMs: 1000,
  rate: DEFAULT_RATE,
  rampPerS: 200,
  backoffBaseMs: 500,
  backoffCapMs: 30_000,
  insecureTls: false,
  dropouts: NO_DROPOUTS,
} as const;

/** The driver id of car `i`: drv-00001, drv-00002, ... */
export function driverId(prefix: string, i: number): string {
  return `${prefix}${String(i + 1).padStart(5, '0')}`;
}

/**
 * Runs a fleet: each car drives on the graph (its own seeded RNG, so its drive does not depend on
 * the others or on timing), and its link publishes a fix whenever the adaptive rate says so.
 * Connections start at `rampPerS` a second.
 */
export function startSimulation(options: SimulationOptions, deps: { now?: () => number } = {}): Simulation {
  const now = deps.now ?? Date.now;
  const cars: Car[] = [];
  const rngs: Rng[] = [];
  const noise: Rng[] = [];
  const links: DriverLink[] = [];
  const last: (Sample | null)[] = [];
  /** Each car's trip state as last published: a change is published at once. */
  const lastState: (TripState | null)[] = [];
  const counts = {
    published: 0,
    reconnects: 0,
    errors: 0,
    refused: 0,
    trips: 0,
    connected: 0,
    ticks: 0,
    dropouts: 0,
    blind: 0,
    blindTicks: 0,
  };
  const blindUntil: number[] = [];
  const nextBlind: ({ startMs: number; endMs: number } | null)[] = [];
  const blindRng = seededRng(options.seed * 104_729 + 17);
  let lastSecond = 0;
  let thisSecond = 0;
  let lastBlind = 0;
  let moving = 0;
  let parked = 0;
  for (let i = 0; i < options.drivers; i++) {
    const rng = seededRng(options.seed * 1_000_003 + i);
    const id = driverId(options.idPrefix, i);
    cars.push(newCar(id, options.graph, rng));
    rngs.push(rng);
    noise.push(seededRng(options.seed * 7_919 + i));
    last.push(null);
    lastState.push(null);
    blindUntil.push(0);
    nextBlind.push(nextDropout(now(), options.dropouts, blindRng));
  }
  let active = Math.min(options.drivers, options.initialActive ?? options.drivers);
  let closed = false;
  const started: Promise<void>[] = [];
  const startLink = async (i: number): Promise<void> => {
    const car = cars[i] as Car;
    const link = new DriverLink(
      {
        brokers: options.brokers,
        clientId: car.id,
        token: await options.tokenFor(car.id),
        backoffBaseMs: options.backoffBaseMs,
        backoffCapMs: options.backoffCapMs,
        insecureTls: options.insecureTls,
        localAddress: options.sourceAddresses?.[i % options.sourceAddresses.length],
      },
      {
        onConnected: () => counts.connected++,
        onDisconnected: (unexpected) => {
          counts.connected--;
          if (unexpected) counts.reconnects++;
        },
        onError: (code) => {
          counts.errors++;
          options.onConnectError?.(car.id, code);
        },
        onRefused: (returnCode) => {
          counts.refused++;
          options.onRefused?.(car.id, returnCode);
        },
        onTrip: (m) => {
          const rng = rngs[i] ?? Math.random;
          if (m.state === 'assigned' && m.pickup !== undefined) {
            counts.trips++;
            acceptTrip(car, options.graph, {
              id: m.trip,
              pickup: m.pickup,
              dropoff: m.dropoff ?? null,
              waitMs: (m.waitS ?? DEFAULT_WAIT_S) * 1000,
            });
          } else if (m.state === 'boarded') {
            boardTrip(car, options.graph, m.trip, rng);
          } else if (m.state === 'cancelled' || m.state === 'completed') {
            dropTrip(car, m.trip);
          }
        },
      },
      noise[i] ?? Math.random,
      now,
    );
    links[i] = link;
    if (!closed && i < active) link.start();
    else await link.close();
  };
  // Ramp: start connections evenly over time, up to the active count.
  let nextToStart = 0;
  const rampEveryMs = Math.max(1, Math.floor(1000 / options.rampPerS));
  const ramp = setInterval(() => {
    const batch = Math.max(1, Math.round(options.rampPerS / (1000 / rampEveryMs)));
    for (let k = 0; k < batch && nextToStart < active; k++) started.push(startLink(nextToStart++));
  }, rampEveryMs);

  const tick = setInterval(() => {
    counts.ticks++;
    lastBlind = counts.blind;
    counts.blind = 0;
    const t = now();
    moving = 0;
    parked = 0;
    for (let i = 0; i < cars.length; i++) {
      const car = cars[i] as Car;
      stepCar(car, options.graph, options.tickMs, rngs[i] ?? Math.random);
      if (i < active) {
        if (car.dwellMs > 0) parked++;
        else moving++;
      }
      const link = links[i];
      if (link === undefined || !link.connected || i >= active) continue;
      if (gpsBlind(i, car, t)) {
        counts.blindTicks++;
        continue;
      }
      const p = carPosition(car);
      const sample: Sample = { lat: p.lat, lng: p.lng, headingDeg: car.speedMps > 0.5 ? p.headingDeg : null, atMs: t };
      const changed = lastState[i] !== car.tripState;
      if (!changed && !shouldPublish(last[i] ?? null, sample, car.tripState !== 'available', options.rate)) continue;
      if (link.publishFix(encodeLocation(carFix(car, t, noise[i] ?? Math.random)))) {
        last[i] = sample;
        lastState[i] = car.tripState;
        counts.published++;
        thisSecond++;
      }
    }
  }, options.tickMs);
  /** No fix now: in a tunnel, or in a random dropout (scheduling the next when one ends). */
  function gpsBlind(i: number, car: Car, t: number): boolean {
    const from = car.path[car.leg];
    const to = car.path[car.leg + 1];
    if (from !== undefined && to !== undefined && isTunnel(from, to, options.seed, options.dropouts.tunnelShare)) {
      counts.blind++;
      return true;
    }
    const next = nextBlind[i];
    if (next !== null && next !== undefined && t >= next.startMs) {
      if (t < next.endMs) {
        if (blindUntil[i] !== next.endMs) counts.dropouts++;
        blindUntil[i] = next.endMs;
        counts.blind++;
        return true;
      }
      nextBlind[i] = nextDropout(t, options.dropouts, blindRng);
    }
    return false;
  }

  const second = setInterval(() => {
    lastSecond = thisSecond;
    thisSecond = 0;
  }, 1000);

  return {
    stats: () => ({
      target: options.drivers,
      connected: counts.connected,
      published: counts.published,
      publishedLastSecond: lastSecond,
      reconnects: counts.reconnects,
      errors: counts.errors,
      refused: counts.refused,
      trips: counts.trips,
      moving,
      parked,
      ticks: counts.ticks,
      active,
      gpsBlind: lastBlind,
      dropouts: counts.dropouts,
      blindTicks: counts.blindTicks,
    }),
    setActiveDrivers(count: number) {
      const wanted = Math.max(0, Math.min(options.drivers, Math.round(count)));
      if (wanted < active) {
        for (let i = wanted; i < active; i++) {
          const link = links[i];
          if (link !== undefined) void link.close();
        }
        nextToStart = Math.min(nextToStart, wanted);
      }
      active = wanted;
    },
    networkDropout(share: number, seconds: number) {
      const count = Math.round(Math.max(0, Math.min(1, share)) * active);
      for (let k = 0; k < count; k++) {
        const link = links[Math.floor(blindRng() * active)];
        if (link?.suspend(seconds * 1000)) counts.dropouts++;
      }
    },
    async close() {
      closed = true;
      clearInterval(ramp);
      clearInterval(tick);
      clearInterval(second);
      await Promise.all(started);
      await Promise.all(links.map((l) => l.close()));
    },
  };
}
