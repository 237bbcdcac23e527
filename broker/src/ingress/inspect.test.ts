import { describe, expect, it } from 'vitest';
import { remainingLengthBytes } from './frames';
import { inspectFrame } from './inspect';

/** Builds a packet from its first byte and body, with the remaining length filled in. */
function packet(first: number, body: number[]): { bytes: Uint8Array; headerLength: number } {
  const len = remainingLengthBytes(body.length);
  return { bytes: Uint8Array.from([first, ...len, ...body]), headerLength: 1 + len.length };
}
const str = (s: string | number[]): number[] => {
  const bytes = typeof s === 'string' ? Array.from(new TextEncoder().encode(s)) : s;
  return [bytes.length >> 8, bytes.length & 0xff, ...bytes];
};
const connect = (flags: number, fields: number[][]): ReturnType<typeof packet> =>
  packet(0x10, [...str('MQTT'), 4, flags, 0, 60, ...fields.flat()]);

describe('inspectFrame: CONNECT', () => {
  it('reads a well-formed CONNECT', () => {
    const r = inspectFrame(
      connect(0x02 | 0x04 | 0x80 | 0x40, [str('drv-1'), str('d/drv-1/s'), str('{}'), str('u'), str('token')]),
    );
    expect(r).toEqual({
      ok: true,
      value: {
        type: 'connect',
        protocolLevel: 4,
        clientId: 'drv-1',
        clean: true,
        keepaliveS: 60,
        willTopic: 'd/drv-1/s',
      },
    });
  });

  it.each([
    ['[MQTT-1.5.3-2] U+0000 in the client id', connect(0x02, [str([0x61, 0x00, 0x62])]), 'null_char'],
    [
      '[MQTT-1.5.3-1] an encoded surrogate (U+D800) in the client id',
      connect(0x02, [str([0xed, 0xa0, 0x80])]),
      'bad_utf8',
    ],
    ['[MQTT-1.5.3-1] overlong UTF-8 in the user name', connect(0x82, [str('c'), str([0xc0, 0xaf])]), 'bad_utf8'],
    ['[MQTT-1.5.3-2] U+0000 in the will topic', connect(0x06, [str('c'), str([0x64, 0x00]), str('x')]), 'null_char'],
    ['[MQTT-3.1.2-14] will QoS 3', connect(0x02 | 0x04 | 0x18, [str('c'), str('t'), str('x')]), 'will_qos_3'],
    ['[MQTT-3.1.2-13] will QoS without the will flag', connect(0x02 | 0x08, [str('c')]), 'will_flags_without_will'],
    ['[MQTT-3.1.2-15] will retain without the will flag', connect(0x02 | 0x20, [str('c')]), 'will_flags_without_will'],
    [
      '[MQTT-3.1.2-22] a password without a user name',
      connect(0x02 | 0x40, [str('c'), str('p')]),
      'password_without_username',
    ],
    ['[MQTT-3.1.2-3] the reserved flag', connect(0x03, [str('c')]), 'reserved_connect_flag'],
    ['[MQTT-3.1.3-8] an empty client id with clean session 0', connect(0x00, [str('')]), 'empty_client_id_persistent'],
    ['a will topic with a wildcard', connect(0x06, [str('c'), str('d/+/s'), str('x')]), 'will_topic_invalid'],
    ['an empty will topic', connect(0x06, [str('c'), str(''), str('x')]), 'will_topic_invalid'],
    [
      '[MQTT-3.1.2-1] a wrong protocol name',
      packet(0x10, [...str('MQTX'), 4, 2, 0, 60, ...str('c')]),
      'bad_protocol_name',
    ],
    ['bytes after the last field', connect(0x02, [str('c'), [1, 2]]), 'trailing_bytes'],
    ['a client id cut short', connect(0x02, [[0, 9, 0x61]]), 'truncated'],
  ])('refuses %s', (_name, frame, reason) => {
    expect(inspectFrame(frame)).toEqual({ ok: false, reason });
  });

  it('leaves other protocol levels to Aedes, which answers return code 1 [MQTT-3.1.2-2]', () => {
    expect(inspectFrame(packet(0x10, [...str('MQTT'), 5, 2, 0, 60, 0]))).toMatchObject({
      ok: true,
      value: { protocolLevel: 5 },
    });
  });
});

