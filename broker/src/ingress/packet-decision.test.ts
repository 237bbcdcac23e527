import { describe, expect, it } from 'vitest';
import { encodeLocation, type Claims, type LocationFix } from '@ridetrack/shared';
import { readFixedHeader } from './frame-splitter';
import { filtersFrame, publishFrame, remainingLengthBytes } from './frames';
import { decidePacket, MAX_TOPIC_LEVELS, type DecisionContext, type PacketDecision } from './packet-decision';

/** Builds a packet from its first byte and body, with the remaining length filled in. */
function packet(first: number, body: number[]): Uint8Array {
  return Uint8Array.from([first, ...remainingLengthBytes(body.length), ...body]);
}
const str = (s: string): number[] => {
  const bytes = Array.from(new TextEncoder().encode(s));
  return [bytes.length >> 8, bytes.length & 0xff, ...bytes];
};
const connect = (name: string, level: number, clientId: string, flags = 0x02) =>
  packet(0x10, [...str(name), level, flags, 0, 60, ...str(clientId)]);
const fix: LocationFix = {
  seq: 5,
  timestampMs: 1_764_288_000_000,
  lat: 39.29,
  lng: -76.61,
  headingDeg: 90,
  speedMps: 10,
  accuracyM: 5,
  tripState: 'available',
  simulated: false,
};
const driver: Claims = { role: 'driver', sub: 'drv-1' };
const fixFrame = (qos: 0 | 1 | 2, topic = 'd/drv-1/l', payload = encodeLocation(fix)) =>
  publishFrame({ topic, payload, qos, retain: false, packetId: qos === 0 ? 0 : 7 });

function context(over: Partial<DecisionContext> = {}): DecisionContext {
  return {
    protocolLevel: 4,
    claims: driver,
    openMode: false,
    sessionId: 1,
    fixes: { get: () => undefined },
    judge: { maxSpeedMps: 83, noiseM: 50, reanchorAfter: 3 },
    publishesFixes: true,
    takePublishToken: () => true,
    isCurrentSession: () => true,
    ackFits: () => true,
    ...over,
  };
}

/** The verdict and its reason or return code: what the gate acts on. */
function verdictOf(d: PacketDecision): string {
  switch (d.verdict) {
    case 'close':
    case 'drop':
    case 'deny':
      return `${d.verdict}:${d.reason}`;
    case 'refuse-connect':
      return `refuse-connect:${d.returnCode}:${d.reason}`;
    default:
      return d.verdict;
  }
}

const deep = Array.from({ length: MAX_TOPIC_LEVELS + 1 }, () => 'a').join('/');

