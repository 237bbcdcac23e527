import { decodeLocation, encodeLocation } from '@ridetrack/shared';
import { historyKeys } from '../store/keys';
import { isCluster, type RedisClient } from '../store/redis-client';
import { groupByShard, shardScript } from '../store/shard-groups';
import { HistoryUnavailableError, type HistoryStore, type TrackPoint, type TripRecord } from './types';

/**
 * KEYS: the trip's hash. ARGV: driver, rider, start ms, ttl ms. Returns 0 for a trip already
 * recorded. (The trip and the driver's list of trips may live on different shards of a cluster:
 * two scripts, each on one key.)
 */
const TRIP_START_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'driver', ARGV[1], 'rider', ARGV[2], 'start', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
`;

/** KEYS: the driver's trips. ARGV: trip id, start ms, ttl ms, oldest start kept. */
const TRIP_LIST_LUA = `
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

/** KEYS: the trip's hash. ARGV: end ms. An unknown trip stays unknown (no hash without an expiry). */
const TRIP_END_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'end', ARGV[1])
return 1
`;

/**
 * ARGV: the oldest ID kept (MINID), the expiry (ms), then per fix: its stream, its ID, its packet, 1
 * to push the stream's expiry back. KEYS[1]: the first stream, which routes the call. Returns per
 * fix the ID given, or `!` and Redis's error (an ID refused: the stream holds a later one).
 */
const APPEND_LUA = `
local out = {}
for i = 3, #ARGV, 4 do
  local r = redis.pcall('XADD', ARGV[i], 'MINID', '~', ARGV[1], ARGV[i + 1], 'p', ARGV[i + 2])
  if type(r) == 'table' and r.err then out[#out + 1] = '!' .. r.err else out[#out + 1] = r end
  if ARGV[i + 3] == '1' then redis.pcall('PEXPIRE', ARGV[i], ARGV[2]) end
end
return out
`;

/** Fixes per script call: large enough to amortise the call, small enough to overlap with the next. */
const BATCH = 512;
/** A silent driver's stream is refreshed this often at most, and outlives the retention by as much. */
const EXPIRY_REFRESH_MS = 60_000;

/** Redis refusing an entry's ID: the stream holds a later one (or, Redis 6, `<ms>-*` is unknown). */
const REFUSED_ID = /equal or smaller|Invalid stream ID/i;

/** One fix on its way to a stream: where its XADD is in the pipeline, and the ID Redis gave it. */
interface Entry {
  driverId: string;
  key: string;
  ms: number;
  packet: Buffer;
  /** Whether the stream's expiry is pushed back with this write. */
  expire: boolean;
  /** The ID Redis gave it; the error Redis refused it with. */
  id?: string;
  refusal?: string;
}

type ScriptRedis = RedisClient & {
  rtTripStart(...args: (string | number)[]): Promise<number>;
  rtTripList(...args: (string | number)[]): Promise<number>;
  rtTripEnd(...args: (string | number)[]): Promise<number>;
  rtTrackAppend(...args: (string | number | Buffer)[]): Promise<string[]>;
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
  /** The time of this node's last write to each driver's stream. */
  private readonly lastMs = new Map<string, number>();
  /** Redis 7 takes `<ms>-*` IDs; Redis 6 refuses them, and gets Redis's own. */
  private explicitIds = true;

  constructor(
    redis: RedisClient,
    prefix: string,
    readonly retentionMs: number,
  ) {
    this.keys = historyKeys(prefix);
    redis.defineCommand('rtTripStart', { numberOfKeys: 1, lua: TRIP_START_LUA });
    redis.defineCommand('rtTripList', { numberOfKeys: 1, lua: TRIP_LIST_LUA });
    redis.defineCommand('rtTripEnd', { numberOfKeys: 1, lua: TRIP_END_LUA });
    redis.defineCommand('rtTrackAppend', { numberOfKeys: 1, lua: shardScript(redis, APPEND_LUA) });
    this.redis = redis as ScriptRedis;
  }

  /**
   * Appends fixes, each to its driver's stream, with the accept time as the entry's ID (`<ms>-*`),
   * so that a trip's trace is a range read between its start and end. MINID ~ trims each stream to
   * the retention as it grows (whole nodes only: cheap). One script call per shard and batch
   * (docs/decisions/0009-one-write-per-shard.md); batches go one after another, so a
   * driver's fixes reach its stream in the order accepted. A driver that falls silent is not trimmed
   * by writes: its key expires instead, the expiry pushed back at most once a minute.
   */
  async append(points: readonly TrackPoint[], nowMs: number): Promise<void> {
    const minId = String(Math.max(0, Math.floor(nowMs - this.retentionMs)));
    const ttlMs = this.retentionMs + EXPIRY_REFRESH_MS;
    try {
      for (let i = 0; i < points.length; i += BATCH)
        await this.appendBatch(points.slice(i, i + BATCH), minId, ttlMs, nowMs);
    } catch (err) {
      // Expiries pushed back in a batch that failed may not have been: do them again next time.
      for (const p of points) this.expirySetMs.delete(p.driverId);
      unavailable(err);
    }
  }

  private async appendBatch(points: readonly TrackPoint[], minId: string, ttlMs: number, nowMs: number): Promise<void> {
    const entries = points.map((p): Entry => {
      // Never before this node's last write for the driver: a stream's IDs only grow.
      const ms = Math.max(Math.floor(p.receivedMs), this.lastMs.get(p.driverId) ?? 0);
      this.lastMs.set(p.driverId, ms);
      const last = this.expirySetMs.get(p.driverId);
      const expire = last === undefined || nowMs - last >= EXPIRY_REFRESH_MS;
      if (expire) this.expirySetMs.set(p.driverId, nowMs);
      return {
        driverId: p.driverId,
        key: this.keys.track(p.driverId),
        ms,
        packet: Buffer.from(encodeLocation(p.fix)),
        expire,
      };
    });
    const { groups, loose } = groupByShard(this.redis, entries, (e) => e.key);
    await Promise.all([
      ...groups.map((g) => this.appendScript(g, minId, ttlMs)),
      this.appendPlain(loose, minId, ttlMs),
    ]);
    const refused = new Set<string>();
    for (const e of entries) {
      if (e.refusal === undefined) continue;
      if (!REFUSED_ID.test(e.refusal)) throw new Error(e.refusal);
      refused.add(e.driverId);
      if (/Invalid stream ID/i.test(e.refusal)) this.explicitIds = false; // Redis 6: no <ms>-*
    }
    for (const driverId of refused)
      await this.rewrite(
        driverId,
        entries.filter((e) => e.driverId === driverId),
        minId,
      );
  }

  /** One script call for a shard's fixes; each entry is given its ID or its refusal. */
  private async appendScript(group: Entry[], minId: string, ttlMs: number): Promise<void> {
    const args: (string | number | Buffer)[] = [group[0]?.key ?? '', minId, ttlMs];
    for (const e of group) args.push(e.key, this.explicitIds ? `${e.ms}-*` : '*', e.packet, e.expire ? 1 : 0);
    let replies: string[];
    try {
      replies = await this.redis.rtTrackAppend(...args);
    } catch (err) {
      // A slot that moved (a resharding): each written on its own, routed by its key.
      if (isCluster(this.redis) && (err as Error).name === 'ReplyError') return this.appendPlain(group, minId, ttlMs);
      throw err;
    }
    // Each write of the script stands on its own (pcall): one refused for its ID is the caller's
    // to handle; one refused for any other reason (its slot moved to another primary since the
    // client's slot table was read) was not written, and is written again on its own, routed by
    // its key. Nothing is written twice.
    const elsewhere: Entry[] = [];
    for (const [i, e] of group.entries()) {
      const reply = replies[i] ?? '!no reply';
      if (!reply.startsWith('!')) e.id = reply;
      else if (REFUSED_ID.test(reply)) e.refusal = reply.slice(1);
      else elsewhere.push(e);
    }
    if (elsewhere.length > 0) await this.appendPlain(elsewhere, minId, ttlMs);
  }

  /** Plain commands, one per fix (and expiry): what the script does, where it cannot run. */
  private async appendPlain(group: Entry[], minId: string, ttlMs: number): Promise<void> {
    // Sent in one turn: the connection pipelines them per server (auto-pipelining).
    const adds = group.map((e) =>
      this.redis.xadd(e.key, 'MINID', '~', minId, this.explicitIds ? `${e.ms}-*` : '*', 'p', e.packet),
    );
    const expires = group.filter((e) => e.expire).map((e) => this.redis.pexpire(e.key, ttlMs));
    const [results, expiries] = await Promise.all([Promise.allSettled(adds), Promise.allSettled(expires)]);
    for (const [i, e] of group.entries()) {
      const r = results[i];
      if (r?.status === 'fulfilled') e.id = String(r.value);
      else if (REFUSED_ID.test(String(r?.reason))) e.refusal = (r?.reason as Error).message;
      else throw r?.reason ?? new Error('no reply');
    }
    // An expiry that failed fails the batch too (the XADDs' own refusals are handled by the caller).
    for (const r of expiries) if (r.status === 'rejected') throw r.reason;
  }

  /**
   * The rare path: some of a driver's fixes were refused because its stream already holds a later
   * ID (another broker node, whose clock runs ahead, wrote to it last; or Redis 6). That driver's
   * fixes of the batch are written again, in order, none before the stream's last entry, so that
   * its track stays in the order accepted.
   */
  private async rewrite(driverId: string, entries: Entry[], minId: string): Promise<void> {
    const key = this.keys.track(driverId);
    const written = entries.flatMap((e) => (e.id === undefined ? [] : [e.id]));
    if (written.length > 0) await this.redis.xdel(key, ...written);
    const [top] = await this.redis.xrevrange(key, '+', '-', 'COUNT', 1);
    // Deleting entries leaves the stream's last ID where it was: set it back to its last entry's.
    if (top !== undefined && written.length > 0 && this.explicitIds) await this.redis.xsetid(key, top[0]);
    let ms = top === undefined ? 0 : Number.parseInt(top[0], 10);
    const pipeline = this.redis.pipeline();
    for (const e of entries) {
      ms = Math.max(ms, e.ms);
      pipeline.xadd(key, 'MINID', '~', minId, this.explicitIds ? `${ms}-*` : '*', 'p', e.packet);
    }
    this.lastMs.set(driverId, ms);
    for (const [err] of (await pipeline.exec()) ?? []) if (err) throw err;
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
      .rtTripStart(this.keys.trip(trip.tripId), trip.driverId, trip.riderId ?? '', Math.floor(trip.startMs), ttlMs)
      .catch(unavailable);
    // Listed under the driver even when another node recorded the trip first (ZADD is idempotent).
    await this.redis
      .rtTripList(
        this.keys.trips(trip.driverId),
        trip.tripId,
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
    // A driver quiet for a while: its stream's last entry speaks for it (rewrite reads it).
    for (const [driverId, ms] of this.lastMs) if (nowMs - ms > EXPIRY_REFRESH_MS) this.lastMs.delete(driverId);
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
