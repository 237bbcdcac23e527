import { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * Where the shared state lives: one Redis (REDIS_URL; a primary with replicas counts as one), or a
 * Redis Cluster (REDIS_CLUSTER_NODES), whose keys and sharded channels spread over its primaries.
 * Everything ridetrack keeps in Redis works on both: every key a command or script touches is named
 * by the caller and hash-tagged where several must share a slot (keys.ts).
 */
export type RedisTarget =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; nodes: readonly { host: string; port: number }[]; password?: string | undefined };

/** A connection to either: ioredis's Redis or Cluster, which answer the same commands. */
export type RedisClient = Redis | Cluster;

export interface ConnectOptions {
  /**
   * Commands fail at once while the store is away, instead of queueing (no offline queue, one try
   * per request): callers keep the newest state themselves and write it again when it is back.
   */
  failFast: boolean;
  /** Without failFast: how often a command is tried again on a new connection (ioredis's default: 20). */
  retriesPerRequest?: number;
  /** Connect on the first command (or `connect()`), not at once. */
  lazy?: boolean;
  /** Commands of one event-loop turn go as one pipeline per server (ioredis's auto-pipelining). */
  autoPipelining?: boolean;
  /** Cluster only: SSUBSCRIBE through one connection per primary, so each lands on its shard. */
  shardedSubscribers?: boolean;
}

/** Reconnect quickly at first, then every 2 s at most, with jitter. */
export const retryStrategy = (attempt: number): number => Math.min(2000, 50 * 2 ** attempt) * (0.5 + Math.random() / 2);

/** "host:port,host:port" as REDIS_CLUSTER_NODES writes it; null when it is not that. */
export function parseClusterNodes(spec: string): { host: string; port: number }[] | null {
  const nodes: { host: string; port: number }[] = [];
  for (const part of spec.split(',')) {
    const m = /^\s*(\[[0-9a-fA-F:]+\]|[^\s:,[\]]+):(\d{1,5})\s*$/.exec(part);
    if (m === null) return null;
    const port = Number(m[2]);
    if (port < 1 || port > 65535) return null;
    nodes.push({ host: (m[1] ?? '').replace(/^\[|\]$/g, ''), port });
  }
  return nodes.length > 0 ? nodes : null;
}

/** Opens a connection to the target: a Redis, or a Cluster that follows failovers and resharding. */
export function openRedis(target: RedisTarget, options: ConnectOptions): RedisClient {
  const retries = options.failFast ? 1 : options.retriesPerRequest;
  const perRequest = retries === undefined ? {} : { maxRetriesPerRequest: retries };
  if (target.kind === 'single') {
    return new Redis(target.url, {
      ...perRequest,
      enableOfflineQueue: !options.failFast,
      lazyConnect: options.lazy ?? false,
      enableAutoPipelining: options.autoPipelining ?? false,
      retryStrategy,
    });
  }
  return new Cluster([...target.nodes], {
    enableOfflineQueue: !options.failFast,
    lazyConnect: options.lazy ?? false,
    enableAutoPipelining: options.autoPipelining ?? false,
    shardedSubscribers: options.shardedSubscribers ?? false,
    // Writes and reads go to primaries: a replica may lag, and the index's moves are read back.
    scaleReads: 'master',
    clusterRetryStrategy: retryStrategy,
    // While a primary fails over (its replica takes over within the node timeout), commands for its
    // slots are retried on the new one rather than failed.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 300,
    retryDelayOnTryAgain: 100,
    slotsRefreshTimeout: 2000,
    redisOptions: {
      ...perRequest,
      connectTimeout: 5000,
      ...(target.password === undefined ? {} : { password: target.password }),
    },
  });
}

/** Where a target is, for logs (no password). */
export function describeTarget(target: RedisTarget): string {
  if (target.kind === 'cluster') return `Redis Cluster (${target.nodes.map((n) => `${n.host}:${n.port}`).join(',')})`;
  try {
    const u = new URL(target.url);
    return `Redis ${u.host}`;
  } catch {
    return 'Redis';
  }
}

/** Whether a connection is to a cluster (its keys then spread over shards). */
export function isCluster(redis: RedisClient): redis is Cluster {
  return redis instanceof Cluster;
}

/**
 * Logs a connection's errors at warn, at most once every 10 s: ioredis reports every failed
 * reconnect, which would flood the log while the store is away.
 */
export function warnOnErrors(redis: RedisClient, log: Logger, now: () => number, message: string): void {
  let lastMs = Number.NEGATIVE_INFINITY;
  redis.on('error', (err: Error) => {
    if (now() - lastMs <= 10_000) return;
    lastMs = now();
    log.warn({ err: err.message }, message);
  });
}
