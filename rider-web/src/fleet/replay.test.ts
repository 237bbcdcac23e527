import { describe, expect, it } from 'vitest';
import { advance, bearingDeg, ReplayTimeline, type ReplayPoint } from './replay';

const p = (t: number, lat: number, lng: number): ReplayPoint => ({
  t,
  lat,
  lng,
  headingDeg: 10,
  speedMps: 5,
  tripState: 'on_trip',
});

describe('ReplayTimeline', () => {
  const timeline = new ReplayTimeline([p(1000, 0, 0), p(3000, 0, 0.002), p(2500, 0.001, 0.002), p(5000, 0.001, 0.002)]);

  it('makes the times non-decreasing', () => {
    expect(timeline.points.map((x) => x.t)).toEqual([1000, 3000, 3000, 5000]);
    expect([timeline.startMs, timeline.endMs]).toEqual([1000, 5000]);
  });

  it('finds the last fix at or before a time', () => {
    expect([0, 1000, 2999, 3000, 4999, 5000, 9000].map((t) => timeline.indexAt(t))).toEqual([0, 0, 0, 2, 2, 3, 3]);
  });

  it('puts the car on the line between two fixes, facing along it', () => {
    const mid = timeline.positionAt(2000);
    expect(mid?.lng).toBeCloseTo(0.001, 9);
    expect(mid?.lat).toBe(0);
    expect(mid?.headingDeg).toBeCloseTo(90, 6); // due east
    // Standing still (the same place twice), it keeps the fix's heading.
    expect(timeline.positionAt(4000)?.headingDeg).toBe(10);
    expect(timeline.positionAt(9000)).toMatchObject({ lat: 0.001, lng: 0.002, index: 3 });
    expect(new ReplayTimeline([]).positionAt(0)).toBeNull();
  });

  it('runs at the chosen speed and stops at the end', () => {
    expect(advance(1000, 100, 10, 5000)).toBe(2000);
    expect(advance(4900, 100, 20, 5000)).toBe(5000);
    expect(bearingDeg({ lat: 0, lng: 0 }, { lat: 1, lng: 0 })).toBeCloseTo(0, 6);
  });
});
