import type { Context } from 'hono';
import { isDriverId, TRIP_STATES, type TripState } from '@ridetrack/shared';
import { errorBody } from './errors';

/** A query parameter that failed, named, with what was wrong: answered as HTTP 400. */
export interface ParamError {
  parameter: string;
  message: string;
}

/** The answer to a bad parameter: 400 `bad_parameter`, naming it (docs/api.md#errors). */
export const badRequest = (c: Context, e: ParamError) =>
  c.json(errorBody('bad_parameter', `${e.parameter} ${e.message}`, { parameter: e.parameter }), 400);

export type ParamResult<T> = { ok: true; value: T } | { ok: false; error: ParamError };

const bad = (parameter: string, message: string): { ok: false; error: ParamError } => ({
  ok: false,
  error: { parameter, message },
});
const NUMBER = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

/** A required (or defaulted) finite number within [min, max]. */
export function numberParam(
  name: string,
  raw: string | undefined,
  min: number,
  max: number,
  fallback?: number,
): ParamResult<number> {
  if (raw === undefined || raw === '')
    return fallback === undefined ? bad(name, 'is required') : { ok: true, value: fallback };
  if (!NUMBER.test(raw)) return bad(name, `must be a number, got ${JSON.stringify(raw.slice(0, 40))}`);
  const value = Number(raw);
  if (value < min || value > max) return bad(name, `must be between ${min} and ${max}`);
  return { ok: true, value };
}

export function integerParam(
  name: string,
  raw: string | undefined,
  min: number,
  max: number,
  fallback?: number,
): ParamResult<number> {
  const n = numberParam(name, raw, min, max, fallback);
  if (n.ok && !Number.isInteger(n.value)) return bad(name, 'must be a whole number');
  return n;
}

export function tripStateParam(name: string, raw: string | undefined): ParamResult<TripState | undefined> {
  if (raw === undefined || raw === '') return { ok: true, value: undefined };
  return TRIP_STATES.includes(raw as TripState)
    ? { ok: true, value: raw as TripState }
    : bad(name, `must be one of ${TRIP_STATES.join(', ')}`);
}

/** `minLng,minLat,maxLng,maxLat`, as GeoJSON and OGC order them. */
export function bboxParam(name: string, raw: string | undefined): ParamResult<[number, number, number, number]> {
  if (raw === undefined || raw === '') return bad(name, 'is required (minLng,minLat,maxLng,maxLat)');
  const parts = raw.split(',');
  if (parts.length !== 4 || !parts.every((p) => NUMBER.test(p.trim())))
    return bad(name, 'must be four numbers: minLng,minLat,maxLng,maxLat');
  const [minLng, minLat, maxLng, maxLat] = parts.map(Number) as [number, number, number, number];
  if (minLng < -180 || maxLng > 180 || minLat < -90 || maxLat > 90) return bad(name, 'is outside -180..180, -90..90');
  if (minLng >= maxLng || minLat >= maxLat) return bad(name, 'must have min < max on both axes');
  return { ok: true, value: [minLng, minLat, maxLng, maxLat] };
}

/** Driver ids separated by commas: 1 to `max` of them, each a valid id; repeats are answered once. */
export function driverIdsParam(name: string, raw: string | undefined, max: number): ParamResult<string[]> {
  if (raw === undefined || raw === '') return bad(name, 'is required (driver ids separated by commas)');
  const ids = raw.split(',');
  if (ids.length > max) return bad(name, `holds ${ids.length} ids; at most ${max}`);
  const wrong = ids.find((id) => !isDriverId(id));
  if (wrong !== undefined)
    return bad(name, `holds ${JSON.stringify(wrong.slice(0, 70))}: each must be 1-64 of A-Z a-z 0-9 _ . -`);
  return { ok: true, value: [...new Set(ids)] };
}
