import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { distanceM } from './geo';
import type { LocationFix } from './location';
import { parseTraceRow, traceRow, traceStats, type TimedPoint } from './trace';

const fix = (over: Partial<LocationFix> = {}): LocationFix => ({
  seq: 7,
  timestampMs: 1_764_288_000_000,
  lat: 39.2904,
  lng: -76.6122,
  headingDeg: 90,
  speedMps: 8.4,
  accuracyM: 5,
  tripState: 'on_trip',
  simulated: true,
  ...over,
});

/** A point `metres` east of a start, at second `s`. */
const east = (s: number, metres: number, speedMps: number | null = 10): TimedPoint => ({
  t: s * 1000,
  lat: 39.29,
  lng: -76.61 + metres / (111_320 * Math.cos((39.29 * Math.PI) / 180)),
  speedMps,
});

describe('trace rows', () => {
  it('round-trips a fix (seq is not carried)', () => {
    const f = fix({ tripState: 'waiting' });
    const back = parseTraceRow(traceRow({ receivedMs: 1_764_288_000_120, fix: f }));
    expect(back).toEqual({ ok: true, value: { receivedMs: 1_764_288_000_120, fix: { ...f, seq: 0 } } });
    expect(traceRow({ receivedMs: 1, fix: f })[7]).toBe(4); // 'waiting' has code 4
  });

  it('refuses anything that is not a row, never throws', () => {
    fc.assert(
      fc.property(fc.anything(), (row) => {
        const r = parseTraceRow(row);
        if (!r.ok) expect(r.reason).toBe('bad_row');
      }),
    );
    expect(parseTraceRow([1, 2, 91, 0, null, null, null, 0, 0])).toEqual({ ok: false, reason: 'bad_row' });
    expect(parseTraceRow([1, 2, 39, -76, null, null, null, 9, 0])).toEqual({ ok: false, reason: 'bad_row' });
  });
});

describe('trace stats', () => {
  it('is all zeros for no points', () => {
    expect(traceStats([])).toEqual({
      distanceM: 0,
      durationMs: 0,
      avgSpeedMps: 0,
      maxSpeedMps: null,
      stops: [],
      withRiderM: null,
    });
  });

  it('measures a straight drive: distance, duration, average and top speed', () => {
    const points = Array.from({ length: 11 }, (_, i) => east(i * 10, i * 100, 10 + i));
    const stats = traceStats(points);
    expect(Math.abs(stats.distanceM - 1000)).toBeLessThan(3); // the test's metres per degree are approximate
    expect(stats.durationMs).toBe(100_000);
    expect(stats.avgSpeedMps).toBeCloseTo(10, 1);
    expect(stats.maxSpeedMps).toBe(20);
    expect(stats.stops).toEqual([]);
  });

  it('finds a stop of two minutes and leaves its GPS jitter out of the distance', () => {
    const drive1 = [0, 1, 2, 3].map((i) => east(i * 10, i * 100));
    // Two minutes at 300 m, jittering 5 m either way every 10 s.
    const parked = Array.from({ length: 12 }, (_, i) => east(40 + i * 10, 300 + (i % 2 === 0 ? 5 : -5), 0));
    const drive2 = [1, 2, 3].map((i) => east(160 + i * 10, 300 + i * 100));
    const stats = traceStats([...drive1, ...parked, ...drive2]);
    expect(stats.stops).toHaveLength(1);
    const stop = stats.stops[0];
    expect(stop?.startMs).toBe(30_000); // the last drive fix at 300 m is where it stood still
    expect(stop?.endMs).toBe(150_000);
    expect(distanceM(stop ?? east(0, 0), east(0, 300))).toBeLessThan(6);
    // 300 m, then 300 m more; the jitter (twelve 10 m hops) is not driven.
    expect(stats.distanceM).toBeCloseTo(600 + 5, -1);
  });

  it('does not call a halt at a red light a stop', () => {
    const points = [east(0, 0), east(10, 100), east(40, 102, 0), east(50, 200)];
    expect(traceStats(points).stops).toEqual([]);
  });

  it('measures the distance with the rider aboard apart from the drive to the pickup', () => {
    // 400 m to the pickup, then 500 m with the rider.
    const toPickup = [0, 1, 2, 3, 4].map((i) => east(i * 10, i * 100));
    const aboard = [5, 6, 7, 8, 9, 10].map((i) => ({ ...east(i * 10, (i - 1) * 100), aboard: true }));
    const stats = traceStats([...toPickup, ...aboard]);
    expect(Math.abs(stats.distanceM - 900)).toBeLessThan(3);
    expect(Math.abs((stats.withRiderM ?? 0) - 500)).toBeLessThan(3);
    expect(traceStats(toPickup).withRiderM).toBeNull();
  });

  it('counts a trip that ends standing still as ending in a stop', () => {
    const points = [east(0, 0), east(10, 100), east(100, 101, 0), east(200, 99, 0)];
    const stats = traceStats(points);
    expect(stats.stops).toHaveLength(1);
    expect(stats.stops[0]?.endMs).toBe(200_000);
  });
});
