import type { DriverStatus, LatLng, LocationFix, TripState } from '@ridetrack/shared';
import type { FeedState } from '../feed';
import type { TransportName } from '../follow/types';
import { addFix, drawnAt, startMotion, step, withRoad, type Motion } from './motion';
import { Presence } from './presence';

export interface CarFeedEvents {
  state(state: FeedState, detail?: string): void;
  transport(name: TransportName): void;
  /** The car's own fixes say its trip state changed (arrived, started, done): worth asking the trip now. */
  tripState(state: TripState): void;
}

/** A fix as the page keeps it: its device time and where it came from. */
interface Heard {
  fixMs: number;
  seq: number | null;
}

/** Fix intervals kept to judge the cadence the car reports at. */
const INTERVALS = 8;

/**
 * One car as the rider sees it: its live feed (MQTT over WebSocket, SSE or long polling, loaded
 * after the first view so it does not delay it), the trip's own copy of its position (which comes
 * first), its presence, and where to draw it each frame (motion.ts).
 */
export class CarFeed {
  private motion: Motion | null = null;
  private last: Heard | null = null;
  private lastArrivalMs = 0;
  private readonly intervals: number[] = [];
  private road: LatLng[] | null = null;
  private feed: { close(): void } | null = null;
  private closed = false;
  private readonly presence = new Presence();
  tripState: TripState | null = null;

  constructor(private readonly events: CarFeedEvents) {}

  /** Starts the live feed of a driver with a rider token; `forced` names one transport. */
  async follow(origin: string, driverId: string, token: string, forced: TransportName | null): Promise<void> {
    const { FALLBACK_ORDER, followDriver } = await import('../follow/follow');
    if (this.closed) return;
    this.feed = followDriver(
      { origin, driverId, token },
      {
        transport: (name) => this.events.transport(name),
        state: (s, detail) => this.events.state(s, detail),
        status: (_id, s: DriverStatus) => this.presence.heardStatus(s),
        fix: (_id, fix: LocationFix) => {
          this.presence.heardFix(fix.timestampMs);
          this.offer(fix.lat, fix.lng, fix.headingDeg, fix.speedMps, fix.timestampMs, fix.seq);
          if (this.tripState !== fix.tripState) {
            this.tripState = fix.tripState;
            this.events.tripState(fix.tripState);
          }
        },
      },
      forced === null ? FALLBACK_ORDER : [forced],
    );
  }

  /** A position from anywhere (the live feed, or the trip's answer); older than what we have is ignored. */
  offer(
    lat: number,
    lng: number,
    headingDeg: number | null,
    speedMps: number | null,
    fixMs: number,
    seq: number | null = null,
  ): void {
    if (this.last !== null && (fixMs < this.last.fixMs || (fixMs === this.last.fixMs && seq === this.last.seq))) return;
    if (this.last !== null && fixMs === this.last.fixMs) return;
    const nowMs = Date.now();
    if (this.lastArrivalMs > 0) {
      this.intervals.push(Math.min(10_000, nowMs - this.lastArrivalMs));
      if (this.intervals.length > INTERVALS) this.intervals.shift();
    }
    this.lastArrivalMs = nowMs;
    this.last = { fixMs, seq };
    const fix = { lat, lng, headingDeg, speedMps, atMs: nowMs };
    this.motion =
      this.motion === null
        ? withRoad(startMotion(fix, this.horizonMs()), this.road)
        : addFix(this.motion, fix, this.horizonMs(), this.road);
  }

  /** The road ahead of the car (the route the broker gave), which the drawn car follows between fixes. */
  setRoad(points: LatLng[] | null): void {
    this.road = points;
    if (this.motion !== null) this.motion = withRoad(this.motion, points);
  }

  /** Where to draw the car now, or null before any position. */
  drawn(nowMs: number): (LatLng & { headingDeg: number }) | null {
    if (this.motion === null) return null;
    this.motion = step(this.motion, nowMs);
    return drawnAt(this.motion);
  }

  /** Whether the driver is online, from its status and its fixes (presence.ts). */
  get online(): boolean {
    return this.presence.online;
  }

  /** The trip answer's word on the driver's presence, made at `serverMs` (broker time). */
  heardAnswer(online: boolean, serverMs: number): void {
    this.presence.heardAnswer(online, serverMs);
  }

  /** Device time of the newest fix. */
  get fixMs(): number | null {
    return this.last?.fixMs ?? null;
  }

  close(): void {
    this.closed = true;
    this.feed?.close();
  }

  /** About one fix interval, from the recent cadence: how long the drawn car runs on without news. */
  private horizonMs(): number {
    if (this.intervals.length === 0) return 3000;
    const sorted = [...this.intervals].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 3000;
    return Math.max(1500, Math.min(8000, median * 1.3));
  }
}
