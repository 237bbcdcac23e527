import type { TracePoint } from '@ridetrack/shared';

/** One accepted fix of one driver, as the history records it. */
export interface TrackPoint extends TracePoint {
  driverId: string;
}

/**
 * A trip as the history remembers it, for as long as its trace is kept (dispatch's own record of a
 * trip lives only as long as its rider token). `endMs` is null while the trip runs, or when its end
 * was never announced (then the trace ends where the driver's fixes leave the trip's states).
 */
export interface TripRecord {
  tripId: string;
  driverId: string;
  riderId: string | null;
  startMs: number;
  endMs: number | null;
}

/**
 * The history store is away (Redis unreachable): nothing is wrong with the request, which may be
 * retried once it is back. The API answers 503 with Retry-After.
 */
export class HistoryUnavailableError extends Error {
  constructor(cause: unknown) {
    super('the history store cannot be reached', { cause });
    this.name = 'HistoryUnavailableError';
  }
}

/**
 * Every driver's recent track and the trips driven, kept for `retentionMs`. Three backends share
 * this interface and one test suite (history.test.ts): Redis (one stream per driver, redis-history.ts),
 * memory (memory-history.ts, the embedded mode) and off (off-history.ts: live-only, keeps nothing).
 * Times are the broker's (`receivedMs`), passed in, never read from a clock inside.
 */
export interface HistoryStore {
  readonly backend: 'redis' | 'memory' | 'off';
  readonly retentionMs: number;
  /** Appends accepted fixes; per driver they come in the order accepted. */
  append(points: readonly TrackPoint[], nowMs: number): Promise<void>;
  /** A driver's fixes accepted within [fromMs, toMs], oldest first, at most `limit` (the oldest ones). */
  track(driverId: string, fromMs: number, toMs: number, limit: number, nowMs: number): Promise<TrackPoint[]>;
  /** Records a trip's start; a start already recorded is kept (it may be heard from several nodes). */
  tripStarted(trip: Omit<TripRecord, 'endMs'>, nowMs: number): Promise<void>;
  /** Records a trip's end, if its start is known. */
  tripEnded(tripId: string, endMs: number, nowMs: number): Promise<void>;
  trip(tripId: string, nowMs: number): Promise<TripRecord | null>;
  /** A driver's trips that started within the retention, newest first. */
  tripsOf(driverId: string, limit: number, nowMs: number): Promise<TripRecord[]>;
  /** Drops what is older than the retention where the backend does not do it by itself. */
  sweep(nowMs: number): Promise<void>;
  close(): Promise<void>;
}
