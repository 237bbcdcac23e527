import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import WebSocket from 'ws';
import { encodeLocation, locationTopic } from '@ridetrack/shared';
import { FrameSplitter } from '../src/ingress/frame-splitter';
import { publishFrame } from '../src/ingress/frames';
import type { TokenMinter } from '../src/auth/tokens';

/**
 * The load generator: drivers on raw TCP sockets writing pre-encoded PUBLISH packets, riders on
 * WebSockets reading raw MQTT frames. No MQTT client library on the hot path, so the generator
 * costs less CPU than the broker it measures. Loopback only; every loop is bounded in count and time.
 */
const RING = 1024;

export interface Credentials {
  driver(id: string): string | undefined;
  rider(id: string): string | undefined;
}

/** A CONNECT packet (MQTT 3.1.1, clean session), with the token as password when there is one. */
export function connectPacket(clientId: string, password: string | undefined, keepaliveS = 0): Buffer {
  return mqttPacket.generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    clientId,
    keepalive: keepaliveS,
    ...(password === undefined ? {} : { username: 'bench', password: Buffer.from(password) }),
  });
}

/**
 * A rider on a raw WebSocket: CONNECT, SUBSCRIBE to one topic at QoS 0, then `onPayload` with each
 * PUBLISH frame and where its payload starts (no copy, no MQTT client library). Resolves on SUBACK.
 */
export async function rawWsRider(
  url: string,
  clientId: string,
  password: string | undefined,
  topic: string,
  options: { onPayload(frame: Uint8Array, payloadAt: number): void; ws?: WebSocket.ClientOptions; keepaliveS?: number },
): Promise<WebSocket> {
  const ws = new WebSocket(url, 'mqtt', { perMessageDeflate: false, ...options.ws });
  ws.on('error', () => undefined);
  await once(ws, 'open');
  const splitter = new FrameSplitter(1 << 20);
  let subscribed: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (subscribed = resolve));
  ws.on('message', (data: Buffer) => {
    const frames = splitter.push(data);
    if (!frames.ok) return;
    for (const { bytes, headerLength } of frames.value) {
      const type = (bytes[0] ?? 0) >> 4;
      if (type === 9) subscribed();
      if (type !== 3) continue;
      const topicLength = ((bytes[headerLength] ?? 0) << 8) | (bytes[headerLength + 1] ?? 0);
      options.onPayload(bytes, headerLength + 2 + topicLength);
    }
  });
  ws.send(connectPacket(clientId, password, options.keepaliveS ?? 0));
  ws.send(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 0 }] }));
  await ready;
  return ws;
}

/** Driver and rider tokens for a fleet of `size` (rider i follows driver i), minted once. */
export async function fleetCredentials(minter: TokenMinter, size: number): Promise<Credentials> {
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const drivers = new Map<string, string>();
  const riders = new Map<string, string>();
  for (let i = 0; i < size; i++) {
    const id = Fleet.id(i);
    drivers.set(id, await minter.mint({ role: 'driver', sub: id }, 3600));
    riders.set(id, await minter.mint({ role: 'rider', sub: `r${i}`, drivers: [id], exp }, 3600));
  }
  return { driver: (id) => drivers.get(id), rider: (id) => riders.get(id) };
}

export class Fleet {
  private readonly drivers: Socket[] = [];
  private readonly riders: WebSocket[] = [];
  private readonly templates: Buffer[] = [];
  private readonly payloadAt: number[] = [];
  private readonly seqs: Uint32Array;
  private readonly sentAt: Float64Array;
  private samples = new Float64Array(1 << 22);
  private sampleCount = 0;
  received = 0;
  sent = 0;
  /** Fixes sent before this moment belong to an earlier window and are not counted. */
  private windowStart = 0;

  constructor(
    readonly size: number,
    /** Where driver i is (default: all within a few hundred metres of one point). */
    private readonly positionOf: (i: number) => readonly [lat: number, lng: number] = (i) => [39.29 + i * 1e-5, -76.61],
  ) {
    this.seqs = new Uint32Array(size);
    this.sentAt = new Float64Array(size * RING);
  }

  static id(i: number): string {
    return `b${i}`;
  }

