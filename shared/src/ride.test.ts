import { describe, expect, it } from 'vitest';
import { isActiveStage, parseRiderTrip, TRIP_STAGES } from './ride';

describe('rider trips', () => {
  const good = {
    id: 't-1',
    stage: 'assigned',
    driverId: 'd-1',
    driver: { name: 'Maria', car: 'Grey Toyota Prius', plate: '7KXM214' },
    pickup: { lat: 1, lng: 2 },
    dropoff: null,
    version: 1,
    serverMs: 5,
  };

  it('reads what the broker sends and refuses what it would not', () => {
    expect(parseRiderTrip(good).ok).toBe(true);
    expect(parseRiderTrip({ ...good, stage: 'flying' })).toEqual({ ok: false, reason: 'bad_trip' });
    expect(parseRiderTrip({ ...good, driver: { name: 'Maria' } })).toEqual({ ok: false, reason: 'bad_trip' });
    expect(parseRiderTrip({ ...good, pickup: null })).toEqual({ ok: false, reason: 'bad_trip' });
    expect(parseRiderTrip('x')).toEqual({ ok: false, reason: 'bad_trip' });
  });

  it('knows which stages go on', () => {
    expect(TRIP_STAGES.filter(isActiveStage)).toEqual(['assigned', 'waiting', 'on_trip']);
  });
});
