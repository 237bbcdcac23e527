/**
 * Every error the HTTP routes answer, in one shape: `{ error, message }`, with `reason` (why,
 * machine-readable, for example a token's `expired`) and `parameter` (which one was bad) where they
 * apply. Each code is documented in docs/api.md#errors; a new one goes in both places.
 */
export type HttpErrorCode =
  /** 400: a query parameter, path segment or body field is invalid (`parameter` names it). */
  | 'bad_parameter'
  /** 401: no token, or one that failed verification (`reason`: missing_token, expired, ...). */
  | 'unauthorized'
  /** 403: a valid token that may not do this (`reason` where there is a finer one). */
  | 'forbidden'
  /** 404: no such route, driver, trip or connection. */
  | 'not_found'
  /** 404: a trip id that dispatch does not know (ended long ago, or wrong). */
  | 'unknown_trip'
  /** 404: the history routes on a broker that keeps no history (HISTORY=off). */
  | 'history_off'
  /** 404: glyphs asked for while WEB_DIR is not set. */
  | 'no_glyphs'
  /** 405: another method than the route takes (with `Allow`). */
  | 'method_not_allowed'
  /** 409: dispatch found no available driver near the pickup. */
  | 'no_driver_available'
  /** 500: a bug; logged, never a client's fault. */
  | 'internal'
  /** 503: the broker is shutting down (with `Retry-After`). */
  | 'unavailable'
  /** 503: the geo-index's Redis cannot be reached (with `Retry-After`). */
  | 'index_unavailable'
  /** 503: the trip store's Redis cannot be reached (with `Retry-After`). */
  | 'trips_unavailable'
  /** 503: the history's Redis cannot be reached (with `Retry-After`). */
  | 'history_unavailable'
  /** 501: dispatch needs the token secret, and this broker holds only a public key. */
  | 'no_token_signer';

export interface ErrorBody {
  error: HttpErrorCode;
  message: string;
  reason?: string;
  parameter?: string;
}

/** The body of an error answer. */
export function errorBody(
  error: HttpErrorCode,
  message: string,
  extra: { reason?: string; parameter?: string } = {},
): ErrorBody {
  return { error, ...extra, message };
}
