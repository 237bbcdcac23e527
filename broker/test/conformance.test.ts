import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  closed,
  metricValue,
  mqttString,
  rawConnect,
  rawPacket,
  rawSocket,
  useTestBroker,
  withTestBroker,
} from './harness';

/**
 * MQTT 3.1.1 statements that stock Aedes lets through, checked over a real socket against the
 * broker in open mode (protocol handling is the same in every mode). The inspector's unit tests
 * (src/ingress/inspect.test.ts) cover every statement; these show the connection really closes.
 */
const t = useTestBroker({ AUTH_MODE: 'open' });

const CONNACK_ACCEPTED = Buffer.from([0x20, 0x02, 0x00, 0x00]);
const goodConnect = (id: string) => rawConnect({ flags: 0x02, fields: [mqttString(id)] });

async function expectClosedAfter(packets: Buffer[], reason: string): Promise<Buffer> {
  const before = await metricValue(t.broker, 'ridetrack_protocol_violations_total', { reason });
  const socket = await rawSocket(t.broker.ports.mqtt);
  for (const p of packets) socket.write(p);
  await closed(socket);
  expect(await metricValue(t.broker, 'ridetrack_protocol_violations_total', { reason })).toBe(before + 1);
  return Buffer.concat(socket.received);
}

describe('MQTT 3.1.1 statements closed around Aedes', () => {
  it.each([
    [
      '[MQTT-1.5.3-2] U+0000 in the client id',
      [rawConnect({ flags: 0x02, fields: [mqttString([0x61, 0, 0x62])] })],
      'null_char',
    ],
    [
      '[MQTT-1.5.3-1] an unpaired surrogate in the client id',
      [rawConnect({ flags: 0x02, fields: [mqttString([0xed, 0xa0, 0x80])] })],
      'bad_utf8',
    ],
    [
      '[MQTT-1.5.3-1] an unpaired surrogate in the will topic',
      [rawConnect({ flags: 0x06, fields: [mqttString('c'), mqttString([0xed, 0xb0, 0x80]), mqttString('x')] })],
      'bad_utf8',
    ],
    [
      '[MQTT-1.5.3-2] U+0000 in the user name',
      [rawConnect({ flags: 0x82, fields: [mqttString('c'), mqttString([0])] })],
      'null_char',
    ],
    [
      '[MQTT-3.1.2-14] will QoS 3',
      [rawConnect({ flags: 0x1e, fields: [mqttString('c'), mqttString('w'), mqttString('x')] })],
      'will_qos_3',
    ],
    [
      '[MQTT-1.5.3-2] U+0000 in a PUBLISH topic',
      [goodConnect('c1'), rawPacket(0x30, [...mqttString([0x61, 0]), 1])],
      'null_char',
    ],
    [
      '[MQTT-1.5.3-1] a surrogate in a PUBLISH topic',
      [goodConnect('c2'), rawPacket(0x30, [...mqttString([0xed, 0xa0, 0x80]), 1])],
      'bad_utf8',
    ],
    [
      '[MQTT-2.3.1-1] a QoS 1 PUBLISH with packet id 0',
      [goodConnect('c3'), rawPacket(0x32, [...mqttString('a'), 0, 0, 1])],
      'packet_id_zero',
    ],
    [
      '[MQTT-2.3.1-1] a SUBSCRIBE with packet id 0',
      [goodConnect('c4'), rawPacket(0x82, [0, 0, ...mqttString('a'), 0])],
      'packet_id_zero',
    ],
    ['[MQTT-3.10.3-2] an UNSUBSCRIBE with no topic', [goodConnect('c5'), rawPacket(0xa2, [0, 1])], 'no_topic_filters'],
    [
      '[MQTT-1.5.3-2] U+0000 in a SUBSCRIBE filter',
      [goodConnect('c6'), rawPacket(0x82, [0, 1, ...mqttString([0x61, 0]), 0])],
      'null_char',
    ],
    [
      '[MQTT-4.7.1-2] a misplaced # in a filter',
      [goodConnect('c7'), rawPacket(0x82, [0, 1, ...mqttString('a/#/b'), 0])],
      'bad_topic_filter',
    ],
  ])('closes the connection on %s', async (_name, packets, reason) => {
    await expectClosedAfter(packets, reason);
  });

  it('[MQTT-3.1.3-8] answers an empty client id with clean session 0 by CONNACK 0x02, then closes', async () => {
    const received = await expectClosedAfter(
      [rawConnect({ flags: 0x00, fields: [mqttString('')] })],
      'empty_client_id_persistent',
    );
    expect(received.toString('hex')).toBe('20020002');
  });

  it('still accepts an empty client id with a clean session [MQTT-3.1.3-6]', async () => {
    const socket = await rawSocket(t.broker.ports.mqtt);
    socket.write(rawConnect({ flags: 0x02, fields: [mqttString('')] }));
    await new Promise((resolve) => socket.once('data', resolve));
    expect(Buffer.concat(socket.received).subarray(0, 4)).toEqual(CONNACK_ACCEPTED);
    socket.destroy();
  });
});

describe('in-flight cap', () => {
  it('disconnects a client that leaves more QoS 2 publishes than MAX_INFLIGHT_INBOUND awaiting PUBREL', async () => {
    await withTestBroker({ AUTH_MODE: 'open', MAX_INFLIGHT_INBOUND: '5', PUBLISH_BURST: '1000' }, async (capped) => {
      const socket = await rawSocket(capped.broker.ports.mqtt);
      socket.write(rawConnect({ flags: 0x02, fields: [mqttString('qos2-hoarder')] }));
      await once(socket, 'data');
      // Five QoS 2 publishes are answered with PUBREC and kept; the client never sends PUBREL.
      for (let id = 1; id <= 5; id++) socket.write(rawPacket(0x34, [...mqttString('x/y'), 0, id, 1]));
      while (Buffer.concat(socket.received).filter((b) => b === 0x50).length < 5) await once(socket, 'data');
      expect(socket.closed).toBe(false);
      socket.write(rawPacket(0x34, [...mqttString('x/y'), 0, 6, 1]));
      await closed(socket);
      expect(
        await metricValue(capped.broker, 'ridetrack_protocol_violations_total', { reason: 'qos2_inflight_exceeded' }),
      ).toBe(1);
    });
  });
});
