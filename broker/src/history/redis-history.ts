import type { Redis } from 'ioredis';
import { decodeLocation, encodeLocation } from '@ridetrack/shared';
import { historyKeys } from '../geo/keys';
import { HistoryUnavailableError, type HistoryStore, type TrackPoint, type TripRecord } from './types';

/**
 * Appends a batch of fixes, each to its driver's stream, with the accept time as the entry's ID
 * (`<ms>-*`, Redis 7), so a trip's trace is a range read between its start and end. MINID ~ trims
 * each stream to the retention as it grows (whole nodes only: cheap). A time that is not after the
 * stream's last entry (clocks of two broker nodes disagreeing, or Redis 6, which has no `<ms>-*`)
 * falls back to Redis's own ID, which is always after it. A driver that falls silent is not
 * trimmed by writes; its key expires instead (the expiry refreshed at most once a minute).
 *
 * ARGV: prefix, min ID, ttl ms, then per fix: driver id, accept ms, packet, refresh expiry (1/0).
 */
const APPEND_LUA = `
local prefix, minId, ttl = ARGV[1], ARGV[2], ARGV[3]
for i = 4, #ARGV, 4 do
  local key = prefix .. 'track:' .. ARGV[i]
  local added = redis.pcall('XADD', key, 'MINID', '~', minId, ARGV[i + 1] .. '-*', 'p', ARGV[i + 2])
  if type(added) == 'table' and added.err then
    redis.call('XADD', key, 'MINID', '~', minId, '*', 'p', ARGV[i + 2])
  end
  if ARGV[i + 3] == '1' then redis.call('PEXPIRE', key, ttl) end
end
return 0
`;

/** KEYS: the trip's hash, the driver's trips. ARGV: trip id, driver, rider, start ms, ttl ms, oldest start kept. */
const TRIP_START_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'driver', ARGV[2], 'rider', ARGV[3], 'start', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[6])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return 1
`;

/** KEYS: the trip's hash. ARGV: end ms. An unknown trip stays unknown (no hash without an expiry). */
const TRIP_END_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'end', ARGV[1])
return 1
`;

/** Fixes per script call: large enough to amortise the call, small enough not to hold Redis long. */
const BATCH = 256;
/** A silent driver's stream is refreshed this often at most, and outlives the retention by as much. */
const EXPIRY_REFRESH_MS = 60_000;

type ScriptRedis = Redis & {
  rtTrackAppend(...args: (string | number | Buffer)[]): Promise<number>;
  rtTripStart(...args: (string | number)[]): Promise<number>;
  rtTripEnd(...args: (string | number)[]): Promise<number>;
};

function unavailable(err: unknown): never {
  throw err instanceof Error && err.name === 'ReplyError' ? err : new HistoryUnavailableError(err);
}

/** The history in Redis: one stream per driver, one hash per trip, one sorted set of trips per driver. */
export class RedisHistory implements HistoryStore {
  readonly backend = 'redis';
  private readonly keys: ReturnType<typeof historyKeys>;
  private readonly redis: ScriptRedis;
  /** When each driver's stream expiry was last pushed back. */
  private readonly expirySetMs = new Map<string, number>();

  constructor(
    redis: Redis,
    prefix: string,
    readonly retentionMs: number,
  ) {
    this.keys = historyKeys(prefix);
    redis.defineCommand('rtTrackAppend', { numberOfKeys: 0, lua: APPEND_LUA });
    redis.defineCommand('rtTripStart', { numberOfKeys: 2, lua: TRIP_START_LUA });
    redis.defineCommand('rtTripEnd', { numberOfKeys: 1, lua: TRIP_END_LUA });
    this.redis = redis as ScriptRedis;
  }

