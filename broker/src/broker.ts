import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { EventEmitter } from 'node:events';
import type { Server } from 'node:net';
import type { Duplex } from 'node:stream';
import { getRequestListener } from '@hono/node-server';
import { Aedes, type Client } from 'aedes';
import {
  encodeLocation,
  encodeStatus,
  locationTopic,
  MAX_CLIENT_ID_LENGTH,
  statusTopic,
  type DriverProfile,
} from '@ridetrack/shared';
import type { Logger } from 'pino';
import type { WebSocketServer } from 'ws';
import { Admission, type AdmissionLimits } from './admission';
import { aedesBackends, type ClusterOptions } from './cluster';
import { createAuthHooks, gateOf, type AuthMode } from './auth/hooks';
import type { TokenMinter, TokenVerifier } from './auth/tokens';
import { isLoopback } from './config';
import { deliverQos0Directly } from './delivery';
import { Dispatch, type DispatchOptions } from './dispatch';
import { createTripApi } from './http/trips';
import { roadRouter } from './routing/road-router';
import { straightLineRouter, withFallback, type Router } from './routing/router';
import type { LifecycleLimits } from './trips/lifecycle';
import { profileDirectory } from './trips/profiles';
import { TripSupervisor } from './trips/supervisor';
import { TripBook } from './trips/trip-book';
import { Indexer } from './geo/indexer';
import { Janitor } from './geo/janitor';
import { openGeoIndex, type GeoOptions } from './geo/open-index';
import { createApi } from './http/api';
import { mountWeb, type WebOptions } from './http/web';
import type { CityMap } from './map/city-map';
import { MemoryFixStore } from './fix-store';
import { createApp } from './http/app';
import { FleetStream } from './http/fleet-stream';
import { MemoryRegionBus, RedisRegionBus, type RegionBus } from './fleet/region-bus';
import { RegionPublisher } from './fleet/region-publisher';
import { LiveHttp, type LiveOptions } from './http/live';
import { LiveHub } from './live/hub';
import { aedesSource, retainedStatus } from './live/aedes-source';
import type { JudgeLimits } from './ingress/fix-judge';
import { connackFrame } from './ingress/frames';
import { forgetConnectPacket, leanParserBuffer } from './lean-parser';
import { IngressGate, type GateLimits, type Transport } from './ingress/gate';
import { judgeHealth } from './health';
import { LoadMonitor } from './load-monitor';
import {
  createMetrics,
  gateCounters,
  historyCounters,
  indexerCounters,
  janitorCounters,
  liveCounters,
  refusalCounts,
  routingCounters,
  type Metrics,
} from './metrics';
import { openOperatorServices, type HistoryOptions } from './operator-services';
import { createOpsApi } from './http/ops-api';
import { Presence } from './presence';
import { announceTripEnded, encodeTripTopicPublish, onTripEnded } from './trip-publish';
import { boundPort, listen, listenTcp, listenTls } from './transports/tcp';
import { ConnectionBudget } from './transports/connection-budget';
import { attachWebSocket, rawWebSocketOf } from './transports/websocket';

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

