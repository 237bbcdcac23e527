/**
 * Ends each connection when its token expires, for all of a broker's connections with one timer.
 * A timer, a closure and a close listener of its own cost each connection about 300 B of heap
 * while it is idle; here a connection costs a place in the set of its expiry second, and the
 * broker's one close handler takes it out (`forget`) when it closes first. A token's expiry is in
 * whole seconds (`exp`), and the sweep runs each second, so a connection ends within a second
 * after it.
 */

/** A connection whose token may expire: its claims, and how to end it. */
export interface ExpiringConnection {
  readonly ctx: { readonly claims: { readonly exp?: number | undefined } | null };
  reject(reason: string): void;
}

export class TokenExpiries {
  /** Connections by the second their token expires. */
  private readonly due = new Map<number, Set<ExpiringConnection>>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly now: () => number,
    private readonly sweepEveryMs = 1000,
  ) {}

  /**
   * Watches a connection whose claims are set; one without `exp` never expires. A token that
   * expires within the second is ended by the next sweep, not here: the caller is still admitting it.
   */
  add(conn: ExpiringConnection): void {
    const exp = conn.ctx.claims?.exp;
    if (exp === undefined) return;
    let set = this.due.get(exp);
    if (set === undefined) this.due.set(exp, (set = new Set()));
    set.add(conn);
    this.timer ??= setInterval(() => this.sweep(), this.sweepEveryMs).unref();
  }

  /** Ends every connection whose token has expired. */
  sweep(): void {
    const nowMs = this.now();
    for (const [exp, set] of this.due) {
      if (exp * 1000 > nowMs) continue;
      this.due.delete(exp);
      for (const conn of set) conn.reject('token_expired');
    }
    if (this.due.size === 0) this.stop();
  }

  /** Connections watched (for tests and metrics). */
  get size(): number {
    let n = 0;
    for (const set of this.due.values()) n += set.size;
    return n;
  }

  /** A connection closed: no longer watched. */
  forget(conn: ExpiringConnection): void {
    const exp = conn.ctx.claims?.exp;
    if (exp === undefined) return;
    const set = this.due.get(exp);
    if (set === undefined) return;
    set.delete(conn);
    if (set.size === 0) this.due.delete(exp);
  }

  /** Stops the timer; connections added later start it again. */
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
