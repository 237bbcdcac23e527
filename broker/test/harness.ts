import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { remainingLengthBytes } from '../src/ingress/frames';
import { afterAll, beforeAll } from 'vitest';
import type { Claims } from '@ridetrack/shared';
import {
  createMinter,
  loadConfig,
  optionsFromConfig,
  randomSecret,
  startBroker,
  type RunningBroker,
} from '../src/index';

export interface TestBroker {
  broker: RunningBroker;
  tcpUrl: string;
  wsUrl: string;
  httpUrl: string;
  token(claims: Claims, ttlS?: number): Promise<string>;
  secret: string;
}

/** A real broker on ephemeral ports, silent, with JWT auth and a secret the test can mint with. */
export async function startTestBroker(env: Record<string, string> = {}): Promise<TestBroker> {
  const secret = randomSecret();
  const config = loadConfig({
    AUTH_MODE: 'jwt',
    JWT_SECRET: secret,
    MQTT_PORT: '0',
    HTTP_PORT: '0',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const minter = createMinter(secret);
  const broker = await startBroker(await optionsFromConfig(config), { log: pino({ level: 'silent' }), minter });
  return {
    broker,
    secret,
    tcpUrl: `mqtt://127.0.0.1:${broker.ports.mqtt}`,
    wsUrl: `ws://127.0.0.1:${broker.ports.http}/mqtt`,
    httpUrl: `http://127.0.0.1:${broker.ports.http}`,
    token: (claims, ttlS = 3600) => minter.mint(claims, ttlS),
  };
}

/**
 * The start/stop block every broker test file had: a broker started before the file's (or the
 * describe block's) tests and closed after them. Read its fields inside tests and hooks only.
 * `env` may be a function, read when the broker starts (for settings known only then, such as the
 * URL of a Redis another hook started first). Hooks registered after this one run before it on the
 * way out (vitest runs after-hooks as a stack), so a file's clients close before the broker does.
 */
export function useTestBroker(env: Record<string, string> | (() => Record<string, string>) = {}): TestBroker {
  let started: TestBroker | undefined;
  beforeAll(async () => {
    started = await startTestBroker(typeof env === 'function' ? env() : env);
  });
  afterAll(async () => {
    await started?.broker.close();
  });
  const current = (): TestBroker => {
    if (started === undefined) throw new Error('the test broker starts in beforeAll: read it inside a test or hook');
    return started;
  };
  return {
    get broker() {
      return current().broker;
    },
    get tcpUrl() {
      return current().tcpUrl;
    },
    get wsUrl() {
      return current().wsUrl;
    },
    get httpUrl() {
      return current().httpUrl;
    },
    get secret() {
      return current().secret;
    },
    token: (claims, ttlS) => current().token(claims, ttlS),
  };
}

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
