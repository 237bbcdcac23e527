import type { JanitorLeases } from './janitor';
import { RELEASE_IF_OWNER_LUA } from '../store/release-lua';
import { LEASE_LUA } from './redis-scripts';
import { geoKeys, type GeoKeys } from '../store/keys';
import type { RedisClient } from '../store/redis-client';

type LeaseRedis = RedisClient & {
  rtLease(key: string, nodeId: string, leaseMs: number): Promise<number>;
  rtLeaseRelease(key: string, nodeId: string): Promise<number>;
};

/**
 * The janitors' leases in Redis: live nodes in one sorted set (node id by last heartbeat), and a
 * lease key per region beside the region's own keys (its hash tag: the same shard), taken with SET
 * PX when free and renewed by its holder.
 */
export class RedisJanitorLeases implements JanitorLeases {
  private readonly keys: GeoKeys;
  private readonly redis: LeaseRedis;

  constructor(redis: RedisClient, prefix: string) {
    this.keys = geoKeys(prefix);
    redis.defineCommand('rtLease', { numberOfKeys: 1, lua: LEASE_LUA });
    redis.defineCommand('rtLeaseRelease', { numberOfKeys: 1, lua: RELEASE_IF_OWNER_LUA });
    this.redis = redis as LeaseRedis;
  }

  async heartbeat(nodeId: string, nowMs: number, aliveMs: number): Promise<string[]> {
    await this.redis.zadd(this.keys.nodes, nowMs, nodeId);
    // Nodes gone for long are forgotten; the list read below skips them anyway.
    await this.redis.zremrangebyscore(this.keys.nodes, '-inf', nowMs - aliveMs * 20);
    return this.redis.zrangebyscore(this.keys.nodes, nowMs - aliveMs, '+inf');
  }

  async acquire(region: string, nodeId: string, leaseMs: number): Promise<boolean> {
    return (await this.redis.rtLease(this.keys.lease(region), nodeId, leaseMs)) === 1;
  }

  async release(region: string, nodeId: string): Promise<void> {
    await this.redis.rtLeaseRelease(this.keys.lease(region), nodeId);
  }

  /** A node stopping leaves the list at once, so its regions pass to others without waiting. */
  async leave(nodeId: string): Promise<void> {
    await this.redis.zrem(this.keys.nodes, nodeId).catch(() => undefined);
  }
}
