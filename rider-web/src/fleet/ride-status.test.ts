import { describe, expect, it } from 'vitest';
import type { RiderTrip } from '@ridetrack/shared';
import { rideStatus } from './ride-status';

const NOW = 1_800_000_000_000;
const ride = (over: Partial<RiderTrip> = {}): RiderTrip => ({
  id: 't-1',
  stage: 'assigned',
  driverId: 'drv-1',
  driver: { name: 'Maria', car: 'Grey Toyota Prius', plate: '7KXM214' },
  pickup: { lat: 10, lng: 20 },
  dropoff: { lat: 10.02, lng: 20 },
  streets: { pickup: 'Eastern Avenue', dropoff: 'Boston Street' },
  createdMs: NOW - 60_000,
  waitS: 120,
  arrivedMs: null,
  waitUntilMs: null,
  startedMs: null,
  startedBy: null,
  endedMs: null,
  endReason: null,
  lost: null,
  car: null,
  eta: { toward: 'pickup', durationS: 130, distanceM: 640, atMs: NOW, basis: 'road' },
  route: null,
  summary: null,
  next: null,
  serverMs: NOW,
  version: 1,
  ...over,
});

describe('rideStatus', () => {
  it('says where a ride stands, how long to go, and from which street to which', () => {
    expect(rideStatus(ride(), NOW)).toEqual({
      stage: 'To the pickup · 2 min, 640 m',
      places: 'Eastern Avenue → Boston Street',
    });
    expect(rideStatus(ride({ stage: 'waiting', waitUntilMs: NOW + 75_000, eta: null }), NOW).stage).toBe(
      'Waiting at the pickup · 1 min left',
    );
    expect(rideStatus(ride({ stage: 'waiting', waitUntilMs: NOW - 1, eta: null }), NOW).stage).toBe(
      'Waiting at the pickup · wait over',
    );
    const toDropoff = { toward: 'dropoff', durationS: 40, distanceM: 640, atMs: NOW, basis: 'road' } as const;
    expect(rideStatus(ride({ stage: 'on_trip', eta: toDropoff }), NOW).stage).toBe('Rider aboard · 40 s, 640 m');
  });

  it('leaves out the streets it does not know', () => {
    expect(rideStatus(ride({ streets: { pickup: null, dropoff: null }, eta: null, dropoff: null }), NOW)).toEqual({
      stage: 'To the pickup',
      places: '',
    });
    expect(rideStatus(ride({ streets: { pickup: 'Eastern Avenue', dropoff: null } }), NOW).places).toBe(
      'Eastern Avenue → an unnamed street',
    );
    expect(rideStatus(ride({ streets: { pickup: 'Eastern Avenue', dropoff: null }, dropoff: null }), NOW).places).toBe(
      'Pickup on Eastern Avenue, no destination',
    );
  });
});
