import { describe, expect, it } from 'vitest';
import { decodeTripMessage, encodeTripMessage, type TripMessage, type TripMessageReason } from './trip';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('trip messages (d/{driverId}/t)', () => {
  it('round-trip every state, as a string and as the bytes MQTT delivers', () => {
    const full: TripMessage = {
      trip: 't-1',
      state: 'assigned',
      pickup: { lat: 39.28, lng: -76.6 },
      dropoff: { lat: 39.3, lng: -76.58 },
      rider: 'r-1',
      waitS: 120,
      ts: 1764288000000,
    };
    expect(decodeTripMessage(encodeTripMessage(full))).toEqual({ ok: true, value: full });
    expect(decodeTripMessage(bytes(encodeTripMessage(full)))).toEqual({ ok: true, value: full });
    for (const state of ['assigned', 'boarded', 'completed', 'cancelled'] as const) {
      const m: TripMessage = { trip: 't-2', state, ts: 5 };
      expect(decodeTripMessage(encodeTripMessage(m))).toEqual({ ok: true, value: m });
    }
  });

  it('keeps the fields it knows and drops the others', () => {
    const r = decodeTripMessage('{"trip":"t-1","state":"boarded","ts":5,"extra":true,"rider":7}');
    expect(r).toEqual({ ok: true, value: { trip: 't-1', state: 'boarded', ts: 5 } });
  });

  it('accepts the wait at its bounds, 0 and an hour', () => {
    expect(decodeTripMessage('{"trip":"t","state":"assigned","waitS":0,"ts":1}').ok).toBe(true);
    expect(decodeTripMessage('{"trip":"t","state":"assigned","waitS":3600,"ts":1}').ok).toBe(true);
  });

  it.each<[string, string | Uint8Array, TripMessageReason]>([
    ['not JSON', '{"trip":', 'not_json'],
    ['bytes that are not UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), 'not_json'],
    ['JSON that is not an object', '"t-1"', 'bad_trip'],
    ['null', 'null', 'bad_trip'],
    ['no trip id', '{"state":"assigned","ts":1}', 'bad_trip'],
    ['an empty trip id', '{"trip":"","state":"assigned","ts":1}', 'bad_trip'],
    ['a trip id that is not a string', '{"trip":7,"state":"assigned","ts":1}', 'bad_trip'],
    ['an unknown state', '{"trip":"t","state":"flying","ts":1}', 'bad_state'],
    ['no state', '{"trip":"t","ts":1}', 'bad_state'],
    ['a pickup that is not a point', '{"trip":"t","state":"assigned","pickup":"here","ts":1}', 'bad_point'],
    ['a pickup off the globe', '{"trip":"t","state":"assigned","pickup":{"lat":91,"lng":0},"ts":1}', 'bad_point'],
    [
      'a dropoff with a string for a number',
      '{"trip":"t","state":"assigned","dropoff":{"lat":"1","lng":0},"ts":1}',
      'bad_point',
    ],
    ['a dropoff off the globe', '{"trip":"t","state":"assigned","dropoff":{"lat":0,"lng":-181},"ts":1}', 'bad_point'],
    ['a negative wait', '{"trip":"t","state":"assigned","waitS":-1,"ts":1}', 'bad_wait'],
    ['a wait over an hour', '{"trip":"t","state":"assigned","waitS":3601,"ts":1}', 'bad_wait'],
    ['a wait as a string', '{"trip":"t","state":"assigned","waitS":"2","ts":1}', 'bad_wait'],
    ['no time stamp', '{"trip":"t","state":"assigned"}', 'bad_ts'],
    ['a time stamp as a string', '{"trip":"t","state":"assigned","ts":"now"}', 'bad_ts'],
  ])('refuses %s with a reason, never throwing', (_what, payload, reason) => {
    expect(decodeTripMessage(payload)).toEqual({ ok: false, reason });
  });
});
