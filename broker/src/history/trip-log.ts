import type { Logger } from 'pino';
import { decodeTripMessage, DRIVER_PREFIX } from '@ridetrack/shared';
import type { HistoryStore } from './types';

/** Every driver's trip topic: what dispatch tells drivers is also what the history records of trips. */
const TRIP_TOPICS = `${DRIVER_PREFIX}/+/t`;

/** Messages that end a trip (a state added to trip messages later is not taken for an end). */
const ENDINGS: ReadonlySet<string> = new Set(['completed', 'cancelled']);

/** Hears a topic filter as the broker itself; resolves to a function that stops hearing it. */
export type TopicSubscriber = (
  filter: string,
  deliver: (topic: string, payload: Buffer) => void,
) => Promise<() => void>;

/** A trip a driver is on now, as its trip topic said. */
export interface CurrentTrip {
  tripId: string;
  riderId: string | null;
  startMs: number;
}

/**
 * Learns trips from the messages dispatch sends drivers on `d/{id}/t` (through Aedes, so clustered
 * every node hears every trip, whichever node dispatched it): an assignment starts a trip in the
 * history, a completion or cancellation ends it. Reading the drivers' own topic means dispatch needs
 * no change to be recorded. Also keeps each driver's current trip for the operator's panel (live
 * state, kept even in live-only mode, forgotten when the trip ends or outlives `maxTripMs`).
 */
export class TripLog {
  private readonly current = new Map<string, CurrentTrip>();
  private stop: (() => void) | null = null;

  constructor(
    private readonly store: HistoryStore,
    private readonly maxTripMs: number,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  async attach(subscribe: TopicSubscriber): Promise<void> {
    this.stop = await subscribe(TRIP_TOPICS, (topic, payload) => {
      const driverId = topic.slice(DRIVER_PREFIX.length + 1, topic.lastIndexOf('/'));
      this.heard(driverId, payload);
    });
  }

  /** The trip a driver is on, if one was assigned and has not ended. */
  currentTrip(driverId: string): CurrentTrip | null {
    const trip = this.current.get(driverId);
    if (trip === undefined) return null;
    if (this.now() - trip.startMs > this.maxTripMs) {
      this.current.delete(driverId);
      return null;
    }
    return trip;
  }

  close(): void {
    this.stop?.();
    this.stop = null;
  }

  private heard(driverId: string, payload: Buffer): void {
    const message = decodeTripMessage(payload);
    if (!message.ok) return;
    const m = message.value;
    const nowMs = this.now();
    const write = (what: string, p: Promise<void>): void => {
      p.catch((err: unknown) => this.log.warn({ err, tripId: m.trip, what }, 'history: trip not recorded'));
    };
    if (m.state === 'assigned') {
      const trip = { tripId: m.trip, riderId: m.rider ?? null, startMs: m.ts };
      this.current.set(driverId, trip);
      write('start', this.store.tripStarted({ ...trip, driverId }, nowMs));
    } else if (ENDINGS.has(m.state)) {
      if (this.current.get(driverId)?.tripId === m.trip) this.current.delete(driverId);
      write('end', this.store.tripEnded(m.trip, m.ts, nowMs));
    }
  }
}