  /**
   * Connects every rider (WebSocket) and driver (TCP), in batches. Ports may depend on the driver's
   * index, to put a driver on one node and its rider on another.
   */
  async connect(
    host: string,
    mqttPorts: number | ((i: number) => number),
    wsPorts: number | ((i: number) => number),
    creds: Credentials,
  ): Promise<void> {
    const mqttPort = (i: number) => (typeof mqttPorts === 'number' ? mqttPorts : mqttPorts(i));
    const wsPort = (i: number) => (typeof wsPorts === 'number' ? wsPorts : wsPorts(i));
    for (let i = 0; i < this.size; i++) {
      const id = Fleet.id(i);
      const [lat, lng] = this.positionOf(i);
      const fix = encodeLocation({
        seq: 0,
        timestampMs: Date.now(),
        lat,
        lng,
        headingDeg: 0,
        speedMps: 0,
        accuracyM: 5,
        tripState: 'available',
        simulated: true,
      });
      const frame = Buffer.from(
        publishFrame({ topic: locationTopic(id), payload: fix, qos: 0, retain: false, packetId: 0 }),
      );
      this.templates.push(frame);
      this.payloadAt.push(frame.byteLength - fix.byteLength);
    }
    const batch = 200;
    for (let start = 0; start < this.size; start += batch) {
      const ids = Array.from({ length: Math.min(batch, this.size - start) }, (_, k) => start + k);
      await Promise.all(ids.map((i) => this.connectRider(host, wsPort(i), i, creds.rider(Fleet.id(i)))));
      await Promise.all(ids.map((i) => this.connectDriver(host, mqttPort(i), i, creds.driver(Fleet.id(i)))));
    }
  }

  private async connectDriver(host: string, port: number, i: number, password: string | undefined): Promise<void> {
    const socket = connect({ host, port, noDelay: true });
    socket.on('error', () => undefined);
    await once(socket, 'connect');
    socket.write(connectPacket(Fleet.id(i), password));
    const [ack] = (await once(socket, 'data')) as [Buffer];
    if (ack[0] !== 0x20 || ack[3] !== 0) throw new Error(`driver ${i} refused: ${ack.toString('hex')}`);
    socket.on('data', () => undefined); // drain anything else
    this.drivers[i] = socket;
  }

  private async connectRider(host: string, port: number, i: number, password: string | undefined): Promise<void> {
    this.riders[i] = await rawWsRider(
      `ws://${host}:${port}/mqtt`,
      `rider:r${i}`,
      password,
      locationTopic(Fleet.id(i)),
      {
        onPayload: (bytes, at) => {
          const seq =
            (bytes[at + 2] ?? 0) |
            ((bytes[at + 3] ?? 0) << 8) |
            ((bytes[at + 4] ?? 0) << 16) |
            ((bytes[at + 5] ?? 0) << 24);
          const sentAt = this.sentAt[i * RING + ((seq >>> 0) & (RING - 1))] ?? 0;
          if (sentAt < this.windowStart) return;
          this.received++;
          if (this.sampleCount < this.samples.length) this.samples[this.sampleCount++] = performance.now() - sentAt;
        },
      },
    );
  }

  /** Offers `ratePerS` publishes a second, spread over the drivers, for `seconds`. */
  async offer(ratePerS: number, seconds: number): Promise<void> {
    const start = performance.now();
    const end = start + seconds * 1000;
    let sent = 0;
    let next = 0;
    while (performance.now() < end) {
      const due = Math.floor(((performance.now() - start) / 1000) * ratePerS) - sent;
      for (let k = 0; k < due; k++) {
        this.publish(next);
        next = (next + 1) % this.size;
      }
      sent += Math.max(0, due);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  private publish(i: number): void {
    const template = this.templates[i];
    const socket = this.drivers[i];
    if (template === undefined || socket === undefined) return;
    const frame = Buffer.from(template);
    const seq = (this.seqs[i] = ((this.seqs[i] ?? 0) + 1) >>> 0);
    const at = this.payloadAt[i] ?? 0;
    frame.writeUInt32LE(seq, at + 2);
    const ts = Date.now();
    frame.writeUInt32LE(ts % 2 ** 32, at + 6);
    frame.writeUInt16LE(Math.floor(ts / 2 ** 32), at + 10);
    this.sentAt[i * RING + (seq & (RING - 1))] = performance.now();
    socket.write(frame);
    this.sent++;
  }

  /** Starts a measurement window: counts and latencies from now on. */
  resetCounters(): void {
    this.windowStart = performance.now();
    this.sent = 0;
    this.received = 0;
    this.sampleCount = 0;
  }

  latencyPercentiles(): { p50: number; p99: number } {
    const s = this.samples.subarray(0, this.sampleCount).slice().sort();
    const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
    return { p50: at(0.5), p99: at(0.99) };
  }

  close(): void {
    for (const s of this.drivers) s.destroy();
    for (const w of this.riders) w.terminate();
  }
}

/** Opens `count` idle MQTT connections over TCP; returns a function that closes them. */
export async function idleConnections(
  host: string,
  port: number,
  count: number,
  password: string | undefined,
  clientIdPrefix = 'idle',
): Promise<() => void> {
  const sockets: Socket[] = [];
  for (let start = 0; start < count; start += 250) {
    await Promise.all(
      Array.from({ length: Math.min(250, count - start) }, async (_, k) => {
        const socket = connect({ host, port });
        socket.on('error', () => undefined);
        await once(socket, 'connect');
        socket.write(connectPacket(`${clientIdPrefix}${start + k}`, password));
        await once(socket, 'data');
        sockets.push(socket);
      }),
    );
  }
  return () => sockets.forEach((s) => s.destroy());
}
