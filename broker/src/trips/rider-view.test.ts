import { describe, expect, it } from 'vitest';
import type { DriverState } from '../geo/types';
import { straightLineRouter } from '../routing/router';
import { riderView } from './rider-view';
import type { Trip } from './trip';

const NOW = 2_000_000;
const trip = (over: Partial<Trip> = {}): Trip => ({
  id: 't-1',
  driverId: 'd-1',
  riderId: 'r-1',
  pickup: { lat: 10, lng: 20 },
  dropoff: { lat: 10.02, lng: 20 },
  state: 'assigned',
  createdMs: NOW - 60_000,
  driver: { name: 'Maria', car: 'Grey Toyota Prius', plate: '7KXM214' },
  waitS: 120,
  tried: [],
  drivenM: 0,
  version: 3,
  ...over,
});
const car = (updatedMs: number): DriverState => ({
  driverId: 'd-1',
  lat: 10.01,
  lng: 20,
  headingDeg: 180,
  speedMps: 9,
  accuracyM: 5,
  tripState: 'to_pickup',
  simulated: false,
  seq: 7,
  fixTimestampMs: updatedMs,
  updatedMs,
  cell: 'x',
});
const online = { online: true, ts: 0 };
const router = straightLineRouter();

describe('riderView', () => {
  it('names the streets of the pickup and the destination, when one is near', () => {
    // A router that knows one street: "Main Street", 100 m from the pickup, 400 m from the destination.
    const roads = {
      ...router,
      snap: (p: { lat: number; lng: number }) => ({ point: p, name: 'Main Street', offM: p.lat === 10 ? 100 : 400 }),
    };
    const v = riderView(trip(), { state: null, status: null }, roads, NOW, null);
    expect(v.streets).toEqual({ pickup: 'Main Street', dropoff: null });
    expect(riderView(trip(), { state: null, status: null }, router, NOW, null).streets).toEqual({
      pickup: null,
      dropoff: null,
    });
  });

  it('gives the car and an ETA to the pickup from a fresh fix of an online driver', () => {
    const v = riderView(trip(), { state: car(NOW - 2000), status: online }, router, NOW, null);
    expect(v.car).toMatchObject({ lat: 10.01, online: true });
    expect(v.eta).toMatchObject({ toward: 'pickup', basis: 'straight', atMs: NOW });
    expect(v.eta?.durationS).toBeGreaterThan(0);
    expect(v.driver.name).toBe('Maria');
  });

  it('never gives an ETA from a stale fix or an offline driver', () => {
    expect(riderView(trip(), { state: car(NOW - 16_000), status: online }, router, NOW, null).eta).toBeNull();
    expect(
      riderView(trip(), { state: car(NOW - 1000), status: { online: false, ts: NOW } }, router, NOW, null).eta,
    ).toBeNull();
  });

  it('points the ETA at the destination once the rider is aboard, and none while the driver waits', () => {
    expect(
      riderView(trip({ state: 'on_trip', startedMs: NOW - 1 }), { state: car(NOW), status: online }, router, NOW, null)
        .eta?.toward,
    ).toBe('dropoff');
    const waiting = riderView(
      trip({ state: 'waiting', arrivedMs: NOW - 30_000 }),
      { state: car(NOW), status: online },
      router,
      NOW,
      null,
    );
    expect(waiting.eta).toBeNull();
    expect(waiting.waitUntilMs).toBe(NOW - 30_000 + 120_000);
  });

  it('shows no position once the trip has ended, and a summary when completed', () => {
    const v = riderView(
      trip({ state: 'completed', startedMs: NOW - 600_000, endedMs: NOW, drivenM: 3210.4 }),
      { state: car(NOW), status: online },
      router,
      NOW,
      null,
    );
    expect(v.car).toBeNull();
    expect(v.eta).toBeNull();
    expect(v.summary).toEqual({ distanceM: 3210, durationS: 600 });
  });
});
