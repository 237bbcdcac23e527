import type { DriverProfile, DriverStatus } from '@ridetrack/shared';
import type { Logger } from 'pino';
import type { TokenMinter } from '../auth/tokens';
import { Dispatch, type DispatchOptions } from '../dispatch';
import type { GeoIndex } from '../geo/types';
import type { CityMap } from '../map/city-map';
import { roadRouter } from '../routing/road-router';
import { straightLineRouter, withFallback, type Router } from '../routing/router';
import type { LifecycleLimits } from './lifecycle';
import { profileDirectory, type ProfileDirectory } from './profiles';
import { TripSupervisor } from './supervisor';
import { TripBook } from './trip-book';
import type { TripStore } from './trip-store';

export interface TripOptions {
  lifecycle: LifecycleLimits;
  /** Drivers' display names and cars (DRIVER_PROFILES_FILE); anyone else gets a made-up one. */
  profiles: ReadonlyMap<string, DriverProfile>;
  /** H3 resolution the cars shown before booking are snapped to. */
  carsResolution: number;
}

export interface TripsDeps {
  /** Where the drivers are: dispatch's candidates, and what the supervisor judges a driver by. */
  index: GeoIndex;
  /** Trips and holds, shared by every node with Redis (open-trip-store.ts). */
  store: TripStore;
  minter: TokenMinter | null;
  /** How ETAs, routes and dispatch's ranking get from A to B (default: the city's roads, else the straight line). */
  router: Router | undefined;
  city: CityMap | null;
  presenceOf: (driverId: string) => Promise<DriverStatus | null>;
  /** A message on the driver's trip topic. */
  tellDriver: (driverId: string, message: string) => void;
  /** Closes, on every node, the riders holding this trip's token. */
  endRiderSessions: (tripId: string) => void;
  now: () => number;
  log: Logger;
}

export interface Trips {
  book: TripBook;
  dispatch: Dispatch;
  supervisor: TripSupervisor;
  router: Router;
  /** Who each driver is to riders (name, car, plate): operators see the same. */
  profiles: ProfileDirectory;
}

/** The ride's side of the broker: the trip book, dispatch, and the supervisor that watches trips. */
export function startTrips(options: { trips: TripOptions; dispatch: DispatchOptions }, deps: TripsDeps): Trips {
  const { index, store, now } = deps;
  // Along the city's roads when the broker has a city, else the straight-line estimate.
  const router =
    deps.router ?? (deps.city ? withFallback(roadRouter(deps.city.graph), straightLineRouter()) : straightLineRouter());
  const profiles = profileDirectory(options.trips.profiles);
  const book = new TripBook({ store, tellDriver: deps.tellDriver, endRiderSessions: deps.endRiderSessions, now });
  const dispatch = new Dispatch(
    {
      index,
      store,
      book,
      minter: deps.minter,
      presenceOf: deps.presenceOf,
      router,
      profiles,
      now,
      started: (trip) => supervisor.watch(trip.id),
    },
    options.dispatch,
  );
  const supervisor: TripSupervisor = new TripSupervisor({
    book,
    observe: async (driverId) => {
      const [status, state] = await Promise.all([deps.presenceOf(driverId), index.get(driverId, now())]);
      return {
        online: status?.online ?? null,
        presenceMs: status?.ts ?? null,
        fix: state === null ? null : { ...state, updatedMs: state.updatedMs },
      };
    },
    reassign: (trip, reason) => dispatch.reassign(trip, reason),
    limits: options.trips.lifecycle,
    now,
    log: deps.log.child({ module: 'trips' }),
  });
  supervisor.start(1000);
  return { book, dispatch, supervisor, router, profiles };
}
