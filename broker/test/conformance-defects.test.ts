import { once } from 'node:events';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { closed, metricValue, mqttString, rawConnect, rawPacket, rawSocket, useTestBroker } from './harness';

/**
 * MUSTs of MQTT 3.1.1 (and 3.1) that independent conformance suites found broken, each over a real
 * socket against the broker in open mode (protocol handling is the same in every mode). Each test
 * failed before its fix.
 */
const t = useTestBroker({ AUTH_MODE: 'open' });

const CONNACK_OK = '20020000';
const str = mqttString;

/** Bytes received until `count` have arrived (or the socket closed). */
async function receive(socket: Socket & { received: Buffer[] }, count: number): Promise<Buffer> {
  while (Buffer.concat(socket.received).length < count && !socket.closed) {
    await Promise.race([once(socket, 'data'), once(socket, 'close')]);
  }
  return Buffer.concat(socket.received);
}

async function connected(id: string, flags = 0x02, level = 4): Promise<Socket & { received: Buffer[] }> {
  const socket = await rawSocket(t.broker.ports.mqtt);
  socket.write(level === 4 ? rawConnect({ flags, fields: [str(id)] }) : connect31(id, flags));
  await receive(socket, 4);
  socket.received.length = 0;
  return socket;
}

function connect31(id: string, flags: number): Buffer {
  return rawPacket(0x10, [...str('MQIsdp'), 3, flags, 0, 60, ...str(id)]);
}

async function closedWith(reason: string, act: () => Promise<void>): Promise<void> {
  const before = await metricValue(t.broker, 'ridetrack_protocol_violations_total', { reason });
  await act();
  expect(await metricValue(t.broker, 'ridetrack_protocol_violations_total', { reason })).toBe(before + 1);
}

describe('[MQTT-3.2.2-2] Session Present', () => {
  it('is 1 when a persistent session with no subscriptions is resumed', async () => {
    const first = await rawSocket(t.broker.ports.mqtt);
    first.write(rawConnect({ flags: 0x00, fields: [str('sp-none')] }));
    expect((await receive(first, 4)).toString('hex')).toBe(CONNACK_OK);
    first.write(Buffer.from([0xe0, 0])); // DISCONNECT
    await closed(first);
    const again = await rawSocket(t.broker.ports.mqtt);
    again.write(rawConnect({ flags: 0x00, fields: [str('sp-none')] }));
    expect((await receive(again, 4)).toString('hex')).toBe('20020100');
    again.destroy();
    // A clean session discards it: the next persistent one starts afresh.
    const clean = await rawSocket(t.broker.ports.mqtt);
    clean.write(rawConnect({ flags: 0x02, fields: [str('sp-none')] }));
    expect((await receive(clean, 4)).toString('hex')).toBe(CONNACK_OK);
    clean.write(Buffer.from([0xe0, 0]));
    await closed(clean);
    const fresh = await rawSocket(t.broker.ports.mqtt);
    fresh.write(rawConnect({ flags: 0x00, fields: [str('sp-none')] }));
    expect((await receive(fresh, 4)).toString('hex')).toBe(CONNACK_OK);
    fresh.destroy();
  });
});

describe('[MQTT-3.1.2-2] an unsupported protocol level', () => {
  it.each([
    ['MQTT', 2],
    ['MQTT', 6],
    ['MQIsdp', 2],
    ['MQIsdp', 6],
  ])('%s level %i is answered with CONNACK 0x01, then closed', async (name, level) => {
    await closedWith('unsupported_protocol_level', async () => {
      const socket = await rawSocket(t.broker.ports.mqtt);
      socket.write(rawPacket(0x10, [...str(name), level, 0x02, 0, 60, ...str('lvl')]));
      await closed(socket);
      expect(Buffer.concat(socket.received).toString('hex')).toBe('20020001');
    });
  });
});

describe('[MQTT-4.7.1-3] retained messages and + over an empty level', () => {
  it.each([
    ['test/topic/', 'test/topic/+'],
    ['a/', '+/+'],
    ['/b', '+/b'],
  ])('the retained message on "%s" reaches a subscription to "%s"', async (topic, filter) => {
    const publisher = await connected(`ret-pub-${topic}`);
    publisher.write(rawPacket(0x31, [...str(topic), 7])); // QoS 0, retained
    const subscriber = await connected(`ret-sub-${topic}`);
    subscriber.write(rawPacket(0x82, [0, 1, ...str(filter), 0]));
    // SUBACK (5 bytes), then the retained PUBLISH.
    const got = await receive(subscriber, 5 + 2 + 2 + Buffer.byteLength(topic) + 1);
    expect(got.subarray(5).toString('hex')).toBe(rawPacket(0x31, [...str(topic), 7]).toString('hex'));
    publisher.destroy();
    subscriber.destroy();
  });
});

describe('a retained message published, then subscribed to, on one connection', () => {
  it('arrives once, not live and then again as the retained one', async () => {
    const client = await connected('echo-1');
    // Published and subscribed in one write: the subscription takes effect while the publish routes.
    client.write(
      Buffer.concat([rawPacket(0x31, [...str('echo/t'), 42]), rawPacket(0x82, [0, 1, ...str('echo/t'), 0])]),
    );
    const suback = '9003000100';
    await receive(client, 5 + 11);
    // Anything further would come within the echo window: give it the time a second copy takes.
    await new Promise((r) => setTimeout(r, 300));
    const got = Buffer.concat(client.received).toString('hex');
    const publishes = got.replace(suback, '').match(/3[01]09/g) ?? [];
    expect(publishes).toHaveLength(1);
    client.destroy();
  });
});

