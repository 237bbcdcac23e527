import type { Claims } from './claims';
import { fail, ok, type Result } from './result';
import type { Topic, TopicFilter } from './topics';

/**
 * What each role may do, as pure functions of the claims and a parsed topic. The broker calls these
 * from its authorizePublish/authorizeSubscribe hooks; anything not allowed here is denied.
 */
export type AccessReason =
  'role_cannot_publish' | 'not_own_topic' | 'driver_not_in_token' | 'kind_not_allowed' | 'fleet_wide_not_allowed';

/** May these claims publish to this topic? */
export function canPublish(claims: Claims, topic: Topic): Result<true, AccessReason> {
  switch (claims.role) {
    case 'driver':
      if (topic.driverId !== claims.sub) return fail('not_own_topic');
      // A driver reports its own location and presence; trips are assigned to it, not by it.
      return topic.kind === 'trip' ? fail('kind_not_allowed') : ok(true);
    case 'service':
      return topic.kind === 'trip' || topic.kind === 'status' ? ok(true) : fail('kind_not_allowed');
    case 'rider':
    case 'operator':
      return fail('role_cannot_publish');
  }
}

/** May these claims subscribe to this filter? */
export function canSubscribe(claims: Claims, filter: TopicFilter): Result<true, AccessReason> {
  switch (claims.role) {
    case 'driver':
      if (filter.driverId !== claims.sub) return fail('not_own_topic');
      return filter.kind === 'trip' || filter.kind === 'status' ? ok(true) : fail('kind_not_allowed');
    case 'rider':
      if (filter.driverId === '*') return fail('fleet_wide_not_allowed');
      if (!claims.drivers.includes(filter.driverId)) return fail('driver_not_in_token');
      // A rider follows where the car is and whether it is online, nothing else: a '+' or '#' over
      // the kinds would also reach the driver's trip assignments, so it is refused.
      return filter.kind === 'location' || filter.kind === 'status' ? ok(true) : fail('kind_not_allowed');
    case 'operator':
    case 'service':
      return ok(true);
  }
}
