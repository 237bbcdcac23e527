/**
 * Reconnect delay: exponential backoff with full jitter, capped (AWS Architecture Blog, "Exponential
 * Backoff And Jitter"). Full jitter spreads a fleet reconnecting after a broker restart over the
 * whole window, so they do not stampede back at the same instant. `random` returns [0, 1).
 */
export function backoffMs(attempt: number, baseMs: number, capMs: number, random: () => number): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30)));
}
