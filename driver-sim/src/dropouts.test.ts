import { describe, expect, it } from 'vitest';
import { isTunnel, nextDropout, NO_DROPOUTS } from './dropouts';
import { seededRng } from '@ridetrack/shared';

describe('tunnels', () => {
  it('mark about the configured share of arcs, the same in both directions and for the same seed', () => {
    let tunnels = 0;
    for (let from = 0; from < 200; from++)
      for (let to = from + 1; to < from + 51; to++) {
        const t = isTunnel(from, to, 7, 0.05);
        expect(isTunnel(to, from, 7, 0.05)).toBe(t);
        if (t) tunnels++;
      }
    expect(tunnels / 10_000).toBeGreaterThan(0.04);
    expect(tunnels / 10_000).toBeLessThan(0.06);
    expect(isTunnel(3, 9, 7, 0)).toBe(false);
  });

  it('differ between seeds', () => {
    const pick = (seed: number) => Array.from({ length: 500 }, (_, i) => isTunnel(i, i + 1, seed, 0.1));
    expect(pick(1)).not.toEqual(pick(2));
    expect(pick(1)).toEqual(pick(1));
  });
});

describe('random dropouts', () => {
  it('come perHour times an hour on average and last minS..maxS', () => {
    const rng = seededRng(3);
    const policy = { tunnelShare: 0, perHour: 6, minS: 5, maxS: 30 };
    let t = 0;
    let count = 0;
    while (t < 1000 * 3_600_000) {
      const d = nextDropout(t, policy, rng);
      if (d === null) throw new Error('expected a dropout');
      expect(d.endMs - d.startMs).toBeGreaterThanOrEqual(5000);
      expect(d.endMs - d.startMs).toBeLessThanOrEqual(30_000);
      t = d.endMs;
      count++;
    }
    expect(count / 1000).toBeGreaterThan(5.5);
    expect(count / 1000).toBeLessThan(6.5);
  });

  it('never happen when not asked for', () => {
    expect(nextDropout(0, NO_DROPOUTS, seededRng(1))).toBeNull();
  });
});
