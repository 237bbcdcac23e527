/**
 * Counts events per key in fixed windows, and bans a key for `banMs` once it has more than `limit`
 * events in one window. Entries of quiet keys are swept once a window, so memory follows the keys
 * that are active now. Pure: time is an argument.
 */
export class BanList {
  private readonly entries = new Map<string, { windowStartMs: number; count: number; bannedUntilMs: number }>();
  private lastSweepMs = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly banMs: number,
  ) {}

  /** True while the key is banned. */
  banned(key: string, nowMs: number): boolean {
    return (this.entries.get(key)?.bannedUntilMs ?? 0) > nowMs;
  }

  /** Counts one event; true if the key is (now, or still) banned. */
  count(key: string, nowMs: number): boolean {
    this.sweep(nowMs);
    let entry = this.entries.get(key);
    if (entry === undefined || nowMs - entry.windowStartMs > this.windowMs) {
      entry = { windowStartMs: nowMs, count: 0, bannedUntilMs: entry?.bannedUntilMs ?? 0 };
      this.entries.set(key, entry);
    }
    entry.count++;
    if (entry.bannedUntilMs > nowMs) return true;
    if (entry.count > this.limit) {
      entry.bannedUntilMs = nowMs + this.banMs;
      return true;
    }
    return false;
  }

  /** Keys tracked now (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweepMs < this.windowMs) return;
    this.lastSweepMs = nowMs;
    for (const [key, entry] of this.entries) {
      if (nowMs - entry.windowStartMs > this.windowMs && entry.bannedUntilMs <= nowMs) this.entries.delete(key);
    }
  }
}
