import { randomUUID } from 'node:crypto';
import { encodeTripMessage, type LatLng, type TripMessage } from '@ridetrack/shared';
import type { TokenMinter } from './auth/tokens';
import type { GeoIndex, Trip } from './geo/types';

export type { Trip } from './geo/types';

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
 * scoped to that driver and trip, which stops working when the trip ends or expires. Trips are
 * stored with the holds (in Redis when configured), so any node can complete one or check a token.
 */
export class Dispatch {
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
      await this.index.saveTrip(trip, this.options.tripTtlS * 1000);
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
    const ended = await this.index.endTrip(tripId, this.now());
    if (typeof ended === 'string') return { ok: false, reason: ended };
    await this.index.release(ended.driverId, ended.id);
    this.tellDriver(
      ended.driverId,
      encodeTripMessage({ trip: ended.id, state: 'completed', ts: ended.endedMs ?? this.now() }),
    );
    this.endRiderSessions(ended.id);
    return { ok: true, trip: ended };
  }

  /**
   * True for a trip that has ended: its rider tokens no longer connect (on any node). While the
   * store (Redis) is unreachable this answers false: riders keep following their cars during an
   * outage, and their tokens still end at their expiry.
   */
  async hasEnded(tripId: string): Promise<boolean> {
    try {
      return (await this.index.loadTrip(tripId))?.state === 'completed';
    } catch {
      return false;
    }
  }
}
