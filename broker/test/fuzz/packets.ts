import fc from 'fast-check';
import { encodeLocation, type LocationFix } from '@ridetrack/shared';

/**
 * MQTT 3.1.1 packets as a client sends them, well formed and then mutated, as fast-check
 * arbitraries: the property tests run them through the pure parsers and the gate; `npm run fuzz`
 * throws a million of them at a real broker. Valid packets first, so mutations land near the
 * parsers' interesting paths (lengths, flags, strings) instead of dying at the first byte.
 */

function remainingLength(n: number): number[] {
  const out: number[] = [];
  let rest = n;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    out.push(byte);
  } while (rest > 0);
  return out;
}

export function packet(first: number, body: readonly number[]): Uint8Array {
  return Uint8Array.from([first, ...remainingLength(body.length), ...body]);
}

export function str(s: string | readonly number[]): number[] {
  const bytes = typeof s === 'string' ? Array.from(new TextEncoder().encode(s)) : [...s];
  return [(bytes.length >> 8) & 0xff, bytes.length & 0xff, ...bytes];
}

const driverId = fc.constantFrom('drv-1', 'drv-00001', 'x', 'drv-fuzz');
const topic = fc.oneof(
  driverId.map((d) => `d/${d}/l`),
  driverId.map((d) => `d/${d}/s`),
  driverId.map((d) => `d/${d}/t`),
  driverId.map((d) => `owntracks/${d}/phone`),
  fc.constantFrom('d/+/l', 'd/#', '#', '$SYS/x', '', 'a/b/c', 'd//l', 'd/x/l/extra'),
  fc.string({ maxLength: 40 }),
);
const filter = fc.oneof(topic, fc.constantFrom('d/+/l', 'd/+/s', '#', '+/+', 'd/#', '$SYS/#', 'd/drv-1/+'));
const packetId = fc.integer({ min: 0, max: 0xffff });

const fix: fc.Arbitrary<LocationFix> = fc.record({
  seq: fc.integer({ min: 0, max: 0xffff_ffff }),
  timestampMs: fc.integer({ min: 0, max: 2 ** 47 }),
  lat: fc.double({ min: -90, max: 90, noNaN: true }),
  lng: fc.double({ min: -180, max: 180, noNaN: true }),
  headingDeg: fc.option(fc.double({ min: 0, max: 359.9, noNaN: true }), { nil: null }),
  speedMps: fc.option(fc.double({ min: 0, max: 400, noNaN: true }), { nil: null }),
  accuracyM: fc.option(fc.double({ min: 0, max: 254, noNaN: true }), { nil: null }),
  tripState: fc.constantFrom('available', 'to_pickup', 'waiting', 'on_trip', 'off_duty'),
  simulated: fc.boolean(),
});

const payload = fc.oneof(
  fix.map((f) => Array.from(encodeLocation(f))),
  fc.constantFrom(
    Array.from(new TextEncoder().encode('{"_type":"location","lat":39.29,"lon":-76.61,"tst":1764288000}')),
    Array.from(new TextEncoder().encode('{"online":true,"ts":1}')),
  ),
  fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 64 }),
);

export const connectPacket = fc
  .record({
    level: fc.constantFrom(3, 4, 4, 4, 5, 2),
    flags: fc.integer({ min: 0, max: 255 }),
    keepalive: fc.integer({ min: 0, max: 0xffff }),
    clientId: fc.oneof(driverId, fc.constantFrom('', 'rider:r-1', 'operator:ops-1:a'), fc.string({ maxLength: 30 })),
    will: fc.tuple(topic, payload),
    username: fc.constantFrom('token', ''),
    password: fc.constantFrom('not-a-jwt', 'eyJhbGciOiJIUzI1NiJ9.e30.x', ''),
  })
  .map(({ level, flags, keepalive, clientId, will, username, password }) => {
    const name = level === 3 ? 'MQIsdp' : 'MQTT';
    const body = [...str(name), level, flags, keepalive >> 8, keepalive & 0xff, ...str(clientId)];
    if (flags & 0x04) body.push(...str(will[0]), ...str(will[1]));
    if (flags & 0x80) body.push(...str(username));
    if (flags & 0x40) body.push(...str(password));
    return packet(0x10, body);
  });

