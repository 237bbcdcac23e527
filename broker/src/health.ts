/**
 * What `/healthz` says, decided in one place from what the parts report. Pure: data in, verdict out.
 *
 *   200 {"status":"ok"}                        every dependency answers
 *   503 {"status":"degraded","reasons":[…]}    a shared dependency is away: the node still serves
 *                                              its own clients (docs/operations.md)
 *   503 {"status":"draining"}                  shutting down: take it out, clients move elsewhere
 *
 * A load balancer routes new clients to nodes answering 200, and falls back to any live node (see
 * `/livez`) when none does: infra/haproxy/haproxy.cfg lists every node twice for that.
 */
export type HealthReason =
  /** The geo-index's store (Redis) fails its writes: nearby, dispatch and density are stale. */
  | 'index_unavailable'
  /** The cluster's Redis is unreachable: riders on other nodes miss this node's drivers. */
  | 'cluster_unavailable'
  /** The event loop lags past the admission limit: new connections are being refused. */
  | 'overloaded';

export interface HealthInputs {
  draining: boolean;
  indexUp: boolean;
  /** null when the node is not clustered. */
  clusterUp: boolean | null;
  eventLoopLagMs: number;
  maxEventLoopLagMs: number;
}

export interface HealthVerdict {
  status: 'ok' | 'degraded' | 'draining';
  httpStatus: 200 | 503;
  reasons: HealthReason[];
}

export function judgeHealth(h: HealthInputs): HealthVerdict {
  if (h.draining) return { status: 'draining', httpStatus: 503, reasons: [] };
  const reasons: HealthReason[] = [];
  if (!h.indexUp) reasons.push('index_unavailable');
  if (h.clusterUp === false) reasons.push('cluster_unavailable');
  if (h.eventLoopLagMs > h.maxEventLoopLagMs) reasons.push('overloaded');
  return reasons.length === 0
    ? { status: 'ok', httpStatus: 200, reasons }
    : { status: 'degraded', httpStatus: 503, reasons };
}
