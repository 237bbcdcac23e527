import type { Logger } from 'pino';
import { MEMBER_MAX_BYTES } from './member';
import { MemoryGeoIndex } from './memory-index';
import { RedisGeoIndex } from './redis-index';
import { RedisJanitorLeases } from './redis-leases';
import type { GeoIndex } from './types';
import { describeTarget, openRedis, warnOnErrors, type RedisClient, type RedisTarget } from '../store/redis-client';

export interface GeoOptions {
  /** Redis or Redis Cluster to index in; without it, the index lives in this process. */
  redis?: RedisTarget | undefined;
  keyPrefix: string;
  h3Resolution: number;
  /** Regions (what the Redis index shards by, and fleet views are made of): cells at this resolution. */
  regionResolution: number;
  staleMs: number;
  maxRings: number;
  flushIntervalMs: number;
  sweepIntervalMs: number;
}

export interface OpenedIndex {
  index: GeoIndex;
  /** How the janitors of nodes sharing the index share its regions; null in memory (this node alone). */
  leases: RedisJanitorLeases | null;
}

/**
 * Opens the configured geo-index. With Redis, commands fail fast while it is away (no offline
 * queue: the indexer keeps the newest fix per driver instead), and ioredis reconnects with capped
 * exponential backoff and jitter. A Redis that is down at start does not stop the broker.
 */
export async function openGeoIndex(options: GeoOptions, log: Logger, now: () => number): Promise<OpenedIndex> {
  const regionRes = Math.min(options.regionResolution, options.h3Resolution);
  if (options.redis === undefined) {
    log.info('no REDIS_URL or REDIS_CLUSTER_NODES: the geo-index is kept in memory in this process');
    return {
      index: new MemoryGeoIndex(options.h3Resolution, regionRes, options.staleMs, options.maxRings),
      leases: null,
    };
  }
  // No auto-pipelining here: on a Redis Cluster, ioredis groups a script whose keys are passed at
  // call time (rtUpsert, rtSweep, rtCount) with commands for other slots of the same server and
  // refuses the pipeline ("All keys in the pipeline should belong to the same slots allocation
  // group"): fixes went unindexed (the scale-cluster test in infra).
  const redis = openRedis(options.redis, { failFast: true, lazy: true });
  warnOnErrors(redis, log, now, 'redis unreachable; retrying');
  try {
    await redis.connect();
    await checkIndexEncodings(redis, log);
  } catch (err) {
    log.warn({ err }, 'redis not reachable at start; the broker runs and the index catches up when it is');
  }
  log.info({ store: describeTarget(options.redis), regionResolution: regionRes }, 'geo-index in Redis, by region');
  return {
    index: new RedisGeoIndex(
      redis,
      options.keyPrefix,
      options.h3Resolution,
      regionRes,
      options.staleMs,
      options.maxRings,
      now,
    ),
    leases: new RedisJanitorLeases(redis, options.keyPrefix),
  };
}

/**
 * The Redis setting under which the cells' hashes keep their compact encoding, by Redis 7's name,
 * then the older one Redis 6 has.
 */
const ENCODING_SETTING_NAMES = ['hash-max-listpack-value', 'hash-max-ziplist-value'] as const;

/**
 * Warns when Redis would keep the cells' hashes in its larger encoding: with Redis's default (64)
 * for this setting the index took 346 instead of 297 bytes a driver at 100k drivers
 * (docs/benchmarks.md). Says nothing where CONFIG is not allowed (some managed Redis).
 */
export async function checkIndexEncodings(redis: RedisClient, log: Logger): Promise<void> {
  for (const setting of ENCODING_SETTING_NAMES) {
    let reply: unknown;
    try {
      reply = await redis.config('GET', setting);
    } catch {
      return;
    }
    if (!Array.isArray(reply) || reply.length < 2) continue; // not this version's name
    const value = Number(reply[1]);
    if (value < MEMBER_MAX_BYTES) {
      log.warn(
        { setting, value, recommended: MEMBER_MAX_BYTES },
        `redis ${setting} is ${value}: set it to ${MEMBER_MAX_BYTES} (as infra/redis/redis.conf does, or CONFIG SET ${setting} ${MEMBER_MAX_BYTES}) for less index memory`,
      );
    }
    return;
  }
}
