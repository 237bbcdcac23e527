import { fail, ok, type Result } from './result';
import { isDriverId } from './topics';

/** Who may connect. Carried in the signed token's `role` claim. */
export type Role = 'driver' | 'rider' | 'operator' | 'service';
export const ROLES: readonly Role[] = ['driver', 'rider', 'operator', 'service'];

/**
 * What a verified token says. `sub` is the subject: for a driver, its driver id (and its MQTT client
 * id); for a rider, the rider's id. `exp` is seconds since the epoch, as in JWT.
 */
export type Claims =
  | { role: 'driver'; sub: string; exp?: number }
  | { role: 'rider'; sub: string; drivers: readonly string[]; trip?: string; exp: number }
  | { role: 'operator'; sub: string; exp?: number }
  | { role: 'service'; sub: string; exp?: number };

export type ClaimsReason =
  'not_object' | 'bad_role' | 'bad_subject' | 'bad_drivers' | 'bad_trip' | 'missing_expiry' | 'bad_expiry';

/**
 * Shortest HS256 secret ridetrack accepts (broker, simulator, `npm start`): 32 characters of
 * random text carry the 256 bits HS256 needs [RFC 7518 3.2] when they are base64 or hex.
 */
export const MIN_SECRET_CHARS = 32;

/** Most drivers one rider token may name (a shared ride, a family account). */
export const MAX_RIDER_DRIVERS = 16;

/**
 * Checks the shape of a token payload whose signature the caller already verified.
 * Riders must carry an expiry: a rider's right to watch a driver always ends.
 */
export function parseClaims(payload: unknown): Result<Claims, ClaimsReason> {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return fail('not_object');
  const p = payload as Record<string, unknown>;
  const role = p['role'];
  if (typeof role !== 'string' || !ROLES.includes(role as Role)) return fail('bad_role');
  const sub = p['sub'];
  if (typeof sub !== 'string' || !isDriverId(sub)) return fail('bad_subject');
  const exp = p['exp'];
  if (exp !== undefined && (typeof exp !== 'number' || !Number.isFinite(exp))) return fail('bad_expiry');
  const expiry = exp === undefined ? {} : { exp };
  switch (role as Role) {
    case 'rider': {
      const drivers = p['drivers'];
      if (
        !Array.isArray(drivers) ||
        drivers.length === 0 ||
        drivers.length > MAX_RIDER_DRIVERS ||
        !drivers.every((d): d is string => typeof d === 'string' && isDriverId(d))
      ) {
        return fail('bad_drivers');
      }
      if (exp === undefined) return fail('missing_expiry');
      const trip = p['trip'];
      if (trip !== undefined && (typeof trip !== 'string' || !isDriverId(trip))) return fail('bad_trip');
      return ok({ role: 'rider', sub, drivers, exp, ...(trip === undefined ? {} : { trip }) });
    }
    case 'driver':
      return ok({ role: 'driver', sub, ...expiry });
    case 'operator':
      return ok({ role: 'operator', sub, ...expiry });
    case 'service':
      return ok({ role: 'service', sub, ...expiry });
  }
}
