import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeLocation, encodeLocation, LOCATION_V1_BYTES } from './codec';
import { TRIP_STATES, type LocationFix } from './location';

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const fromHex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));

const fix = (over: Partial<LocationFix>): LocationFix => ({
  seq: 0,
  timestampMs: 0,
  lat: 0,
  lng: 0,
  headingDeg: null,
  speedMps: null,
  accuracyM: null,
  tripState: 'available',
  simulated: false,
  ...over,
});

// Expected bytes computed independently with Python's struct.pack('<BBIIHiiHBB', ...).
const VECTORS: { name: string; fix: LocationFix; bytes: string; decoded?: Partial<LocationFix> }[] = [
  {
    name: 'a typical fix in Baltimore',
    fix: fix({
      seq: 1,
      timestampMs: 1_700_000_000_000,
      lat: 39.2904,
      lng: -76.6122,
      headingDeg: 90,
      speedMps: 12.5,
      accuracyM: 5,
    }),
    bytes: '0100010000000068e5cf8b01403d6b17f0e755d284d30705',
  },
  {
    name: 'unknowns, on trip, simulated, range minimums',
    fix: fix({ seq: 0xffff_ffff, lat: -90, lng: 180, tripState: 'on_trip', simulated: true }),
    bytes: '0106ffffffff00000000000000175bca00d2496bffffffff',
  },
  {
    name: 'range maximums, off duty',
    fix: fix({
      seq: 42,
      timestampMs: 2 ** 48 - 1,
      lat: 90,
      lng: -180,
      headingDeg: 359.9,
      speedMps: 409.4,
      accuracyM: 254,
      tripState: 'off_duty',
    }),
    bytes: '01032a000000ffffffffffff00e9a435002eb6940feefffe',
  },
  {
    name: 'saturation: heading 360 wraps, speed and accuracy clamp',
    fix: fix({
      seq: 7,
      timestampMs: 1_764_288_000_123,
      headingDeg: 360,
      speedMps: 500,
      accuracyM: 1000,
      tripState: 'to_pickup',
    }),
    bytes: '0101070000007b70c2c79a01000000000000000000e0fffe',
    decoded: { headingDeg: 0, speedMps: 409.4, accuracyM: 254 },
  },
  {
    name: 'waiting at the pickup: state 1 with flag bit 3',
    fix: fix({ seq: 7, timestampMs: 1_764_288_000_123, tripState: 'waiting' }),
    bytes: '0109070000007b70c2c79a010000000000000000ffffffff',
  },
];

describe('location packet v1', () => {
  it.each(VECTORS)('encodes $name to known bytes', ({ fix: f, bytes }) => {
    expect(hex(encodeLocation(f))).toBe(bytes);
  });

  it.each(VECTORS)('decodes $name from known bytes', ({ fix: f, bytes, decoded }) => {
    expect(decodeLocation(fromHex(bytes))).toEqual({ ok: true, value: { ...f, ...decoded } });
  });

  it('is 24 bytes', () => {
    expect(encodeLocation(fix({})).byteLength).toBe(LOCATION_V1_BYTES);
    expect(LOCATION_V1_BYTES).toBeLessThanOrEqual(24);
  });

  it('decodes from a view into a larger buffer (as Node hands over MQTT payloads)', () => {
    const inner = encodeLocation(fix({ seq: 9, lat: 1.5 }));
    const outer = new Uint8Array(100);
    outer.set(inner, 37);
    const result = decodeLocation(outer.subarray(37, 37 + 24));
    expect(result).toMatchObject({ ok: true, value: { seq: 9, lat: 1.5 } });
  });

  const good = VECTORS[0]?.bytes ?? '';
  const patched = (offset: number, byteHex: string): Uint8Array => {
    const b = fromHex(good);
    b.set(fromHex(byteHex), offset);
    return b;
  };
  it.each([
    ['empty', new Uint8Array(0), 'empty'],
    ['version 0', patched(0, '00'), 'unknown_version'],
    ['version 2', patched(0, '02'), 'unknown_version'],
    ['23 bytes', fromHex(good).subarray(0, 23), 'too_short'],
    ['1 byte', fromHex('01'), 'too_short'],
    ['25 bytes', Uint8Array.from([...fromHex(good), 0]), 'too_long'],
    ['latitude 90.0000001', patched(12, '01e9a435'), 'lat_out_of_range'],
    ['latitude -214.7', patched(12, '00000080'), 'lat_out_of_range'],
    ['longitude 180.0000001', patched(16, '01d2496b'), 'lng_out_of_range'],
    ['heading 360.0', patched(20, '100e'), 'heading_out_of_range'],
  ])('rejects %s', (_name, bytes, reason) => {
    expect(decodeLocation(bytes)).toEqual({ ok: false, reason });
  });

  it('ignores reserved flag bits, so later minor additions stay readable', () => {
    expect(decodeLocation(patched(1, 'f0'))).toMatchObject({ ok: true, value: { tripState: 'available' } });
  });

  it('reads the waiting bit only with state 1 (to pickup)', () => {
    expect(decodeLocation(patched(1, '08'))).toMatchObject({ ok: true, value: { tripState: 'available' } });
    expect(decodeLocation(patched(1, '0a'))).toMatchObject({ ok: true, value: { tripState: 'on_trip' } });
    expect(decodeLocation(patched(1, '09'))).toMatchObject({ ok: true, value: { tripState: 'waiting' } });
  });

  it.each([
    ['NaN latitude', fix({ lat: Number.NaN }), 'not_a_number'],
    ['latitude 91', fix({ lat: 91 }), 'lat_out_of_range'],
    ['longitude -181', fix({ lng: -181 }), 'lng_out_of_range'],
    ['fractional seq', fix({ seq: 1.5 }), 'seq_out_of_range'],
    ['negative speed', fix({ speedMps: -1 }), 'speed_out_of_range'],
    ['infinite timestamp', fix({ timestampMs: Infinity }), 'timestamp_out_of_range'],
  ])('refuses to encode %s', (_name, f, reason) => {
    expect(() => encodeLocation(f)).toThrow(new RangeError(`encodeLocation: ${reason}`));
  });
});

