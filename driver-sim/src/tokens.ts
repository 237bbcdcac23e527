import { SignJWT } from 'jose';

/** A token for one role and subject, signed with the broker's HS256 secret, as a backend would issue it. */
function roleToken(key: Uint8Array, role: 'driver' | 'operator' | 'service', subject: string, ttlS: number) {
  return new SignJWT({ role })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime(`${ttlS}s`)
    .sign(key);
}

/** Signs driver tokens with the broker's HS256 secret, as a fleet backend would issue them. */
export function driverTokens(secret: string, ttlS: number): (driverId: string) => Promise<string> {
  const key = new TextEncoder().encode(secret);
  return (driverId) => roleToken(key, 'driver', driverId, ttlS);
}

/** An operator token (read-only, the whole fleet) for the simulator's observer. */
export function operatorToken(secret: string, subject: string, ttlS: number): Promise<string> {
  return roleToken(new TextEncoder().encode(secret), 'operator', subject, ttlS);
}

/** A service token (dispatch and trips: what a ride app's backend holds) for the simulated riders. */
export function serviceToken(secret: string, subject: string, ttlS: number): Promise<string> {
  return roleToken(new TextEncoder().encode(secret), 'service', subject, ttlS);
}
