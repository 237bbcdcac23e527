import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeOwnTracks, OWNTRACKS_MAX_BYTES } from './owntracks';

// Shapes as the OwnTracks apps send them (booklet "JSON" page, Android 2.4 and iOS 17 apps).
const ANDROID = `{"_type":"location","acc":13,"alt":34,"batt":42,"bs":1,"conn":"w","created_at":1700000006,"lat":39.2856,"lon":-76.6069,"t":"u","tid":"d7","tst":1700000005,"vac":0,"vel":36,"cog":270}`;
const IOS = `{"_type":"location","tid":"d7","lat":39.2856,"lon":-76.6069,"tst":1700000005,"acc":65,"alt":12,"vac":10,"batt":90,"bs":2,"conn":"m","topic":"owntracks/d7/iphone","vel":-1,"cog":-1,"m":1,"inregions":["home"],"SSID":"cafe","BSSID":"aa:bb:cc:dd:ee:ff"}`;
const MINIMAL = `{"_type":"location","lat":39.2856,"lon":-76.6069,"tst":1700000005}`;
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('decodeOwnTracks', () => {
  it('decodes an Android location with every field', () => {
    expect(decodeOwnTracks(bytes(ANDROID))).toEqual({
      ok: true,
      value: {
        seq: 1_700_000_005,
        timestampMs: 1_700_000_005_000,
        lat: 39.2856,
        lng: -76.6069,
        headingDeg: 270,
        speedMps: 10,
        accuracyM: 13,
        tripState: 'available',
        simulated: false,
      },
    });
  });

  it("decodes an iOS location whose -1 course and speed mean 'unknown'", () => {
    expect(decodeOwnTracks(IOS)).toMatchObject({
      ok: true,
      value: { headingDeg: null, speedMps: null, accuracyM: 65 },
    });
  });

  it('decodes the required fields alone', () => {
    expect(decodeOwnTracks(MINIMAL)).toMatchObject({
      ok: true,
      value: { lat: 39.2856, headingDeg: null, speedMps: null, accuracyM: null },
    });
  });

  it('wraps a course of 360 to 0', () => {
    expect(decodeOwnTracks(MINIMAL.replace('}', ',"cog":360}'))).toMatchObject({ ok: true, value: { headingDeg: 0 } });
  });

  it.each([
    ['not UTF-8', Uint8Array.from([0x7b, 0xff, 0x7d]), 'not_utf8'],
    ['not JSON', bytes('{"_type":"location",'), 'not_json'],
    ['a JSON array', bytes('[1,2]'), 'not_object'],
    ['JSON null', bytes('null'), 'not_object'],
    ['no _type', bytes('{"lat":1,"lon":2,"tst":3}'), 'missing_type'],
    ['an lwt', bytes('{"_type":"lwt","tst":1700000000}'), 'not_location'],
    ['a transition', bytes('{"_type":"transition","event":"enter","lat":1,"lon":2,"tst":3}'), 'not_location'],
    ['a card', bytes('{"_type":"card","name":"Driver 7"}'), 'not_location'],
    ['lat as a string', bytes('{"_type":"location","lat":"39.2","lon":2,"tst":3}'), 'bad_lat'],
    ['no lon', bytes('{"_type":"location","lat":39.2,"tst":3}'), 'bad_lon'],
    ['fractional tst', bytes('{"_type":"location","lat":1,"lon":2,"tst":3.5}'), 'bad_tst'],
    ['negative tst', bytes('{"_type":"location","lat":1,"lon":2,"tst":-3}'), 'bad_tst'],
    ['vel as text', bytes('{"_type":"location","lat":1,"lon":2,"tst":3,"vel":"fast"}'), 'bad_vel'],
    ['cog as object', bytes('{"_type":"location","lat":1,"lon":2,"tst":3,"cog":{}}'), 'bad_cog'],
    ['acc as bool', bytes('{"_type":"location","lat":1,"lon":2,"tst":3,"acc":true}'), 'bad_acc'],
    ['lat 95', bytes('{"_type":"location","lat":95,"lon":2,"tst":3}'), 'lat_out_of_range'],
    ['lon 200', bytes('{"_type":"location","lat":5,"lon":200,"tst":3}'), 'lng_out_of_range'],
    ['cog 400', bytes('{"_type":"location","lat":5,"lon":2,"tst":3,"cog":400}'), 'heading_out_of_range'],
    ['tst past 2106', bytes('{"_type":"location","lat":5,"lon":2,"tst":4294967296}'), 'seq_out_of_range'],
    ['a huge payload', bytes(`{"_type":"location","pad":"${'x'.repeat(OWNTRACKS_MAX_BYTES)}"}`), 'too_large'],
  ])('rejects %s', (_name, payload, reason) => {
    expect(decodeOwnTracks(payload)).toEqual({ ok: false, reason });
  });

  it('never throws on random JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(typeof decodeOwnTracks(JSON.stringify(value)).ok).toBe('boolean');
      }),
      { numRuns: 20_000 },
    );
  });

  it('never throws on random location-shaped objects', () => {
    const anything = fc.oneof(fc.double(), fc.integer(), fc.string(), fc.constant(null), fc.boolean());
    fc.assert(
      fc.property(
        fc.record(
          {
            _type: fc.constant('location'),
            lat: anything,
            lon: anything,
            tst: anything,
            vel: anything,
            cog: anything,
            acc: anything,
          },
          { requiredKeys: ['_type'] },
        ),
        (msg) => {
          const result = decodeOwnTracks(JSON.stringify(msg));
          if (result.ok) expect(Number.isFinite(result.value.lat)).toBe(true);
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        expect(typeof decodeOwnTracks(b).ok).toBe('boolean');
      }),
      { numRuns: 20_000 },
    );
  });
});