describe('malformed packets close the connection [MQTT-4.8.0-1]', () => {
  it.each([
    ['PINGREQ with a body', rawPacket(0xc0, [0]), 'unexpected_body'],
    ['PUBACK with remaining length 0', rawPacket(0x40, []), 'bad_ack_length'],
    ['PUBACK with remaining length 1', rawPacket(0x40, [1]), 'bad_ack_length'],
    ['PUBACK with remaining length 3', rawPacket(0x40, [0, 1, 0]), 'bad_ack_length'],
    ['PUBCOMP with remaining length 3', rawPacket(0x70, [0, 1, 0]), 'bad_ack_length'],
    ['PUBREC with remaining length 3', rawPacket(0x50, [0, 1, 0]), 'bad_ack_length'],
    ['PUBREL with remaining length 3', rawPacket(0x62, [0, 1, 0]), 'bad_ack_length'],
    ['PUBACK with packet id 0', rawPacket(0x40, [0, 0]), 'packet_id_zero'],
    ['PUBREL with packet id 0', rawPacket(0x62, [0, 0]), 'packet_id_zero'],
    ['[MQTT-3.3.1-2] a QoS 0 PUBLISH with DUP 1', rawPacket(0x38, [...str('x/y'), 1]), 'dup_on_qos0'],
  ])('%s', async (_name, packet, reason) => {
    await closedWith(reason, async () => {
      const socket = await connected(`bad-${reason}`);
      socket.write(packet);
      await closed(socket);
      expect(Buffer.concat(socket.received)).toHaveLength(0); // not answered
    });
  });
});

describe('the wrong acknowledgement for a flow closes the connection', () => {
  async function subscribedAt(qos: 1 | 2): Promise<{ socket: Socket & { received: Buffer[] }; packetId: number }> {
    const socket = await connected(`flow-${qos}-${Math.random()}`);
    socket.write(rawPacket(0x82, [0, 1, ...str(`flow/${qos}`), qos]));
    await receive(socket, 5);
    socket.received.length = 0;
    const publisher = await connected(`flow-pub-${Math.random()}`);
    publisher.write(rawPacket(0x30 | (qos << 1), [...str(`flow/${qos}`), 0, 9, 1]));
    const got = await receive(socket, 2 + 2 + 6 + 2 + 1);
    publisher.destroy();
    const packetId = got.readUInt16BE(2 + 2 + 6);
    return { socket, packetId };
  }

  it.each([
    ['PUBREC for a QoS 1 message', 1, 0x50],
    ['PUBCOMP for a QoS 1 message', 1, 0x70],
    ['PUBACK for a QoS 2 message', 2, 0x40],
    ['PUBCOMP for a QoS 2 message before PUBREL', 2, 0x70],
  ] as const)('%s', async (_name, qos, ack) => {
    await closedWith('wrong_ack', async () => {
      const { socket, packetId } = await subscribedAt(qos);
      socket.received.length = 0;
      socket.write(Buffer.from([ack, 2, packetId >> 8, packetId & 0xff]));
      await closed(socket);
      // PUBREC for QoS 1 was once answered with PUBREL: nothing is answered now.
      expect(Buffer.concat(socket.received)).toHaveLength(0);
    });
  });
});

describe('topics and filters deeper than 100 levels', () => {
  const deep = Array.from({ length: 101 }, (_, i) => `l${i}`).join('/');

  it('a filter too deep is refused on its own (SUBACK 0x80); the connection and other filters stay', async () => {
    const socket = await connected('deep-sub');
    socket.write(rawPacket(0x82, [0, 7, ...str(deep), 0, ...str('ok/topic'), 0]));
    expect((await receive(socket, 6)).toString('hex')).toBe('9004000780' + '00');
    expect(socket.closed).toBe(false);
    socket.destroy();
  });

  it('a publish to a topic too deep closes the connection, counted as topic_too_deep', async () => {
    await closedWith('topic_too_deep', async () => {
      const socket = await connected('deep-pub');
      socket.write(rawPacket(0x30, [...str(deep), 1]));
      await closed(socket);
    });
  });
});

describe('MQTT 3.1', () => {
  it('an empty client id gets CONNACK 0x02 (identifier rejected)', async () => {
    const socket = await rawSocket(t.broker.ports.mqtt);
    socket.write(connect31('', 0x02));
    await closed(socket);
    expect(Buffer.concat(socket.received).toString('hex')).toBe('20020002');
  });

  it('a PUBREL resent with DUP 1 goes on as one without', async () => {
    const socket = await connected('v31-pubrel', 0x02, 3);
    socket.write(rawPacket(0x34, [...str('v31/t'), 0, 3, 1])); // QoS 2 PUBLISH, id 3
    expect((await receive(socket, 4)).toString('hex')).toBe('50020003'); // PUBREC
    socket.received.length = 0;
    socket.write(Buffer.from([0x6a, 2, 0, 3])); // PUBREL with DUP, as 3.1 resends it
    expect((await receive(socket, 4)).toString('hex')).toBe('70020003'); // PUBCOMP
    expect(socket.closed).toBe(false);
    socket.destroy();
  });

  it('gets no Session Present bit, which 3.1 reserves', async () => {
    const first = await rawSocket(t.broker.ports.mqtt);
    first.write(connect31('v31-sp', 0x00));
    await receive(first, 4);
    first.write(rawPacket(0x82, [0, 1, ...str('v31/s'), 1]));
    await receive(first, 4 + 5);
    first.write(Buffer.from([0xe0, 0]));
    await closed(first);
    const again = await rawSocket(t.broker.ports.mqtt);
    again.write(connect31('v31-sp', 0x00));
    expect((await receive(again, 4)).toString('hex')).toBe(CONNACK_OK);
    again.destroy();
  });
});
