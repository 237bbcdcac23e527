import { describe, expect, it } from 'vitest';
import type { LocationFix } from '@ridetrack/shared';
import { freshnessText, glidePosition, glideTo, isStale, STALE_AFTER_MS } from './markers';

const fix = (lat: number, lng: number, headingDeg: number | null, timestampMs = 0): LocationFix => ({
  seq: 1,
  timestampMs,
  lat,
  lng,
  headingDeg,
  speedMps: 10,
  accuracyM: 5,
  tripState: 'to_pickup',
  simulated: true,
});

describe('glide', () => {
  it('eases from where the car is drawn to the new fix over the expected interval', () => {
    const g = glideTo({ lat: 0, lng: 0, headingDeg: 0 }, fix(0.001, 0, 0), 1000, 2000);
    expect(glidePosition(g, 1000)).toMatchObject({ lat: 0, lng: 0 });
    const mid = glidePosition(g, 2000);
    expect(mid.lat).toBeGreaterThan(0.0005); // eased out: past halfway at half time
    expect(mid.lat).toBeLessThan(0.001);
    expect(glidePosition(g, 3000)).toMatchObject({ lat: 0.001, lng: 0 });
    expect(glidePosition(g, 9999)).toMatchObject({ lat: 0.001, lng: 0 });
  });

  it('turns the short way round', () => {
    // 350 to 10 degrees is 20 degrees clockwise through north, not 340 back; eased, 3/4 done at half time.
    const g = glideTo({ lat: 0, lng: 0, headingDeg: 350 }, fix(0.0001, 0, 10), 0, 1000);
    expect(glidePosition(g, 500).headingDeg).toBeCloseTo(5, 6);
    expect(glidePosition(g, 1000).headingDeg).toBeCloseTo(10, 6);
  });

  it('does not animate a first fix or a far jump', () => {
    expect(glideTo(null, fix(1, 1, 0), 0, 1000).durationMs).toBe(0);
    expect(glideTo({ lat: 0, lng: 0, headingDeg: 0 }, fix(1, 1, 0), 0, 1000).durationMs).toBe(0);
  });

  it('keeps the last heading when a fix has none', () => {
    expect(glideTo({ lat: 0, lng: 0, headingDeg: 120 }, fix(0.0001, 0, null), 0, 1000).to.headingDeg).toBe(120);
  });
});

describe('staleness and freshness', () => {
  it('is stale when old or offline', () => {
    expect(isStale(0, true, STALE_AFTER_MS)).toBe(false);
    expect(isStale(0, true, STALE_AFTER_MS + 1)).toBe(true);
    expect(isStale(0, false, 1)).toBe(true);
  });

  it.each([
    [0, 'updated just now'],
    [3000, 'updated 3 s ago'],
    [150_000, 'updated 3 min ago'],
    [7_200_000, 'updated 2 h ago'],
  ])('%i ms old reads %s', (age, text) => {
    expect(freshnessText(1_000_000, 1_000_000 + age)).toBe(text);
  });
});
