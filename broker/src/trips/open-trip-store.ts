import type { Logger } from 'pino';
import { describeTarget, openRedis, warnOnErrors, type RedisTarget } from '../store/redis-client';
import { MemoryTripStore } from './memory-trip-store';
import { RedisTripStore } from './redis-trip-store';
import type { TripStore } from './trip-store';

export interface TripStoreOptions {
  /** Redis or Redis Cluster shared by the nodes; without it, trips live in this process. */
  redis?: RedisTarget | undefined;
  keyPrefix: string;
}

/**
 * Opens dispatch's trip store. With Redis, on a connection of its own (a hold or a rider's tap
 * never queues behind the geo-index's batches of fixes), failing fast while Redis is away (the
 * trip routes answer 503 and the rider's app retries) and reconnecting with backoff. A Redis that
 * is down at start does not stop the broker.
 */
export async function openTripStore(options: TripStoreOptions, log: Logger, now: () => number): Promise<TripStore> {
  if (options.redis === undefined) return new MemoryTripStore(now);
  const redis = openRedis(options.redis, { failFast: true, lazy: true });
  warnOnErrors(redis, log, now, 'trip store redis unreachable; retrying');
  try {
    await redis.connect();
  } catch (err) {
    log.warn({ err }, 'trip store redis not reachable at start; trips are refused until it is');
  }
  log.info({ store: describeTarget(options.redis) }, 'trips in Redis');
  return new RedisTripStore(redis, options.keyPrefix);
}
