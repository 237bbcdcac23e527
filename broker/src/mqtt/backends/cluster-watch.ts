import type { RedisClient } from '../../store/redis-client';

/**
 * Watches the cluster's Redis for this node: whether it answers, and whether it has lost what this
 * node wrote (it restarted empty, or was flushed). Every `intervalMs` it sets a marker key of this
 * node's, asking for the value it replaces: a missing marker on an answer (after the first) means
 * the data is gone, and `lost` runs so the node writes again what only it knows (its drivers'
 * presence and last positions). A failed command means Redis is away: `change(false)`, and
 * `change(true)` once it answers again.
 */
export class ClusterWatch {
  private timer: NodeJS.Timeout | undefined;
  private ticked = false;
  private running = false;
  up = true;

  constructor(
    private readonly conn: RedisClient,
    private readonly key: string,
    private readonly intervalMs: number,
    private readonly events: { change(up: boolean): void; lost(): void },
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
    void this.tick();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      // The marker outlives several missed ticks, so only a real loss of data makes it vanish.
      const previous = await this.conn.set(this.key, String(Date.now()), 'PX', this.intervalMs * 10, 'GET');
      if (!this.up) {
        this.up = true;
        this.events.change(true);
      }
      if (previous === null && this.ticked) this.events.lost();
      this.ticked = true;
    } catch {
      if (this.up) {
        this.up = false;
        this.events.change(false);
      }
    } finally {
      this.running = false;
    }
  }
}
