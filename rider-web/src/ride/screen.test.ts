import { describe, expect, it } from 'vitest';
import type { RiderTrip } from '@ridetrack/shared';
import { riderTrip } from '../../test/rider-trip';
import { etaMinutes, newRideModel, riderScreen, type RideModel } from './screen';

const NOW = 1_800_000_000_000;
const trip = (over: Partial<RiderTrip> = {}): RiderTrip => riderTrip(NOW, over);
const model = (t: RiderTrip | null, over: Partial<RideModel> = {}): RideModel => ({
  ...newRideModel('Baltimore', false),
  mode: 'trip',
  trip: t,
  ...over,
});
const at = () => '14:32';
const words = (s: ReturnType<typeof riderScreen>) =>
  [s.title, s.line, s.notice, s.eta?.value, s.eta?.unit, s.wait?.text, s.driver?.name, s.driver?.car, s.driver?.plate]
    .filter(Boolean)
    .join(' | ');

describe('the rider screen', () => {
  it('while the driver comes: the ETA counted down in minutes, the driver by name and car, never an id', () => {
    const s = riderScreen(model(trip()), NOW, at);
    expect(s.eta).toEqual({ value: '5', unit: 'min' }); // 250 s, one second later: 249 s, rounded up
    expect(s.title).toBe('Your driver is on the way');
    expect(s.line).toBe('Arrives around 14:32 · 1.2 km away');
    expect(s.driver).toEqual({ name: 'Maria', initials: 'M', car: 'Grey Toyota Prius', plate: '7KXM214' });
    expect(words(s)).not.toMatch(/drv-/);
    expect(s.actions).toEqual(['cancel']);
    // Two minutes later on the page's clock, without a new answer: two minutes less (129 s).
    expect(
      riderScreen(model(trip(), { car: { fixMs: NOW + 119_000, online: true } }), NOW + 120_000, at).eta?.value,
    ).toBe('3');
  });

  it('counts down the steady arrival the page keeps, not a later estimate of the same target', () => {
    // The latest answer says 250 s; the page has held an arrival 200 s away for this pickup.
    const held = { key: 't-1:pickup', atMs: NOW + 200_000, distanceM: 1100, later: 0 };
    expect(riderScreen(model(trip(), { arrival: held }), NOW, at).eta?.value).toBe('4');
    expect(riderScreen(model(trip(), { arrival: held }), NOW, at).line).toMatch(/1\.1 km away$/);
    // An arrival held for another target is not used.
    expect(riderScreen(model(trip(), { arrival: { ...held, key: 't-1:dropoff' } }), NOW, at).eta?.value).toBe('5');
  });

  it('asks before cancelling, keeping the ETA and the driver in sight; never once the ride has begun', () => {
    const asking = { confirmingCancel: true };
    const coming = riderScreen(model(trip(), asking), NOW, at);
    expect(coming.title).toBe('Cancel this ride?');
    expect(coming.line).toBe("Maria is 5 min away. If you cancel, you'll need to request a new ride.");
    expect([coming.eta?.value, coming.driver?.name, coming.actions]).toEqual([
      '5',
      'Maria',
      ['keep', 'confirm_cancel'],
    ]);
    const waiting = trip({ stage: 'waiting', arrivedMs: NOW - 38_000, waitUntilMs: NOW + 82_000, eta: null });
    const atPickup = riderScreen(model(waiting, asking), NOW, at);
    expect([atPickup.title, atPickup.line, atPickup.wait?.text]).toEqual([
      'Cancel this ride?',
      'Maria is waiting for you at the pickup.',
      '1:22',
    ]);
    // Nothing to cancel once aboard: the question is not asked.
    const riding = riderScreen(model(trip({ stage: 'on_trip' }), asking), NOW, at);
    expect([riding.title, riding.actions]).toEqual(['On the way to your destination', []]);
  });

  it('"arriving now" never stands beside a number of minutes', () => {
    const s = riderScreen(
      model(trip({ eta: { toward: 'pickup', durationS: 40, distanceM: 150, atMs: NOW, basis: 'road' } })),
      NOW,
      at,
    );
    expect(s.title).toBe('Your driver is arriving now');
    expect(s.eta).toBeNull();
    expect(s.line).toBe('Look for Grey Toyota Prius · 7KXM214');
  });

  it.each([
    ['an old fix', { car: { fixMs: NOW - 20_000, online: true } }],
    ['an offline driver', { car: { fixMs: NOW - 1000, online: false } }],
  ])('shows no ETA from %s, greys the car and says why', (_name, over) => {
    const s = riderScreen(model(trip(), over), NOW, at);
    expect(s.eta).toBeNull();
    expect(s.freshness?.stale).toBe(true);
    expect(s.show.route).toBe(false);
    expect(words(s)).not.toMatch(/min|arriv/i);
  });

  it('while the driver waits: the time left, "I\'m in", and no ETA', () => {
    const t = trip({ stage: 'waiting', arrivedMs: NOW - 38_000, waitUntilMs: NOW + 82_000, eta: null });
    const s = riderScreen(model(t), NOW, at);
    expect(s.title).toBe('Your driver is waiting');
    expect(s.wait).toEqual({ text: '1:22', urgent: false });
    expect(s.actions).toEqual(['board', 'cancel']);
    expect(s.eta).toBeNull();
    expect(s.line).toBe(
      'Maria is at the pickup on Main Street in a Grey Toyota Prius. Tap "I\'m in" once you\'re in the car.',
    );
    const unnamed = { ...t, streets: { pickup: null, dropoff: null } };
    expect(riderScreen(model(unnamed), NOW, at).line).toMatch(/^Maria is at the pickup in a Grey Toyota Prius\./);
    expect(riderScreen(model(t), NOW + 60_000, at).wait).toEqual({ text: '0:22', urgent: true });
    expect(riderScreen(model(t), NOW + 90_000, at).line).toBe(
      'Maria has waited 2 min. Tap "I\'m in" now, or the ride will be cancelled.',
    );
  });

  it('on the way: the ETA to the destination; at the end a summary and no car', () => {
    const on = riderScreen(
      model(
        trip({
          stage: 'on_trip',
          startedBy: 'rider',
          eta: { toward: 'dropoff', durationS: 600, distanceM: 4100, atMs: NOW, basis: 'road' },
        }),
      ),
      NOW,
      at,
    );
    expect(on.title).toBe('On the way to your destination');
    expect(on.eta).toEqual({ value: '10', unit: 'min' });
    expect(on.line).toBe('Arrive around 14:32 · 4.1 km to go');
    expect(on.show.pickup).toBe(false);
    const done = riderScreen(
      model(trip({ stage: 'completed', car: null, eta: null, summary: { distanceM: 4120, durationS: 660 } })),
      NOW,
      at,
    );
    expect(done.title).toBe("You've arrived");
    expect(done.summary).toEqual({ distance: '4.1 km', duration: '11 min' });
    expect(done.show.car).toBe(false);
  });

  it('says so when the driver started after the wait, when nobody could take over, and when the trip is gone', () => {
    expect(riderScreen(model(trip({ stage: 'on_trip', startedBy: 'driver', eta: null })), NOW, at).notice).toBe(
      'Maria started the trip.',
    );
    // The wait ran out and the rider never came: the driver left, the ride is cancelled (a no-show).
    const noShow = riderScreen(model(trip({ stage: 'cancelled', endReason: 'no_show', car: null })), NOW, at);
    expect(noShow.title).toBe("Your driver couldn't wait any longer");
    expect(noShow.line).toBe('Maria waited 2 min at the pickup, and the ride was cancelled.');
    const none = riderScreen(
      model(trip({ stage: 'cancelled', endReason: 'no_driver', lost: 'offline', car: null })),
      NOW,
      at,
    );
    expect(none.title).toBe('No driver available');
    expect(none.line).toMatch(/^Maria went offline and no other car is free nearby/);
    // A word about an earlier driver is not kept beside an ended trip.
    const after = riderScreen(
      model(trip({ stage: 'cancelled', endReason: 'no_driver', lost: 'offline', car: null }), {
        notice: 'Samuel went offline. We found you another driver.',
      }),
      NOW,
      at,
    );
    expect(after.notice).toBeNull();
    expect(riderScreen(model(null, { mode: 'gone' }), NOW, at).title).toBe('This trip no longer exists');
  });

  it('before booking: the cars nearby, and one line outside the served area', () => {
    const setup = model(null, { mode: 'setup', devMode: true });
    setup.setup = { ...setup.setup, cars: 3, nearestEtaS: 130 };
    expect(riderScreen(setup, NOW, at).line).toBe(
      'Tap the map or search a street to set your pickup · 3 cars nearby · closest about 2 min away',
    );
    // The street search sets the pickup until there is one, then the destination while placing it.
    expect(riderScreen(setup, NOW, at).search).toBe('pickup');
    // The broker shows a dozen at most: more than that reads "12+", not a count.
    expect(riderScreen({ ...setup, setup: { ...setup.setup, cars: 12, moreCars: true } }, NOW, at).line).toBe(
      'Tap the map or search a street to set your pickup · 12+ cars nearby · closest about 2 min away',
    );
    setup.setup = { ...setup.setup, pickup: { lat: 10, lng: 20 }, street: 'Eastern Avenue' };
    const pickup = riderScreen(setup, NOW, at);
    expect(pickup.line).toBe(
      'Pickup on Eastern Avenue. Where are you going? 3 cars nearby · closest about 2 min away.',
    );
    // No request before a destination: the ride must not end somewhere the rider did not choose.
    expect(pickup.actions).toEqual(['destination', 'locate']);
    expect(pickup.search).toBeNull();
    const placing = riderScreen({ ...setup, setup: { ...setup.setup, placing: 'dropoff' } }, NOW, at);
    expect([placing.title, placing.actions, placing.search]).toEqual(['Where to?', ['destination'], 'dropoff']);
    const ready = riderScreen({ ...setup, setup: { ...setup.setup, dropoff: { lat: 10.01, lng: 20 } } }, NOW, at);
    expect(ready.actions).toEqual(['request', 'destination', 'locate']);
    expect([ready.title, ready.show.route]).toEqual(['Confirm your ride', false]);
    // Once estimated: where to, how long and how far, and the way drawn.
    const estimated = riderScreen(
      {
        ...setup,
        setup: {
          ...setup.setup,
          dropoff: { lat: 10.01, lng: 20 },
          estimate: { distanceM: 2140, durationS: 410, street: 'Fleet Street' },
        },
      },
      NOW,
      at,
    );
    expect(estimated.line).toBe(
      'Pickup on Eastern Avenue. To Fleet Street: about 7 min, 2.1 km. 3 cars nearby · closest about 2 min away.',
    );
    expect(estimated.show.route).toBe(true);
    // A destination chosen by name (a park, away from its streets) is said by that name.
    const named = riderScreen(
      {
        ...setup,
        setup: {
          ...setup.setup,
          dropoff: { lat: 10.01, lng: 20 },
          dropoffName: 'Patterson Park',
          estimate: { distanceM: 2140, durationS: 410, street: null },
        },
      },
      NOW,
      at,
    );
    expect(named.line).toMatch(/^Pickup on Eastern Avenue\. To Patterson Park: about 7 min, 2\.1 km\./);
    setup.setup = { ...setup.setup, outside: true };
    const out = riderScreen(setup, NOW, at);
    expect(out.title).toBe('Outside our service area');
    expect(out.line).toBe("You're outside the area we serve. Rides are available in Baltimore.");
    expect(out.actions).toEqual(['area']);
    expect(out.search).toBeNull();
  });
});

describe('etaMinutes', () => {
  it('rounds up: a car is never shown nearer than it is', () => {
    expect([1, 59, 60, 61, 85, 120, 121].map((s) => etaMinutes(s))).toEqual(['1', '1', '1', '2', '2', '2', '3']);
  });
});