/** Known answers (tile38-style): input bytes and connection, the gate's verdict and reason. */
const cases: [string, Uint8Array, Partial<DecisionContext>, string][] = [
  ['CONNECT 3.1.1', connect('MQTT', 4, 'drv-1'), {}, 'connect'],
  ['CONNECT 3.1', connect('MQIsdp', 3, 'drv-1'), {}, 'connect'],
  ['[MQTT-3.1.2-2] CONNECT level 2', connect('MQTT', 2, 'drv-1'), {}, 'refuse-connect:1:unsupported_protocol_level'],
  ['[MQTT-3.1.2-2] CONNECT level 6', connect('MQIsdp', 6, 'drv-1'), {}, 'refuse-connect:1:unsupported_protocol_level'],
  ['MQTT 3.1: an empty client id', connect('MQIsdp', 3, ''), {}, 'refuse-connect:2:empty_client_id_v31'],
  [
    '[MQTT-3.1.3-9] an empty id with a persistent session',
    connect('MQTT', 4, '', 0x00),
    {},
    'refuse-connect:2:empty_client_id_persistent',
  ],
  ['a QoS 0 fix: published by the broker', fixFrame(0), {}, 'publish-as-broker'],
  ['a QoS 0 fix, the broker not publishing', fixFrame(0), { publishesFixes: false }, 'forward'],
  ['a QoS 1 fix: to Aedes, retained', fixFrame(1), {}, 'forward'],
  ['a cut fix', fixFrame(0, 'd/drv-1/l', encodeLocation(fix).subarray(0, 10)), {}, 'drop:location_too_short'],
  ['over the publish rate', fixFrame(0), { takePublishToken: () => false }, 'drop:rate_limited'],
  ['from a superseded session', fixFrame(0), { isCurrentSession: () => false }, 'drop:session_superseded'],
  [
    'a seen fix again',
    fixFrame(0),
    { fixes: { get: () => ({ fix, sessionId: 1, jumpsRefused: 0 }) } },
    'drop:duplicate',
  ],
  ["another driver's topic: denied here, once", fixFrame(0, 'd/drv-2/l'), {}, 'deny:not_own_topic'],
  ['a QoS 1 publish outside the tree', fixFrame(1, 'chat/room'), {}, 'deny:unknown_prefix'],
  [
    'a rider publishing',
    fixFrame(0),
    { claims: { role: 'rider', sub: 'r', drivers: ['drv-1'], exp: 1 } },
    'deny:role_cannot_publish',
  ],
  ['open mode: any topic but $', fixFrame(1, 'chat/room'), { claims: null, openMode: true }, 'forward'],
  ['open mode: a $ topic', fixFrame(0, '$SYS/x'), { claims: null, openMode: true }, 'deny:reserved_topic'],
  ['a topic too deep', fixFrame(0, deep), {}, 'close:topic_too_deep'],
  ['[MQTT-3.3.1-2] QoS 0 with DUP', Uint8Array.from([0x38, 0x03, 0x00, 0x01, 0x61]), {}, 'close:dup_on_qos0'],
  ['SUBSCRIBE', filtersFrame({ packetId: 1, filters: ['d/drv-1/l'], requestedQos: [0] }), {}, 'forward'],
  [
    'SUBSCRIBE too deep: refused alone',
    filtersFrame({ packetId: 1, filters: [deep], requestedQos: [0] }),
    {},
    'forward',
  ],
  ['PUBACK of a QoS 1 flow', packet(0x40, [0, 7]), {}, 'forward'],
  ['[MQTT-4.3.3] PUBCOMP for a QoS 1 flow', packet(0x70, [0, 7]), { ackFits: () => false }, 'close:wrong_ack'],
  ['PUBACK with identifier 0', packet(0x40, [0, 0]), {}, 'close:packet_id_zero'],
  ['PINGREQ', packet(0xc0, []), {}, 'forward'],
  ['PINGREQ with a body', packet(0xc0, [0]), {}, 'close:unexpected_body'],
];

describe('decidePacket: one verdict per packet', () => {
  it.each(cases)('%s', (_name, bytes, over, expected) => {
    const header = readFixedHeader(bytes, 0);
    if (typeof header !== 'object') throw new Error('a whole packet');
    expect(verdictOf(decidePacket(bytes, header.headerLength, context(over)))).toBe(expected);
  });

  it('sets the retain flag on a forwarded fix and keys it by driver only at QoS 0', () => {
    const d0 = decidePacket(fixFrame(0), 2, context({ publishesFixes: false }));
    const d1 = decidePacket(fixFrame(1), 2, context());
    expect(d0.verdict === 'forward' && [(d0.bytes[0] ?? 0) & 0x01, d0.key, d0.accepted?.driverId]).toEqual([
      1,
      'drv-1',
      'drv-1',
    ]);
    expect(d1.verdict === 'forward' && [(d1.bytes[0] ?? 0) & 0x01, d1.key, d1.accepted?.driverId]).toEqual([
      1,
      null,
      'drv-1',
    ]);
  });

  it('rewrites a filter too deep to one every mode refuses, and says a SUBSCRIBE came', () => {
    const d = decidePacket(filtersFrame({ packetId: 1, filters: [deep], requestedQos: [0] }), 3, context());
    expect(d.verdict === 'forward' && d.subscribed).toBe(true);
    expect(d.verdict === 'forward' && new TextDecoder().decode(d.bytes)).toContain('$ridetrack/filter-too-deep');
  });

  it('takes an MQTT 3.1 PUBREL resent with DUP as a plain PUBREL', () => {
    const d = decidePacket(packet(0x6a, [0, 7]), 2, context({ protocolLevel: 3 }));
    expect(d.verdict === 'forward' && d.bytes[0]).toBe(0x62);
  });
});
