import { spawnSync } from 'node:child_process';
import type { Socket } from 'node:net';
import { execPath } from 'node:process';
import { describe, expect, it } from 'vitest';
import { socketBudget } from '../src/transports/listeners';
import {
  closed,
  connectClient,
  driverClaims,
  metricValue,
  mqttString,
  rawConnect,
  rawPacket,
  rawSocket,
  useTestBroker,
  withTestBroker,
} from './harness';
import { rawWebSocket, wsFrame } from './raw-websocket';
import { until } from '@ridetrack/testkit';

/**
 * Bytes an attacker sends before (or instead of) authenticating. Every byte from a client is hostile
 * until proven otherwise: none of these may end the process, and each connection is closed with a
 * counted reason. The broker runs in this process, so an exception that escaped a connection would
 * fail the test run itself.
 */
const t = useTestBroker();

/** A QoS 0 PUBLISH whose topic length (0xffff) runs past the end of its 7-byte frame. */
const TOPIC_PAST_FRAME = Buffer.from([0x30, 0x05, 0xff, 0xff, 0x64, 0x2f, 0x78]);
const PINGREQ = Buffer.from([0xc0, 0x00]);
const qos0Publish = (topic: string, payload: number[]) => rawPacket(0x30, [...mqttString(topic), ...payload]);

/** Blocks this process's event loop (the broker's too) until the broker reports it lagging. */
async function makeTheBrokerLag(): Promise<void> {
  for (;;) {
    const until = Date.now() + 150;
    while (Date.now() < until) {
      // busy: a real stall of the event loop, as a slow garbage collection or a burst would make
    }
    const health = (await (await fetch(`${t.httpUrl}/healthz`)).json()) as { eventLoopLagMs: number };
    if (health.eventLoopLagMs > 50) return;
  }
}

async function brokerStillServes(): Promise<void> {
  const client = await connectClient(t.tcpUrl, 'drv-alive', await t.token(driverClaims('drv-alive')));
  await client.endAsync();
}

/** A CONNECT as a driver with a valid token (user name "token", password the JWT). */
async function driverConnect(id: string): Promise<Buffer> {
  const token = await t.token(driverClaims(id));
  return rawConnect({ flags: 0xc2, fields: [mqttString(id), mqttString('token'), mqttString(token)] });
}

const closedFor = async (reason: string, act: () => Promise<void>): Promise<void> => {
  const before = await metricValue(t.broker, 'ridetrack_protocol_violations_total', { reason });
  await act();
  expect(await metricValue(t.broker, 'ridetrack_protocol_violations_total', { reason })).toBe(before + 1);
};

describe('a frame whose topic runs past its end', () => {
  it('over WebSocket, behind an unauthenticated CONNECT in the same write: refused, the broker lives', async () => {
    const ws = await rawWebSocket(t.broker.ports.http);
    const before = await metricValue(t.broker, 'ridetrack_auth_failures_total');
    ws.sendMessages([
      rawConnect({ flags: 0x02, fields: [mqttString('x')] }),
      Buffer.concat([qos0Publish('d/x/l', [1]), TOPIC_PAST_FRAME]),
    ]);
    await closed(ws.socket);
    expect(await metricValue(t.broker, 'ridetrack_auth_failures_total')).toBe(before + 1);
    await brokerStillServes();
  });

  it('over WebSocket, behind an authenticated CONNECT in the same write: closed as truncated', async () => {
    const ws = await rawWebSocket(t.broker.ports.http);
    await closedFor('truncated', async () => {
      ws.sendMessages([
        await driverConnect('drv-ws-x'),
        Buffer.concat([qos0Publish('d/drv-ws-x/l', [1]), TOPIC_PAST_FRAME]),
      ]);
      await closed(ws.socket);
    });
    await brokerStillServes();
  });

  it('over TCP, before any CONNECT, while the broker lags: the connection closes, the broker lives', async () => {
    await makeTheBrokerLag();
    await closedFor('first_packet_not_connect', async () => {
      const socket = await rawSocket(t.broker.ports.mqtt);
      socket.write(Buffer.concat([PINGREQ, TOPIC_PAST_FRAME]));
      await closed(socket);
    });
    await brokerStillServes();
  });

  it('over TCP, after an authenticated CONNECT and while the broker lags: closed as truncated', async () => {
    const socket = await rawSocket(t.broker.ports.mqtt);
    socket.write(await driverConnect('drv-lag'));
    await until(() => Buffer.concat(socket.received).length >= 4, 'the CONNACK');
    await makeTheBrokerLag();
    await closedFor('truncated', async () => {
      socket.write(Buffer.concat([qos0Publish('d/drv-lag/l', [1]), qos0Publish('d/drv-lag/l', [1]), TOPIC_PAST_FRAME]));
      await closed(socket);
    });
    await brokerStillServes();
  });
});

describe('the first packet', () => {
  it.each([
    ['PINGREQ', PINGREQ],
    ['a PUBLISH', qos0Publish('d/x/l', [1])],
    ['a SUBSCRIBE', rawPacket(0x82, [0, 1, ...mqttString('d/+/l'), 0])],
  ])('must be CONNECT [MQTT-3.1.0-1]: %s first closes the connection', async (_name, packet) => {
    const reason = 'first_packet_not_connect';
    const before = await metricValue(t.broker, 'ridetrack_protocol_violations_total', { reason });
    const socket = await rawSocket(t.broker.ports.mqtt);
    socket.write(packet);
    await closed(socket);
    expect(Buffer.concat(socket.received)).toHaveLength(0);
    expect(await metricValue(t.broker, 'ridetrack_protocol_violations_total', { reason })).toBe(before + 1);
  });

  it('a second CONNECT closes the connection [MQTT-3.1.0-2]', async () => {
    const reason = 'second_connect';
    const before = await metricValue(t.broker, 'ridetrack_protocol_violations_total', { reason });
    const socket = await rawSocket(t.broker.ports.mqtt);
    const connect = rawConnect({ flags: 0x02, fields: [mqttString('x2')] });
    socket.write(Buffer.concat([connect, connect]));
    await closed(socket);
    expect(await metricValue(t.broker, 'ridetrack_protocol_violations_total', { reason })).toBe(before + 1);
  });
});

