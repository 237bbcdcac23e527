import { latLngToCell } from 'h3-js';
import type { Logger } from 'pino';
import type { LocationFix } from '@ridetrack/shared';
import type { DriverState, GeoIndex } from './types';

export interface IndexerOptions {
  flushIntervalMs: number;
  sweepIntervalMs: number;
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
 */
export class Indexer {
  private pending = new Map<string, { fix: LocationFix; receivedMs: number }>();
  private flushing = false;
  private up = true;
  private readonly timers: NodeJS.Timeout[];

  constructor(
    private readonly index: GeoIndex,
    options: IndexerOptions,
    private readonly counters: IndexerCounters,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {
    this.timers = [
      setInterval(() => void this.flush(), options.flushIntervalMs),
      setInterval(() => void this.sweep(), options.sweepIntervalMs),
    ];
    for (const t of this.timers) t.unref();
  }

  /** Takes one accepted fix; only the newest per driver is kept until the next flush. */
  offer(driverId: string, fix: LocationFix): void {
    this.pending.set(driverId, { fix, receivedMs: this.now() });
  }

  /** Writes what is pending; on failure keeps it (unless a newer fix arrived meanwhile). */
  async flush(): Promise<void> {
    if (this.flushing || this.pending.size === 0) return;
    this.flushing = true;
    const batch = this.pending;
    this.pending = new Map();
    const states: DriverState[] = [];
    for (const [driverId, { fix, receivedMs }] of batch) {
      states.push({
        driverId,
        lat: fix.lat,
        lng: fix.lng,
        headingDeg: fix.headingDeg,
        speedMps: fix.speedMps,
        accuracyM: fix.accuracyM,
        tripState: fix.tripState,
        seq: fix.seq,
        fixTimestampMs: fix.timestampMs,
        updatedMs: receivedMs,
        cell: latLngToCell(fix.lat, fix.lng, this.index.h3Resolution),
      });
    }
    try {
      await this.index.upsert(states);
      this.counters.indexed(states.length);
      this.setUp(true);
    } catch (err) {
      for (const [id, entry] of batch) if (!this.pending.has(id)) this.pending.set(id, entry);
      this.counters.failed();
      if (this.up)
        this.log.warn({ err, pending: this.pending.size }, 'geo-index write failed; keeping the newest fix per driver');
      this.setUp(false);
    } finally {
      this.counters.setPending(this.pending.size);
      this.flushing = false;
    }
  }

  private async sweep(): Promise<void> {
    try {
      const removed = await this.index.sweep(this.now());
      if (removed > 0) this.log.debug({ removed }, 'stale drivers removed from the index');
    } catch {
      // The flush reports the backend's state; the next sweep catches up.
    }
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
    for (const t of this.timers) clearInterval(t);
    await this.flush();
  }
}
