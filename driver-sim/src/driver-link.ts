import { createConnection } from 'node:net';
import mqtt, { MqttClient, type IClientOptions } from 'mqtt';
import {
  decodeTripMessage,
  encodeStatus,
  locationTopic,
  statusTopic,
  tripTopic,
  type TripMessage,
  backoffMs,
  type Rng,
} from '@ridetrack/shared';

/**
 * An MQTT client for one URL. Over plain TCP with a `localAddress`, the socket is opened from that
 * address: one source address has about 28,000 ports towards one broker port, so a fleet larger
 * than that (from one machine) spreads over several (`--source-ips`).
 */
function connectMqtt(url: string, options: IClientOptions, localAddress: string | undefined): MqttClient {
  const parsed = new URL(url);
  if (localAddress === undefined || parsed.protocol !== 'mqtt:') return mqtt.connect(url, options);
  const port = Number(parsed.port || 1883);
  const host = parsed.hostname;
  return new MqttClient(() => createConnection({ host, port, localAddress }), { ...options, host, port });
}

export interface LinkOptions {
  brokers: readonly string[];
  clientId: string;
  token: string | undefined;
  backoffBaseMs: number;
  backoffCapMs: number;
  /** Accept self-signed broker certificates (local TLS). */
  insecureTls: boolean;
  /** The source address of this driver's TCP connection (mqtt:// only). */
  localAddress?: string | undefined;
}

export interface LinkEvents {
  onTrip(message: TripMessage): void;
  onConnected(): void;
  /** The connection ended; `unexpected` unless the driver closed it itself. */
  onDisconnected(unexpected: boolean): void;
  /** A connection error: the socket's code (ECONNREFUSED, ...) or the error's message. */
  onError(code: string): void;
  /** The broker refused the CONNECT with this CONNACK return code. */
  onRefused(returnCode: number): void;
}

/**
 * One driver's MQTT connection, as a real driver app keeps it: a Last Will saying offline, an
 * online status on connect, its trip topic subscribed, fixes at QoS 0 and never queued while
 * offline (a stale position is worth nothing), and reconnection with capped exponential backoff,
 * full jitter, moving along the list of broker URLs.
 */
export class DriverLink {
  private client: MqttClient | null = null;
  private attempt = 0;
  private urlIndex: number;
  private timer: NodeJS.Timeout | null = null;
  private closing = false;
  private offlineUntilMs = 0;
  connected = false;

  constructor(
    private readonly options: LinkOptions,
    private readonly events: LinkEvents,
    private readonly rng: Rng,
    private readonly now: () => number,
  ) {
    // Spread drivers over the brokers from the start.
    this.urlIndex = Math.floor(rng() * options.brokers.length);
  }

  start(): void {
    const url = this.options.brokers[this.urlIndex % this.options.brokers.length] ?? '';
    const id = this.options.clientId;
    const client = connectMqtt(
      url,
      {
        clientId: id,
        ...(this.options.token === undefined ? {} : { username: 'driver', password: this.options.token }),
        protocolVersion: 4,
        clean: true,
        keepalive: 30,
        reconnectPeriod: 0,
        connectTimeout: 10_000,
        queueQoSZero: false,
        rejectUnauthorized: !this.options.insecureTls,
        will: {
          topic: statusTopic(id),
          payload: Buffer.from(encodeStatus({ online: false, ts: this.now() })),
          qos: 1,
          retain: true,
        },
      },
      this.options.localAddress,
    );
    this.client = client;
    // Handlers check they still belong to the live client: a replaced one may still emit. (Never
    // removeAllListeners on an MqttClient: mqtt.js keeps its own listeners on it.)
    const live = (): boolean => this.client === client;
    client.on('connect', () => {
      if (!live()) return;
      this.connected = true;
      this.attempt = 0;
      client.publish(statusTopic(id), encodeStatus({ online: true, ts: this.now() }), { qos: 1, retain: true });
      client.subscribe(tripTopic(id), { qos: 1 });
      this.events.onConnected();
    });
    client.on('message', (_topic, payload) => {
      if (!live()) return;
      const message = decodeTripMessage(payload);
      if (message.ok) this.events.onTrip(message.value);
    });
    client.on('error', (err) => {
      if (!live()) return;
      const code = (err as { code?: unknown }).code;
      // mqtt.js gives a refused CONNECT the CONNACK return code as a number, socket errors a string.
      if (typeof code === 'number') this.events.onRefused(code);
      else this.events.onError(typeof code === 'string' ? code : err.message);
    });
    client.on('close', () => {
      if (!live()) return;
      if (this.connected) this.events.onDisconnected(!this.closing);
      this.connected = false;
      if (this.closing) return;
      this.client = null;
      client.end(true);
      this.attempt++;
      this.urlIndex++;
      const backoff = backoffMs(this.attempt, this.options.backoffBaseMs, this.options.backoffCapMs, this.rng);
      this.timer = setTimeout(
        () => {
          this.timer = null;
          this.start();
        },
        Math.max(backoff, this.offlineUntilMs - this.now()),
      );
    });
  }

  /** Publishes a fix if connected; a fix made while offline is dropped, not queued. */
  publishFix(payload: Uint8Array): boolean {
    if (!this.connected || this.client === null) return false;
    this.client.publish(locationTopic(this.options.clientId), Buffer.from(payload), { qos: 0 });
    return true;
  }

  /**
   * The phone loses its network for `ms`: the connection drops now, without a DISCONNECT (so the
   * broker sees the socket end and the driver's presence goes offline), and comes back after it.
   */
  suspend(ms: number): boolean {
    if (this.closing || this.client === null || !this.connected) return false;
    this.offlineUntilMs = this.now() + ms;
    this.client.stream.destroy();
    return true;
  }

  /** Disconnects cleanly (no Last Will): the driver went off duty. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = null;
    if (client === null) return;
    if (this.connected)
      client.publish(statusTopic(this.options.clientId), encodeStatus({ online: false, ts: this.now() }), {
        qos: 1,
        retain: true,
      });
    await client.endAsync().catch(() => undefined);
    // The client's own close event no longer reaches us (it is not the live client): say it here.
    if (this.connected) {
      this.connected = false;
      this.events.onDisconnected(false);
    }
  }
}
