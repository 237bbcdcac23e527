import { describe, expect, it } from 'vitest';
import { fleetRow, parseFleetRow } from './fleet-rows';
import type { LocationFix } from './location';

const fix: LocationFix = {
  seq: 42,
  timestampMs: 1_764_288_000_123,
  lat: 39.2904,
  lng: -76.6122,
  headingDeg: 271.5,
  speedMps: 12.3,
  accuracyM: 6,
  tripState: 'on_trip',
  simulated: true,
};

describe('fleet rows', () => {
  it('round-trip a driver through JSON', () => {
    const row = JSON.parse(JSON.stringify(fleetRow('drv-1', fix, true))) as unknown;
    expect(parseFleetRow(row)).toEqual({ ok: true, value: { driverId: 'drv-1', fix, online: true } });
    const unknowns = { ...fix, headingDeg: null, speedMps: null, accuracyM: null, simulated: false };
    expect(parseFleetRow(fleetRow('drv-2', unknowns, false))).toEqual({
      ok: true,
      value: { driverId: 'drv-2', fix: unknowns, online: false },
    });
  });

  it.each([
    null,
    {},
    [],
    ['drv-1', 1, 2, 3],
    ['drv-1', 1, 2, 91, 0, null, null, null, 0, 0, 1],
    ['drv-1', 1, 2, 39, -76, null, null, null, 9, 0, 1],
    ['drv-1', 1, 2, 39, -76, null, null, null, 0, 2, 1],
    ['drv-1', 1, 2, 39, -76, 'north', null, null, 0, 0, 1],
    [7, 1, 2, 39, -76, null, null, null, 0, 0, 1],
  ])('refuses %j', (row) => {
    expect(parseFleetRow(row)).toEqual({ ok: false, reason: 'bad_row' });
  });
});
