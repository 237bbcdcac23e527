import { randomUUID } from 'node:crypto';
import type { DriverLostReason, DriverStatus, LatLng } from '@ridetrack/shared';
import type { TokenMinter } from './auth/tokens';
import type { GeoIndex, NearbyDriver } from './geo/types';
import type { Router } from './routing/router';
import type { ProfileDirectory } from './trips/profiles';
import { isActive, revise, type Trip } from './trips/trip';
import type { TripBook } from './trips/trip-book';
import type { TripStore } from './trips/trip-store';

export type { Trip } from './trips/trip';

export interface DispatchOptions {
  /** How far from the pickup a driver may be. */
  searchRadiusM: number;
  /** The nearest this many drivers are ranked by driving time to the pickup. */
  candidates: number;
  /** How long a trip (and its rider token) lasts at most. */
  tripTtlS: number;
  /** A driver whose last fix is older than this is not offered a trip (parked phones report every 15 s). */
  maxFixAgeMs: number;
  /** How long a driver waits at the pickup for the rider before starting anyway. */
  waitS: number;
}

export type RequestReason = 'no_driver_available' | 'no_token_signer';

/** A pickup or destination farther than this from any street is left where it was put. */
const SNAP_WITHIN_M = 150;

export interface DispatchDeps {
  /** Where the drivers are: dispatch reads it, never writes it. */
  index: GeoIndex;
  /** The holds on drivers (and the trips, through `book`). */
  store: TripStore;
  book: TripBook;
  minter: TokenMinter | null;
  /** The driver's retained presence (broker-kept, shared by every node when clustered). */
  presenceOf: (driverId: string) => Promise<DriverStatus | null>;
  router: Router;
  profiles: ProfileDirectory;
  now: () => number;
  /** Every trip started (a request, or a reassignment): the supervisor watches it. */
  started?: (trip: Trip) => void;
}

/** A trip and the token its rider follows the car with. */
export type Assignment = { ok: true; trip: Trip; riderToken: string };

/**
 * Assigns a driver to a pickup: of the nearest drivers whose fixes say `available`, only those
 * online now (presence) and heard from recently; the quickest to reach the pickup by the router's
 * time gets it, reserved atomically across broker nodes (SET NX in Redis), so two riders never get
 * the same car. The driver hears of it on its trip topic; the rider gets a token scoped to that
 * driver and trip, which stops working when the trip ends. A trip whose driver is lost before the
 * rider is aboard is handed to the next best driver as a new trip, which the old one points to.
 */
export class Dispatch {
  constructor(
    private readonly deps: DispatchDeps,
    private readonly options: DispatchOptions,
  ) {}

  async request(
    pickup: LatLng,
    riderId: string,
    dropoff?: LatLng,
  ): Promise<Assignment | { ok: false; reason: RequestReason }> {
    if (this.deps.minter === null) return { ok: false, reason: 'no_token_signer' };
    // The pin goes to the street: the driver stops there, not in the middle of a block.
    const at = this.onStreet(pickup);
    const to = dropoff === undefined ? undefined : this.onStreet(dropoff);
    return this.assign({ pickup: at, riderId, ...(to ? { dropoff: to } : {}), tried: [] });
  }

  /** A point moved to its nearest street when one is within `SNAP_WITHIN_M`, else as it was. */
  onStreet(p: LatLng): LatLng {
    const on = this.deps.router.snap?.(p) ?? null;
    return on !== null && on.offM <= SNAP_WITHIN_M ? on.point : p;
  }

  /**
   * The trip's driver is lost: the trip is closed as `reassigned` and a new one goes to the best
   * other driver (never one this ride already had); with nobody free, the trip is cancelled with
   * `no_driver`. Null when another writer changed the trip first.
   */
  async reassign(trip: Trip, reason: DriverLostReason): Promise<Trip | null> {
    if (!isActive(trip) || trip.state === 'on_trip') return null;
    const tried = [...trip.tried, trip.driverId];
    const nextId = newTripId();
    const found = this.deps.minter === null ? null : await this.assignable(trip.pickup, tried, nextId);
    const nowMs = this.deps.now();
    const closed =
      found === null
        ? revise(trip, { state: 'cancelled', endedMs: nowMs, endReason: 'no_driver', lost: reason })
        : revise(trip, { state: 'reassigned', endedMs: nowMs, lost: reason, replacedBy: nextId });
    // The replacement is stored before the old trip names it, so a rider who reads `reassigned`
    // can always load the trip it points to; its driver hears of it only once the handover won.
    const replacement =
      found === null
        ? null
        : this.newTrip(nextId, found.driverId, {
            pickup: trip.pickup,
            riderId: trip.riderId,
            ...(trip.dropoff ? { dropoff: trip.dropoff } : {}),
            tried,
            replaces: trip.id,
          });
    if (replacement !== null) await this.deps.book.save(replacement, this.options.tripTtlS * 1000);
    if (!(await this.deps.book.replace(closed, trip.version))) {
      if (replacement !== null) {
        const never = revise(replacement, { state: 'cancelled', endedMs: nowMs, endReason: 'no_driver' });
        await this.deps.book.replace(never, replacement.version);
        await this.deps.store.release(replacement.driverId, nextId);
      }
      return null;
    }
    await this.deps.book.afterEnd(closed);
    if (replacement !== null) this.announce(replacement);
    return closed;
  }

