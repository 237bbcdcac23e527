import { SignJWT } from 'jose';
import type { Claims } from '@ridetrack/shared';

/** Signs `claims` as an HS256 JWT with this secret (the broker's AUTH_MODE=jwt), valid for `ttlS`. */
export function signToken(secret: string, claims: Record<string, unknown>, ttlS = 3600): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlS)
    .sign(new TextEncoder().encode(secret));
}

/** A Unix time in seconds one hour from now (a rider token's `exp`). */
export const inAnHour = (): number => Math.floor(Date.now() / 1000) + 3600;
export const driverClaims = (sub: string): Claims => ({ role: 'driver', sub });
/** rider-1, following these drivers, for an hour. */
export const riderClaims = (...drivers: string[]): Claims => ({
  role: 'rider',
  sub: 'rider-1',
  drivers,
  exp: inAnHour(),
});
export const operatorClaims: Claims = { role: 'operator', sub: 'ops-1' };
export const serviceClaims: Claims = { role: 'service', sub: 'svc-1' };
