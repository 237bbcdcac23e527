import type { TestProject } from 'vitest/node';
import './provided-context';
import { startRedisCluster } from './redis-cluster';
import { startRedis } from './redis-server';

/**
 * One redis-server and one Redis Cluster (three primaries, three replicas: about 2 s to start) for
 * the whole run, on free ports; test files separate by key prefix. Tests that kill servers start
 * their own.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [redis, cluster] = await Promise.all([startRedis(), startRedisCluster()]);
  project.provide('redisUrl', redis.url);
  project.provide('redisClusterNodes', cluster.nodes);
  return async () => {
    await Promise.all([redis.stop(), cluster.stop()]);
  };
}
