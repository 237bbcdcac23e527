import type { Claims } from './claims';
import { fail, ok, type Result } from './result';

/**
 * Which MQTT client ids each role may connect with. A client id names a session, and whoever
 * connects with it takes that session over: the broker closes the old connection and, with clean
 * session 0, hands its subscriptions and queued messages to the new one. So a client id belongs to
 * the identity in the token:
 *
 *   driver                     exactly its driver id (the token's `sub`)
 *   rider, operator, service   `{role}:{sub}` or `{role}:{sub}:{tag}`, tag 1-32 of A-Z a-z 0-9 _ . -
 *   any role but driver        empty, with clean session 1: the broker assigns one
 *
 * `:` is never part of a driver id, so no client id of another role can name a driver's session,
 * and one identity can replace only its own sessions (several at once, told apart by their tags).
 */
export type ClientIdReason = 'client_id_not_own';

const TAG = /^[A-Za-z0-9_.-]{1,32}$/;

/** The longest client id these rules allow: `operator:` + a 64-character sub + `:` + a 32-character tag. */
export const MAX_CLIENT_ID_LENGTH = 106;

/** May these claims connect with this client id? `clientId` is exactly what CONNECT carried. */
export function clientIdAllowed(claims: Claims, clientId: string): Result<true, ClientIdReason> {
  if (claims.role === 'driver') return clientId === claims.sub ? ok(true) : fail('client_id_not_own');
  if (clientId === '') return ok(true);
  const own = `${claims.role}:${claims.sub}`;
  if (clientId === own) return ok(true);
  return clientId.startsWith(`${own}:`) && TAG.test(clientId.slice(own.length + 1))
    ? ok(true)
    : fail('client_id_not_own');
}

/** A client id these claims may use: the driver id for a driver, else `{role}:{sub}` and the tag. */
export function clientIdFor(claims: Claims, tag?: string): string {
  if (claims.role === 'driver') return claims.sub;
  if (tag !== undefined && !TAG.test(tag)) throw new RangeError(`not a client id tag: ${JSON.stringify(tag)}`);
  return tag === undefined ? `${claims.role}:${claims.sub}` : `${claims.role}:${claims.sub}:${tag}`;
}
