import { CallBackPersistence } from 'aedes-persistence/callBackPersistence.js';
import type { Logger } from 'pino';
import type { RetainedSource } from '../live-source';
import { ClusterWatch } from './cluster-watch';
import { LastPositionStore, type RetainedPacket } from './last-position-store';
import { RetainedMatchingMemory } from './memory-store';
import { RoutedMq, type RoutingCounters } from './routed-mq';
import { memorySessions, redisSessions, type SessionRegistry } from './sessions';
import { markRedeliveries } from './redelivery';
import { describeTarget, openRedis, type RedisTarget } from '../../store/redis-client';

export interface ClusterOptions {
  /** Share routing and retained state with every node on this Redis or Redis Cluster; undefined: this process alone. */
  redis: RedisTarget | undefined;
  /** This node's id in the cluster (Aedes' broker id): in logs, wills and takeovers. */
  nodeId: string;
  /**
   * Aedes's heartbeat between nodes: a node silent for three of them is taken as dead (its clients'
   * wills are published), and wills are swept every four. Redis is watched every 2 s (four times
   * a heartbeat when that is shorter).
   */
  heartbeatMs: number;
  /** Prefix of this node's own keys in Redis (the watch's marker). */
  keyPrefix: string;
}

/** What Aedes routes messages through and keeps state in. */
export interface AedesBackends {
  clustered: boolean;
  /** Clustered: whether the cluster's Redis answers now (null alone). */
  up(): boolean | null;
  /** Which client ids have a persistent session: where Aedes keeps sessions. */
  sessions: SessionRegistry;
  /**
   * Writes retained messages straight to the shared store, delivering them to nobody: what a node
   * writes again after Redis lost its data. Alone, a no-op (the store is this process).
   */
  restoreRetained(packets: readonly RetainedPacket[]): void;
  /** An mqemitter: undefined for Aedes' in-process default, or the one routing by interest. */
  mq: RoutedMq | undefined;
  persistence: RetainedSource;
  /** Closes the persistence's Redis connection (Aedes closes the mq itself). */
  close(): Promise<void>;
}

/**
 * One node, or many sharing Redis (or a Redis Cluster). Clustered, messages reach the other nodes
 * through Redis pub/sub, routed by interest (routed-mq.ts: a driver's fixes go only to the
 * nodes following that driver), so a rider on node C gets a driver's fixes from node A; retained
 * messages (last position, presence), subscriptions and sessions live in Redis
 * (aedes-persistence-redis), so every node answers the same and a node can die without losing them.
 * No sticky sessions: a client may reconnect to any node. docs/life-of-a-location.md follows one
 * fix through it.
 */
export function openBackends(
  options: ClusterOptions,
  log: Logger,
  events: { change(up: boolean): void; lost(): void; routing: RoutingCounters },
): AedesBackends {
  if (options.redis === undefined)
    return {
      clustered: false,
      up: () => null,
      sessions: memorySessions(),
      restoreRetained: () => undefined,
      mq: undefined,
      persistence: markRedeliveries(new CallBackPersistence(() => new RetainedMatchingMemory())),
      close: () => Promise.resolve(),
    };
  let lastWarnMs = 0;
  const warn = (err: Error): void => {
    // ioredis reports every failed reconnect; say it at most every 10 s.
    if (Date.now() - lastWarnMs < 10_000) return;
    lastWarnMs = Date.now();
    log.warn({ err: err.message }, 'cluster: redis unreachable; this node serves its own clients meanwhile');
  };
  const target = options.redis;
  // Publishes fail fast (a fix is not queued while Redis is away) and go as one pipeline per shard
  // per event-loop turn; subscriptions wait for Redis and are made again after a reconnect.
  const pub = openRedis(target, { failFast: true, autoPipelining: true });
  const sub = openRedis(target, { failFast: false, shardedSubscribers: true });
  // State (retained, sessions, the watch's marker) queues while connecting, tries once after; the
  // retained writes of one flush go as one pipeline per server.
  const conn = openRedis(target, { failFast: false, retriesPerRequest: 1, autoPipelining: true });
  for (const c of [pub, sub, conn]) c.on('error', warn);
  const mq = new RoutedMq({
    nodeId: options.nodeId,
    keyPrefix: options.keyPrefix,
    pub,
    sub,
    up: () => watch.up,
    onError: warn,
    counters: events.routing,
  });
  const store = new LastPositionStore(conn, warn);
  log.info(
    { nodeId: options.nodeId, store: describeTarget(target) },
    'clustered: routing by interest and retained state shared through Redis',
  );
  const watch = new ClusterWatch(
    conn,
    `${options.keyPrefix}node:${options.nodeId}`,
    Math.min(2000, options.heartbeatMs / 4),
    {
      change(up) {
        store.setUp(up);
        if (up) log.info('cluster: redis is back; writing what waited');
        else log.warn('cluster: redis unreachable; this node serves its own clients meanwhile');
        events.change(up);
      },
      lost() {
        log.warn("cluster: redis lost its data (restarted empty or flushed); writing this node's state again");
        events.lost();
      },
    },
  );
  watch.start();
  return {
    clustered: true,
    up: () => watch.up,
    sessions: redisSessions(conn, options.keyPrefix, () => watch.up),
    restoreRetained: (packets) => {
      for (const p of packets) void store.storeRetained(p);
    },
    mq,
    // Aedes 1.x reads retained messages as streams: the adapter of aedes-persistence 11 gives them.
    persistence: markRedeliveries(new CallBackPersistence(() => store)),
    close: async () => {
      watch.stop();
      await store.flush();
      // QUIT after what is queued, so the writes of sessions closing with the node finish.
      await conn.quit().catch(() => undefined);
    },
  };
}
