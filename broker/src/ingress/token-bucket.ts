/**
 * A token bucket: `ratePerS` tokens a second, at most `burst` saved up. Time is an argument, so the
 * bucket is pure and tests drive it without a clock.
 */
export class TokenBucket {
  private tokens: number;
  private lastMs: number;

  constructor(
    private readonly ratePerS: number,
    private readonly burst: number,
    nowMs: number,
  ) {
    this.tokens = burst;
    this.lastMs = nowMs;
  }

  /** Takes one token if there is one. */
  take(nowMs: number): boolean {
    const elapsedS = Math.max(0, nowMs - this.lastMs) / 1000;
    this.lastMs = nowMs;
    this.tokens = Math.min(this.burst, this.tokens + elapsedS * this.ratePerS);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
