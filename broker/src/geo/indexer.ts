import { latLngToCell } from 'h3-js';
import type { Logger } from 'pino';
import type { LocationFix } from '@ridetrack/shared';
import type { DriverState, GeoIndex } from './types';

export interface IndexerOptions {
  flushIntervalMs: number;
}

export interface IndexerCounters {
  indexed(n: number): void;
  failed(): void;
  setUp(up: boolean): void;
  setPending(n: number): void;
}

/**
 * Feeds every accepted fix into the geo-index. It runs inside the broker, on the gate's accept path:
 * Aedes 1.x has no shared subscriptions, so an indexer process subscribing to d/+/l could not share
 * the work, and each broker node already sees exactly its own drivers. Fixes are coalesced to the
 * newest per driver and written in batches: memory is bounded by the number of drivers whatever
 * happens to the backend, and when Redis is away the newest fixes wait and go as soon as it is back.
 * Stale drivers are removed by the janitor (janitor.ts), one per region across the cluster.
 */
/** Fixes per write: big enough to amortise a script call, small enough to overlap with the next. */
const FLUSH_CHUNK = 512;

export class Indexer {
  private closed = false;
  private pending = new Map<string, { fix: LocationFix; receivedMs: number }>();
  private flushing = false;
  private up = true;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly index: GeoIndex,
    options: IndexerOptions,
    private readonly counters: IndexerCounters,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs);
    this.timer.unref();
  }

  /** Takes one accepted fix; only the newest per driver is kept until the next flush. */
  offer(driverId: string, fix: LocationFix): void {
    this.pending.set(driverId, { fix, receivedMs: this.now() });
  }

  /**
   * Writes what is pending. When more than a chunk arrived meanwhile, it goes again at once rather
   * than at the next tick, until it has caught up or a write fails.
   */
  async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.pending.size > 0) {
        const written = await this.writePending();
        if (!written || this.closed || this.pending.size < FLUSH_CHUNK) break;
      }
    } finally {
      this.counters.setPending(this.pending.size);
      this.flushing = false;
    }
  }

  /**
   * One write of everything pending, in chunks sent as each is ready, so Redis works on one while
   * the next is prepared. On failure keeps the batch (unless a newer fix arrived meanwhile).
   */
  private async writePending(): Promise<boolean> {
    const batch = this.pending;
    this.pending = new Map();
    const writes: Promise<void>[] = [];
    let chunk: DriverState[] = [];
    for (const [driverId, { fix, receivedMs }] of batch) {
      chunk.push({
        driverId,
        lat: fix.lat,
        lng: fix.lng,
        headingDeg: fix.headingDeg,
        speedMps: fix.speedMps,
        accuracyM: fix.accuracyM,
        tripState: fix.tripState,
        seq: fix.seq,
        fixTimestampMs: fix.timestampMs,
        simulated: fix.simulated,
        updatedMs: receivedMs,
        cell: latLngToCell(fix.lat, fix.lng, this.index.h3Resolution),
      });
      if (chunk.length === FLUSH_CHUNK) {
        writes.push(this.index.upsert(chunk));
        chunk = [];
      }
    }
    if (chunk.length > 0) writes.push(this.index.upsert(chunk));
    // Every write settles before the batch is judged, so none is still in flight when it is retried.
    const failed = (await Promise.allSettled(writes)).find((r) => r.status === 'rejected');
    if (failed === undefined) {
      this.counters.indexed(batch.size);
      this.setUp(true);
      return true;
    }
    for (const [id, entry] of batch) if (!this.pending.has(id)) this.pending.set(id, entry);
    this.counters.failed();
    if (this.up) {
      const err: unknown = failed.reason;
      this.log.warn({ err, pending: this.pending.size }, 'geo-index write failed; keeping the newest fix per driver');
    }
    this.setUp(false);
    return false;
  }

  private setUp(up: boolean): void {
    if (up && !this.up) this.log.info({ backend: this.index.backend }, 'geo-index writes recovered');
    this.up = up;
    this.counters.setUp(up);
  }

  health(): { backend: string; up: boolean; pending: number } {
    return { backend: this.index.backend, up: this.up, pending: this.pending.size };
  }

  /** Stops the timers and makes a last attempt to write what is pending. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.flush();
  }
}
