import type { Logger } from 'pino';
import { MemoryConnections, RedisConnections, type ConnectionRegistry } from './connections';
import { MemoryHistory } from './history/memory-history';
import { OffHistory } from './history/off-history';
import { TrackRecorder, type RecorderCounters } from './history/recorder';
import { RedisHistory } from './history/redis-history';
import { TripLog } from './history/trip-log';
import type { HistoryStore } from './history/types';
import { openRedis, warnOnErrors, type RedisClient, type RedisTarget } from './store/redis-client';

export interface HistoryOptions {
  /** off: live-only, nothing of where drivers went is kept (HISTORY=off). */
  enabled: boolean;
  /** Redis (or a Redis Cluster) for the history and the connection registry; without it both live in this process. */
  redis?: RedisTarget | undefined;
  keyPrefix: string;
  retentionMs: number;
  /** The in-memory history's budget (embedded mode). */
  memoryBytes: number;
  flushIntervalMs: number;
  /** Fixes waiting for the store above which the oldest are dropped. */
  maxPending: number;
  /** A trip with no announced end is taken to last at most this long (the rider token's lifetime). */
  maxTripMs: number;
}

/** What the operator's console reads beyond the live fleet: tracks, trips, connections. */
export interface OperatorServices {
  history: HistoryStore;
  connections: ConnectionRegistry;
  recorder: TrackRecorder;
  trips: TripLog;
  maxTripMs: number;
  close(): Promise<void>;
}

/**
 * Opens the history (Redis streams, memory, or off) and the connection registry, and the recorder
 * that feeds the history from the gate's accept path. One Redis connection serves both, apart from
 * the geo-index's, so a long trace read never queues behind the index's writes.
 */
export function openOperatorServices(
  options: HistoryOptions,
  deps: { log: Logger; now: () => number; counters: RecorderCounters },
): OperatorServices {
  const log = deps.log.child({ module: 'history' });
  let redis: RedisClient | undefined;
  if (options.redis !== undefined) {
    // Fail fast while Redis is away: the recorder keeps the fixes and retries. A batch's writes go
    // as one pipeline per server.
    redis = openRedis(options.redis, { failFast: true, autoPipelining: true });
    warnOnErrors(redis, log, deps.now, 'history redis unreachable; retrying');
  }
  const history: HistoryStore = !options.enabled
    ? new OffHistory()
    : redis !== undefined
      ? new RedisHistory(redis, options.keyPrefix, options.retentionMs)
      : new MemoryHistory(options.retentionMs, options.memoryBytes);
  log.info(
    { backend: history.backend, retentionH: Math.round(options.retentionMs / 3_600_000) },
    history.backend === 'off' ? 'live-only mode (HISTORY=off): no track or trip is kept' : 'history on',
  );
  const connections =
    redis === undefined
      ? new MemoryConnections()
      : new RedisConnections(redis, options.keyPrefix, (err) => log.debug({ err }, 'connection registry write failed'));
  const recorder = new TrackRecorder(
    history,
    { flushIntervalMs: options.flushIntervalMs, maxPending: options.maxPending },
    deps.counters,
    log,
    deps.now,
  );
  const trips = new TripLog(history, options.maxTripMs, log, deps.now);
  const sweeper = setInterval(() => {
    history.sweep(deps.now()).catch(() => undefined);
  }, 60_000);
  sweeper.unref();
  return {
    history,
    connections,
    recorder,
    trips,
    maxTripMs: options.maxTripMs,
    async close() {
      clearInterval(sweeper);
      trips.close();
      await recorder.close();
      await history.close();
      // The off and memory stores do not own the Redis connection; the Redis store closed it.
      if (history.backend !== 'redis') await redis?.quit().catch(() => undefined);
    },
  };
}