describe('the WebSocket layer', () => {
  it('closes and counts a message over the packet size limit before buffering it', async () => {
    const ws = await rawWebSocket(t.broker.ports.http);
    await closedFor('packet_too_large', async () => {
      ws.socket.write(wsFrame(Buffer.alloc(64 * 1024, 0x30)));
      await closed(ws.socket);
    });
  });

  it('closes and counts a frame that breaks the WebSocket protocol', async () => {
    const ws = await rawWebSocket(t.broker.ports.http);
    await closedFor('ws_protocol_error', async () => {
      ws.socket.write(wsFrame(Buffer.from([1, 2, 3]), 0x3)); // opcode 3 is reserved [RFC 6455 5.2]
      await closed(ws.socket);
    });
  });
});

describe('sockets that never speak', () => {
  it('count against MAX_CONNECTIONS: past the budget a new socket is closed at accept', async () => {
    await withTestBroker({ MAX_CONNECTIONS: '4' }, async (b) => {
      const budget = socketBudget(4);
      const idle: Socket[] = [];
      for (let i = 0; i < budget; i++)
        idle.push(await rawSocket(i % 2 === 0 ? b.broker.ports.http : b.broker.ports.mqtt));
      const refused = await metricValue(b.broker, 'ridetrack_connections_refused_total', {
        reason: 'too_many_connections',
      });
      const extra = await rawSocket(b.broker.ports.http);
      await closed(extra);
      expect(
        await metricValue(b.broker, 'ridetrack_connections_refused_total', { reason: 'too_many_connections' }),
      ).toBe(refused + 1);
      for (const s of idle) s.destroy();
      // Once they are gone, the budget is free again.
      await until(
        async () =>
          (await fetch(`${b.httpUrl}/livez`).then(
            (r) => r.status,
            () => 0,
          )) === 200,
        'room again',
      );
    });
  });

  it('an idle HTTP connection is closed after HTTP_HEADERS_TIMEOUT_MS', async () => {
    await withTestBroker({ HTTP_HEADERS_TIMEOUT_MS: '1000' }, async (b) => {
      const socket = await rawSocket(b.broker.ports.http);
      socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'); // the headers never end
      const started = Date.now();
      await closed(socket);
      expect(Date.now() - started).toBeLessThan(15_000); // Node's default left it open for over a minute
    });
  });
});

describe('a client that goes while it is being authenticated', () => {
  it('leaves no driver online and no connection counted', async () => {
    const health = async () =>
      (await (await fetch(`${t.httpUrl}/healthz`)).json()) as { connections: number; driversOnline: number };
    const gauge = () => metricValue(t.broker, 'ridetrack_connections', { role: 'driver', transport: 'tcp' });
    const before = await health();
    const gaugeBefore = await gauge();
    for (let i = 0; i < 20; i++) {
      const socket = await rawSocket(t.broker.ports.mqtt);
      // CONNECT and FIN in one write: the connection has closed before the token's check finishes.
      socket.end(await driverConnect(`drv-gone-${i}`));
      await closed(socket);
    }
    await brokerStillServes();
    await until(async () => (await health()).connections === before.connections, 'connections back', 5000);
    expect((await health()).driversOnline).toBe(before.driversOnline);
    expect(await gauge()).toBe(gaugeBefore);
    expect(
      await metricValue(t.broker, 'ridetrack_connections_refused_total', { reason: 'closed_during_authentication' }),
    ).toBeGreaterThan(0);
  });
});

describe('a socket reset before the broker accepts it', () => {
  it('is closed unheard and counted: with no source address, no per-address ban could hold for it', async () => {
    // A child process connects, sends a CONNECT with a bad token and resets, five times, while this
    // process (the broker's) is blocked: the broker accepts sockets already reset, whose source
    // address can no longer be read. Heard, their failures would count against no address at all.
    const connect = rawConnect({ flags: 0xc2, fields: [mqttString('drv-reset'), mqttString('u'), mqttString('bad')] });
    const script = `
      const net = require('node:net');
      let left = 5;
      for (let i = 0; i < 5; i++) {
        const s = net.connect(${t.broker.ports.mqtt}, '127.0.0.1', () => {
          s.write(Buffer.from('${connect.toString('hex')}', 'hex'), () => s.resetAndDestroy());
        });
        s.on('error', () => undefined);
        s.on('close', () => { if (--left === 0) process.exit(0); });
      }`;
    const failures = await metricValue(t.broker, 'ridetrack_auth_failures_total');
    const gone = await metricValue(t.broker, 'ridetrack_connections_refused_total', { reason: 'peer_gone' });
    expect(spawnSync(execPath, ['-e', script], { timeout: 10_000 }).status).toBe(0);
    await until(
      async () =>
        (await metricValue(t.broker, 'ridetrack_connections_refused_total', { reason: 'peer_gone' })) === gone + 5,
      'five sockets closed at accept',
      5000,
    );
    expect(await metricValue(t.broker, 'ridetrack_auth_failures_total')).toBe(failures);
    await brokerStillServes();
  });
});
