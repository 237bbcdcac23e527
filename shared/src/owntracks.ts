import { validateFix, type FixReason, type LocationFix } from './location';
import { fail, ok, type Result } from './result';

/**
 * OwnTracks `_type: "location"` payloads (https://owntracks.org/booklet/tech/json/), so that a phone
 * running the OwnTracks app can act as a driver. Units: `tst` seconds, `vel` km/h, `cog` degrees,
 * `acc` metres. OwnTracks has no sequence number, so `tst` serves as one (it only grows on a device).
 */
export const OWNTRACKS_MAX_BYTES = 4096;

export type OwnTracksReason =
  | 'too_large'
  | 'not_utf8'
  | 'not_json'
  | 'not_object'
  | 'missing_type'
  | 'not_location'
  | 'bad_lat'
  | 'bad_lon'
  | 'bad_tst'
  | 'bad_vel'
  | 'bad_cog'
  | 'bad_acc'
  | FixReason;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseJson(payload: Uint8Array | string): Result<unknown, OwnTracksReason> {
  const size = typeof payload === 'string' ? payload.length : payload.byteLength;
  if (size > OWNTRACKS_MAX_BYTES) return fail('too_large');
  let text: string;
  try {
    text = typeof payload === 'string' ? payload : utf8.decode(payload);
  } catch {
    return fail('not_utf8');
  }
  try {
    return ok(JSON.parse(text) as unknown);
  } catch {
    return fail('not_json');
  }
}

/** A required finite number, or undefined. */
function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * An optional measurement: absent is null; a negative value is null too, as iOS reports -1 for an
 * invalid course or speed; any other non-number is an error (undefined).
 */
function optionalMeasure(value: unknown): number | null | undefined {
  if (value === undefined || value === null) return null;
  const n = num(value);
  if (n === undefined) return undefined;
  return n < 0 ? null : n;
}

/** Decodes an OwnTracks location message into a fix. Never throws. */
export function decodeOwnTracks(
  payload: Uint8Array | string,
  opts: { simulated?: boolean } = {},
): Result<LocationFix, OwnTracksReason> {
  const parsed = parseJson(payload);
  if (!parsed.ok) return parsed;
  const msg = parsed.value;
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return fail('not_object');
  const record = msg as Record<string, unknown>;
  if (typeof record['_type'] !== 'string') return fail('missing_type');
  if (record['_type'] !== 'location') return fail('not_location');
  const lat = num(record['lat']);
  if (lat === undefined) return fail('bad_lat');
  const lng = num(record['lon']);
  if (lng === undefined) return fail('bad_lon');
  const tst = num(record['tst']);
  if (tst === undefined || !Number.isInteger(tst) || tst < 0) return fail('bad_tst');
  const velKmh = optionalMeasure(record['vel']);
  if (velKmh === undefined) return fail('bad_vel');
  const cog = optionalMeasure(record['cog']);
  if (cog === undefined) return fail('bad_cog');
  const acc = optionalMeasure(record['acc']);
  if (acc === undefined) return fail('bad_acc');
  return validateFix({
    seq: tst,
    timestampMs: tst * 1000,
    lat,
    lng,
    headingDeg: cog === 360 ? 0 : cog,
    speedMps: velKmh === null ? null : velKmh / 3.6,
    accuracyM: acc,
    tripState: 'available',
    simulated: opts.simulated ?? false,
  });
}
