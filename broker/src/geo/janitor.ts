import type { Logger } from 'pino';
import type { GeoIndex } from './types';

/**
 * Who sweeps which region when several nodes share one index: live nodes (each says it is alive at
 * every pass) and leases (a region's janitor holds its lease, taken with SET NX PX and renewed while
 * it sweeps; a node that dies stops renewing, and its regions pass to others).
 */
export interface JanitorLeases {
  /** Says this node is alive; returns the nodes alive now (heard from within `aliveMs`), itself included. */
  heartbeat(nodeId: string, nowMs: number, aliveMs: number): Promise<string[]>;
  /** Takes or renews this node's lease on a region; true when it holds it now. */
  acquire(region: string, nodeId: string, leaseMs: number): Promise<boolean>;
  /** Gives up this node's lease on a region (another node owns it now). */
  release(region: string, nodeId: string): Promise<void>;
}

export interface JanitorCounters {
  /** One region swept by this node, and how many drivers it removed there. */
  swept(removed: number): void;
}

/**
 * The live node that should sweep a region, by rendezvous hashing (highest hash of node and
 * region wins): every node works out the same owner from the same list, each region has one, they
 * spread evenly, and a node joining or leaving moves only its own share. Pure.
 */
export function regionOwner(region: string, nodes: readonly string[]): string | null {
  let best: string | null = null;
  let bestScore = -1;
  for (const node of nodes) {
    const score = fnv1a(`${node}\u0000${region}`);
    if (score > bestScore || (score === bestScore && best !== null && node < best)) {
      best = node;
      bestScore = score;
    }
  }
  return best;
}

/** FNV-1a, 32 bits: a stable, well-spread hash of a short string. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Removes stale drivers from the geo-index every `intervalMs`. Alone (no leases: the in-memory
 * index), it sweeps everything. Sharing an index with other nodes, it sweeps only the regions it
 * owns (regionOwner over the live nodes) and holds the lease of: each region is swept once a pass
 * by one node, however many nodes there are, and a dead node's regions are taken over once it has
 * missed its heartbeats and its leases have run out (three passes).
 */
export class Janitor {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** Regions whose lease this node took: given up as soon as another node owns them. */
  private readonly held = new Set<string>();

  constructor(
    private readonly index: GeoIndex,
    private readonly leases: JanitorLeases | null,
    private readonly options: { nodeId: string; intervalMs: number },
    private readonly counters: JanitorCounters,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.pass(), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One pass: the regions this node sweeps, swept; how many it swept and removed. */
  async pass(): Promise<{ regions: number; removed: number }> {
    if (this.running) return { regions: 0, removed: 0 };
    this.running = true;
    try {
      return await this.sweepOwned();
    } catch {
      // The index reports its backend's state through the indexer; the next pass catches up.
      return { regions: 0, removed: 0 };
    } finally {
      this.running = false;
    }
  }

  private async sweepOwned(): Promise<{ regions: number; removed: number }> {
    const nowMs = this.now();
    if (this.leases === null) {
      const removed = await this.index.sweep(nowMs);
      this.counters.swept(removed);
      return { regions: 1, removed };
    }
    const { nodeId, intervalMs } = this.options;
    const live = await this.leases.heartbeat(nodeId, nowMs, intervalMs * 3);
    let regions = 0;
    let removed = 0;
    for (const region of await this.index.regions()) {
      if (regionOwner(region, live) !== nodeId) {
        // A node joined and owns it now: it need not wait for the lease to run out.
        if (this.held.delete(region)) await this.leases.release(region, nodeId);
        continue;
      }
      if (!(await this.leases.acquire(region, nodeId, intervalMs * 3))) continue;
      this.held.add(region);
      const n = await this.index.sweepRegion(region, nowMs);
      this.counters.swept(n);
      regions++;
      removed += n;
    }
    if (removed > 0) this.log.debug({ regions, removed }, 'stale drivers removed from the index');
    return { regions, removed };
  }
}
