import { locationTopic, statusTopic } from '@ridetrack/shared';
import { brokerUrl, openFeed, type FeedEvents } from '../feed';
import { readClaims } from '../ride/token';
import { openLongPoll, shortPoll } from './http-poll';
import { openSse } from './sse';
import type { FollowTarget, OpenTransport, TransportName } from './types';

export { transportParam } from './params';

/**
 * The page's MQTT client id: a client id belongs to the token's identity (`rider:{sub}:{tag}`,
 * docs/protocol.md), with a random tag so two tabs do not replace each other.
 */
function riderClientId(token: string): string {
  const sub = readClaims(token)?.['sub'];
  const tag = Math.random().toString(36).slice(2, 10);
  return typeof sub === 'string' ? `rider:${sub}:${tag}` : `rider-${tag}`;
}

/** MQTT over WebSocket, subscribed to the driver's location and presence. */
const openWebSocket: OpenTransport = (target, events, fallback) =>
  openFeed(
    brokerUrl(new URL(target.origin)),
    target.token,
    riderClientId(target.token),
    [locationTopic(target.driverId), statusTopic(target.driverId)],
    events,
    fallback,
  );

export const TRANSPORTS: Record<TransportName, OpenTransport> = {
  websocket: openWebSocket,
  sse: openSse,
  'long-poll': openLongPoll,
  'short-poll': shortPoll(2000),
};

/** The order a rider page tries: the first that gets through is kept (and reconnects on its own). */
export const FALLBACK_ORDER: readonly TransportName[] = ['websocket', 'sse', 'long-poll'];

/** Attempts that never got through before a transport is taken as blocked on this network. */
const FAILURES_BEFORE_FALLBACK = 2;

/**
 * Follows one driver with the first transport of `order` that gets through. A transport that never
 * connects (not refused: blocked) hands over to the next; one that worked keeps reconnecting itself.
 */
export function followDriver(
  target: FollowTarget,
  events: FeedEvents & { transport(name: TransportName): void },
  order: readonly TransportName[] = FALLBACK_ORDER,
): { close(): void } {
  let index = 0;
  let current: { close(): void } | null = null;
  const start = (): void => {
    const name = order[index];
    if (name === undefined) return;
    events.transport(name);
    const last = index === order.length - 1;
    current = TRANSPORTS[name](
      target,
      events,
      last
        ? undefined
        : {
            afterFailures: FAILURES_BEFORE_FALLBACK,
            unreachable: () => {
              index++;
              start();
            },
          },
    );
  };
  start();
  return { close: () => current?.close() };
}
