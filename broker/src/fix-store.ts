import type { FixStore } from './ingress/connection-context';
import type { LastFix } from './ingress/fix-judge';

/**
 * The last accepted fix of every driver on this node, for the sequence and jump checks. Entries of
 * drivers not heard from for `retentionMs` are swept, so memory follows the live fleet.
 */
export class MemoryFixStore implements FixStore {
  private readonly fixes = new Map<string, LastFix & { seenMs: number }>();

  constructor(
    private readonly retentionMs: number,
    private readonly now: () => number,
  ) {}

  get(driverId: string): LastFix | undefined {
    return this.fixes.get(driverId);
  }

  accept(driverId: string, last: LastFix): void {
    this.fixes.set(driverId, { ...last, seenMs: this.now() });
  }

  refuseJump(driverId: string): void {
    const entry = this.fixes.get(driverId);
    if (entry) entry.jumpsRefused += 1;
  }

  /** Removes drivers not heard from within the retention time; returns how many. */
  sweep(): number {
    const cutoff = this.now() - this.retentionMs;
    let removed = 0;
    for (const [id, entry] of this.fixes) {
      if (entry.seenMs < cutoff) {
        this.fixes.delete(id);
        removed++;
      }
    }
    return removed;
  }
}