describe('inspectFrame: PUBLISH, SUBSCRIBE, UNSUBSCRIBE', () => {
  it('reads a QoS 1 PUBLISH', () => {
    expect(inspectFrame(packet(0x33, [...str('d/a/l'), 0, 7, 1, 2, 3]))).toEqual({
      ok: true,
      value: { type: 'publish', qos: 1, retain: true, topic: 'd/a/l', packetId: 7, payloadOffset: 11 },
    });
  });

  it.each([
    ['[MQTT-2.3.1-1] a QoS 1 PUBLISH with packet id 0', packet(0x32, [...str('t'), 0, 0]), 'packet_id_zero'],
    ['[MQTT-2.3.1-1] a QoS 2 PUBLISH with packet id 0', packet(0x34, [...str('t'), 0, 0, 9]), 'packet_id_zero'],
    ['[MQTT-3.3.1-4] a PUBLISH with QoS 3', packet(0x36, [...str('t'), 0, 1]), 'publish_qos_3'],
    ['[MQTT-1.5.3-2] U+0000 in a topic', packet(0x30, [...str([0x61, 0x00])]), 'null_char'],
    ['[MQTT-1.5.3-1] an unpaired surrogate in a topic', packet(0x30, [...str([0x61, 0xed, 0xbf, 0xbf])]), 'bad_utf8'],
    ['[MQTT-4.7.3-1] an empty topic', packet(0x30, [...str('')]), 'empty_topic'],
    ['[MQTT-3.3.2-2] a wildcard in a topic name', packet(0x30, [...str('a/+')]), 'wildcard_in_topic'],
    ['[MQTT-2.3.1-1] a SUBSCRIBE with packet id 0', packet(0x82, [0, 0, ...str('a'), 0]), 'packet_id_zero'],
    ['[MQTT-3.8.3-3] a SUBSCRIBE with no filter', packet(0x82, [0, 1]), 'no_topic_filters'],
    ['[MQTT-3.8.3-4] a SUBSCRIBE asking for QoS 3', packet(0x82, [0, 1, ...str('a'), 3]), 'bad_requested_qos'],
    ['[MQTT-3.8.1-1] SUBSCRIBE header flags 0000', packet(0x80, [0, 1, ...str('a'), 0]), 'bad_header_flags'],
    ['[MQTT-4.7.1-2] a # that is not last', packet(0x82, [0, 1, ...str('a/#/b'), 0]), 'bad_topic_filter'],
    ['[MQTT-4.7.1-3] a + inside a level', packet(0x82, [0, 1, ...str('a/b+'), 0]), 'bad_topic_filter'],
    ['[MQTT-4.7.3-1] an empty topic filter', packet(0x82, [0, 1, ...str(''), 0]), 'empty_topic_filter'],
    ['[MQTT-1.5.3-2] U+0000 in a topic filter', packet(0x82, [0, 1, ...str([0x61, 0]), 0]), 'null_char'],
    ['[MQTT-3.10.3-2] an UNSUBSCRIBE with no topic', packet(0xa2, [0, 1]), 'no_topic_filters'],
    ['[MQTT-2.3.1-1] an UNSUBSCRIBE with packet id 0', packet(0xa2, [0, 0, ...str('a')]), 'packet_id_zero'],
    ['[MQTT-3.10.1-1] UNSUBSCRIBE header flags 0000', packet(0xa0, [0, 1, ...str('a')]), 'bad_header_flags'],
    ['[MQTT-1.5.3-1] bad UTF-8 in an UNSUBSCRIBE filter', packet(0xa2, [0, 1, ...str([0xff])]), 'bad_utf8'],
  ])('refuses %s', (_name, frame, reason) => {
    expect(inspectFrame(frame)).toEqual({ ok: false, reason });
  });

  it('reads SUBSCRIBE and UNSUBSCRIBE filters', () => {
    expect(inspectFrame(packet(0x82, [0, 1, ...str('d/+/l'), 0, ...str('d/x/s'), 1]))).toEqual({
      ok: true,
      value: { type: 'subscribe', packetId: 1, filters: ['d/+/l', 'd/x/s'], requestedQos: [0, 1] },
    });
    expect(inspectFrame(packet(0xa2, [0, 1, ...str('d/+/l')]))).toEqual({
      ok: true,
      value: { type: 'unsubscribe', packetId: 1, filters: ['d/+/l'] },
    });
  });
});

