import type { DriverLostReason } from '@ridetrack/shared';
import type { Logger } from 'pino';
import { judgeTrip, type DriverObservation, type LifecycleLimits } from './lifecycle';
import { isActive, revise, type Trip } from './trip';
import type { TripBook } from './trip-book';

export interface SupervisorDeps {
  book: TripBook;
  /** What the broker knows of a driver now: presence and its last indexed fix. */
  observe: (driverId: string) => Promise<DriverObservation>;
  /** Hands a lost driver's trip to another driver; the closed trip, or null if it changed meanwhile. */
  reassign: (trip: Trip, reason: DriverLostReason) => Promise<Trip | null>;
  limits: LifecycleLimits;
  now: () => number;
  log: Logger;
}

/**
 * Watches the active trips this node dispatched or was asked about, once a tick: moves each along
 * from its driver's fixes (arrived, started, completed) and replaces a driver who went offline or
 * silent before the rider was aboard, so the rider hears of it within seconds. Any node may
 * watch any trip: every write is a compare-and-set, so two nodes never both act on one change,
 * and after a restart the rider's next look at the trip adopts it again.
 */
export class TripSupervisor {
  private readonly watched = new Set<string>();
  private running = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: SupervisorDeps) {}

  watch(tripId: string): void {
    this.watched.add(tripId);
  }

  get size(): number {
    return this.watched.size;
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** One pass over the watched trips; a pass still running when the next is due is not doubled. */
  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await Promise.all([...this.watched].map((id) => this.step(id)));
    } finally {
      this.running = false;
    }
  }

  private async step(tripId: string): Promise<void> {
    try {
      const trip = await this.deps.book.load(tripId);
      if (trip === null || !isActive(trip)) {
        this.watched.delete(tripId);
        return;
      }
      const seen = await this.deps.observe(trip.driverId);
      const judged = judgeTrip(trip, seen, this.deps.now(), this.deps.limits);
      if (judged.kind === 'lost') {
        const closed = await this.deps.reassign(trip, judged.reason);
        if (closed === null) return;
        this.watched.delete(tripId);
        if (closed.replacedBy !== undefined) this.watch(closed.replacedBy);
        this.deps.log.info(
          { tripId, driverId: trip.driverId, reason: judged.reason, next: closed.replacedBy },
          'trip driver lost',
        );
        return;
      }
      if (judged.kind !== 'update') return;
      const next = revise(trip, judged.changes);
      if (!(await this.deps.book.replace(next, trip.version))) return; // changed meanwhile: next tick
      if (!isActive(next)) {
        this.watched.delete(tripId);
        await this.deps.book.afterEnd(next);
      }
    } catch (err) {
      // The store is away (Redis down): the trip is looked at again on the next tick.
      this.deps.log.debug({ err, tripId }, 'trip supervision failed');
    }
  }
}
