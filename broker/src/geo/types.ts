import type { LocationFix, TripState } from '@ridetrack/shared';
import type { Box } from './box-cells';

/** One driver as the index knows it: the fields of its last fix, and where and when it was indexed. */
export type DriverState = Pick<
  LocationFix,
  'lat' | 'lng' | 'headingDeg' | 'speedMps' | 'accuracyM' | 'tripState' | 'seq'
> & {
  driverId: string;
  /** Device time of the fix. */
  fixTimestampMs: number;
  /** The fix came from a simulator (the packet's simulated bit). */
  simulated: boolean;
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
 * A failed Redis call, as callers should see it: Redis's own error replies (a bug, or a key of the
 * wrong type) stay what they are; anything else (no connection, a timeout) means the store is away.
 */
export function unavailable(err: unknown): never {
  throw err instanceof Error && err.name === 'ReplyError' ? err : new IndexUnavailableError(err);
}

/**
 * The geo-index: drivers bucketed by H3 cell. Two backends share this interface and one test
 * suite: Redis or a Redis Cluster (redis-index.ts) and in-memory (memory-index.ts, the default
 * with no Redis).
 * Every query ignores drivers not updated within the staleness window, at once. It holds drivers
 * only: dispatch's trips and holds are in the trip store (trips/trip-store.ts).
 */
export interface GeoIndex {
  readonly backend: 'redis' | 'memory';
  readonly h3Resolution: number;
  /**
   * Regions are cells at this (coarser) resolution: what the Redis backend shards by, what the
   * janitors share out, and what operators' fleet views are made of.
   */
  readonly regionResolution: number;
  /** Writes a batch of driver states; each driver ends in exactly one cell. Older updates lose. */
  upsert(states: readonly DriverState[]): Promise<void>;
  get(driverId: string, nowMs: number): Promise<DriverState | null>;
  nearby(query: NearbyQuery, nowMs: number): Promise<NearbyDriver[]>;
  /**
   * Live drivers per cell at `res` (at most the index resolution), over the index-resolution cells
   * that belong to the box (their centres lie in it). Reads the occupied cells near the box, never
   * every cell of it.
   */
  countBox(box: Box, res: number, nowMs: number): Promise<CellCount[]>;
  /** The live drivers of one region: a fleet view's first picture of it. */
  regionDrivers(region: string, nowMs: number): Promise<DriverState[]>;
  /** The regions that hold drivers (or held them until the last sweep). */
  regions(): Promise<string[]>;
  /** Drivers per region, the whole fleet (stale ones counted until the janitor removes them). */
  regionCounts(nowMs: number): Promise<CellCount[]>;
  /** Removes one region's drivers not heard from within the staleness window; returns how many. */
  sweepRegion(region: string, nowMs: number): Promise<number>;
  /** Removes drivers not heard from within the staleness window, in every region; returns how many. */
  sweep(nowMs: number): Promise<number>;
  close(): Promise<void>;
}
