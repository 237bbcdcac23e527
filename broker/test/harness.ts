import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { remainingLengthBytes } from '../src/ingress/frames';
import type { RunningBroker } from '../src/index';

// Starting and stopping brokers and their stores: test-broker.ts.
export {
  startTestBroker,
  storeBackends,
  useRedis,
  useRedisCluster,
  useTestBroker,
  withTestBroker,
  type StoreBackend,
  type TestBroker,
} from './test-broker';

// Tokens and fixtures come from the test kit; re-exported so a broker test imports one module.
export {
  driverClaims,
  fixOf,
  inAnHour,
  operatorClaims,
  packetOf,
  riderClaims,
  serviceClaims,
} from '@ridetrack/testkit';

/** An mqtt.js client that does not reconnect, so each test sees exactly what the broker did. */
export function connectClient(
  url: string,
  clientId: string,
  password: string | undefined,
  extra: mqtt.IClientOptions = {},
): Promise<MqttClient> {
  return mqtt.connectAsync(url, {
    clientId,
    ...(password === undefined ? {} : { username: 'token', password }),
    reconnectPeriod: 0,
    connectTimeout: 5000,
    protocolVersion: 4,
    ...extra,
  });
}

/** Connects and expects a refusal; resolves with the CONNACK return code. */
export async function connectRefused(url: string, clientId: string, password: string | undefined): Promise<number> {
  try {
    const client = await connectClient(url, clientId, password);
    await client.endAsync();
  } catch (err) {
    return (err as { code?: number }).code ?? -1;
  }
  throw new Error('connection was accepted');
}

/** Resolves with the next message on a topic (listening from the call on, missing none). */
export function nextMessage(
  client: MqttClient,
  topic?: string,
): Promise<{ topic: string; payload: Buffer; retain: boolean }> {
  return new Promise((resolve) => {
    const onMessage = (t: string, payload: Buffer, packet: { retain: boolean }): void => {
      if (topic !== undefined && t !== topic) return;
      client.off('message', onMessage);
      resolve({ topic: t, payload, retain: packet.retain });
    };
    client.on('message', onMessage);
  });
}

/** Collects messages until `count` arrived. */
export function collect(client: MqttClient, count: number, topic?: string): Promise<Buffer[]> {
  return new Promise((resolve) => {
    const got: Buffer[] = [];
    const onMessage = (t: string, payload: Buffer): void => {
      if (topic !== undefined && t !== topic) return;
      got.push(payload);
      if (got.length === count) {
        client.off('message', onMessage);
        resolve(got);
      }
    };
    client.on('message', onMessage);
  });
}

/** The sum of a metric's series whose labels include `labels`, read from the broker's registry. */
export async function metricValue(
  broker: RunningBroker,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = broker.metrics.registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, val]) => String((v.labels as Record<string, unknown>)[k]) === val))
    .reduce((sum, v) => sum + v.value, 0);
}

/** A raw TCP connection, for packets no well-behaved client library would send. */
export async function rawSocket(port: number, localAddress?: string): Promise<Socket & { received: Buffer[] }> {
  const socket = netConnect({ port, host: '127.0.0.1', ...(localAddress === undefined ? {} : { localAddress }) });
  await once(socket, 'connect');
  const received: Buffer[] = [];
  socket.on('data', (d: Buffer) => received.push(d));
  socket.on('error', () => undefined);
  return Object.assign(socket, { received });
}

/** Resolves when the socket is closed by the other side. */
export function closed(socket: Socket): Promise<void> {
  return socket.closed || socket.destroyed ? Promise.resolve() : once(socket, 'close').then(() => undefined);
}

/** Builds an MQTT packet from its first byte and body, filling in the remaining length. */
export function rawPacket(first: number, body: number[]): Buffer {
  return Buffer.from([first, ...remainingLengthBytes(body.length), ...body]);
}

/** An MQTT string field: 2-byte length then bytes. */
export function mqttString(s: string | number[]): number[] {
  const bytes = typeof s === 'string' ? Array.from(Buffer.from(s, 'utf8')) : s;
  return [bytes.length >> 8, bytes.length & 0xff, ...bytes];
}

/** A CONNECT packet (MQTT 3.1.1) with the given flags and payload fields. */
export function rawConnect(opts: { flags: number; keepaliveS?: number; fields: number[][] }): Buffer {
  const keepalive = opts.keepaliveS ?? 60;
  return rawPacket(0x10, [
    ...mqttString('MQTT'),
    4,
    opts.flags,
    keepalive >> 8,
    keepalive & 0xff,
    ...opts.fields.flat(),
  ]);
}

/** Subscribes and returns the granted QoS from the SUBACK (128 for a refusal). */
export async function subackCode(client: MqttClient, filter: string): Promise<number> {
  try {
    const [granted] = await client.subscribeAsync(filter, { qos: 0 });
    return granted?.qos ?? -1;
  } catch (err) {
    const granted = (err as { packet?: { granted?: number[] } }).packet?.granted;
    if (granted?.[0] === undefined) throw err;
    return granted[0];
  }
}

/** Resolves when an mqtt.js client's connection closes. */
export function clientClosed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => client.once('close', () => resolve()));
}
