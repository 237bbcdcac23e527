import type { Trip } from './trip';

/**
 * The trip store cannot be reached (Redis away): nothing is wrong with the request, which may be
 * retried once it is back. The trip routes answer 503 `trips_unavailable` with Retry-After.
 */
export class TripStoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super('the trip store cannot be reached', { cause });
    this.name = 'TripStoreUnavailableError';
  }
}

/**
 * Dispatch's trips and the holds on their drivers, where every broker node sees them, so any node
 * can complete a trip, check a rider's token against it, or take over watching it. Two backends
 * share this interface and one test suite (trip-store.test.ts): Redis or a Redis Cluster
 * (redis-trip-store.ts) and in-memory (memory-trip-store.ts, the default with no Redis). Entries
 * live for the time-to-live they were written with (a trip: its rider token's lifetime).
 */
export interface TripStore {
  readonly backend: 'redis' | 'memory';
  /** Reserves a driver for a trip, atomically across broker nodes; false if already reserved. */
  hold(driverId: string, tripId: string, ttlMs: number): Promise<boolean>;
  /** Lifts the driver's hold if it is this trip's (another trip's hold stays). */
  release(driverId: string, tripId: string): Promise<void>;
  save(trip: Trip, ttlMs: number): Promise<void>;
  /** The stored trip; null once it expired, or for an id never stored. */
  load(tripId: string): Promise<Trip | null>;
  /**
   * Writes a new version of a stored trip if the stored one is still `expectedVersion`
   * (compare-and-set across broker nodes), keeping its time to live; false when the trip is gone
   * or changed meanwhile.
   */
  replace(trip: Trip, expectedVersion: number): Promise<boolean>;
  close(): Promise<void>;
}
