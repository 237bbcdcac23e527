import type { LocationFix, TripState } from '@ridetrack/shared';
import type { Trip } from '../trips/trip';

export type { Trip } from '../trips/trip';

/** One driver as the index knows it: the fields of its last fix, and where and when it was indexed. */
export type DriverState = Pick<
  LocationFix,
  'lat' | 'lng' | 'headingDeg' | 'speedMps' | 'accuracyM' | 'tripState' | 'seq'
> & {
  driverId: string;
  /** Device time of the fix. */
  fixTimestampMs: number;
  /** When the index received it: staleness is judged on this (device clocks drift). */
  updatedMs: number;
  /** H3 cell at the index resolution. */
  cell: string;
};

export interface NearbyQuery {
  lat: number;
  lng: number;
  radiusM: number;
  limit: number;
  tripState?: TripState | undefined;
}

export type NearbyDriver = DriverState & { distanceM: number };

export interface CellCount {
  cell: string;
  count: number;
}

/**
 * The index's store cannot be reached (Redis away): nothing is wrong with the request, which may be
 * retried once it is back. The API answers 503 with Retry-After.
 */
export class IndexUnavailableError extends Error {
  constructor(cause: unknown) {
    super('the geo-index store cannot be reached', { cause });
    this.name = 'IndexUnavailableError';
  }
}

/**
 * The geo-index: drivers bucketed by H3 cell. Two backends share this interface and one test
 * suite: Redis (redis-index.ts) and in-memory (memory-index.ts, the default with no Redis).
 * Every query ignores drivers not updated within the staleness window, at once.
 */
export interface GeoIndex {
  readonly backend: 'redis' | 'memory';
  readonly h3Resolution: number;
  /** Writes a batch of driver states; each driver ends in exactly one cell. Older updates lose. */
  upsert(states: readonly DriverState[]): Promise<void>;
  get(driverId: string, nowMs: number): Promise<DriverState | null>;
  nearby(query: NearbyQuery, nowMs: number): Promise<NearbyDriver[]>;
  /** Live drivers per cell at `res` (at most the index resolution) over the given index-resolution cells. */
  countCells(indexCells: readonly string[], res: number, nowMs: number): Promise<CellCount[]>;
  /** Removes drivers not heard from within the staleness window; returns how many. */
  sweep(nowMs: number): Promise<number>;
  /** Reserves a driver for a trip, atomically across broker nodes; false if already reserved. */
  hold(driverId: string, tripId: string, ttlMs: number): Promise<boolean>;
  release(driverId: string, tripId: string): Promise<void>;
  /** Dispatch's trips live beside the holds, so any node can complete one and check its tokens. */
  saveTrip(trip: Trip, ttlMs: number): Promise<void>;
  loadTrip(tripId: string): Promise<Trip | null>;
  /**
   * Writes a new version of a stored trip if the stored one is still `expectedVersion`
   * (compare-and-set across broker nodes); false when the trip is gone or changed meanwhile.
   */
  replaceTrip(trip: Trip, expectedVersion: number): Promise<boolean>;
  close(): Promise<void>;
}
