import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Transport } from './ingress/connection-context';

/** The broker's Prometheus metrics, in a registry of its own so several brokers can share a process. */
export function createMetrics(eventLoopResolutionMs = 20) {
  const registry = new Registry();
  // Node's delay histogram records the whole interval between samples: a reading of
  // nodejs_eventloop_lag_max_seconds is a stall of between (max - resolution) and max.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: eventLoopResolutionMs });
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
      help: 'Connections refused at admission (overload, bans) or gone while authenticating, by reason',
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
    historyRecorded: new Counter({
      name: 'ridetrack_history_fixes_total',
      help: "Fixes written to the drivers' tracks (history)",
      registers: [registry],
    }),
    historyErrors: new Counter({
      name: 'ridetrack_history_write_errors_total',
      help: 'Failed history batch writes (the fixes are kept and retried)',
      registers: [registry],
    }),
    historyDropped: new Counter({
      name: 'ridetrack_history_dropped_total',
      help: 'Fixes never written to the history because too many waited (the store away too long)',
      registers: [registry],
    }),
    historyPending: new Gauge({
      name: 'ridetrack_history_pending',
      help: 'Fixes waiting to be written to the history',
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
    routedIn: new Counter({
      name: 'ridetrack_routed_in_total',
      help: "Messages from other nodes received through Redis, by kind (driver: a driver's fixes and presence, by its channel or the firehose; control: the rest)",
      labelNames: ['route'] as const,
      registers: [registry],
    }),
    routedOut: new Counter({
      name: 'ridetrack_routed_out_total',
      help: 'Messages published to Redis for other nodes, by route (driver, control, firehose)',
      labelNames: ['route'] as const,
      registers: [registry],
    }),
    janitorSweeps: new Counter({
      name: 'ridetrack_janitor_sweeps_total',
      help: 'Geo-index regions swept by this node (one node sweeps each region per pass)',
      registers: [registry],
    }),
    janitorRemoved: new Counter({
      name: 'ridetrack_janitor_removed_total',
      help: 'Stale drivers removed from the geo-index by this node',
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
    publishDenied: (reason: string) => m.aclDenials.inc({ action: 'publish', reason }),
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

/** Routing between nodes, backed by the metrics. */
export function routingCounters(m: Metrics) {
  return {
    received: (route: 'driver' | 'control') => m.routedIn.inc({ route }),
    published: (route: 'driver' | 'control' | 'firehose') => m.routedOut.inc({ route }),
  };
}

/** The janitor's counters, backed by the metrics. */
export function janitorCounters(m: Metrics) {
  return {
    swept: (removed: number) => {
      m.janitorSweeps.inc();
      m.janitorRemoved.inc(removed);
    },
  };
}

/** The history recorder's counters, backed by the metrics. */
export function historyCounters(m: Metrics) {
  return {
    recorded: (n: number) => m.historyRecorded.inc(n),
    failed: () => m.historyErrors.inc(),
    dropped: (n: number) => m.historyDropped.inc(n),
    setPending: (n: number) => m.historyPending.set(n),
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

/**
 * What the node refused or dropped so far, by kind and reason (`dropped:rate_limited`,
 * `closed:slow_consumer`, `auth:expired`, `refused:overloaded`, `denied:publish:...`), summed over
 * transports: the console shows a running simulation's errors from the deltas.
 */
export async function refusalCounts(m: Metrics): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const add = async (
    kind: string,
    counter: { get(): Promise<{ values: { value: number; labels: Record<string, unknown> }[] }> },
    label: (l: Record<string, unknown>) => string,
  ): Promise<void> => {
    for (const v of (await counter.get()).values) {
      const key = `${kind}:${label(v.labels)}`;
      out[key] = (out[key] ?? 0) + v.value;
    }
  };
  const reason = (l: Record<string, unknown>) => String(l['reason']);
  await add('dropped', m.drops, reason);
  await add('closed', m.violations, reason);
  await add('auth', m.authFailures, reason);
  await add('refused', m.refused, reason);
  await add('denied', m.aclDenials, (l) => `${String(l['action'])}:${String(l['reason'])}`);
  return out;
}
