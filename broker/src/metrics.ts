import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Transport } from './ingress/gate';

/** The broker's Prometheus metrics, in a registry of its own so several brokers can share a process. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  const metrics = {
    registry,
    connections: new Gauge({
      name: 'ridetrack_connections',
      help: 'Open authenticated MQTT connections by role and transport',
      labelNames: ['role', 'transport'] as const,
      registers: [registry],
    }),
    publishIn: new Counter({
      name: 'ridetrack_messages_in_total',
      help: 'PUBLISH packets received from clients',
      registers: [registry],
    }),
    publishOut: new Counter({
      name: 'ridetrack_messages_out_total',
      help: 'QoS 0 PUBLISH packets written to clients',
      registers: [registry],
    }),
    drops: new Counter({
      name: 'ridetrack_dropped_total',
      help: 'Messages not forwarded, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    violations: new Counter({
      name: 'ridetrack_protocol_violations_total',
      help: 'Connections the broker closed, by reason: MQTT 3.1.1 violations, limits (packet size, slow consumer, garbage), expired tokens, ended trips',
      labelNames: ['reason', 'transport'] as const,
      registers: [registry],
    }),
    authFailures: new Counter({
      name: 'ridetrack_auth_failures_total',
      help: 'Refused CONNECTs, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    aclDenials: new Counter({
      name: 'ridetrack_acl_denials_total',
      help: 'Refused publishes and subscriptions, by action and reason',
      labelNames: ['action', 'reason'] as const,
      registers: [registry],
    }),
    refused: new Counter({
      name: 'ridetrack_connections_refused_total',
      help: 'Connections refused before authentication (overload, bans), by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    indexUpdates: new Counter({
      name: 'ridetrack_index_updates_total',
      help: 'Driver states written to the geo-index',
      registers: [registry],
    }),
    indexErrors: new Counter({
      name: 'ridetrack_index_write_errors_total',
      help: 'Failed geo-index batch writes (the newest fixes are kept and retried)',
      registers: [registry],
    }),
    clusterUp: new Gauge({
      name: 'ridetrack_cluster_up',
      help: '1 while the cluster Redis answers, 0 while it is unreachable (absent when not clustered)',
      registers: [registry],
    }),
    brokerErrors: new Counter({
      name: 'ridetrack_broker_errors_total',
      help: 'Errors of the broker itself that it survived (not of one client), by source',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
    indexUp: new Gauge({
      name: 'ridetrack_index_up',
      help: '1 while geo-index writes succeed, 0 while the backend (Redis) is unreachable',
      registers: [registry],
    }),
    indexPending: new Gauge({
      name: 'ridetrack_index_pending',
      help: 'Drivers whose newest fix waits to be written to the geo-index',
      registers: [registry],
    }),
    liveOpen: new Gauge({
      name: 'ridetrack_live_open',
      help: 'Held HTTP live requests (long polls, SSE streams)',
      labelNames: ['transport'] as const,
      registers: [registry],
    }),
    liveRequests: new Counter({
      name: 'ridetrack_live_requests_total',
      help: 'HTTP live requests answered or opened, by transport',
      labelNames: ['transport'] as const,
      registers: [registry],
    }),
    liveRefused: new Counter({
      name: 'ridetrack_live_refused_total',
      help: 'HTTP live requests refused, by reason (bad parameter, token, access)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    liveShed: new Counter({
      name: 'ridetrack_live_shed_total',
      help: 'Fixes skipped for an SSE reader that was not keeping up (it gets the newest instead)',
      registers: [registry],
    }),
  };
  metrics.indexUp.set(1);
  return metrics;
}

export type Metrics = ReturnType<typeof createMetrics>;

/** The gate's counters, backed by the metrics. */
export function gateCounters(m: Metrics) {
  return {
    violation: (reason: string, transport: Transport) => m.violations.inc({ reason, transport }),
    drop: (reason: string) => m.drops.inc({ reason }),
    publishIn: () => m.publishIn.inc(),
    publishOut: () => m.publishOut.inc(),
  };
}

/** The indexer's counters, backed by the metrics. */
export function indexerCounters(m: Metrics) {
  return {
    indexed: (n: number) => m.indexUpdates.inc(n),
    failed: () => m.indexErrors.inc(),
    setUp: (up: boolean) => m.indexUp.set(up ? 1 : 0),
    setPending: (n: number) => m.indexPending.set(n),
  };
}

/** The HTTP live transports' counters, backed by the metrics. */
export function liveCounters(m: Metrics) {
  return {
    opened: (transport: string) => m.liveOpen.inc({ transport }),
    closed: (transport: string) => m.liveOpen.dec({ transport }),
    request: (transport: string) => m.liveRequests.inc({ transport }),
    refused: (reason: string) => m.liveRefused.inc({ reason }),
    shed: () => m.liveShed.inc(),
  };
}

export type LiveCounters = ReturnType<typeof liveCounters>;
