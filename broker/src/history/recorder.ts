import type { Logger } from 'pino';
import type { LocationFix } from '@ridetrack/shared';
import type { HistoryStore, TrackPoint } from './types';

export interface RecorderOptions {
  flushIntervalMs: number;
  /** Fixes waiting to be written above which the oldest are dropped (the store is away or behind). */
  maxPending: number;
}

export interface RecorderCounters {
  recorded(n: number): void;
  failed(): void;
  dropped(n: number): void;
  setPending(n: number): void;
}

/** Fixes per write: large enough to amortise the round trips, small enough to report progress. */
const FLUSH_CHUNK = 2048;

/**
 * Records every fix the gate accepts into its driver's track, in batches, as the indexer does for
 * the geo-index, but keeping every fix rather than the newest. It runs on the gate's accept path,
 * where each fix is seen exactly once in the whole cluster (on the node its driver is connected to),
 * so no driver-to-trip lookup happens there: a trip's trace is read later as a range of its
 * driver's track. While the store is away, fixes wait, up to `maxPending`, oldest dropped first.
 */
export class TrackRecorder {
  private pending: TrackPoint[] = [];
  private flushing = false;
  private up = true;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: HistoryStore,
    private readonly options: RecorderOptions,
    private readonly counters: RecorderCounters,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {
    if (store.backend === 'off') return;
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs);
    this.timer.unref();
  }

  /** Takes one accepted fix (nothing at all in live-only mode). */
  offer(driverId: string, fix: LocationFix): void {
    if (this.store.backend === 'off') return;
    this.pending.push({ driverId, receivedMs: this.now(), fix });
    if (this.pending.length > this.options.maxPending) {
      const excess = this.pending.length - this.options.maxPending;
      this.pending.splice(0, excess);
      this.counters.dropped(excess);
    }
  }

  async flush(): Promise<void> {
    if (this.flushing || this.pending.length === 0) return;
    this.flushing = true;
    const batch = this.pending;
    this.pending = [];
    try {
      const nowMs = this.now();
      let failed: { reason: unknown } | undefined;
      // One chunk after another: a driver's fixes reach the store in the order accepted.
      for (let i = 0; i < batch.length && failed === undefined; i += FLUSH_CHUNK)
        await this.store
          .append(batch.slice(i, i + FLUSH_CHUNK), nowMs)
          .catch((reason: unknown) => (failed = { reason }));
      if (failed === undefined) {
        this.counters.recorded(batch.length);
        if (!this.up) this.log.info({ backend: this.store.backend }, 'history writes recovered');
        this.up = true;
      } else {
        // Some chunks may have been written: writing the batch again could record a fix twice,
        // which a trace shows as nothing worse than a repeated point; losing it would be a gap.
        const kept = batch.concat(this.pending);
        const excess = Math.max(0, kept.length - this.options.maxPending);
        this.pending = excess > 0 ? kept.slice(excess) : kept;
        if (excess > 0) this.counters.dropped(excess);
        this.counters.failed();
        if (this.up) {
          const err: unknown = failed.reason;
          this.log.warn({ err, pending: this.pending.length }, 'history write failed; fixes kept to retry');
        }
        this.up = false;
      }
    } finally {
      this.counters.setPending(this.pending.length);
      this.flushing = false;
    }
  }

  /** Stops the timer and makes a last attempt to write what is pending. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
