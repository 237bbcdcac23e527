import { SignJWT } from 'jose';

/** Signs driver tokens with the broker's HS256 secret, as a fleet backend would issue them. */
export function driverTokens(secret: string, ttlS: number): (driverId: string) => Promise<string> {
  const key = new TextEncoder().encode(secret);
  return (driverId) =>
    new SignJWT({ role: 'driver' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(driverId)
      .setIssuedAt()
      .setExpirationTime(`${ttlS}s`)
      .sign(key);
}

/** An operator token (read-only, the whole fleet) for the simulator's observer. */
export function operatorToken(secret: string, subject: string, ttlS: number): Promise<string> {
  return new SignJWT({ role: 'operator' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime(`${ttlS}s`)
    .sign(new TextEncoder().encode(secret));
}

/** A service token (dispatch and trips: what a ride app's backend holds) for the simulated riders. */
export function serviceToken(secret: string, subject: string, ttlS: number): Promise<string> {
  return new SignJWT({ role: 'service' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime(`${ttlS}s`)
    .sign(new TextEncoder().encode(secret));
}
