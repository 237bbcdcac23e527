import { TokenBucket } from './ingress/token-bucket';
import { BanList } from './ban-list';

/**
 * Whether a connection is let in. Pure apart from what it is given: time is an argument.
 *
 * Before any authentication work, at CONNECT: refused when the broker is over its connection cap,
 * over its rate of new connections (a fleet reconnecting at once after a node died is let in at
 * this pace; refused clients back off and come back), or its event loop lags (shed load early, the
 * cheap way), and for a while from a source address that failed authentication too often.
 *
 * After authentication: refused for a while when one identity reconnects in a tight loop. Only
 * connections that proved who they are count against their client id, so nobody can lock a driver
 * out by connecting with its id and no token: such attempts count against their own address.
 */
export interface AdmissionLimits {
  /** New connections a second this node accepts, with `connectBurst` at once. */
  connectRatePerS: number;
  connectBurst: number;
  maxConnections: number;
  maxEventLoopLagMs: number;
  /** Authenticated connects of one client id within the window that start a ban of `banMs`. */
  banConnects: number;
  banWindowMs: number;
  banMs: number;
  /** Failed authentications from one source address within the window that start a ban of `authFailureBanMs`. */
  authFailures: number;
  authFailureWindowMs: number;
  authFailureBanMs: number;
}

/** Why a connection was refused; counted in ridetrack_connections_refused_total. */
export type Refusal = 'too_many_connections' | 'connect_rate' | 'overloaded' | 'reconnect_ban' | 'auth_failures';

export class Admission {
  private bucket: TokenBucket | undefined;
  private readonly failures: BanList;
  private readonly reconnects: BanList;

  constructor(private readonly limits: AdmissionLimits) {
    this.failures = new BanList(limits.authFailures, limits.authFailureWindowMs, limits.authFailureBanMs);
    this.reconnects = new BanList(limits.banConnects, limits.banWindowMs, limits.banMs);
  }

  /** Decides on one CONNECT before authentication, from the source address and the broker's load. */
  admit(address: string, state: { connections: number; eventLoopLagMs: number; nowMs: number }): Refusal | null {
    const { nowMs } = state;
    if (this.failures.banned(address, nowMs)) return 'auth_failures';
    if (state.connections >= this.limits.maxConnections) return 'too_many_connections';
    this.bucket ??= new TokenBucket(this.limits.connectRatePerS, this.limits.connectBurst, nowMs);
    if (!this.bucket.take(nowMs)) return 'connect_rate';
    if (state.eventLoopLagMs > this.limits.maxEventLoopLagMs) return 'overloaded';
    return null;
  }

  /** A connection from this address failed authentication. */
  authFailed(address: string, nowMs: number): void {
    this.failures.count(address, nowMs);
  }

  /** Decides on an authenticated connect of this client id: null, or refused as a reconnect loop. */
  reconnect(clientId: string, nowMs: number): Refusal | null {
    return this.reconnects.count(clientId, nowMs) ? 'reconnect_ban' : null;
  }
}
