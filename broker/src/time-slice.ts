/**
 * Long work in slices: `due()` says when a task has run `budgetMs` since it last gave the event
 * loop a turn, and `yield()` gives it one (a macrotask, so timers and sockets run, not only other
 * promises). A request that must look at many cells stays correct and lets every connection move.
 */
export class TimeSlice {
  private since: number;

  constructor(
    private readonly budgetMs = 4,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.since = now();
  }

  due(): boolean {
    return this.now() - this.since >= this.budgetMs;
  }

  /** Yields if due; resolves at once otherwise. */
  async yieldIfDue(): Promise<void> {
    if (!this.due()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.since = this.now();
  }
}