describe('location packet v1 properties', () => {
  it('never throws on 100,000 random buffers', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 40 }), (bytes) => {
        const result = decodeLocation(bytes);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 100_000 },
    );
  });

  it('never throws on 24-byte v1-shaped buffers, and accepts exactly the valid ones', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 23, maxLength: 23 }), (rest) => {
        const result = decodeLocation(Uint8Array.from([1, ...rest]));
        if (result.ok) expect(hex(encodeLocation(result.value)).slice(4)).toBe(hex(Uint8Array.from(rest)).slice(2));
      }),
      { numRuns: 20_000 },
    );
  });

  const arbFix: fc.Arbitrary<LocationFix> = fc.record({
    seq: fc.nat({ max: 0xffff_ffff }),
    timestampMs: fc.integer({ min: 0, max: 2 ** 48 - 1 }),
    lat: fc.double({ min: -90, max: 90, noNaN: true }),
    lng: fc.double({ min: -180, max: 180, noNaN: true }),
    headingDeg: fc.option(fc.double({ min: 0, max: 359.94, noNaN: true })),
    speedMps: fc.option(fc.double({ min: 0, max: 409.4, noNaN: true })),
    accuracyM: fc.option(fc.double({ min: 0, max: 254, noNaN: true })),
    tripState: fc.constantFrom(...TRIP_STATES),
    simulated: fc.boolean(),
  });

  it('round-trips every valid fix within the stated resolution', () => {
    fc.assert(
      fc.property(arbFix, (f) => {
        const result = decodeLocation(encodeLocation(f));
        if (!result.ok) throw new Error(result.reason);
        const d = result.value;
        expect(d.seq).toBe(f.seq);
        expect(d.timestampMs).toBe(f.timestampMs);
        expect(Math.abs(d.lat - f.lat)).toBeLessThanOrEqual(0.5e-7 + 1e-12);
        expect(Math.abs(d.lng - f.lng)).toBeLessThanOrEqual(0.5e-7 + 1e-12);
        const within = (a: number | null, b: number | null, tol: number): void => {
          expect(a === null).toBe(b === null);
          if (a !== null && b !== null) expect(Math.abs(a - b)).toBeLessThanOrEqual(tol);
        };
        within(d.headingDeg, f.headingDeg, 0.05 + 1e-9);
        within(d.speedMps, f.speedMps, 0.05 + 1e-9);
        within(d.accuracyM, f.accuracyM, 0.5);
        expect(d.tripState).toBe(f.tripState);
        expect(d.simulated).toBe(f.simulated);
      }),
      { numRuns: 20_000 },
    );
  });
});
