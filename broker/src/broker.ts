import type { Logger } from 'pino';
import { Admission, type AdmissionLimits } from './admission';
import type { TokenMinter, TokenVerifier } from './auth/tokens';
import { isLoopback } from './config';
import type { DispatchOptions } from './dispatch';
import { MemoryFixStore } from './fix-store';
import { MemoryRegionBus, RedisRegionBus, type RegionBus } from './fleet/region-bus';
import { RegionPublisher } from './fleet/region-publisher';
import { Indexer } from './geo/indexer';
import { Janitor } from './geo/janitor';
import { openGeoIndex, type GeoOptions } from './geo/open-index';
import { judgeHealth } from './health';
import { FleetStream } from './http/fleet-stream';
import { LiveHttp, type LiveOptions } from './http/live';
import { createHttpListener } from './http/server';
import type { WebOptions } from './http/web';
import type { JudgeLimits } from './ingress/fix-judge';
import type { GateLimits } from './ingress/connection-context';
import { LiveHub } from './live/hub';
import { LoadMonitor } from './load-monitor';
import type { CityMap } from './map/city-map';
import {
  createMetrics,
  gateCounters,
  historyCounters,
  indexerCounters,
  janitorCounters,
  liveCounters,
  refusalCounts,
  type Metrics,
} from './metrics';
import { openMqtt } from './mqtt/aedes-broker';
import type { AuthMode } from './mqtt/auth-hooks';
import type { ClusterOptions } from './mqtt/backends/open-backends';
import { openOperatorServices, type HistoryOptions } from './operator-services';
import type { Router } from './routing/router';
import { listenAll } from './transports/listeners';
import { startTrips, type TripOptions } from './trips/open-trips';

/**
 * The broker, composed: the fix store, geo-index and history that accepted fixes feed; the MQTT
 * core (mqtt/: Aedes behind the ingress gates); trips and dispatch; the live and HTTP routes; the
 * listeners. Each part is built in its own file; this one connects them in the order a fix flows
 * (docs/life-of-a-location.md) and closes them in reverse.
 */
export interface BrokerOptions {
  host: string;
  mqttPort: number;
  httpPort: number;
  tls?: { cert: Buffer; key: Buffer; mqttsPort: number; httpsPort: number } | undefined;
  auth: { mode: AuthMode; verifier: TokenVerifier | null };
  /** Lets dev or open mode bind to a non-loopback address. */
  allowInsecureOnPublic: boolean;
  gate: GateLimits;
  judge: JudgeLimits;
  admission: AdmissionLimits;
  connectTimeoutMs: number;
  /** HTTP: how long a connection may take to send a request's headers, and stay idle between requests. */
  http: { headersTimeoutMs: number; keepAliveTimeoutMs: number };
  /** QoS 2 publishes a client may hold awaiting PUBREL before it is disconnected. */
  maxInflightInbound: number;
  shutdownTimeoutMs: number;
  /** How long a silent driver's last fix is kept for the sequence and jump checks. */
  fixRetentionMs: number;
  geo: GeoOptions;
  /** Tracks and trips for replays, kept for a retention (or not at all: live-only mode). */
  history: HistoryOptions;
  dispatch: DispatchOptions;
  trips: TripOptions;
  web: WebOptions;
  live: LiveOptions;
  cluster: ClusterOptions;
}

export interface BrokerDeps {
  log: Logger;
  now?: () => number;
  /** Signs rider tokens for dispatch; null where the broker only holds a public key. */
  minter?: TokenMinter | null;
  /** How ETAs, routes and dispatch's ranking get from A to B (default: the city's roads, else the straight line). */
  router?: Router;
  /** The city whose basemap the pages draw (loaded by main.ts from CITY_FILE); none: no /map/ routes. */
  city?: CityMap | null;
}

export interface RunningBroker {
  ports: { mqtt: number; http: number; mqtts?: number; https?: number };
  metrics: Metrics;
  /** Stops accepting, closes every client, and resolves within the shutdown timeout. */
  close(): Promise<void>;
}

/** Event-loop lag above which backlogs of fixes are coalesced to the newest. */
const PRESSURE_LAG_MS = 50;
/** Most index-resolution cells one /api/cells request may cover (the console plans within it). */
const MAX_CELLS_PER_REQUEST = 50_000;

