import { TokenBucket } from './ingress/token-bucket';

/**
 * Whether a new connection is let in, before any authentication work: refused when the broker is
 * over its connection cap, over its rate of new connections (a fleet reconnecting at once after a
 * node died is let in at this pace; refused clients back off and come back), or its event loop is
 * lagging (shed load early, the cheap way), and for a while for a client id that reconnects in a
 * tight loop. Pure apart from what it is given.
 */
export interface AdmissionLimits {
  /** New connections a second this node accepts, with `connectBurst` at once. */
  connectRatePerS: number;
  connectBurst: number;
  maxConnections: number;
  maxEventLoopLagMs: number;
  banConnects: number;
  banWindowMs: number;
  banMs: number;
}

export type Refusal = 'too_many_connections' | 'connect_rate' | 'overloaded' | 'reconnect_ban';

interface Attempts {
  windowStartMs: number;
  count: number;
  bannedUntilMs: number;
}

export class Admission {
  private readonly attempts = new Map<string, Attempts>();
  private lastSweepMs = 0;
  private bucket: TokenBucket | undefined;

  constructor(private readonly limits: AdmissionLimits) {}

  /** Decides on one CONNECT; `key` is the client id, or the remote address for an empty one. */
  admit(key: string, state: { connections: number; eventLoopLagMs: number; nowMs: number }): Refusal | null {
    const { nowMs } = state;
    this.sweep(nowMs);
    let entry = this.attempts.get(key);
    if (entry === undefined || nowMs - entry.windowStartMs > this.limits.banWindowMs) {
      entry = { windowStartMs: nowMs, count: 0, bannedUntilMs: entry?.bannedUntilMs ?? 0 };
      this.attempts.set(key, entry);
    }
    entry.count++;
    if (entry.bannedUntilMs > nowMs) return 'reconnect_ban';
    if (entry.count > this.limits.banConnects) {
      entry.bannedUntilMs = nowMs + this.limits.banMs;
      return 'reconnect_ban';
    }
    if (state.connections >= this.limits.maxConnections) return 'too_many_connections';
    this.bucket ??= new TokenBucket(this.limits.connectRatePerS, this.limits.connectBurst, nowMs);
    if (!this.bucket.take(nowMs)) return 'connect_rate';
    if (state.eventLoopLagMs > this.limits.maxEventLoopLagMs) return 'overloaded';
    return null;
  }

  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweepMs < this.limits.banWindowMs) return;
    this.lastSweepMs = nowMs;
    for (const [key, entry] of this.attempts) {
      if (nowMs - entry.windowStartMs > this.limits.banWindowMs && entry.bannedUntilMs <= nowMs)
        this.attempts.delete(key);
    }
  }
}
