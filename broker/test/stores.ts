import type {} from '@ridetrack/testkit';
import { afterAll, inject } from 'vitest';
import { openRedis, parseClusterNodes, type RedisClient, type RedisTarget } from '../src/store/redis-client';

/**
 * The shared stores a suite runs over where it applies: one Redis and a Redis Cluster of three
 * primaries and three replicas, both started once per run by the global setup (test files separate
 * by key prefix). The embedded memory mode is each suite's own third backend.
 */
export function redisTargets(): [name: 'redis' | 'cluster', target: RedisTarget][] {
  return [
    ['redis', { kind: 'single', url: inject('redisUrl') }],
    ['cluster', { kind: 'cluster', nodes: parseClusterNodes(inject('redisClusterNodes')) ?? [] }],
  ];
}

/** A connection as the broker opens one for its own stores (commands queue until connected). */
export function connectTo(target: RedisTarget): RedisClient {
  return openRedis(target, { failFast: false });
}

/** A store or a connection a test opened. */
type Closable = { close(): Promise<unknown> } | { quit(): Promise<unknown> };

/**
 * What a test file opens (indexes, stores, raw connections), closed after its tests: the one
 * afterAll every store test needs. Returns the function that registers what is opened.
 */
export function closeAfterAll(): (...opened: Closable[]) => void {
  const open: Closable[] = [];
  afterAll(async () => {
    await Promise.all(open.splice(0).map((o) => ('quit' in o ? o.quit() : o.close())));
  });
  return (...opened) => {
    open.push(...opened);
  };
}
