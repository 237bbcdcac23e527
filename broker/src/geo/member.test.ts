import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TRIP_STATES } from '@ridetrack/shared';
import { decimal, MEMBER_MAX_BYTES, MemberReader, memberToState, stateToMember } from './member';
import type { DriverState } from './types';

const state = fc.record({
  driverId: fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/),
  lat: fc.double({ min: -90, max: 90, noNaN: true }),
  lng: fc.double({ min: -180, max: 180, noNaN: true }),
  headingDeg: fc.option(fc.double({ min: 0, max: 360, noNaN: true })),
  speedMps: fc.option(fc.double({ min: 0, max: 409.4, noNaN: true })),
  accuracyM: fc.option(fc.integer({ min: 0, max: 254 })),
  tripState: fc.constantFrom(...TRIP_STATES),
  seq: fc.integer({ min: 0, max: 0xffff_ffff }),
  fixTimestampMs: fc.integer({ min: 0, max: 2 ** 48 - 1 }),
  simulated: fc.boolean(),
  updatedMs: fc.integer({ min: 0, max: 2 ** 48 - 1 }),
  cell: fc.constant('8928308280fffff'),
}) as fc.Arbitrary<DriverState>;

describe('cell members', () => {
  it('read back as the state written, to the codec precision', () => {
    fc.assert(
      fc.property(state, (s) => {
        const back = memberToState(stateToMember(s), s.cell);
        expect(back).toEqual({
          ...s,
          lat: Number(s.lat.toFixed(7)),
          lng: Number(s.lng.toFixed(7)),
          headingDeg: s.headingDeg === null ? null : Number(s.headingDeg.toFixed(1)),
          speedMps: s.speedMps === null ? null : Number(s.speedMps.toFixed(1)),
        });
      }),
    );
  });

  it('give the search the same position, status and time without a full decode', () => {
    const reader = new MemberReader();
    fc.assert(
      fc.property(state, (s) => {
        const m = stateToMember(s);
        const back = memberToState(m, s.cell);
        expect(reader.read(m)).toBe(true);
        expect([reader.lat, reader.lng, TRIP_STATES[reader.tripCode], reader.updatedMs]).toEqual([
          back?.lat,
          back?.lng,
          back?.tripState,
          back?.updatedMs,
        ]);
      }),
    );
  });

  it('fit the listpack size the Redis setting is chosen for', () => {
    fc.assert(fc.property(state, (s) => stateToMember(s).length <= MEMBER_MAX_BYTES));
  });

  it('are refused when they are not members (an older format, garbage)', () => {
    const reader = new MemberReader();
    // The layout before 2026-12 (no simulated bit), and the one before it, are older formats.
    const older = [
      'drv|39.1|-76.2|90.0|10.0|5|0|1|1764288000000|1764288000100',
      'drv|39.1|-76.2|90.0|10.0|5|0|1|1764288000000',
    ];
    for (const m of ['', 'x', 'a|1|2', ...older, 'a|b|c|d|e|f|g|h|i|j|k|l']) {
      expect(memberToState(m, 'c')).toBeNull();
      expect(reader.read(m)).toBe(false);
    }
  });
});

describe('decimal', () => {
  it('reads what toFixed writes exactly as Number() does', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: 0, max: 9 }), (x, digits) => {
        const s = `|${x.toFixed(digits)}|`;
        expect(Object.is(decimal(s, 1, s.length - 1), Number(s.slice(1, -1)))).toBe(true);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (n) => {
        expect(decimal(String(n), 0, String(n).length)).toBe(n);
      }),
    );
  });

  it('is NaN for what is not a decimal number', () => {
    for (const s of ['', '-', '.', '1.2.3', '12a', '+1', ' 1', '1e5']) expect(decimal(s, 0, s.length)).toBeNaN();
  });
});