describe('inspectFrame: acknowledgements, pings and packets only a server sends', () => {
  it.each([
    ['[MQTT-3.12] PINGREQ with a body', packet(0xc0, [0]), 'unexpected_body'],
    ['[MQTT-3.14] DISCONNECT with a body', packet(0xe0, [0, 0]), 'unexpected_body'],
    ['[MQTT-2.2.2-2] PINGREQ with flags', packet(0xc1, []), 'bad_header_flags'],
    ['[MQTT-3.4.1] PUBACK with remaining length 0', packet(0x40, []), 'bad_ack_length'],
    ['[MQTT-3.4.1] PUBACK with remaining length 1', packet(0x40, [1]), 'bad_ack_length'],
    ['[MQTT-3.4.1] PUBACK with remaining length 3', packet(0x40, [0, 1, 0]), 'bad_ack_length'],
    ['[MQTT-3.7.1] PUBCOMP with remaining length 0', packet(0x70, []), 'bad_ack_length'],
    ['[MQTT-3.7.1] PUBCOMP with remaining length 3', packet(0x70, [0, 1, 0]), 'bad_ack_length'],
    ['[MQTT-3.5.1] PUBREC with remaining length 3', packet(0x50, [0, 1, 0]), 'bad_ack_length'],
    ['[MQTT-3.6.1] PUBREL with remaining length 3', packet(0x62, [0, 1, 0]), 'bad_ack_length'],
    ['[MQTT-2.3.1-1] PUBACK with packet id 0', packet(0x40, [0, 0]), 'packet_id_zero'],
    ['[MQTT-2.3.1-1] PUBREC with packet id 0', packet(0x50, [0, 0]), 'packet_id_zero'],
    ['[MQTT-2.3.1-1] PUBREL with packet id 0', packet(0x62, [0, 0]), 'packet_id_zero'],
    ['[MQTT-2.3.1-1] PUBCOMP with packet id 0', packet(0x70, [0, 0]), 'packet_id_zero'],
    ['[MQTT-3.6.1-1] PUBREL with flags 0000', packet(0x60, [0, 1]), 'bad_header_flags'],
    ['[MQTT-3.6.1-1] PUBREL with DUP (3.1.1)', packet(0x6a, [0, 1]), 'bad_header_flags'],
    ['[MQTT-2.2.2-2] PUBACK with flags', packet(0x42, [0, 1]), 'bad_header_flags'],
    ['[MQTT-3.3.1-2] a QoS 0 PUBLISH with DUP 1', packet(0x38, [...str('a'), 1]), 'dup_on_qos0'],
    ['[MQTT-2.2.1] a CONNACK from a client', packet(0x20, [0, 0]), 'server_packet_type'],
    ['[MQTT-2.2.1] a SUBACK from a client', packet(0x90, [0, 1, 0]), 'server_packet_type'],
    ['[MQTT-2.2.1] a PINGRESP from a client', packet(0xd0, []), 'server_packet_type'],
    ['[MQTT-2.2.1] reserved type 0', packet(0x00, []), 'server_packet_type'],
    ['[MQTT-2.2.1] reserved type 15', packet(0xf0, []), 'server_packet_type'],
  ])('refuses %s', (_name, frame, reason) => {
    expect(inspectFrame(frame)).toEqual({ ok: false, reason });
  });

  it('reads acknowledgements, and lets MQTT 3.1 resend a PUBREL with DUP', () => {
    expect(inspectFrame(packet(0x40, [0, 7]))).toEqual({
      ok: true,
      value: { type: 'ack', kind: 'puback', packetId: 7 },
    });
    expect(inspectFrame(packet(0x62, [1, 0]))).toEqual({
      ok: true,
      value: { type: 'ack', kind: 'pubrel', packetId: 256 },
    });
    expect(inspectFrame(packet(0x6a, [0, 1]), 3)).toEqual({
      ok: true,
      value: { type: 'ack', kind: 'pubrel', packetId: 1 },
    });
    expect(inspectFrame(packet(0xc0, []))).toEqual({ ok: true, value: { type: 'other', packetType: 12 } });
  });
});