export const publishPacket = fc
  .record({ topic, payload, qos: fc.constantFrom(0, 0, 0, 1, 2), retain: fc.boolean(), dup: fc.boolean(), packetId })
  .map(({ topic: t, payload: p, qos, retain, dup, packetId: id }) => {
    const first = 0x30 | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 1 : 0);
    return packet(first, [...str(t), ...(qos > 0 ? [id >> 8, id & 0xff] : []), ...p]);
  });

export const subscribePacket = fc
  .record({ packetId, filters: fc.array(fc.tuple(filter, fc.integer({ min: 0, max: 3 })), { maxLength: 4 }) })
  .map(({ packetId: id, filters }) =>
    packet(0x82, [id >> 8, id & 0xff, ...filters.flatMap(([f, qos]) => [...str(f), qos])]),
  );

export const unsubscribePacket = fc
  .record({ packetId, filters: fc.array(filter, { maxLength: 4 }) })
  .map(({ packetId: id, filters }) => packet(0xa2, [id >> 8, id & 0xff, ...filters.flatMap((f) => str(f))]));

export const ackPacket = fc
  .record({ type: fc.constantFrom(0x40, 0x50, 0x62, 0x70), packetId })
  .map(({ type, packetId: id }) => packet(type, [id >> 8, id & 0xff]));

export const smallPacket = fc.constantFrom(packet(0xc0, []), packet(0xe0, []), packet(0xc0, [1]), packet(0xe0, [0]));

export const validPacket = fc.oneof(
  { arbitrary: publishPacket, weight: 5 },
  { arbitrary: connectPacket, weight: 2 },
  { arbitrary: subscribePacket, weight: 2 },
  { arbitrary: unsubscribePacket, weight: 1 },
  { arbitrary: ackPacket, weight: 1 },
  { arbitrary: smallPacket, weight: 1 },
);

type Mutation = (bytes: Uint8Array) => Uint8Array;

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  // flip a byte
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, value]): Mutation => (b) => {
    if (b.length === 0) return b;
    const out = Uint8Array.from(b);
    out[at % out.length] = value;
    return out;
  }),
  // cut it short
  fc.nat().map(
    (at): Mutation =>
      (b) =>
        b.subarray(0, at % (b.length + 1)),
  ),
  // garbage after it
  fc.uint8Array({ maxLength: 16 }).map(
    (tail): Mutation =>
      (b) =>
        Uint8Array.from([...b, ...tail]),
  ),
  // a string length (the 2 bytes after the fixed header) set to something big
  fc.integer({ min: 0, max: 0xffff }).map((length): Mutation => (b) => {
    const out = Uint8Array.from(b);
    const at = (out[1] ?? 0) & 0x80 ? 3 : 2;
    if (out.length > at + 1) {
      out[at] = length >> 8;
      out[at + 1] = length & 0xff;
    }
    return out;
  }),
  // a remaining length that lies (longer or shorter than the body)
  fc.integer({ min: 0, max: 127 }).map((length): Mutation => (b) => {
    const out = Uint8Array.from(b);
    if (out.length > 1) out[1] = length;
    return out;
  }),
);

/** A valid packet, or one with up to three mutations. */
export const hostilePacket: fc.Arbitrary<Uint8Array> = fc
  .tuple(validPacket, fc.array(mutation, { maxLength: 3 }))
  .map(([p, ms]) => ms.reduce((b, m) => m(b), p));

/** A client's byte stream: usually a CONNECT first, then packets, valid and hostile. */
export const hostileStream: fc.Arbitrary<Uint8Array> = fc
  .tuple(fc.option(connectPacket, { freq: 1, nil: null }), fc.array(hostilePacket, { maxLength: 12 }))
  .map(([connect, rest]) => concat([...(connect === null ? [] : [connect]), ...rest]));

/** Cut points to split a stream into writes. */
export const cuts = fc.array(fc.nat(), { maxLength: 6 });

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The stream cut at the given points (any order, repeats and out-of-range points ignored). */
export function splitAt(stream: Uint8Array, points: readonly number[]): Uint8Array[] {
  const sorted = [...new Set(points.map((p) => p % (stream.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const to of [...sorted, stream.length]) {
    if (to > from) out.push(stream.subarray(from, to));
    from = to;
  }
  return out;
}
