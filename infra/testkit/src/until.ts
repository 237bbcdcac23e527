/** How `until` waits: the ceiling, the pause between asks, and what counts as done. */
export interface UntilOptions<T> {
  /** Fails naming `what` after this long (default 20 s: generous, since it is a ceiling, not a pace). */
  timeoutMs?: number;
  /** The pause between two asks (default 50 ms). */
  everyMs?: number;
  /** Whether the probe's value means done (default: truthy). */
  ok?: (value: T) => boolean;
}

/**
 * Asks `probe` until its value is done (truthy, or `ok` holds) and resolves with that value; fails
 * naming `what` after the timeout. A condition wait, not a sleep: the one the whole repo uses.
 * A number as the third argument is the timeout.
 */
export async function until<T>(
  probe: () => T | Promise<T>,
  what: string,
  options: number | UntilOptions<T> = {},
): Promise<T> {
  const {
    timeoutMs = 20_000,
    everyMs = 50,
    ok = Boolean,
  } = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${describe(value)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function describe(value: unknown): string {
  try {
    // JSON.stringify gives undefined for undefined and functions, whatever its type says.
    const json = JSON.stringify(value) as string | undefined;
    return (json ?? String(value)).slice(0, 200);
  } catch {
    return String(value);
  }
}