  async append(points: readonly TrackPoint[], nowMs: number): Promise<void> {
    const minId = String(Math.max(0, nowMs - this.retentionMs));
    const ttlMs = this.retentionMs + EXPIRY_REFRESH_MS;
    const writes: Promise<number>[] = [];
    for (let i = 0; i < points.length; i += BATCH) {
      const args: (string | number | Buffer)[] = [this.keys.prefix, minId, ttlMs];
      const end = Math.min(i + BATCH, points.length);
      for (let k = i; k < end; k++) {
        const p = points[k] as TrackPoint;
        const last = this.expirySetMs.get(p.driverId);
        const refresh = last === undefined || nowMs - last >= EXPIRY_REFRESH_MS;
        if (refresh) this.expirySetMs.set(p.driverId, nowMs);
        args.push(p.driverId, Math.floor(p.receivedMs), Buffer.from(encodeLocation(p.fix)), refresh ? 1 : 0);
      }
      writes.push(this.redis.rtTrackAppend(...args));
    }
    const failed = (await Promise.allSettled(writes)).find((r) => r.status === 'rejected');
    if (failed !== undefined) {
      // Expiries pushed back in a batch that failed may not have been: do them again next time.
      for (const p of points) this.expirySetMs.delete(p.driverId);
      unavailable(failed.reason);
    }
  }

  async track(driverId: string, fromMs: number, toMs: number, limit: number, nowMs: number): Promise<TrackPoint[]> {
    const from = Math.max(fromMs, nowMs - this.retentionMs);
    if (from > toMs) return [];
    const entries = await this.redis
      .xrangeBuffer(
        this.keys.track(driverId),
        String(Math.floor(from)),
        `${Math.floor(toMs)}-18446744073709551615`,
        'COUNT',
        limit,
      )
      .catch(unavailable);
    const out: TrackPoint[] = [];
    for (const [id, fields] of entries) {
      const packet = fields[1];
      if (packet === undefined) continue;
      const fix = decodeLocation(packet);
      if (fix.ok) out.push({ driverId, receivedMs: Number.parseInt(id.toString(), 10), fix: fix.value });
    }
    return out;
  }

  async tripStarted(trip: Omit<TripRecord, 'endMs'>, nowMs: number): Promise<void> {
    const ttlMs = Math.floor(trip.startMs + this.retentionMs - nowMs);
    if (ttlMs <= 0) return;
    await this.redis
      .rtTripStart(
        this.keys.trip(trip.tripId),
        this.keys.trips(trip.driverId),
        trip.tripId,
        trip.driverId,
        trip.riderId ?? '',
        Math.floor(trip.startMs),
        ttlMs,
        Math.floor(nowMs - this.retentionMs),
      )
      .catch(unavailable);
  }

  async tripEnded(tripId: string, endMs: number): Promise<void> {
    await this.redis.rtTripEnd(this.keys.trip(tripId), Math.floor(endMs)).catch(unavailable);
  }

  async trip(tripId: string, nowMs: number): Promise<TripRecord | null> {
    const fields = await this.redis.hgetall(this.keys.trip(tripId)).catch(unavailable);
    return this.record(tripId, fields, nowMs);
  }

  async tripsOf(driverId: string, limit: number, nowMs: number): Promise<TripRecord[]> {
    const ids = await this.redis
      .zrevrangebyscore(this.keys.trips(driverId), '+inf', Math.floor(nowMs - this.retentionMs), 'LIMIT', 0, limit)
      .catch(unavailable);
    const rows = await Promise.all(ids.map((id) => this.redis.hgetall(this.keys.trip(id)))).catch(unavailable);
    return ids.map((id, i) => this.record(id, rows[i] ?? {}, nowMs)).filter((t): t is TripRecord => t !== null);
  }

  /** Streams trim themselves as they grow and expire when silent; only the expiry bookkeeping is cleared. */
  sweep(nowMs: number): Promise<void> {
    for (const [driverId, setMs] of this.expirySetMs)
      if (nowMs - setMs > EXPIRY_REFRESH_MS) this.expirySetMs.delete(driverId);
    return Promise.resolve();
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }

  private record(tripId: string, fields: Record<string, string>, nowMs: number): TripRecord | null {
    const { driver, rider, start, end } = fields;
    if (driver === undefined || start === undefined) return null;
    const startMs = Number(start);
    if (startMs < nowMs - this.retentionMs) return null;
    return {
      tripId,
      driverId: driver,
      riderId: rider === undefined || rider === '' ? null : rider,
      startMs,
      endMs: end === undefined ? null : Number(end),
    };
  }
}