  /** A rider token for a trip (a reassigned trip's rider gets one for the trip that replaced it). */
  async riderToken(trip: Trip): Promise<string | null> {
    if (this.deps.minter === null) return null;
    const nowS = Math.floor(this.deps.now() / 1000);
    const ttlS = Math.max(60, Math.floor(trip.createdMs / 1000) + this.options.tripTtlS - nowS);
    return this.deps.minter.mint(
      { role: 'rider', sub: trip.riderId, drivers: [trip.driverId], trip: trip.id, exp: nowS + ttlS },
      ttlS,
    );
  }

  private async assign(ride: Ride): Promise<Assignment | { ok: false; reason: 'no_driver_available' }> {
    const id = newTripId();
    const found = await this.assignable(ride.pickup, ride.tried, id);
    if (found === null) return { ok: false, reason: 'no_driver_available' };
    const trip = await this.start(id, found.driverId, ride);
    const riderToken = await this.riderToken(trip);
    if (riderToken === null) return { ok: false, reason: 'no_driver_available' };
    return { ok: true, trip, riderToken };
  }

  /**
   * The drivers that could take a ride from `pickup` now, nearest first: available by their fixes,
   * online by presence, heard from within `maxFixAgeMs`, and not among `exclude`.
   */
  async available(pickup: LatLng, limit: number, exclude: readonly string[] = []): Promise<NearbyDriver[]> {
    const nowMs = this.deps.now();
    const near = await this.deps.index.nearby(
      { ...pickup, radiusM: this.options.searchRadiusM, limit: limit + exclude.length, tripState: 'available' },
      nowMs,
    );
    const fresh = near.filter((d) => !exclude.includes(d.driverId) && nowMs - d.updatedMs <= this.options.maxFixAgeMs);
    const presence = await Promise.all(fresh.map((d) => this.deps.presenceOf(d.driverId).catch(() => null)));
    return fresh.filter((_d, i) => presence[i]?.online === true).slice(0, limit);
  }

  /**
   * The best driver for a pickup, held for `tripId`: of the nearest few available, the quickest to
   * reach the pickup by the router's time whose hold succeeds.
   */
  private async assignable(pickup: LatLng, exclude: readonly string[], tripId: string): Promise<NearbyDriver | null> {
    const ranked = (await this.available(pickup, this.options.candidates, exclude))
      .map((d) => ({ d, s: this.deps.router.route(d, pickup)?.durationS ?? Number.POSITIVE_INFINITY }))
      .sort((a, b) => a.s - b.s);
    for (const { d } of ranked) {
      if (await this.deps.store.hold(d.driverId, tripId, this.options.tripTtlS * 1000)) return d;
    }
    return null;
  }

  /** Stores the new trip (its driver already held) and tells the driver. */
  private async start(id: string, driverId: string, ride: Ride): Promise<Trip> {
    const trip = this.newTrip(id, driverId, ride);
    await this.deps.book.save(trip, this.options.tripTtlS * 1000);
    this.announce(trip);
    return trip;
  }

  private newTrip(id: string, driverId: string, ride: Ride & { replaces?: string }): Trip {
    return {
      id,
      driverId,
      riderId: ride.riderId,
      pickup: ride.pickup,
      ...(ride.dropoff ? { dropoff: ride.dropoff } : {}),
      state: 'assigned',
      createdMs: this.deps.now(),
      driver: this.deps.profiles(driverId),
      waitS: this.options.waitS,
      tried: ride.tried,
      drivenM: 0,
      ...(ride.replaces ? { replaces: ride.replaces } : {}),
      version: 1,
    };
  }

  /** A new trip is watched, and its driver told. */
  private announce(trip: Trip): void {
    this.deps.started?.(trip);
    this.deps.book.tell(trip, {
      trip: trip.id,
      state: 'assigned',
      pickup: trip.pickup,
      rider: trip.riderId,
      waitS: trip.waitS,
      ts: trip.createdMs,
      ...(trip.dropoff ? { dropoff: trip.dropoff } : {}),
    });
  }
}

interface Ride {
  pickup: LatLng;
  dropoff?: LatLng;
  riderId: string;
  tried: string[];
}

function newTripId(): string {
  return `t-${randomUUID()}`;
}