/** Starts a broker with every listener its options name; the same entry point main.ts and tests use. */
export async function startBroker(options: BrokerOptions, deps: BrokerDeps): Promise<RunningBroker> {
  const log = deps.log.child({ module: 'broker' });
  const now = deps.now ?? Date.now;
  const { mode, verifier } = options.auth;
  if (mode !== 'jwt' && !isLoopback(options.host) && !options.allowInsecureOnPublic) {
    throw new Error(
      `AUTH_MODE=${mode} accepts clients without production credentials; it binds only to loopback ` +
        `(HOST=${options.host} refused). Set ALLOW_INSECURE_ON_PUBLIC=true to force it.`,
    );
  }
  if (mode !== 'open' && verifier === null) throw new Error(`AUTH_MODE=${mode} needs a token verifier`);
  const { nodeId } = options.cluster;
  const metrics = createMetrics();
  const load = new LoadMonitor();

  // Where accepted fixes go: the last fix per driver, the geo-index, the history, the fleet view.
  const memoryFixes = new MemoryFixStore(options.fixRetentionMs, now);
  const { index, leases } = await openGeoIndex(options.geo, log, now);
  const indexer = new Indexer(index, options.geo, indexerCounters(metrics), log.child({ module: 'indexer' }), now);
  // One janitor per region across the nodes sharing the index (alone: this node sweeps it all).
  const janitor = new Janitor(
    index,
    leases,
    { nodeId, intervalMs: options.geo.sweepIntervalMs },
    janitorCounters(metrics),
    log.child({ module: 'janitor' }),
    now,
  );
  janitor.start();
  const ops = openOperatorServices(options.history, { log, now, counters: historyCounters(metrics) });
  // The operators' fleet view: this node's drivers, per region, for the regions consoles show.
  const regionBus: RegionBus =
    options.cluster.redis === undefined
      ? new MemoryRegionBus()
      : new RedisRegionBus(options.cluster.redis, options.cluster.keyPrefix, (err) =>
          log.debug({ err: err.message }, 'fleet bus: redis unreachable'),
        );
  const regionPublisher = new RegionPublisher(
    regionBus,
    {
      nodeId,
      h3Resolution: index.h3Resolution,
      regionResolution: index.regionResolution,
      intervalMs: 500,
      pollMs: 1000,
    },
    (driverId) => {
      const last = memoryFixes.get(driverId);
      return last === undefined ? undefined : { fix: last.fix, online: mqtt.presence.isOnline(driverId) };
    },
  );
  regionPublisher.start();
  // Every fix the gate accepts is also the driver's new place in the geo-index, and a point of its track.
  const fixes = {
    get: (id: string) => memoryFixes.get(id),
    refuseJump: (id: string) => memoryFixes.refuseJump(id),
    accept: (id: string, last: Parameters<MemoryFixStore['accept']>[1]) => {
      memoryFixes.accept(id, last);
      indexer.offer(id, last.fix);
      ops.recorder.offer(id, last.fix);
      regionPublisher.fix(id, last.fix);
    },
  };

  // The MQTT core: Aedes behind a gate per connection.
  const counters = gateCounters(metrics);
  const mqtt = await openMqtt(
    { ...options, mode, verifier, cluster: options.cluster, pressureLagMs: PRESSURE_LAG_MS },
    {
      log,
      metrics,
      counters,
      now,
      load,
      admission: new Admission(options.admission),
      fixes,
      lastFix: (driverId) => memoryFixes.get(driverId)?.fix,
      tripEnded: (tripId) => trips.book.hasEnded(tripId),
      presenceChanged: (driverId) => regionPublisher.presence(driverId),
      connections: ops.connections,
    },
  );
  await ops.trips.attach(mqtt.subscribe);
  // Riders following over HTTP see every fix and status Aedes routes, from any node.
  const hub: LiveHub = new LiveHub(
    mqtt.liveSource(() => hub),
    { historySize: 32, idleMs: 60_000 },
    now,
  );
  const sweeper = setInterval(
    () => {
      memoryFixes.sweep();
      hub.sweep();
    },
    Math.min(options.fixRetentionMs, 60_000),
  );
  sweeper.unref();

  // Trips and dispatch.
  const trips = startTrips(options, {
    index,
    minter: deps.minter ?? null,
    router: deps.router,
    city: deps.city ?? null,
    presenceOf: mqtt.presenceOf,
    tellDriver: mqtt.tellDriver,
    endRiderSessions: mqtt.announceTripEnded,
    now,
    log,
  });
  const { book, dispatch, supervisor, router } = trips;

  // HTTP: the live transports, then the routes.
  const live = new LiveHttp({
    hub,
    verifier,
    tripEnded: (tripId) => book.hasEnded(tripId),
    counters: liveCounters(metrics),
    now,
    options: options.live,
  });
  // Whichever node completed the trip, every node closes the riders holding its token.
  await mqtt.onTripEnded((tripId) => live.endTrip(tripId));
  const fleet = new FleetStream({
    bus: regionBus,
    localRows: (region) => regionPublisher.rows(region),
    localRegions: () => regionPublisher.regions(),
    showing: (regions) => regionPublisher.show(regions),
    index,
    verifier,
    counters: liveCounters(metrics),
    intervalMs: 500,
    heartbeatMs: options.live.heartbeatMs,
    maxBufferedBytes: options.live.fleetMaxBufferedBytes,
    maxRegions: options.live.fleetMaxRegions,
    statsIntervalMs: 2000,
    refusalCounts: () => refusalCounts(metrics),
    now,
  });
  let draining = false;
  const health = () => {
    const indexHealth = indexer.health();
    const clusterUp = mqtt.up();
    return {
      verdict: judgeHealth({
        draining,
        indexUp: indexHealth.up,
        clusterUp,
        eventLoopLagMs: load.lagMs,
        maxEventLoopLagMs: options.admission.maxEventLoopLagMs,
      }),
      details: {
        node: nodeId,
        connections: mqtt.connectedClients,
        driversOnline: mqtt.presence.onlineCount,
        eventLoopLagMs: Math.round(load.lagMs),
        index: indexHealth,
        ...(clusterUp === null ? {} : { cluster: { up: clusterUp } }),
        live: {
          ...live.open,
          fleet: fleet.openCount,
          fleetRegions: fleet.regionCount,
          drivers: hub.drivers,
          listeners: hub.listeners,
        },
      },
    };
  };
  const api = { index, verifier, now, maxCellsPerRequest: MAX_CELLS_PER_REQUEST };
  const listener = createHttpListener({
    app: { metrics, health },
    trips: {
      book,
      dispatch,
      index,
      presenceOf: mqtt.presenceOf,
      router,
      watch: (tripId) => supervisor.watch(tripId),
      verifier,
      anonymousCars: mode !== 'jwt',
      carsResolution: options.trips.carsResolution,
      now,
    },
    api: { ...api, maxNearbyRadiusM: 50_000 },
    ops: { ...ops, ...api, maxStreamRegions: options.live.fleetMaxRegions },
    web: { options: options.web, deps: { dispatch, minter: deps.minter ?? null, city: deps.city ?? null } },
    live,
    fleet,
  });

  const listeners = await listenAll(
    { ...options, maxPacketBytes: options.gate.maxPacketBytes, maxConnections: options.admission.maxConnections },
    {
      accept: mqtt.accept,
      listener,
      onBudgetSpent: () => metrics.refused.inc({ reason: 'too_many_connections' }),
      onWsViolation: (reason, transport) => counters.violation(reason, transport),
    },
  );
  const { ports } = listeners;
  log.info({ ports, mode }, 'broker listening');

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    // Stop accepting, then close every client (MQTT 3.1.1 has no server DISCONNECT: closing the
    // connection is how clients are told), and give up waiting after the shutdown timeout.
    draining = true;
    const closed = listeners.stopAccepting();
    live.close();
    fleet.close();
    await mqtt.close(options.shutdownTimeoutMs);
    listeners.closeAllConnections();
    await closed;
    clearInterval(sweeper);
    supervisor.close();
    janitor.stop();
    regionPublisher.stop();
    await regionBus.close();
    await leases?.leave(nodeId);
    await indexer.close();
    await ops.close();
    await index.close();
    await mqtt.closeBackends();
    load.close();
    log.info('broker closed');
  }
  return { ports, metrics, close: () => (closing ??= close()) };
}
