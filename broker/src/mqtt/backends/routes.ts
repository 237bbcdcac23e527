import { DRIVER_PREFIX, isDriverId } from '@ridetrack/shared';

/**
 * How a message or a subscription travels between nodes: pure, from the topic alone.
 *
 * - **Driver data** (`d/{id}/l`, `d/{id}/s`: fixes and presence, nearly all the traffic) goes on the
 *   driver's sharded channel (SPUBLISH), which only nodes following that driver subscribe to.
 * - **Everything else** (Aedes's `$SYS` heartbeats and takeovers, trip messages, other topics) is
 *   control traffic, low in rate: classic pub/sub, which every interested node receives.
 * - A subscription to **every driver's** data (`d/+/l`, `#`, ...) is served by the firehose: while
 *   one exists anywhere, every node also publishes its driver data on the classic channels.
 */
export type PublishRoute = { kind: 'driver'; driverId: string } | { kind: 'control' };

/** What a subscription filter needs from other nodes. */
export interface FilterReach {
  /** The one driver whose data it may match (its sharded channel), if one. */
  driverId: string | null;
  /** It may match driver data of any driver: the whole fleet (the firehose). */
  firehose: boolean;
  /** It may match a topic that is not driver data (classic pub/sub). */
  classic: boolean;
}

const DATA_LEVELS: ReadonlySet<string> = new Set(['l', 's']);

/** The route of a message by its topic. */
export function publishRoute(topic: string): PublishRoute {
  // d/{id}/{l|s}: checked by hand, this runs for every message.
  if (topic.charCodeAt(0) !== 100 || topic.charCodeAt(1) !== 47) return { kind: 'control' }; // "d/"
  const bar = topic.indexOf('/', 2);
  if (bar < 0 || bar !== topic.length - 2) return { kind: 'control' };
  if (!DATA_LEVELS.has(topic.charAt(bar + 1))) return { kind: 'control' };
  const driverId = topic.slice(2, bar);
  return isDriverId(driverId) ? { kind: 'driver', driverId } : { kind: 'control' };
}

/** Whether an MQTT filter matches a topic [MQTT-4.7] (`#` also matches its parent level). */
export function filterMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/** A driver id no filter names: where a filter matches it, it matches every driver. */
const ANY_DRIVER = '\u0001';

/** What a subscription needs from other nodes, by its filter. */
export function filterReach(filter: string): FilterReach {
  const anyData =
    filterMatches(filter, `${DRIVER_PREFIX}/${ANY_DRIVER}/l`) ||
    filterMatches(filter, `${DRIVER_PREFIX}/${ANY_DRIVER}/s`);
  const levels = filter.split('/');
  const named = levels[1];
  const oneDriver =
    !anyData &&
    named !== undefined &&
    isDriverId(named) &&
    (filterMatches(filter, `${DRIVER_PREFIX}/${named}/l`) || filterMatches(filter, `${DRIVER_PREFIX}/${named}/s`));
  // Only driver data: exactly d/{id or +}/{l or s}. Anything wider also reaches control topics.
  const onlyData =
    levels.length === 3 && levels[0] === DRIVER_PREFIX && named !== '#' && DATA_LEVELS.has(levels[2] ?? '');
  return { driverId: oneDriver ? named : null, firehose: anyData, classic: !onlyData };
}

/**
 * A filter as a Redis channel pattern (PSUBSCRIBE) under `prefix`: `+` and `#` become `*`, which
 * matches more than MQTT would; the node's own matcher delivers exactly. Redis's glob characters in
 * the filter's names are escaped.
 */
export function filterToPattern(prefix: string, filter: string): { pattern: string; exact: boolean } {
  const exact = !filter.includes('+') && !filter.includes('#');
  if (exact) return { pattern: prefix + filter, exact };
  const escaped = filter.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
  // "a/#" also matches "a": the pattern drops the separator before the `#`.
  const glob = escaped.replace(/\/#$/, '*').replace(/#/g, '*').replace(/\+/g, '*');
  return { pattern: prefix + glob, exact };
}
