import { describe, expect, it } from 'vitest';
import { isActiveStage, parseRiderTrip, TRIP_STAGES } from './ride';
import { decodeTripMessage, encodeTripMessage } from './trip';

describe('trip messages', () => {
  it('carry the wait and the rider aboard, and refuse a wait out of range', () => {
    const m = { trip: 't-1', state: 'assigned' as const, pickup: { lat: 1, lng: 2 }, waitS: 120, ts: 5 };
    expect(decodeTripMessage(encodeTripMessage(m))).toEqual({ ok: true, value: m });
    expect(decodeTripMessage('{"trip":"t-1","state":"boarded","ts":5}')).toMatchObject({
      ok: true,
      value: { state: 'boarded' },
    });
    expect(decodeTripMessage('{"trip":"t-1","state":"assigned","waitS":-1,"ts":5}')).toEqual({
      ok: false,
      reason: 'bad_wait',
    });
    expect(decodeTripMessage('{"trip":"t-1","state":"assigned","waitS":"2","ts":5}')).toEqual({
      ok: false,
      reason: 'bad_wait',
    });
    expect(decodeTripMessage('{"trip":"t-1","state":"flying","ts":5}')).toEqual({ ok: false, reason: 'bad_state' });
  });
});

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
