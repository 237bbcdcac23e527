/**
 * The arrival time the rider is shown, kept steady. The broker re-estimates the car's way on every
 * answer, and a fresh estimate can be a little later than the last one for no reason the rider
 * would understand (the car's position snapped to the other side of a junction, a slower turn
 * taken into account). Shown as is, "3 min" becomes "4 min" and "arriving now" goes back to
 * "2 min": the figure the rider watches most stops meaning anything. As the big apps do, the page
 * follows an estimate down at once, and up only when it is clearly later (by more than
 * `RISE_TOLERANCE_S` or a `RISE_TOLERANCE_SHARE` of the time left) in `RISE_CONFIRMATIONS` answers
 * in a row: a real delay shows within a few seconds, a wobble never. Pure: times are arguments.
 */

export const RISE_TOLERANCE_S = 30;
export const RISE_TOLERANCE_SHARE = 0.15;
export const RISE_CONFIRMATIONS = 2;

export interface SteadyArrival {
  /** What the arrival is of (trip and stage): a new target starts a new estimate. */
  key: string;
  /** The arrival time shown, page clock. */
  atMs: number;
  /**
   * The distance to go shown beside it: the latest answer's, except an answer whose arrival is
   * clearly later and not yet confirmed (a route that briefly went round a block is not shown).
   */
  distanceM: number;
  /** Answers in a row whose estimate was clearly later than `atMs`. */
  later: number;
}

/** The arrival to show after an answer estimating `estimateMs` (page clock) and `distanceM` for `key`, at `nowMs`. */
export function steadyArrival(
  shown: SteadyArrival | null,
  key: string,
  estimate: { atMs: number; distanceM: number },
  nowMs: number,
): SteadyArrival {
  const taken = { key, atMs: estimate.atMs, distanceM: estimate.distanceM, later: 0 };
  if (shown === null || shown.key !== key || estimate.atMs <= shown.atMs) return taken;
  const leftS = Math.max(0, (shown.atMs - nowMs) / 1000);
  const toleranceMs = 1000 * Math.max(RISE_TOLERANCE_S, RISE_TOLERANCE_SHARE * leftS);
  if (estimate.atMs - shown.atMs <= toleranceMs) return { ...shown, distanceM: estimate.distanceM, later: 0 };
  const later = shown.later + 1;
  return later >= RISE_CONFIRMATIONS ? taken : { ...shown, later };
}

/** What an ETA of `trip` is an arrival at: the pickup until the rider is aboard, then the destination. */
export function arrivalKey(trip: { id: string; stage: string }): string {
  return `${trip.id}:${trip.stage === 'on_trip' ? 'dropoff' : 'pickup'}`;
}
