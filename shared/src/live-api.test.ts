import { describe, expect, it } from 'vitest';
import { cursorOf, fixesAfter, fixFromJson, parseCursor } from './live-api';
import type { LocationFix } from './location';

const fix = (seq: number, timestampMs: number): LocationFix => ({
  seq,
  timestampMs,
  lat: 39.29,
  lng: -76.61,
  headingDeg: null,
  speedMps: null,
  accuracyM: null,
  tripState: 'available',
  simulated: false,
});

describe('cursors', () => {
  it('round-trips through text', () => {
    const f = fix(4_294_967_295, 1_764_288_000_123);
    expect(parseCursor(cursorOf(f))).toEqual({
      ok: true,
      value: { timestampMs: 1_764_288_000_123, seq: 4_294_967_295 },
    });
  });

  it.each(['', '1', '1.', '.1', '1.2.3', '-1.2', '1.4294967296', 'a.b', '1e3.1', ' 1.2', '1234567890123456.1'])(
    'refuses %j',
    (text) => {
      expect(parseCursor(text)).toEqual({ ok: false, reason: 'bad_cursor' });
    },
  );
});

describe('fixesAfter', () => {
  const history = [fix(7, 1000), fix(8, 2000), fix(9, 3000), fix(1, 4000)];

  it('gives only the newest fix without a cursor', () => {
    expect(fixesAfter(history, null)).toEqual([history[3]]);
    expect(fixesAfter([], null)).toEqual([]);
  });

  it('gives everything after the cursor fix when it is in the history, even across a seq reset', () => {
    expect(fixesAfter(history, { timestampMs: 2000, seq: 8 })).toEqual(history.slice(2));
    expect(fixesAfter(history, { timestampMs: 4000, seq: 1 })).toEqual([]);
  });

  it('falls back to device time for a cursor it does not hold (another node, or fallen out)', () => {
    expect(fixesAfter(history, { timestampMs: 2500, seq: 99 })).toEqual(history.slice(2));
    expect(fixesAfter(history, { timestampMs: 500, seq: 1 })).toEqual(history);
    expect(fixesAfter(history, { timestampMs: 9000, seq: 1 })).toEqual([]);
  });
});

describe('fixFromJson', () => {
  it('accepts a fix as JSON gives it back', () => {
    const f = { ...fix(3, 1_764_288_000_000), headingDeg: 90, speedMps: 12.5, accuracyM: 4 };
    expect(fixFromJson(JSON.parse(JSON.stringify(f)))).toEqual({ ok: true, value: f });
  });

  it.each([
    null,
    'text',
    [],
    {},
    { ...fix(1, 1), lat: '39' },
    { ...fix(1, 1), lat: 91 },
    { ...fix(1, 1), tripState: 'flying' },
    { ...fix(1, 1), simulated: 'no' },
    { ...fix(1, 1), headingDeg: undefined },
  ])('refuses %j', (value) => {
    expect(fixFromJson(value)).toEqual({ ok: false, reason: 'bad_fix' });
  });
});
