/**
 * A running simulation as the broker sees it, for the operator's console: drivers whose fixes carry
 * the `simulated` bit, how many are online, how fast their fixes arrive, how often they reconnect,
 * and what the node refused or dropped meanwhile. Derived only from what the broker already sees
 * (the fleet's fixes and presence, and its own counters), so the simulator needs no change. Pure:
 * time is an argument.
 */
export interface SimSnapshot {
  /** Simulated drivers known (seen within the last `forgetMs`). */
  drivers: number;
  /** Of them, online now. */
  online: number;
  /** Simulated fixes a second, over the last window. */
  fixesPerS: number;
  /** Reconnects (online again after offline) a minute, over the last window. */
  reconnectsPerMin: number;
  /** What this node refused or dropped over the last window, all clients, by reason. */
  refusals: Record<string, number>;
  /** Their sum, per second. */
  refusalsPerS: number;
  windowMs: number;
}

interface SimDriver {
  online: boolean;
  lastSeenMs: number;
}

export class SimProgress {
  private readonly drivers = new Map<string, SimDriver>();
  private fixes = 0;
  private reconnects = 0;
  private windowStartMs: number;
  private lastCounters: Record<string, number> | null = null;

  constructor(
    nowMs: number,
    /** A simulated driver not heard from for this long is forgotten (the simulation ended). */
    private readonly forgetMs = 60_000,
  ) {
    this.windowStartMs = nowMs;
  }

  /** A simulated driver heard of, with `fixes` of its fixes (0: its state only, the fixes counted apart). */
  fix(driverId: string, simulated: boolean, nowMs: number, fixes = 1): void {
    if (!simulated) return;
    this.fixes += fixes;
    const d = this.drivers.get(driverId);
    if (d === undefined) this.drivers.set(driverId, { online: true, lastSeenMs: nowMs });
    else d.lastSeenMs = nowMs;
  }

  /** Simulated fixes heard of as a count (a node's batch for a region). */
  addFixes(n: number): void {
    this.fixes += n;
  }

  status(driverId: string, online: boolean, nowMs: number): void {
    const d = this.drivers.get(driverId);
    if (d === undefined) return; // not known as simulated (yet)
    if (online && !d.online) this.reconnects++;
    d.online = online;
    d.lastSeenMs = nowMs;
  }

  /**
   * Closes the window: the figures since the last snapshot, or null when no simulated driver is
   * known. `counters` are the node's cumulative refusal and drop counts by reason.
   */
  snapshot(nowMs: number, counters: Record<string, number>): SimSnapshot | null {
    for (const [id, d] of this.drivers) if (nowMs - d.lastSeenMs > this.forgetMs) this.drivers.delete(id);
    const windowMs = Math.max(1, nowMs - this.windowStartMs);
    const refusals: Record<string, number> = {};
    let refused = 0;
    if (this.lastCounters !== null) {
      for (const [reason, n] of Object.entries(counters)) {
        const delta = n - (this.lastCounters[reason] ?? 0);
        if (delta > 0) {
          refusals[reason] = delta;
          refused += delta;
        }
      }
    }
    let online = 0;
    for (const d of this.drivers.values()) if (d.online) online++;
    const out: SimSnapshot = {
      drivers: this.drivers.size,
      online,
      fixesPerS: (this.fixes * 1000) / windowMs,
      reconnectsPerMin: (this.reconnects * 60_000) / windowMs,
      refusals,
      refusalsPerS: (refused * 1000) / windowMs,
      windowMs,
    };
    this.fixes = 0;
    this.reconnects = 0;
    this.windowStartMs = nowMs;
    this.lastCounters = { ...counters };
    return this.drivers.size === 0 ? null : out;
  }
}
