import { describe, expect, it } from 'vitest';
import { DEFAULT_LIFECYCLE, judgeTrip, type DriverObservation } from './lifecycle';
import type { Trip } from './trip';

const T0 = 1_000_000;
const trip = (over: Partial<Trip> = {}): Trip => ({
  id: 't-1',
  driverId: 'd-1',
  riderId: 'r-1',
  pickup: { lat: 10, lng: 20 },
  state: 'assigned',
  createdMs: T0,
  driver: { name: 'Maria', car: 'Grey Toyota Prius', plate: '7KXM214' },
  waitS: 120,
  tried: [],
  drivenM: 0,
  version: 1,
  ...over,
});
const seen = (
  over: Partial<DriverObservation> = {},
  fix: Partial<NonNullable<DriverObservation['fix']>> = {},
): DriverObservation => ({
  online: true,
  presenceMs: T0 - 60_000,
  fix: { lat: 10.01, lng: 20, speedMps: 10, tripState: 'to_pickup', updatedMs: T0 + 1000, ...fix },
  ...over,
});

describe('judgeTrip', () => {
  it.each<[string, Trip, DriverObservation, number, unknown]>([
    ['a driver on its way: nothing to do', trip(), seen(), T0 + 2000, { kind: 'keep' }],
    [
      'offline within the grace: kept',
      trip(),
      seen({ online: false, presenceMs: T0 + 1000 }),
      T0 + 5000,
      { kind: 'keep' },
    ],
    [
      'offline past the grace: lost',
      trip(),
      seen({ online: false, presenceMs: T0 + 1000 }),
      T0 + 6000,
      { kind: 'lost', reason: 'offline' },
    ],
    [
      'no fix for the silence limit: lost',
      trip(),
      seen({}, { updatedMs: T0 + 1000 }),
      T0 + 16_000,
      { kind: 'lost', reason: 'silent' },
    ],
    [
      'never heard since assignment: lost after the limit',
      trip(),
      seen({ fix: null }),
      T0 + 15_000,
      { kind: 'lost', reason: 'silent' },
    ],
    [
      'still available long after assignment: dropped it',
      trip(),
      seen({}, { tripState: 'available', updatedMs: T0 + 10_000 }),
      T0 + 10_100,
      { kind: 'lost', reason: 'declined' },
    ],
    [
      'available just after assignment: not yet',
      trip(),
      seen({}, { tripState: 'available', updatedMs: T0 + 500 }),
      T0 + 600,
      { kind: 'keep' },
    ],
    [
      'its fix says waiting: arrived',
      trip(),
      seen({}, { tripState: 'waiting' }),
      T0 + 2000,
      { kind: 'update', changes: { state: 'waiting', arrivedMs: T0 + 2000 } },
    ],
    [
      'stopped at the pickup without saying so: arrived',
      trip(),
      seen({}, { lat: 10.0001, speedMps: 0 }),
      T0 + 2000,
      { kind: 'update', changes: { state: 'waiting', arrivedMs: T0 + 2000 } },
    ],
    [
      'waiting, then driving with the rider: started by the driver',
      trip({ state: 'waiting', arrivedMs: T0 + 500 }),
      seen({}, { tripState: 'on_trip' }),
      T0 + 2000,
      { kind: 'update', changes: { state: 'on_trip', startedMs: T0 + 2000, startedBy: 'driver' } },
    ],
    [
      'waiting the whole wait, then available: the rider never came (a no-show, the ride ends)',
      trip({ state: 'waiting', arrivedMs: T0 }),
      seen({}, { tripState: 'available', speedMps: 5, updatedMs: T0 + 115_000 }),
      T0 + 115_500,
      { kind: 'update', changes: { state: 'cancelled', endedMs: T0 + 115_500, endReason: 'no_show' } },
    ],
    [
      'waiting, then available long before the wait is over: the driver dropped the trip',
      trip({ state: 'waiting', arrivedMs: T0 }),
      seen({}, { tripState: 'available', speedMps: 5, updatedMs: T0 + 30_000 }),
      T0 + 30_500,
      { kind: 'lost', reason: 'declined' },
    ],
    [
      'waiting, the last fix from before the arrival: kept',
      trip({ state: 'waiting', arrivedMs: T0 + 2000 }),
      seen({}, { tripState: 'available', updatedMs: T0 + 1000 }),
      T0 + 3000,
      { kind: 'keep' },
    ],
    [
      'on trip and offline: never replaced (the rider is in that car)',
      trip({ state: 'on_trip', startedMs: T0, odometerAt: { lat: 10.01, lng: 20 } }),
      seen({ online: false, presenceMs: T0 }, { tripState: 'on_trip', updatedMs: T0 - 1 }),
      T0 + 60_000,
      { kind: 'keep' },
    ],
    [
      'on trip, then available again: completed',
      trip({ state: 'on_trip', startedMs: T0, odometerAt: { lat: 10.01, lng: 20 } }),
      seen({}, { tripState: 'available', updatedMs: T0 + 5000 }),
      T0 + 5100,
      { kind: 'update', changes: { state: 'completed', endedMs: T0 + 5100, endReason: 'arrived' } },
    ],
    [
      'on trip, moved 111 m: counted',
      trip({ state: 'on_trip', startedMs: T0, odometerAt: { lat: 10, lng: 20 } }),
      seen({}, { tripState: 'on_trip', lat: 10.001 }),
      T0 + 2000,
      { kind: 'update' },
    ],
    [
      'on trip, GPS noise: not counted',
      trip({ state: 'on_trip', startedMs: T0, odometerAt: { lat: 10, lng: 20 } }),
      seen({}, { tripState: 'on_trip', lat: 10.00005 }),
      T0 + 2000,
      { kind: 'keep' },
    ],
    [
      'an ended trip: nothing',
      trip({ state: 'completed' }),
      seen({ online: false, presenceMs: 0 }),
      T0 + 60_000,
      { kind: 'keep' },
    ],
  ])('%s', (_name, t, s, now, expected) => {
    expect(judgeTrip(t, s, now, DEFAULT_LIFECYCLE)).toMatchObject(expected as object);
  });

  it('counts the distance driven from where it was last counted', () => {
    const j = judgeTrip(
      trip({ state: 'on_trip', startedMs: T0, odometerAt: { lat: 10, lng: 20 }, drivenM: 50 }),
      seen({}, { tripState: 'on_trip', lat: 10.001 }),
      T0 + 2000,
      DEFAULT_LIFECYCLE,
    );
    expect(j.kind === 'update' ? j.changes.drivenM : null).toBeCloseTo(50 + 111.2, 0);
  });
});
