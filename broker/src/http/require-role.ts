import type { Context } from 'hono';
import type { Claims, Role } from '@ridetrack/shared';
import type { TokenVerifier } from '../auth/tokens';

export type ApiEnv = { Variables: { claims: Claims | null } };

/**
 * Hono middleware for the JSON API: a Bearer token of one of these roles, its claims set on the
 * context; 401 for no or a bad token, 403 for another role. With no verifier (open mode) anyone
 * passes with null claims.
 */
export const requireRole =
  (verifier: TokenVerifier | null, ...roles: Role[]) =>
  async (c: Context<ApiEnv>, next: () => Promise<void>) => {
    if (verifier === null) {
      c.set('claims', null);
      return next();
    }
    const header = c.req.header('authorization') ?? '';
    const token = /^Bearer\s+(.+)$/i.exec(header)?.[1];
    const verified = await verifier.verify(token);
    if (!verified.ok)
      return c.json({ error: 'unauthorized', reason: verified.reason }, 401, { 'www-authenticate': 'Bearer' });
    if (!roles.includes(verified.value.role))
      return c.json({ error: 'forbidden', message: `needs a ${roles.join(' or ')} token` }, 403);
    c.set('claims', verified.value);
    return next();
  };
