import { distanceM, type LocationFix } from '@ridetrack/shared';

/** The last fix accepted from a driver, and the session (connection) it came from. */
export interface LastFix {
  fix: LocationFix;
  sessionId: number;
  /** Consecutive fixes refused as impossible jumps since this one was accepted. */
  jumpsRefused: number;
}

export interface JudgeLimits {
  /** Faster than this between two fixes is not a car moving (default 83 m/s, 300 km/h). */
  maxSpeedMps: number;
  /** Jumps shorter than this are GPS noise, whatever the time between them. */
  noiseM: number;
  /** After this many consecutive refused jumps the new position is taken as the truth (re-anchor). */
  reanchorAfter: number;
}

export type Verdict = 'accept' | 'reanchor' | 'duplicate' | 'out_of_order' | 'impossible_jump';

/** True when `next` is after `prev` in RFC 1982 serial arithmetic over 32 bits, so seq may wrap. */
export function seqAfter(next: number, prev: number): boolean {
  const diff = (next - prev) >>> 0;
  return diff !== 0 && diff < 2 ** 31;
}

/**
 * Decides whether a fix is forwarded as the driver's live position. A new session (the driver
 * reconnected, perhaps after an app restart that reset its counter) may start a new sequence.
 * Within a session, sequence numbers must grow. A fix implying a speed no car reaches is refused,
 * unless it keeps coming back (`reanchorAfter` times in a row), when it is the old fix that was wrong.
 */
export function judgeFix(
  last: LastFix | undefined,
  next: LocationFix,
  sessionId: number,
  limits: JudgeLimits,
): Verdict {
  if (last === undefined) return 'accept';
  const sameSession = last.sessionId === sessionId;
  if (sameSession) {
    if (next.seq === last.fix.seq) return 'duplicate';
    if (!seqAfter(next.seq, last.fix.seq)) return 'out_of_order';
  } else if (next.timestampMs < last.fix.timestampMs) {
    // A new session with an older fix is a replay of something queued on the device.
    return 'out_of_order';
  }
  const metres = distanceM(last.fix, next);
  const slack = limits.noiseM + (last.fix.accuracyM ?? 0) + (next.accuracyM ?? 0);
  if (metres <= slack) return 'accept';
  const seconds = Math.max(1, (next.timestampMs - last.fix.timestampMs) / 1000);
  if ((metres - slack) / seconds <= limits.maxSpeedMps) return 'accept';
  return last.jumpsRefused + 1 >= limits.reanchorAfter ? 'reanchor' : 'impossible_jump';
}
