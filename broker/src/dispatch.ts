import { randomUUID } from 'node:crypto';
import { encodeTripMessage, type LatLng, type TripMessage } from '@ridetrack/shared';
import type { TokenMinter } from './auth/tokens';
import type { GeoIndex } from './geo/types';

export interface Trip {
  id: string;
  driverId: string;
  riderId: string;
  pickup: LatLng;
  dropoff?: LatLng;
  state: 'assigned' | 'completed';
  createdMs: number;
  endedMs?: number;
}

export interface DispatchOptions {
  /** How far from the pickup a driver may be. */
  searchRadiusM: number;
  /** Candidates tried, nearest first, when some are already reserved. */
  candidates: number;
  /** How long a trip (and its rider token) lasts at most. */
  tripTtlS: number;
}

export type RequestReason = 'no_driver_available' | 'no_token_signer';
export type CompleteReason = 'unknown_trip' | 'already_ended';

/**
 * Assigns the nearest available driver to a pickup: a ring search for drivers whose fixes say
 * `available`, then a reservation that is atomic across broker nodes (SET NX in Redis), so two
 * riders never get the same car. The driver hears of it on its trip topic; the rider gets a token
 * scoped to that driver and trip, which stops working when the trip ends or expires.
 */
export class Dispatch {
  private readonly trips = new Map<string, Trip>();

  constructor(
    private readonly index: GeoIndex,
    private readonly minter: TokenMinter | null,
    private readonly tellDriver: (driverId: string, message: string) => void,
    /** Ends the live connections of riders holding this trip's token. */
    private readonly endRiderSessions: (tripId: string) => void,
    private readonly options: DispatchOptions,
    private readonly now: () => number,
  ) {}

  async request(
    pickup: LatLng,
    riderId: string,
    dropoff?: LatLng,
  ): Promise<{ ok: true; trip: Trip; riderToken: string } | { ok: false; reason: RequestReason }> {
    if (this.minter === null) return { ok: false, reason: 'no_token_signer' };
    const nowMs = this.now();
    const candidates = await this.index.nearby(
      { ...pickup, radiusM: this.options.searchRadiusM, limit: this.options.candidates, tripState: 'available' },
      nowMs,
    );
    const id = `t-${randomUUID()}`;
    for (const candidate of candidates) {
      if (!(await this.index.hold(candidate.driverId, id, this.options.tripTtlS * 1000))) continue;
      const trip: Trip = {
        id,
        driverId: candidate.driverId,
        riderId,
        pickup,
        state: 'assigned',
        createdMs: nowMs,
        ...(dropoff ? { dropoff } : {}),
      };
      this.trips.set(id, trip);
      const exp = Math.floor(nowMs / 1000) + this.options.tripTtlS;
      const riderToken = await this.minter.mint(
        { role: 'rider', sub: riderId, drivers: [trip.driverId], trip: id, exp },
        this.options.tripTtlS,
      );
      const message: TripMessage = {
        trip: id,
        state: 'assigned',
        pickup,
        rider: riderId,
        ts: nowMs,
        ...(dropoff ? { dropoff } : {}),
      };
      this.tellDriver(trip.driverId, encodeTripMessage(message));
      return { ok: true, trip, riderToken };
    }
    return { ok: false, reason: 'no_driver_available' };
  }

  async complete(tripId: string): Promise<{ ok: true; trip: Trip } | { ok: false; reason: CompleteReason }> {
    const trip = this.trips.get(tripId);
    if (trip === undefined) return { ok: false, reason: 'unknown_trip' };
    if (trip.state !== 'assigned') return { ok: false, reason: 'already_ended' };
    trip.state = 'completed';
    trip.endedMs = this.now();
    await this.index.release(trip.driverId, trip.id);
    this.tellDriver(trip.driverId, encodeTripMessage({ trip: trip.id, state: 'completed', ts: trip.endedMs }));
    this.endRiderSessions(trip.id);
    return { ok: true, trip };
  }

  /** Forgets trips past their lifetime (their rider tokens have expired anyway). */
  prune(nowMs: number): void {
    for (const [id, trip] of this.trips)
      if (nowMs - trip.createdMs > this.options.tripTtlS * 1000) this.trips.delete(id);
  }

  /** True for a trip this node ended: its rider tokens no longer connect. */
  hasEnded(tripId: string): boolean {
    return this.trips.get(tripId)?.state === 'completed';
  }
}
