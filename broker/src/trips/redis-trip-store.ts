import { tripKeys, type TripKeys } from '../store/keys';
import { RELEASE_IF_OWNER_LUA } from '../store/release-lua';
import type { RedisClient } from '../store/redis-client';
import type { Trip } from './trip';
import { TripStoreUnavailableError, type TripStore } from './trip-store';

/**
 * KEYS[1]: a trip; ARGV: its new JSON, the version the caller read. Replaces the trip if its stored
 * version is that one (compare-and-set), keeping its time to live: 0 no such trip, 1 the version
 * moved on, 2 replaced.
 */
const REPLACE_LUA = `
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
if tonumber(cjson.decode(v).version or 0) ~= tonumber(ARGV[2]) then return 1 end
redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL')
return 2
`;

type ScriptRedis = RedisClient & {
  rtReleaseHold(key: string, tripId: string): Promise<number>;
  rtReplaceTrip(key: string, json: string, expectedVersion: number): Promise<number>;
};

/**
 * A failed Redis call, as callers should see it: Redis's own error replies (a bug, or a key of the
 * wrong type) stay what they are; anything else (no connection, a timeout) means the store is away.
 */
function unavailable(err: unknown): never {
  throw err instanceof Error && err.name === 'ReplyError' ? err : new TripStoreUnavailableError(err);
}

/**
 * Trips and holds in Redis or a Redis Cluster (ioredis): a hold is a key SET NX with the trip's
 * time to live, so of two nodes holding one driver at once exactly one wins; a trip is its JSON
 * under one key, replaced by a script that compares its version first. Every command and script
 * touches one key, so each runs on the one shard that holds it (no hash tag needed). Key layout:
 * store/keys.ts.
 */
export class RedisTripStore implements TripStore {
  readonly backend = 'redis';
  private readonly keys: TripKeys;
  private readonly redis: ScriptRedis;

  constructor(redis: RedisClient, prefix: string) {
    this.keys = tripKeys(prefix);
    redis.defineCommand('rtReleaseHold', { numberOfKeys: 1, lua: RELEASE_IF_OWNER_LUA });
    redis.defineCommand('rtReplaceTrip', { numberOfKeys: 1, lua: REPLACE_LUA });
    this.redis = redis as ScriptRedis;
  }

  async hold(driverId: string, tripId: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.set(this.keys.hold(driverId), tripId, 'PX', ttlMs, 'NX').catch(unavailable)) === 'OK';
  }

  async release(driverId: string, tripId: string): Promise<void> {
    await this.redis.rtReleaseHold(this.keys.hold(driverId), tripId).catch(unavailable);
  }

  async save(trip: Trip, ttlMs: number): Promise<void> {
    await this.redis.set(this.keys.trip(trip.id), JSON.stringify(trip), 'PX', ttlMs).catch(unavailable);
  }

  async load(tripId: string): Promise<Trip | null> {
    const json = await this.redis.get(this.keys.trip(tripId)).catch(unavailable);
    return json === null ? null : (JSON.parse(json) as Trip);
  }

  async replace(trip: Trip, expectedVersion: number): Promise<boolean> {
    const key = this.keys.trip(trip.id);
    return (await this.redis.rtReplaceTrip(key, JSON.stringify(trip), expectedVersion).catch(unavailable)) === 2;
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}
