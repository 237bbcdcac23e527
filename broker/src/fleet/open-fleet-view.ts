import type { LocationFix } from '@ridetrack/shared';
import type { Logger } from 'pino';
import type { TokenVerifier } from '../auth/tokens';
import type { GeoIndex } from '../geo/types';
import { FleetStream } from '../http/fleet-stream';
import type { LiveOptions } from '../http/live';
import { liveCounters, refusalCounts, type Metrics } from '../metrics';
import type { ClusterOptions } from '../mqtt/backends/open-backends';
import { MemoryRegionBus, RedisRegionBus, type RegionBus } from './region-bus';
import { RegionPublisher } from './region-publisher';

export interface FleetView {
  publisher: RegionPublisher;
  /** The operators' stream (`GET /api/fleet/events`). */
  stream: FleetStream;
  /** Stops publishing and leaves the bus (the stream is closed first, with the other live streams). */
  close(): Promise<void>;
}

/**
 * The operators' fleet view: this node publishes its drivers per region, for the regions some
 * console shows (through Redis when clustered), and streams the regions its own consoles show.
 */
export function openFleetView(
  options: { cluster: ClusterOptions; live: LiveOptions },
  deps: {
    index: GeoIndex;
    verifier: TokenVerifier | null;
    /** This node's last fix of a driver, and whether the driver is online here. */
    driver: (driverId: string) => { fix: LocationFix; online: boolean } | undefined;
    metrics: Metrics;
    log: Logger;
    now: () => number;
  },
): FleetView {
  const { cluster, live } = options;
  const { index, metrics } = deps;
  const bus: RegionBus =
    cluster.redis === undefined
      ? new MemoryRegionBus()
      : new RedisRegionBus(cluster.redis, cluster.keyPrefix, (err) =>
          deps.log.debug({ err: err.message }, 'fleet bus: redis unreachable'),
        );
  const publisher = new RegionPublisher(
    bus,
    {
      nodeId: cluster.nodeId,
      h3Resolution: index.h3Resolution,
      regionResolution: index.regionResolution,
      intervalMs: 500,
      pollMs: 1000,
    },
    deps.driver,
  );
  publisher.start();
  const stream = new FleetStream({
    bus,
    localRows: (region) => publisher.rows(region),
    localRegions: () => publisher.regions(),
    showing: (regions) => publisher.show(regions),
    index,
    verifier: deps.verifier,
    counters: liveCounters(metrics),
    intervalMs: 500,
    heartbeatMs: live.heartbeatMs,
    maxBufferedBytes: live.fleetMaxBufferedBytes,
    maxRegions: live.fleetMaxRegions,
    statsIntervalMs: 2000,
    refusalCounts: () => refusalCounts(metrics),
    now: deps.now,
  });
  return {
    publisher,
    stream,
    async close() {
      publisher.stop();
      await bus.close();
    },
  };
}
