import type { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { Aedes, type Client } from 'aedes';
import {
  encodeLocation,
  encodeStatus,
  locationTopic,
  MAX_CLIENT_ID_LENGTH,
  statusTopic,
  type DriverStatus,
  type LocationFix,
} from '@ridetrack/shared';
import type { Logger } from 'pino';
import type { Admission } from '../admission';
import type { TokenVerifier } from '../auth/tokens';
import type { ConnectionRegistry } from '../connections';
import type { JudgeLimits } from '../ingress/fix-judge';
import type { FixStore, GateCounters, GateLimits, Transport } from '../ingress/connection-context';
import { IngressGate } from '../ingress/gate';
import type { LiveHub, LiveSource } from '../live/hub';
import { routingCounters, type Metrics } from '../metrics';
import { rawWebSocketOf } from '../transports/websocket';
import type { AuthMode } from './auth-hooks';
import { openBackends, type ClusterOptions } from './backends/open-backends';
import { ownDeliveries } from './delivery';
import { installHooks } from './install-hooks';
import { publishInOrder } from './publish-order';
import { liveSource, retainedStatus } from './live-source';
import { leanParserBuffer } from './parser-buffer';
import { leanClient } from './lean-client';
import { SharedParser } from './shared-parser';
import { Presence } from './presence';
import { announceTripEnded, encodeTripTopicPublish, onTripEnded } from './trip-publish';

/**
 * The one place the broker meets Aedes: Aedes set up on this node's backends (alone, or shared
 * through Redis), its hooks installed, and every accepted connection handed to it behind an ingress
 * gate. The rest of the broker sees only what is returned here.
 */
export interface MqttOptions {
  mode: AuthMode;
  verifier: TokenVerifier | null;
  connectTimeoutMs: number;
  /** QoS 2 publishes a client may hold awaiting PUBREL before it is disconnected. */
  maxInflightInbound: number;
  cluster: ClusterOptions;
  gate: GateLimits;
  judge: JudgeLimits;
  /** Event-loop lag above which backlogs of fixes are coalesced to the newest. */
  pressureLagMs: number;
}

export interface MqttDeps {
  log: Logger;
  metrics: Metrics;
  counters: GateCounters;
  now: () => number;
  load: { readonly lagMs: number };
  admission: Admission;
  /** Every fix a gate accepts goes here (and from here to the index and the history). */
  fixes: FixStore;
  /** A driver's last fix on this node, written again to Redis when Redis lost it. */
  lastFix: (driverId: string) => LocationFix | undefined;
  tripEnded: (tripId: string) => Promise<boolean>;
  /** A driver of this node came online or went offline. */
  presenceChanged: (driverId: string) => void;
  connections: Pick<ConnectionRegistry, 'opened' | 'ended'>;
}

export interface Mqtt {
  presence: Presence;
  readonly connectedClients: number;
  /** Clustered: whether the cluster's Redis answers now (null alone). */
  up: () => boolean | null;
  /** A new client connection: judged by a gate, served by Aedes. */
  accept: (stream: Duplex, transport: Transport, remoteAddress: string) => void;
  /** The live hub's source: a driver's topics while followed, its retained state. */
  liveSource: (hub: () => LiveHub) => LiveSource;
  /** A driver's retained presence (shared when clustered). */
  presenceOf: (driverId: string) => Promise<DriverStatus | null>;
  /** A message on the driver's trip topic (QoS 1). */
  tellDriver: (driverId: string, message: string) => void;
  /** Tells every node a trip ended: each closes the riders holding its token. */
  announceTripEnded: (tripId: string) => void;
  /** Runs on every node when a trip ended, after this node closed its riders of that trip. */
  onTripEnded: (ended: (tripId: string) => void) => Promise<void>;
  /** Hears a filter as the broker itself (through Redis when clustered); resolves to a stop. */
  subscribe: (filter: string, deliver: (topic: string, payload: Buffer) => void) => Promise<() => void>;
  /** Closes every client, waiting for Aedes at most `timeoutMs`. */
  close: (timeoutMs: number) => Promise<void>;
  /** Closes the backends' Redis connections: the last step of shutdown. */
  closeBackends: () => Promise<void>;
}

export async function openMqtt(options: MqttOptions, deps: MqttDeps): Promise<Mqtt> {
  const { log, metrics, now } = deps;
  const nodeId = options.cluster.nodeId;
  const backends = openBackends(options.cluster, log, {
    change: (up) => metrics.clusterUp.set(up ? 1 : 0),
    // Redis lost what this node wrote: its drivers' presence and last positions go back in.
    lost: () => backends.restoreRetained(retainedStateOfThisNode()),
    routing: routingCounters(metrics),
  });
  if (backends.clustered) metrics.clusterUp.set(1);
  const { persistence } = backends;
  const aedes = new Aedes({
    id: nodeId,
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
  publishInOrder(aedes);
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
  const presence = new Presence(aedes, now, log, deps.presenceChanged);
  /** What only this node knows, as retained messages: its drivers online, where each was last. */
  function retainedStateOfThisNode() {
    const packets = [];
    for (const driverId of presence.drivers()) {
      packets.push({ ...retainedPacket(statusTopic(driverId), encodeStatus({ online: true, ts: now() })), qos: 1 });
      const last = deps.lastFix(driverId);
      if (last !== undefined) packets.push(retainedPacket(locationTopic(driverId), encodeLocation(last)));
    }
    return packets;
  }
  if (backends.clustered) await presence.followTakeovers(aedes.id);

  const gates = new Set<IngressGate>();
  const hooks = installHooks(aedes, {
    ...deps,
    mode: options.mode,
    verifier: options.verifier,
    sessions: backends.sessions,
    clustered: backends.clustered,
    nodeId,
    presence,
  });
  const gateDeps = {
    limits: options.gate,
    judge: options.judge,
    fixes: deps.fixes,
    counters: deps.counters,
    now,
    // After Aedes's 'close' listener: the client has closed (and published its will) before
    // presence hears that the session ended.
    afterClose: (gate: IngressGate) => {
      gates.delete(gate);
      hooks.closed(gate);
    },
    onClose: (reason: string) => log.debug({ reason }, 'connection closed by broker'),
    // A bug that a client's bytes reached: its connection is closed; the process goes on.
    onFault: (err: unknown) => log.error({ err }, 'gate fault: connection closed'),
    // The gate's decision on a QoS 0 fix is final: published as the broker, retained, with no
    // second parse or access check (delivery.ts writes it out the same way).
    publishFix: (topic: string, payload: Uint8Array) =>
      aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 0, retain: true, dup: false }, noop),
    isCurrentSession: (driverId: string, gate: IngressGate) => {
      return gate.client === undefined || presence.isCurrent(driverId, gate.client as Client);
    },
    underPressure: () => deps.load.lagMs > options.pressureLagMs,
  };
  const leanWarned = { parser: false, client: false };
  const parsers = new SharedParser();

  return {
    presence,
    get connectedClients() {
      return aedes.connectedClients;
    },
    up: () => backends.up(),
    accept(stream, transport, remoteAddress) {
      const direct = rawWebSocketOf(stream);
      const gate = new IngressGate(stream, transport, remoteAddress, options.mode === 'open', gateDeps, direct);
      gates.add(gate);
      // The gate is the part of a Duplex that Aedes uses (ingress/broker-stream.ts), not a Duplex.
      const client = aedes.handle(gate as unknown as Duplex);
      ownDeliveries(client, gate);
      if (!leanClient(client) && !leanWarned.client) {
        leanWarned.client = true;
        log.warn('Aedes client internals not as expected: each connection keeps its own listeners');
      }
      // One parser for every connection (the gate hands Aedes whole packets); else its own, trimmed.
      if (!parsers.seatClient(client) && !leanParserBuffer(client) && !leanWarned.parser) {
        leanWarned.parser = true;
        log.warn('mqtt-packet parser internals not as expected: each connection keeps its own parser');
      }
    },
    liveSource: (hub) => liveSource(aedes, persistence, hub),
    presenceOf: retainedStatus(persistence),
    tellDriver: (driverId, message) => aedes.publish(encodeTripTopicPublish(driverId, message), noop),
    announceTripEnded: (tripId) => announceTripEnded(aedes, tripId),
    onTripEnded: (ended) =>
      onTripEnded(aedes, (tripId) => {
        ended(tripId);
        // Whichever node completed the trip, every node closes the riders holding its token.
        for (const gate of gates) {
          const claims = gate.ctx.claims;
          if (claims?.role === 'rider' && claims.trip === tripId) gate.reject('trip_ended');
        }
      }),
    subscribe: (filter, deliver) =>
      new Promise((resolve) => {
        const listener = (packet: { topic: string; payload: unknown }, done: () => void): void => {
          deliver(packet.topic, packet.payload as Buffer);
          done();
        };
        aedes.subscribe(filter, listener, () => resolve(() => aedes.unsubscribe(filter, listener, noop)));
      }),
    async close(timeoutMs) {
      presence.close();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => aedes.close(() => resolve())),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
      ]);
      clearTimeout(timer);
      for (const gate of gates) gate.destroy();
    },
    closeBackends: () => backends.close(),
  };
}

/** A retained PUBLISH as Aedes stores it. */
function retainedPacket(topic: string, payload: Uint8Array | string) {
  return { cmd: 'publish', topic, payload: Buffer.from(payload), qos: 0, retain: true, dup: false };
}

function noop(): void {
  // a fire-and-forget publish: its failures are the broker's own, reported on its 'error'
}
