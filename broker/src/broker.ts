import { Admission } from './admission';
import { isLoopback } from './config';
import { MemoryFixStore } from './fix-store';
import { openFleetView } from './fleet/open-fleet-view';
import { Indexer } from './geo/indexer';
import { Janitor } from './geo/janitor';
import { openGeoIndex } from './geo/open-index';
import { judgeHealth } from './health';
import { LiveHttp } from './http/live';
import { createHttpListener } from './http/server';
import { LiveHub } from './live/hub';
import { LoadMonitor } from './load-monitor';
import {
  createMetrics,
  gateCounters,
  historyCounters,
  indexerCounters,
  janitorCounters,
  liveCounters,
} from './metrics';
import { openMqtt } from './mqtt/aedes-broker';
import { openOperatorServices } from './operator-services';
import type { BrokerDeps, BrokerOptions, RunningBroker } from './options';
import { listenAll } from './transports/listeners';
import { openTripStore } from './trips/open-trip-store';
import { startTrips } from './trips/open-trips';

/**
 * The broker, composed: the fix store, geo-index and history that accepted fixes feed; the MQTT
 * core (mqtt/: Aedes behind the ingress gates); trips and dispatch; the live and HTTP routes; the
 * listeners. Each part is built in its own file; this one connects them in the order a fix flows
 * (docs/life-of-a-location.md) and closes them in reverse.
 */

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
  const metrics = createMetrics(options.eventLoopResolutionMs);
  const load = new LoadMonitor();

  // Where accepted fixes go: the last fix per driver, the geo-index, the history, the fleet view.
  const memoryFixes = new MemoryFixStore(options.fixRetentionMs, now);
  const { index, leases } = await openGeoIndex(options.geo, log, now);
  // Beside the index, in the same Redis: dispatch's trips and the holds on drivers.
  const tripStore = await openTripStore(options.tripStore, log.child({ module: 'trip-store' }), now);
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
  const fleet = openFleetView(options, {
    index,
    verifier,
    driver: (driverId) => {
      const last = memoryFixes.get(driverId);
      return last === undefined ? undefined : { fix: last.fix, online: mqtt.presence.isOnline(driverId) };
    },
    metrics,
    log,
    now,
  });
  const regionPublisher = fleet.publisher;
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
    store: tripStore,
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
          fleet: fleet.stream.openCount,
          fleetRegions: fleet.stream.regionCount,
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
    ops: { ...ops, ...api, tripStore, maxStreamRegions: options.live.fleetMaxRegions, profiles: trips.profiles },
    web: { options: options.web, deps: { dispatch, minter: deps.minter ?? null, city: deps.city ?? null } },
    live,
    fleet: fleet.stream,
  });

  const listeners = await listenAll(
    { ...options, maxPacketBytes: options.gate.maxPacketBytes, maxConnections: options.admission.maxConnections },
    {
      accept: mqtt.accept,
      listener,
      onBudgetSpent: () => metrics.refused.inc({ reason: 'too_many_connections' }),
      onPeerGone: () => metrics.refused.inc({ reason: 'peer_gone' }),
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
    fleet.stream.close();
    await mqtt.close(options.shutdownTimeoutMs);
    listeners.closeAllConnections();
    await closed;
    clearInterval(sweeper);
    supervisor.close();
    janitor.stop();
    await fleet.close();
    await leases?.leave(nodeId);
    await indexer.close();
    await ops.close();
    await index.close();
    await tripStore.close();
    await mqtt.closeBackends();
    load.close();
    log.info('broker closed');
  }
  return { ports, metrics, close: () => (closing ??= close()) };
}
