import type { Rng } from '@ridetrack/shared';

/**
 * GPS dropouts, as phones have them: in tunnels (some road arcs, chosen by the seed) and at random
 * (a Poisson process per car: `perHour` losses an hour on average, each `minS`..`maxS` long). While
 * blind, a phone keeps its connection but has no fix to send. Pure: time and randomness are inputs.
 */
export interface DropoutPolicy {
  /** Share of road arcs that are tunnels, 0..0.5. */
  tunnelShare: number;
  /** Random GPS losses per car per hour, on average. */
  perHour: number;
  minS: number;
  maxS: number;
}

export const NO_DROPOUTS: DropoutPolicy = { tunnelShare: 0, perHour: 0, minS: 5, maxS: 30 };

/** A 32-bit integer hash (lowbias32), so tunnels do not depend on the order arcs are visited. */
function hash32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Whether the arc from node `from` to node `to` is a tunnel, for this seed; both directions agree. */
export function isTunnel(from: number, to: number, seed: number, share: number): boolean {
  if (share <= 0) return false;
  const [a, b] = from < to ? [from, to] : [to, from];
  const h = hash32(hash32(a ^ Math.imul(seed, 0x9e3779b1)) ^ Math.imul(b, 0x85ebca6b));
  return h / 2 ** 32 < share;
}

/** The next random dropout of a car after `nowMs`, or null when there are none. */
export function nextDropout(nowMs: number, policy: DropoutPolicy, rng: Rng): { startMs: number; endMs: number } | null {
  if (policy.perHour <= 0) return null;
  const meanGapMs = 3_600_000 / policy.perHour;
  const startMs = nowMs - Math.log(1 - rng()) * meanGapMs;
  const lengthMs = (policy.minS + rng() * (policy.maxS - policy.minS)) * 1000;
  return { startMs, endMs: startMs + lengthMs };
}
