import { describe, expect, it } from 'vitest';
import { riderTrip } from '../../test/rider-trip';
import { framing } from './frame';
import { newRideModel, type RideModel } from './screen';

const NOW = 1_800_000_000_000;
const model = (stage: 'assigned' | 'waiting'): RideModel => ({
  ...newRideModel('Baltimore', false),
  mode: 'trip',
  trip: riderTrip(NOW, { stage }),
});

describe('framing', () => {
  it('keeps the car and the pickup in view while the car comes', () => {
    const car = { lat: 10.01, lng: 20 };
    expect(framing(model('assigned'), [], car).points).toEqual([car, { lat: 10, lng: 20 }]);
  });

  it('keeps the way the car still has to drive in view, not only the straight line to where it goes', () => {
    const car = { lat: 10.01, lng: 20 };
    // The road takes the car south first, away from the pickup to its north... then round to it.
    const route = [car, { lat: 10.005, lng: 20 }, { lat: 10.005, lng: 20.01 }, { lat: 10, lng: 20 }];
    const f = framing(model('assigned'), [], car, route);
    expect(f.points).toEqual(expect.arrayContaining([car, { lat: 10, lng: 20 }, { lat: 10.005, lng: 20.01 }]));
    // As the car drives on, what it has passed is no longer framed, and nothing new is forced.
    const on = { lat: 10.005, lng: 20.005 };
    const later = framing(model('assigned'), [], on, route);
    expect(later.points).not.toContainEqual({ lat: 10.005, lng: 20 });
    expect(later.key).toBe(f.key);
  });

  it('frames the meeting point while the driver waits, and the car too when it stopped away from the pin', () => {
    const pickup = { lat: 10, lng: 20 };
    expect(framing(model('waiting'), [], { lat: 10.0001, lng: 20 }).points).toEqual([pickup]);
    // 300 m off: the nearest street to a pin dropped away from the streets.
    const away = { lat: 10.0027, lng: 20 };
    expect(framing(model('waiting'), [], away).points).toEqual([pickup, away]);
  });
});
