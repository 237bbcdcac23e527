import { randomBytes } from 'node:crypto';
import { importSPKI, jwtVerify, SignJWT, errors, type CryptoKey, type JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import { parseClaims, type Claims } from '@ridetrack/shared';

/** Why a token was refused. Logged and counted; the token itself never is. */
export type TokenReason =
  | 'missing_token'
  | 'malformed_token'
  | 'expired'
  | 'not_yet_valid'
  | 'bad_signature'
  | 'wrong_algorithm'
  | 'wrong_issuer'
  | 'bad_claims';

export type VerifyResult = { ok: true; value: Claims } | { ok: false; reason: TokenReason };

/** Checks tokens against one key. */
export interface TokenVerifier {
  verify(token: string | undefined): Promise<VerifyResult>;
}

/** Signs tokens (dev mode, dispatch, tests). Only exists where the broker holds a secret. */
export interface TokenMinter {
  mint(claims: Claims, ttlS: number): Promise<string>;
}

export interface KeyConfig {
  secret?: string | undefined;
  publicKeyPem?: string | undefined;
  algorithms?: string[] | undefined;
  issuer?: string | undefined;
}

/** A fresh random HS256 secret for dev mode. */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Builds a verifier for an HMAC secret or a public key. Throws on a bad key: that is config. */
export async function createVerifier(config: KeyConfig): Promise<TokenVerifier> {
  let key: CryptoKey | Uint8Array;
  let algorithms: string[];
  if (config.publicKeyPem !== undefined) {
    algorithms = config.algorithms ?? ['RS256'];
    const [first] = algorithms;
    if (first === undefined) throw new Error('JWT_ALGORITHMS is empty');
    key = await importSPKI(config.publicKeyPem, first);
  } else if (config.secret !== undefined) {
    algorithms = config.algorithms ?? ['HS256'];
    key = new TextEncoder().encode(config.secret);
  } else {
    throw new Error('a token verifier needs a secret or a public key');
  }
  const options = { algorithms, ...(config.issuer === undefined ? {} : { issuer: config.issuer }), clockTolerance: 5 };
  return {
    async verify(token) {
      if (token === undefined || token.length === 0) return { ok: false, reason: 'missing_token' };
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, key, options));
      } catch (err) {
        return { ok: false, reason: tokenErrorReason(err) };
      }
      const claims = parseClaims(payload);
      return claims.ok ? claims : { ok: false, reason: 'bad_claims' };
    },
  };
}

/**
 * Remembers tokens it has verified, until their expiry, `max` of them at most (least recently used
 * go first). A rider polling over HTTP presents the same token every second; checking its signature
 * and claims each time is CPU a busy node needs elsewhere. Refusals are never remembered; a trip's
 * end is checked apart from the token, so the cache does not keep an ended trip's rider in.
 */
export function cachingVerifier(inner: TokenVerifier, max: number, now: () => number): TokenVerifier {
  const cache = new LRUCache<string, Claims>({ max });
  return {
    async verify(token) {
      if (token !== undefined) {
        const known = cache.get(token);
        if (known !== undefined) {
          if (known.exp === undefined || known.exp * 1000 > now()) return { ok: true, value: known };
          cache.delete(token);
        }
      }
      const verified = await inner.verify(token);
      if (verified.ok && token !== undefined) cache.set(token, verified.value);
      return verified;
    },
  };
}

function tokenErrorReason(err: unknown): TokenReason {
  if (err instanceof errors.JWTExpired) return 'expired';
  if (err instanceof errors.JWTClaimValidationFailed) return err.claim === 'iss' ? 'wrong_issuer' : 'not_yet_valid';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'bad_signature';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'wrong_algorithm';
  return 'malformed_token';
}

/** Builds a minter for an HMAC secret. */
export function createMinter(secret: string, issuer?: string): TokenMinter {
  const key = new TextEncoder().encode(secret);
  return {
    async mint(claims, ttlS) {
      const { sub, exp: _exp, ...rest } = claims;
      let jwt = new SignJWT({ ...rest })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(sub)
        .setIssuedAt()
        .setExpirationTime(`${ttlS}s`);
      if (issuer !== undefined) jwt = jwt.setIssuer(issuer);
      return jwt.sign(key);
    },
  };
}
