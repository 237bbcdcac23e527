import { distanceM, type LocationFix } from '@ridetrack/shared';
import { describe, expect, it } from 'vitest';
import { judgeFix, seqAfter, type LastFix } from './fix-judge';

const limits = { maxSpeedMps: 83, noiseM: 50, reanchorAfter: 3 };
const fix = (seq: number, tsS: number, lat: number, lng: number): LocationFix => ({
  seq,
  timestampMs: tsS * 1000,
  lat,
  lng,
  headingDeg: null,
  speedMps: null,
  accuracyM: 5,
  tripState: 'available',
  simulated: false,
});
const last = (f: LocationFix, sessionId = 1, jumpsRefused = 0): LastFix => ({ fix: f, sessionId, jumpsRefused });

describe('distanceM', () => {
  it.each([
    // Known answers: 0.001 degree of latitude is 111.2 m; Baltimore to Washington is about 56 km.
    [{ lat: 39, lng: -76 }, { lat: 39.001, lng: -76 }, 111.2, 0.1],
    [{ lat: 39.2904, lng: -76.6122 }, { lat: 38.9072, lng: -77.0369 }, 56_160, 100],
    [{ lat: 0, lng: 179.9995 }, { lat: 0, lng: -179.9995 }, 111.2, 0.1],
  ])('from %o to %o is %f m', (a, b, metres, tol) => {
    expect(Math.abs(distanceM(a, b) - metres)).toBeLessThan(tol);
  });
});

describe('seqAfter', () => {
  it('follows serial number arithmetic so the counter may wrap', () => {
    expect(seqAfter(2, 1)).toBe(true);
    expect(seqAfter(1, 2)).toBe(false);
    expect(seqAfter(1, 1)).toBe(false);
    expect(seqAfter(0, 0xffff_ffff)).toBe(true);
    expect(seqAfter(0xffff_ffff, 0)).toBe(false);
  });
});

describe('judgeFix', () => {
  const a = fix(10, 1000, 39.29, -76.61);
  it('accepts the first fix of a driver', () => {
    expect(judgeFix(undefined, a, 1, limits)).toBe('accept');
  });
  it('accepts the next fix a second later, 20 m on', () => {
    expect(judgeFix(last(a), fix(11, 1001, 39.29018, -76.61), 1, limits)).toBe('accept');
  });
  it('refuses a repeated sequence number', () => {
    expect(judgeFix(last(a), fix(10, 1001, 39.29, -76.61), 1, limits)).toBe('duplicate');
  });
  it('refuses an older sequence number in the same session', () => {
    expect(judgeFix(last(a), fix(9, 1002, 39.29, -76.61), 1, limits)).toBe('out_of_order');
  });
  it('accepts a reset sequence in a new session, if the fix is newer', () => {
    expect(judgeFix(last(a), fix(0, 1010, 39.29, -76.61), 2, limits)).toBe('accept');
  });
  it('refuses an older fix replayed in a new session', () => {
    expect(judgeFix(last(a), fix(0, 990, 39.29, -76.61), 2, limits)).toBe('out_of_order');
  });
  it('refuses 11 km in one second', () => {
    expect(judgeFix(last(a), fix(11, 1001, 39.39, -76.61), 1, limits)).toBe('impossible_jump');
  });
  it('accepts 11 km in five minutes (36 m/s)', () => {
    expect(judgeFix(last(a), fix(11, 1300, 39.39, -76.61), 1, limits)).toBe('accept');
  });
  it('takes a jump that keeps coming back as the truth after three refusals', () => {
    const far = fix(11, 1001, 39.39, -76.61);
    expect(judgeFix(last(a, 1, 1), far, 1, limits)).toBe('impossible_jump');
    expect(judgeFix(last(a, 1, 2), far, 1, limits)).toBe('reanchor');
  });
  it('treats jumps within the GPS noise as no jump at all', () => {
    expect(judgeFix(last(a), fix(11, 1000, 39.2904, -76.61), 1, limits)).toBe('accept');
  });
});