export interface TripOptions {
  lifecycle: LifecycleLimits;
  /** Drivers' display names and cars (DRIVER_PROFILES_FILE); anyone else gets a made-up one. */
  profiles: ReadonlyMap<string, DriverProfile>;
  /** H3 resolution the cars shown before booking are snapped to. */
  carsResolution: number;
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
/** A CONNACK "server unavailable" for refused connections [MQTT-3.2.2.3]. */
const SERVER_UNAVAILABLE = 3;

/** Starts a broker with every listener its options name; the same entry point main.ts and tests use. */
export async function startBroker(options: BrokerOptions, deps: BrokerDeps): Promise<RunningBroker> {
  const log = deps.log.child({ module: 'broker' });
  const now = deps.now ?? Date.now;
  const { mode } = options.auth;
  if (mode !== 'jwt' && !isLoopback(options.host) && !options.allowInsecureOnPublic) {
    throw new Error(
      `AUTH_MODE=${mode} accepts clients without production credentials; it binds only to loopback ` +
        `(HOST=${options.host} refused). Set ALLOW_INSECURE_ON_PUBLIC=true to force it.`,
    );
  }
  if (mode !== 'open' && options.auth.verifier === null) throw new Error(`AUTH_MODE=${mode} needs a token verifier`);

  const metrics = createMetrics();
  const load = new LoadMonitor();
  const memoryFixes = new MemoryFixStore(options.fixRetentionMs, now);
  const { index, leases } = await openGeoIndex(options.geo, log, now);
  const indexer = new Indexer(index, options.geo, indexerCounters(metrics), log.child({ module: 'indexer' }), now);
  // One janitor per region across the nodes sharing the index (alone: this node sweeps it all).
  const janitor = new Janitor(
    index,
    leases,
    { nodeId: options.cluster.nodeId, intervalMs: options.geo.sweepIntervalMs },
    janitorCounters(metrics),
    log.child({ module: 'janitor' }),
    now,
  );
  janitor.start();
  const ops = openOperatorServices(options.history, { log, now, counters: historyCounters(metrics) });
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
      nodeId: options.cluster.nodeId,
      h3Resolution: index.h3Resolution,
      regionResolution: index.regionResolution,
      intervalMs: 500,
      pollMs: 1000,
    },
    (driverId) => {
      const last = memoryFixes.get(driverId);
      return last === undefined ? undefined : { fix: last.fix, online: presence.isOnline(driverId) };
    },
  );
  regionPublisher.start();
  const sweeper = setInterval(
    () => {
      memoryFixes.sweep();
      hub.sweep();
    },
    Math.min(options.fixRetentionMs, 60_000),
  );
  sweeper.unref();
  const admission = new Admission(options.admission);
  const gates = new Set<IngressGate>();
  const counters = gateCounters(metrics);

  const backends = aedesBackends(options.cluster, log, {
    change: (up) => metrics.clusterUp.set(up ? 1 : 0),
    // Redis lost what this node wrote: its drivers' presence and last positions go back in.
    lost: () => backends.restoreRetained(retainedStateOfThisNode()),
    routing: routingCounters(metrics),
  });
  if (backends.clustered) metrics.clusterUp.set(1);
  const { persistence } = backends;
  const aedes = new Aedes({
    id: options.cluster.nodeId,
    persistence,
    ...(backends.mq === undefined ? {} : { mq: backends.mq }),
    connectTimeout: options.connectTimeoutMs,
    maxInflightInbound: options.maxInflightInbound,
    // Client ids of MQTT 3.1 clients may be longer than the 23 characters 3.1 allows: as long as
    // the client-id rules allow (shared/src/client-ids.ts).
    maxClientsIdLength: MAX_CLIENT_ID_LENGTH,
    drainTimeout: 10_000,
    // No cap on publishes in flight inside Aedes (its default is 100). A delivery completes a turn
    // of the event loop after its write, so a cap made throughput "cap per loop turn": past the
    // knee, turns grew longer, throughput fell, and the backlog queued in mqemitter without bound
    // (5 s latency, 7% delivered at 20,000 msg/s). What Aedes holds is bounded by the gates instead:
    // each connection hands it at most one read's worth, coalesced to the newest fix under load.
    concurrency: 0,
    heartbeatInterval: options.cluster.heartbeatMs,
  });
  // Aedes reports its own failures here (a will sweep or a routing step that could not reach
  // Redis). An 'error' nobody hears ends the process; the broker serves on and says so instead.
  let lastAedesWarnMs = 0;
  // Aedes's types declare only its client events; the broker's own 'error' is real (aedes.js).
  (aedes as unknown as EventEmitter).on('error', (err: Error) => {
    metrics.brokerErrors.inc({ source: 'aedes' });
    if (now() - lastAedesWarnMs < 10_000) return;
    lastAedesWarnMs = now();
    log.warn({ err: err.message }, 'broker error survived (shared state unreachable?)');
  });
  await aedes.listen();
  const presence = new Presence(aedes, now, log, (driverId) => regionPublisher.presence(driverId));
  /** What only this node knows, as retained messages: its drivers online, where each was last. */
  function retainedStateOfThisNode() {
    const packets = [];
    for (const driverId of presence.drivers()) {
      packets.push({ ...retainedPacket(statusTopic(driverId), encodeStatus({ online: true, ts: now() })), qos: 1 });
      const last = memoryFixes.get(driverId);
      if (last !== undefined) packets.push(retainedPacket(locationTopic(driverId), encodeLocation(last.fix)));
    }
    return packets;
  }
  await ops.trips.attach(aedes);
  if (backends.clustered) await presence.followTakeovers(aedes.id);
  // Riders following over HTTP see every fix and status Aedes routes, from any node.
  const hub: LiveHub = new LiveHub(
    aedesSource(aedes, persistence, () => hub),
    { historySize: 32, idleMs: 60_000 },
    now,
  );
  const live = new LiveHttp({
    hub,
    verifier: options.auth.verifier,
    tripEnded: (tripId) => book.hasEnded(tripId),
    counters: liveCounters(metrics),
    now,
    options: options.live,
  });
  // Along the city's roads when the broker has a city, else the straight-line estimate.
  const router =
    deps.router ?? (deps.city ? withFallback(roadRouter(deps.city.graph), straightLineRouter()) : straightLineRouter());
  const presenceOf = retainedStatus(persistence);
  const book = new TripBook({
    index,
    tellDriver: (driverId, message) => aedes.publish(encodeTripTopicPublish(driverId, message), () => undefined),
    endRiderSessions: (tripId) => announceTripEnded(aedes, tripId),
    now,
  });
  const dispatch = new Dispatch(
    {
      index,
      book,
      minter: deps.minter ?? null,
      presenceOf,
      router,
      profiles: profileDirectory(options.trips.profiles),
      now,
      started: (trip) => supervisor.watch(trip.id),
    },
    options.dispatch,
  );
  const supervisor: TripSupervisor = new TripSupervisor({
    book,
    observe: async (driverId) => {
      const [status, state] = await Promise.all([presenceOf(driverId), index.get(driverId, now())]);
      return {
        online: status?.online ?? null,
        presenceMs: status?.ts ?? null,
        fix: state === null ? null : { ...state, updatedMs: state.updatedMs },
      };
    },
    reassign: (trip, reason) => dispatch.reassign(trip, reason),
    limits: options.trips.lifecycle,
    now,
    log: log.child({ module: 'trips' }),
  });
  supervisor.start(1000);
  // Whichever node completed the trip, every node closes the riders holding its token.
  await onTripEnded(aedes, (tripId) => {
    live.endTrip(tripId);
    for (const gate of gates) {
      const claims = gate.ctx.claims;
      if (claims?.role === 'rider' && claims.trip === tripId) gate.reject('trip_ended');
    }
  });

  const hooks = createAuthHooks({
    mode,
    sessions: backends.sessions,
    verifier: options.auth.verifier,
    metrics,
    log,
    now,
    tripEnded: (tripId) => book.hasEnded(tripId),
    onAuthFailed: (gate) => admission.authFailed(gate.ctx.remoteAddress, now()),
    admitAuthenticated(sessionKey, gate) {
      const refused = admission.reconnect(sessionKey, now());
      if (refused === null) return null;
      metrics.refused.inc({ reason: refused });
      log.debug({ clientId: sessionKey, remote: gate.ctx.remoteAddress, reason: refused }, 'connection refused');
      return refused;
    },
    onAuthenticated(client, gate) {
      const role = gate.ctx.claims?.role ?? 'anonymous';
      const labels = { role, transport: gate.ctx.transport };
      metrics.connections.inc(labels);
      const driverId = gate.ctx.claims?.role === 'driver' ? gate.ctx.claims.sub : null;
      const session = `${options.cluster.nodeId}#${gate.ctx.sessionId}`;
      if (driverId !== null) {
        presence.online(driverId, client);
        ops.connections.opened(driverId, session, {
          node: options.cluster.nodeId,
          transport: gate.ctx.transport,
          connectedMs: now(),
        });
      }
      // Clustered, a driver's own will on its status topic is not stored: presence is the broker's
      // (it marks the driver offline when the session ends), and a will left in Redis by a node that
      // died would be published minutes later by another node, over a driver long reconnected.
      if (backends.clustered && driverId !== null && gate.ctx.willTopic === statusTopic(driverId))
        (client as unknown as { _will?: unknown })._will = undefined;
      gate.once('close', () => {
        metrics.connections.dec(labels);
        if (driverId !== null) {
          presence.ended(driverId, client);
          ops.connections.ended(driverId, session, now());
        }
      });
    },
  });
  aedes.authenticate = (client, username, password, done) => {
    // The token is verified from the argument; the parser need not keep it for the connection's life.
    forgetConnectPacket(client);
    hooks.authenticate(client, username, password, done);
  };
  aedes.authorizeSubscribe = hooks.authorizeSubscribe;
  aedes.authorizeForward = hooks.authorizeForward;
  aedes.authorizePublish = (client, packet, done) => {
    // A superseded session's will must not mark a reconnected driver offline.
    const claims = gateOf(client)?.ctx.claims;
    if (
      client !== null &&
      claims?.role === 'driver' &&
      packet.topic.startsWith('d/') &&
      !presence.isCurrent(claims.sub, client)
    ) {
      done(new Error('session superseded'));
      return;
    }
    hooks.authorizePublish(client, packet, done);
  };
  aedes.preConnect = (client, packet, done) => {
    const gate = gateOf(client);
    if (gate === undefined) {
      done(new Error('no gate'), false);
      return;
    }
    const refusal = admission.admit(gate.ctx.remoteAddress, {
      connections: aedes.connectedClients,
      eventLoopLagMs: load.lagMs,
      nowMs: now(),
    });
    if (refusal === null) {
      done(null, true);
      return;
    }
    metrics.refused.inc({ reason: refusal });
    log.debug({ clientId: packet.clientId, remote: gate.ctx.remoteAddress, reason: refusal }, 'connection refused');
    gate.refuseConnect(connackFrame(SERVER_UNAVAILABLE), refusal);
    done(new Error(refusal), false);
  };
  aedes.on('clientError', (client, err) => {
    log.debug({ clientId: client.id, err: err.message }, 'client error');
    // Aedes closes a client that holds more QoS 2 publishes than allowed awaiting PUBREL.
    const gate = gateOf(client);
    if (gate !== undefined && err.message.startsWith('maxInflightInbound exceeded'))
      counters.violation('qos2_inflight_exceeded', gate.ctx.transport);
  });
  aedes.on('connectionError', (_client, err) => log.debug({ err: err.message }, 'connection error'));

  const gateDeps = {
    limits: options.gate,
    judge: options.judge,
    fixes,
    counters,
    now,
    onClose: (reason: string) => log.debug({ reason }, 'connection closed by broker'),
    // A bug that a client's bytes reached: its connection is closed; the process goes on.
    onFault: (err: unknown) => log.error({ err }, 'gate fault: connection closed'),
    // The gate's decision on a QoS 0 fix is final: published as the broker, retained, with no
    // second parse or access check (delivery.ts writes it out the same way).
    publishFix: (topic: string, payload: Uint8Array) =>
      aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 0, retain: true, dup: false }, noop),
    isCurrentSession: (driverId: string, gate: IngressGate) => {
      const client = clientOf.get(gate);
      return client === undefined || presence.isCurrent(driverId, client);
    },
    underPressure: () => load.lagMs > PRESSURE_LAG_MS,
  };
  let leanWarned = false;
  const clientOf = new WeakMap<IngressGate, Client>();
  const accept = (stream: Duplex, transport: Transport, remoteAddress: string): void => {
    const gate = new IngressGate(stream, transport, remoteAddress, mode === 'open', gateDeps, rawWebSocketOf(stream));
    gates.add(gate);
    gate.once('close', () => gates.delete(gate));
    const client = aedes.handle(gate);
    clientOf.set(gate, client);
    deliverQos0Directly(client, gate);
    if (!leanParserBuffer(client) && !leanWarned) {
      leanWarned = true;
      log.warn('mqtt-packet parser internals not as expected: each connection keeps its 1 KB buffer stream');
    }
  };

  let draining = false;
  const app = createApp({
    metrics,
    health: () => {
      const index = indexer.health();
      const clusterUp = backends.up();
      return {
        verdict: judgeHealth({
          draining,
          indexUp: index.up,
          clusterUp,
          eventLoopLagMs: load.lagMs,
          maxEventLoopLagMs: options.admission.maxEventLoopLagMs,
        }),
        details: {
          node: options.cluster.nodeId,
          connections: aedes.connectedClients,
          driversOnline: presence.onlineCount,
          eventLoopLagMs: Math.round(load.lagMs),
          index,
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
    },
  });
  app.route(
    '/api',
    createTripApi({
      book,
      dispatch,
      index,
      presenceOf,
      router,
      watch: (tripId) => supervisor.watch(tripId),
      verifier: options.auth.verifier,
      anonymousCars: mode !== 'jwt',
      carsResolution: options.trips.carsResolution,
      now,
    }),
  );
  app.route(
    '/api',
    createApi({
      index,
      verifier: options.auth.verifier,
      now,
      maxCellsPerRequest: MAX_CELLS_PER_REQUEST,
      maxNearbyRadiusM: 50_000,
    }),
  );
  app.route(
    '/api',
    createOpsApi({
      ...ops,
      index,
      verifier: options.auth.verifier,
      now,
      maxCellsPerRequest: MAX_CELLS_PER_REQUEST,
      maxStreamRegions: options.live.fleetMaxRegions,
    }),
  );
  mountWeb(app, options.web, { dispatch, minter: deps.minter ?? null, city: deps.city ?? null });
  const fetchListener = getRequestListener(app.fetch);
  const fleet = new FleetStream({
    bus: regionBus,
    localRows: (region) => regionPublisher.rows(region),
    localRegions: () => regionPublisher.regions(),
    showing: (regions) => regionPublisher.show(regions),
    index,
    verifier: options.auth.verifier,
    counters: liveCounters(metrics),
    intervalMs: 500,
    heartbeatMs: options.live.heartbeatMs,
    maxBufferedBytes: options.live.fleetMaxBufferedBytes,
    maxRegions: options.live.fleetMaxRegions,
    statsIntervalMs: 2000,
    refusalCounts: () => refusalCounts(metrics),
    now,
  });
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    // HTTP/1.0 needs no Host (health checkers often send none); the router builds URLs from it.
    req.headers.host ??= 'localhost';
    if (!live.handle(req, res) && !fleet.handle(req, res)) void fetchListener(req, res);
  };

  const servers: Server[] = [];
  const webSockets: WebSocketServer[] = [];
  // Every socket of every listener counts from its first moment: MAX_CONNECTIONS and a little
  // room above it, so that an MQTT client over the cap still hears CONNACK 3 (admission, below)
  // while a flood of sockets that never speak is closed at accept.
  const budget = new ConnectionBudget(socketBudget(options.admission.maxConnections), () =>
    metrics.refused.inc({ reason: 'too_many_connections' }),
  );
  const httpOptions = {
    // A connection that never sends a whole request is closed after headersTimeoutMs (Node's
    // default, 60 s checked every 30 s, let idle sockets pile up for over a minute).
    headersTimeout: options.http.headersTimeoutMs,
    requestTimeout: Math.max(30_000, options.http.headersTimeoutMs),
    keepAliveTimeout: options.http.keepAliveTimeoutMs,
    connectionsCheckingInterval: 1000,
  };
  const tcp = await listenTcp(
    options.host,
    options.mqttPort,
    (socket) => {
      if (!socket.destroyed) accept(socket, 'tcp', socket.remoteAddress ?? 'unknown');
    },
    budget,
  );
  servers.push(tcp);
  const http = await listen(createHttpServer(httpOptions, listener), options.host, options.httpPort, budget);
  servers.push(http);
  const httpServers: { closeAllConnections(): void }[] = [http];
  webSockets.push(
    attachWebSocket(
      http,
      options.gate.maxPacketBytes,
      (stream, remoteAddress) => accept(stream, 'ws', remoteAddress),
      (reason) => counters.violation(reason, 'ws'),
    ),
  );
  const ports: RunningBroker['ports'] = { mqtt: boundPort(tcp), http: boundPort(http) };
  if (options.tls) {
    const { tls } = options;
    const mqtts = await listenTls(
      options.host,
      tls.mqttsPort,
      tls,
      (socket) => {
        if (!socket.destroyed) accept(socket, 'tls', socket.remoteAddress ?? 'unknown');
      },
      budget,
    );
    const https = await listen(
      createHttpsServer({ ...httpOptions, cert: tls.cert, key: tls.key }, listener),
      options.host,
      tls.httpsPort,
      budget,
    );
    servers.push(mqtts, https);
    httpServers.push(https);
    webSockets.push(
      attachWebSocket(
        https,
        options.gate.maxPacketBytes,
        (stream, remoteAddress) => accept(stream, 'wss', remoteAddress),
        (reason) => counters.violation(reason, 'wss'),
      ),
    );
    ports.mqtts = boundPort(mqtts);
    ports.https = boundPort(https);
  }
  log.info({ ports, mode }, 'broker listening');

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    // Stop accepting, then close every client (MQTT 3.1.1 has no server DISCONNECT: closing the
    // connection is how clients are told), and give up waiting after the shutdown timeout.
    draining = true;
    const closed = servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    presence.close();
    live.close();
    fleet.close();
    for (const wss of webSockets) wss.close();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise<void>((resolve) => aedes.close(() => resolve())),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, options.shutdownTimeoutMs))),
    ]);
    clearTimeout(timer);
    for (const gate of gates) gate.destroy();
    for (const s of httpServers) s.closeAllConnections();
    await Promise.all(closed);
    clearInterval(sweeper);
    supervisor.close();
    janitor.stop();
    regionPublisher.stop();
    await regionBus.close();
    await leases?.leave(options.cluster.nodeId);
    await indexer.close();
    await ops.close();
    await index.close();
    await backends.close();
    load.close();
    log.info('broker closed');
  }
  return {
    ports,
    metrics,
    close: () => (closing ??= close()),
  };
}

/** Open sockets allowed in all: the connection cap and 1% (at least 64) above it. */
export function socketBudget(maxConnections: number): number {
  return maxConnections + Math.max(64, Math.ceil(maxConnections / 100));
}

/** A retained PUBLISH as Aedes stores it. */
function retainedPacket(topic: string, payload: Uint8Array | string) {
  return { cmd: 'publish', topic, payload: Buffer.from(payload), qos: 0, retain: true, dup: false };
}

function noop(): void {
  // a fire-and-forget publish: its failures are the broker's own, reported on its 'error'
}
