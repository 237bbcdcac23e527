import { fail, ok, type Result } from './result';

/**
 * The MQTT topic vocabulary, the only place topic strings are made or read. Topics are short because
 * every byte goes out with every update:
 *
 *   d/{driverId}/l            driver location, binary v1 packet (driver publishes, QoS 0)
 *   d/{driverId}/s            driver presence, retained (driver's connect/Last Will, broker)
 *   d/{driverId}/t            trip assignments for the driver (dispatch publishes, driver subscribes)
 *   owntracks/{driverId}/{device}  OwnTracks JSON from a phone; the broker republishes it on d/{id}/l
 */
export type TopicKind = 'location' | 'status' | 'trip';

export type Topic = { kind: TopicKind; driverId: string } | { kind: 'owntracks'; driverId: string; device: string };

/** A subscription filter the access rules understand: one driver or every driver, one kind or all. */
export interface TopicFilter {
  /** A driver id, or '*' (never a valid driver id) for every driver. */
  driverId: string;
  kind: TopicKind | 'owntracks' | '*';
}

export type TopicReason =
  | 'empty'
  | 'too_long'
  | 'null_char'
  | 'wildcard'
  | 'bad_wildcard'
  | 'empty_level'
  | 'unknown_prefix'
  | 'wrong_depth'
  | 'bad_driver_id'
  | 'unknown_kind';

export const DRIVER_PREFIX = 'd';
export const OWNTRACKS_PREFIX = 'owntracks';
/** Longest topic or filter ridetrack accepts, in UTF-16 code units (ours are ASCII). */
export const MAX_TOPIC_LENGTH = 160;

const KIND_TO_LEVEL: Record<TopicKind, string> = { location: 'l', status: 's', trip: 't' };
const LEVEL_TO_KIND: Record<string, TopicKind | undefined> = { l: 'location', s: 'status', t: 'trip' };
const DRIVER_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/** True for a driver id ridetrack accepts: 1-64 of A-Z a-z 0-9 _ . - */
export function isDriverId(id: string): boolean {
  return DRIVER_ID.test(id);
}

function requireDriverId(id: string): string {
  if (!isDriverId(id)) throw new RangeError(`not a driver id: ${JSON.stringify(id)}`);
  return id;
}

export function locationTopic(driverId: string): string {
  return `${DRIVER_PREFIX}/${requireDriverId(driverId)}/${KIND_TO_LEVEL.location}`;
}
export function statusTopic(driverId: string): string {
  return `${DRIVER_PREFIX}/${requireDriverId(driverId)}/${KIND_TO_LEVEL.status}`;
}
export function tripTopic(driverId: string): string {
  return `${DRIVER_PREFIX}/${requireDriverId(driverId)}/${KIND_TO_LEVEL.trip}`;
}
export function ownTracksTopic(driverId: string, device: string): string {
  if (!isDriverId(device)) throw new RangeError(`not a device name: ${JSON.stringify(device)}`);
  return `${OWNTRACKS_PREFIX}/${requireDriverId(driverId)}/${device}`;
}

/** Every driver's locations: what operators and the indexer subscribe to. */
export const FLEET_LOCATIONS = `${DRIVER_PREFIX}/+/${KIND_TO_LEVEL.location}`;
/** Every driver's presence. */
export const FLEET_STATUS = `${DRIVER_PREFIX}/+/${KIND_TO_LEVEL.status}`;

function checkCommon(s: string): TopicReason | undefined {
  if (s.length === 0) return 'empty';
  if (s.length > MAX_TOPIC_LENGTH) return 'too_long';
  if (s.includes('\u0000')) return 'null_char';
  return undefined;
}

/** Parses a topic a client publishes to. Wildcards are not allowed in a topic name [MQTT-3.3.2-2]. */
export function parseTopic(topic: string): Result<Topic, TopicReason> {
  const common = checkCommon(topic);
  if (common) return fail(common);
  if (topic.includes('+') || topic.includes('#')) return fail('wildcard');
  const levels = topic.split('/');
  if (levels.some((l) => l.length === 0)) return fail('empty_level');
  const [prefix, driverId = '', last = ''] = levels;
  if (prefix !== DRIVER_PREFIX && prefix !== OWNTRACKS_PREFIX) return fail('unknown_prefix');
  if (levels.length !== 3) return fail('wrong_depth');
  if (!isDriverId(driverId)) return fail('bad_driver_id');
  if (prefix === OWNTRACKS_PREFIX) {
    return isDriverId(last) ? ok({ kind: 'owntracks', driverId, device: last }) : fail('bad_driver_id');
  }
  const kind = LEVEL_TO_KIND[last];
  return kind ? ok({ kind, driverId }) : fail('unknown_kind');
}

/** True when a filter's wildcards are well formed [MQTT-4.7.1-2], [MQTT-4.7.1-3]. */
export function isValidFilterSyntax(filter: string): boolean {
  const levels = filter.split('/');
  return levels.every((level, i) => {
    if (level.includes('#')) return level === '#' && i === levels.length - 1;
    if (level.includes('+')) return level === '+';
    return true;
  });
}

/**
 * Parses a subscription filter into what it reaches, for the access rules. Only filters inside
 * ridetrack's own tree are understood; anything else (including `#`) is `unknown_prefix`.
 */
export function parseFilter(filter: string): Result<TopicFilter, TopicReason> {
  const common = checkCommon(filter);
  if (common) return fail(common);
  if (!isValidFilterSyntax(filter)) return fail('bad_wildcard');
  const levels = filter.split('/');
  if (levels.some((l) => l.length === 0)) return fail('empty_level');
  const [prefix, driverLevel = '#', kindLevel = '#'] = levels;
  if (prefix !== DRIVER_PREFIX && prefix !== OWNTRACKS_PREFIX) return fail('unknown_prefix');
  if (levels.length > 3) return fail('wrong_depth');
  let driverId: string;
  if (driverLevel === '+' || driverLevel === '#') driverId = '*';
  else if (isDriverId(driverLevel)) driverId = driverLevel;
  else return fail('bad_driver_id');
  if (driverLevel === '#' && levels.length > 2) return fail('bad_wildcard');
  if (prefix === OWNTRACKS_PREFIX) return ok({ driverId, kind: 'owntracks' });
  if (kindLevel === '+' || kindLevel === '#') return ok({ driverId, kind: '*' });
  const kind = LEVEL_TO_KIND[kindLevel];
  return kind ? ok({ driverId, kind }) : fail('unknown_kind');
}
