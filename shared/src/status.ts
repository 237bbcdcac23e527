import { fail, ok, type Result } from './result';

/**
 * Driver presence, the retained payload on `d/{driverId}/s`: `{"online":true,"ts":1764288000000}`.
 * JSON, because it is rare (connect, disconnect) and people read it with mosquitto_sub.
 */
export interface DriverStatus {
  online: boolean;
  /** When the broker or the driver set this status, ms since the epoch. */
  ts: number;
}

export type StatusReason = 'too_large' | 'not_utf8' | 'not_json' | 'bad_online' | 'bad_ts';

/** Largest status payload accepted. */
export const STATUS_MAX_BYTES = 256;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function encodeStatus(status: DriverStatus): string {
  return JSON.stringify({ online: status.online, ts: status.ts });
}

/** Decodes a presence payload. Never throws. */
export function decodeStatus(payload: Uint8Array | string): Result<DriverStatus, StatusReason> {
  const size = typeof payload === 'string' ? payload.length : payload.byteLength;
  if (size > STATUS_MAX_BYTES) return fail('too_large');
  let value: unknown;
  try {
    value = JSON.parse(typeof payload === 'string' ? payload : utf8.decode(payload));
  } catch (err) {
    return fail(err instanceof SyntaxError ? 'not_json' : 'not_utf8');
  }
  if (typeof value !== 'object' || value === null) return fail('bad_online');
  const { online, ts } = value as Record<string, unknown>;
  if (typeof online !== 'boolean') return fail('bad_online');
  if (typeof ts !== 'number' || !Number.isInteger(ts) || ts < 0) return fail('bad_ts');
  return ok({ online, ts });
}
