import type { Trip } from './trip';
import type { TripStore } from './trip-store';

/** How often expired trips and holds are dropped (on the next write after it). */
const PRUNE_EVERY_MS = 60_000;

/**
 * Trips and holds in this process's memory: the default when no Redis is configured (one broker
 * node, which alone dispatches). Same behaviour as the Redis store, same test suite. Stored trips
 * are copies, so a caller changing its object changes nothing stored, as with Redis.
 */
export class MemoryTripStore implements TripStore {
  readonly backend = 'memory';
  private readonly holds = new Map<string, { tripId: string; untilMs: number }>();
  private readonly trips = new Map<string, { trip: Trip; untilMs: number }>();
  private pruneAtMs: number;

  constructor(private readonly now: () => number = Date.now) {
    this.pruneAtMs = now() + PRUNE_EVERY_MS;
  }

  hold(driverId: string, tripId: string, ttlMs: number): Promise<boolean> {
    const nowMs = this.now();
    this.pruneIfDue(nowMs);
    const existing = this.holds.get(driverId);
    if (existing !== undefined && existing.untilMs > nowMs) return Promise.resolve(false);
    this.holds.set(driverId, { tripId, untilMs: nowMs + ttlMs });
    return Promise.resolve(true);
  }

  release(driverId: string, tripId: string): Promise<void> {
    if (this.holds.get(driverId)?.tripId === tripId) this.holds.delete(driverId);
    return Promise.resolve();
  }

  save(trip: Trip, ttlMs: number): Promise<void> {
    const nowMs = this.now();
    this.pruneIfDue(nowMs);
    this.trips.set(trip.id, { trip: structuredClone(trip), untilMs: nowMs + ttlMs });
    return Promise.resolve();
  }

  load(tripId: string): Promise<Trip | null> {
    const entry = this.trips.get(tripId);
    return Promise.resolve(entry === undefined || entry.untilMs <= this.now() ? null : structuredClone(entry.trip));
  }

  replace(trip: Trip, expectedVersion: number): Promise<boolean> {
    const entry = this.trips.get(trip.id);
    if (entry === undefined || entry.untilMs <= this.now() || entry.trip.version !== expectedVersion)
      return Promise.resolve(false);
    entry.trip = structuredClone(trip);
    return Promise.resolve(true);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Expired entries read as absent at once; their memory goes here, at most once a minute. */
  private pruneIfDue(nowMs: number): void {
    if (nowMs < this.pruneAtMs) return;
    this.pruneAtMs = nowMs + PRUNE_EVERY_MS;
    for (const [id, hold] of this.holds) if (hold.untilMs <= nowMs) this.holds.delete(id);
    for (const [id, entry] of this.trips) if (entry.untilMs <= nowMs) this.trips.delete(id);
  }
}
