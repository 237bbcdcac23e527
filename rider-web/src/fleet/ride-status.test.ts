import { describe, expect, it } from 'vitest';
import type { RideRoute, RiderTrip } from '@ridetrack/shared';
import { riderTrip } from '../../test/rider-trip';
import { ridePlaces, rideStatus, wayAhead } from './ride-status';

const NOW = 1_800_000_000_000;
const ride = (over: Partial<RiderTrip> = {}): RiderTrip =>
  riderTrip(NOW, {
    streets: { pickup: 'Eastern Avenue', dropoff: 'Boston Street' },
    eta: { toward: 'pickup', durationS: 130, distanceM: 640, atMs: NOW, basis: 'road' },
    ...over,
  });

describe('rideStatus', () => {
  it('says where a ride stands, how long to go, and from which street to which', () => {
    expect(rideStatus(ride(), NOW)).toEqual({
      stage: 'To the pickup · 2 min, 640 m',
      places: 'Eastern Avenue → Boston Street',
    });
    expect(rideStatus(ride({ stage: 'waiting', waitUntilMs: NOW + 75_000, eta: null }), NOW).stage).toBe(
      'Waiting at the pickup · 1:15 left',
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

describe('wayAhead', () => {
  const route = (points: [number, number][]): RideRoute => ({
    toward: 'pickup',
    points,
    remainingS: points.map((_, i) => (points.length - 1 - i) * 30),
  });
  const twoPoints = route([
    [-76.58, 39.28],
    [-76.57, 39.29],
  ]);

  it('is the route still to drive while the ride is under way', () => {
    for (const stage of ['assigned', 'waiting', 'on_trip'] as const) {
      expect(wayAhead(ride({ stage, route: twoPoints }))).toBe(twoPoints);
    }
  });

  it('is nothing once the ride is over, before the roads are known, or for a single point', () => {
    for (const stage of ['completed', 'cancelled', 'reassigned'] as const) {
      expect(wayAhead(ride({ stage, route: twoPoints }))).toBe(null);
    }
    expect(wayAhead(ride({ route: null }))).toBe(null);
    expect(wayAhead(ride({ route: route([[-76.58, 39.28]]) }))).toBe(null);
    expect(wayAhead(null)).toBe(null);
  });
});

describe('ridePlaces', () => {
  const car = { lat: 39.28, lng: -76.59 };

  it('is the car, the pickup until the rider is aboard, the destination and the way ahead', () => {
    const r = ride({
      route: {
        toward: 'pickup',
        points: [
          [-76.59, 39.28],
          [-76.585, 39.285],
        ],
        remainingS: [30, 0],
      },
    });
    expect(ridePlaces(r, car)).toEqual([
      car,
      r.pickup,
      r.dropoff,
      { lat: 39.28, lng: -76.59 },
      { lat: 39.285, lng: -76.585 },
    ]);
    const aboard = ride({ stage: 'on_trip', route: null });
    expect(ridePlaces(aboard, car)).toEqual([car, aboard.dropoff]);
  });

  it('is nothing for a ride that is over, or no ride', () => {
    expect(ridePlaces(ride({ stage: 'completed' }), car)).toEqual([]);
    expect(ridePlaces(null, car)).toEqual([]);
  });
});
