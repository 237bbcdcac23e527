import type { FeedEvents } from '../feed';

/** The four ways a rider can follow its driver, fastest first (docs/transports.md). */
export type TransportName = 'websocket' | 'sse' | 'long-poll' | 'short-poll';

/** Who is followed, from where, with which rider token. */
export interface FollowTarget {
  /** The broker's HTTP origin, e.g. `https://ride.example.com`. */
  origin: string;
  driverId: string;
  token: string;
}

/** How a transport that never got through hands over to the next one. */
export interface Fallback {
  afterFailures: number;
  unreachable(): void;
}

export type OpenTransport = (target: FollowTarget, events: FeedEvents, fallback?: Fallback) => { close(): void };

export const BACKOFF_BASE_MS = 500;
export const BACKOFF_CAP_MS = 15_000;
