import type { Context } from 'hono';
import type { Claims, Role } from '@ridetrack/shared';
import type { TokenVerifier } from '../auth/tokens';
import { errorBody, type ErrorBody } from './errors';

export type ApiEnv = { Variables: { claims: Claims | null } };

export type Authorized = { ok: true; claims: Claims | null } | { ok: false; status: 401 | 403; body: ErrorBody };

export interface AuthorizeOptions {
  /** No token at all is let through with null claims (a bad token is still refused). */
  anonymous?: boolean;
  /** The refusal of a valid token of another role, where a route says more than the roles it takes. */
  forbidden?: { reason: string; message: string };
}

/** A Bearer header's token. */
export function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1];
}

/**
 * The one token check of every HTTP route (the router's, the live transports', the fleet
 * stream's): with no verifier (open mode) anyone passes with null claims; else a valid token of
 * one of `roles` ('any': every role), or 401 (no or a bad token) or 403 (another role).
 */
export async function authorize(
  verifier: TokenVerifier | null,
  token: string | undefined,
  roles: readonly Role[] | 'any',
  options: AuthorizeOptions = {},
): Promise<Authorized> {
  if (verifier === null) return { ok: true, claims: null };
  if (token === undefined && options.anonymous === true) return { ok: true, claims: null };
  const verified = await verifier.verify(token);
  if (!verified.ok) {
    const { reason } = verified;
    return { ok: false, status: 401, body: errorBody('unauthorized', `token refused: ${reason}`, { reason }) };
  }
  const claims = verified.value;
  if (roles !== 'any' && !roles.includes(claims.role)) {
    const { reason, message } = options.forbidden ?? {
      reason: 'wrong_role',
      message: `needs a ${roles.join(' or ')} token`,
    };
    return { ok: false, status: 403, body: errorBody('forbidden', message, { reason }) };
  }
  return { ok: true, claims };
}

/** The headers of a refusal: a 401 says how to authenticate [RFC 6750 3]. */
export function refusalHeaders(status: number): Record<string, string> {
  return status === 401 ? { 'www-authenticate': 'Bearer' } : {};
}

/**
 * Hono middleware for the JSON API: a Bearer token of one of these roles, its claims set on the
 * context (authorize, above).
 */
export const requireRole =
  (verifier: TokenVerifier | null, ...roles: Role[]) =>
  async (c: Context<ApiEnv>, next: () => Promise<void>) => {
    const authorized = await authorize(verifier, bearerToken(c.req.header('authorization')), roles);
    if (!authorized.ok) return c.json(authorized.body, authorized.status, refusalHeaders(authorized.status));
    c.set('claims', authorized.claims);
    return next();
  };
