import { describe, expect, it } from 'vitest';
import { encodeLocation, encodeStatus } from '@ridetrack/shared';
import { watchLine } from './lines';
import { parseWatchCli } from './cli';

const fix = {
  seq: 7,
  timestampMs: Date.UTC(2026, 11, 6, 10, 0, 0),
  lat: 39.2904,
  lng: -76.6122,
  headingDeg: 90,
  speedMps: 8.5,
  accuracyM: 5,
  tripState: 'to_pickup' as const,
  simulated: true,
};

describe('watch lines', () => {
  it('decodes a fix, saying how old it was on arrival and whether it was the retained one', () => {
    expect(watchLine('d/drv-00001/l', encodeLocation(fix), true, fix.timestampMs + 12)).toEqual({
      type: 'fix',
      driver: 'drv-00001',
      seq: 7,
      time: '2026-12-06T10:00:00.000Z',
      lat: 39.2904,
      lng: -76.6122,
      headingDeg: 90,
      speedMps: 8.5,
      accuracyM: 5,
      tripState: 'to_pickup',
      simulated: true,
      ageMs: 12,
      retained: true,
    });
  });

  it('decodes presence, and says why a payload cannot be read', () => {
    expect(
      watchLine('d/drv-00001/s', new TextEncoder().encode(encodeStatus({ online: false, ts: 0 })), false, 0),
    ).toEqual({
      type: 'presence',
      driver: 'drv-00001',
      online: false,
      time: '1970-01-01T00:00:00.000Z',
    });
    expect(watchLine('d/drv-00001/l', Uint8Array.of(1, 2, 3), false, 0)).toEqual({
      type: 'invalid',
      driver: 'drv-00001',
      topic: 'd/drv-00001/l',
      reason: 'too_short',
    });
    expect(watchLine('d/drv-00001/t', Uint8Array.of(), false, 0)).toBeNull();
  });
});

describe('watch command line', () => {
  it.each([
    [[], /name a driver \(drv-00001\) or --all/],
    [['--all', 'drv-00001'], /not both/],
    [['drv 1'], /a driver id is/],
    [['--count', '0', '--all'], /--count must be at least 1/],
    [['--broker', 'http://x', '--all'], /--broker must be/],
  ])('refuses %j', (argv, reason) => {
    const r = parseWatchCli(argv);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('takes ids, or --all', () => {
    expect(parseWatchCli(['drv-00001', 'drv-00002', '--count', '3'])).toMatchObject({
      ok: true,
      value: { drivers: ['drv-00001', 'drv-00002'], all: false, count: 3 },
    });
  });
});
