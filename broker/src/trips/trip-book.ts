import { encodeTripMessage, type TripEndReason, type TripMessage } from '@ridetrack/shared';
import { isActive, revise, type Trip } from './trip';
import type { TripStore } from './trip-store';

export type BoardReason = 'unknown_trip' | 'not_waiting' | 'conflict';
export type EndReason = 'unknown_trip' | 'already_ended' | 'conflict';

export interface TripBookDeps {
  store: TripStore;
  /** Publishes a trip message on the driver's trip topic (QoS 1). */
  tellDriver: (driverId: string, message: string) => void;
  /** Ends the live connections of riders holding this trip's token, on every node. */
  endRiderSessions: (tripId: string) => void;
  now: () => number;
}

/** Tries of a read-modify-write before giving up to a busier writer. */
const CAS_TRIES = 4;

/**
 * The stored trips and every change to them. Each change is a compare-and-set on the trip's
 * version, retried on a fresh read, so concurrent writers (the rider's tap, a supervisor on
 * another node) never lose each other's change; the side effects (telling the driver, ending the
 * rider's sessions, releasing the hold) follow only a write that won.
 */
export class TripBook {
  constructor(private readonly deps: TripBookDeps) {}

  load(tripId: string): Promise<Trip | null> {
    return this.deps.store.load(tripId);
  }

  save(trip: Trip, ttlMs: number): Promise<void> {
    return this.deps.store.save(trip, ttlMs);
  }

  /** Writes a new version of a trip if the stored one is still `expectedVersion`. */
  replace(trip: Trip, expectedVersion: number): Promise<boolean> {
    return this.deps.store.replace(trip, expectedVersion);
  }

  /**
   * Applies `change` to the current trip (it returns the changes, or a reason not to) and writes
   * it; the written trip, or the reason.
   */
  async change<R extends string>(
    tripId: string,
    change: (trip: Trip) => Partial<Trip> | R,
  ): Promise<{ ok: true; trip: Trip; before: Trip } | { ok: false; reason: R | 'unknown_trip' | 'conflict' }> {
    for (let i = 0; i < CAS_TRIES; i++) {
      const trip = await this.deps.store.load(tripId);
      if (trip === null) return { ok: false, reason: 'unknown_trip' };
      const changes = change(trip);
      if (typeof changes === 'string') return { ok: false, reason: changes };
      const next = revise(trip, changes);
      if (await this.deps.store.replace(next, trip.version)) return { ok: true, trip: next, before: trip };
    }
    return { ok: false, reason: 'conflict' };
  }

  /** The rider tapped "I'm in": the trip starts, and the waiting driver hears it. */
  async board(tripId: string): Promise<{ ok: true; trip: Trip } | { ok: false; reason: BoardReason }> {
    const nowMs = this.deps.now();
    const out = await this.change(tripId, (t): Partial<Trip> | 'not_waiting' =>
      t.state === 'waiting' ? { state: 'on_trip', startedMs: nowMs, startedBy: 'rider' } : 'not_waiting',
    );
    if (!out.ok) return out;
    this.tell(out.trip, { trip: out.trip.id, state: 'boarded', ts: nowMs });
    return out;
  }

  /**
   * Ends an active trip (`completed` or `cancelled`): the driver is released and told, the rider's
   * live connections close and its token is refused from then on.
   */
  async end(
    tripId: string,
    state: 'completed' | 'cancelled',
    reason: TripEndReason,
  ): Promise<{ ok: true; trip: Trip } | { ok: false; reason: EndReason }> {
    const nowMs = this.deps.now();
    const out = await this.change(tripId, (t): Partial<Trip> | 'already_ended' =>
      isActive(t) ? { state, endedMs: nowMs, endReason: reason } : 'already_ended',
    );
    if (!out.ok) return out;
    await this.afterEnd(out.trip);
    return out;
  }

  /** What follows any write that ended a trip (also the supervisor's, at the destination). */
  async afterEnd(trip: Trip): Promise<void> {
    await this.deps.store.release(trip.driverId, trip.id);
    this.tell(trip, {
      trip: trip.id,
      state: trip.state === 'completed' ? 'completed' : 'cancelled',
      ts: trip.endedMs ?? this.deps.now(),
    });
    this.deps.endRiderSessions(trip.id);
  }

  /**
   * True for a trip that is over or unknown: its rider tokens no longer connect (on any node), so
   * exact positions go only to the rider of an active trip. While the store (Redis) is unreachable
   * this answers false: riders keep following their cars during an outage, and their tokens still
   * end at their expiry.
   */
  async hasEnded(tripId: string): Promise<boolean> {
    try {
      const trip = await this.deps.store.load(tripId);
      return trip === null || !isActive(trip);
    } catch {
      return false;
    }
  }

  tell(trip: Trip, message: TripMessage): void {
    this.deps.tellDriver(trip.driverId, encodeTripMessage(message));
  }
}
