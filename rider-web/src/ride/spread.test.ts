import { describe, expect, it } from 'vitest';
import { spreadStacked } from './spread';

describe('spreadStacked', () => {
  it('sets markers at one place around it, each apart, and leaves a marker alone where it is', () => {
    const out = spreadStacked(
      [
        { x: 100, y: 100 },
        { x: 100.2, y: 99.9 },
        { x: 100, y: 100 },
        { x: 300, y: 50 },
      ],
      16,
    );
    expect(out[3]).toEqual({ x: 300, y: 50 });
    const stacked = out.slice(0, 3);
    for (const p of stacked) expect(Math.hypot(p.x - 100, p.y - 100)).toBeCloseTo(16, 0);
    for (let i = 0; i < 3; i++)
      for (let j = i + 1; j < 3; j++) {
        const a = stacked[i] as { x: number; y: number };
        const b = stacked[j] as { x: number; y: number };
        expect(Math.hypot(a.x - b.x, a.y - b.y)).toBeGreaterThan(20);
      }
  });

  it('keeps markers at different places apart as they are', () => {
    const points = [
      { x: 10, y: 10 },
      { x: 40, y: 10 },
    ];
    expect(spreadStacked(points, 16)).toEqual(points);
  });
});
