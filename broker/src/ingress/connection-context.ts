import type { Claims } from '@ridetrack/shared';
import type { LastFix } from './fix-judge';

/**
 * What a connection's gate and the broker's MQTT hooks share: the connection's facts
 * (ConnectionContext), what the gate counts and where accepted fixes go, and the small interface
 * the hooks hold a gate by (GatedConnection), so that they need not know the gate itself.
 */
export type Transport = 'tcp' | 'tls' | 'ws' | 'wss';

export interface GateLimits {
  /** Largest MQTT packet a client may send, header included. */
  maxPacketBytes: number;
  /** Sustained PUBLISH rate per connection, and the burst above it. */
  publishRatePerS: number;
  publishBurst: number;
  /** Invalid payloads tolerated per connection: a bucket of this burst refilled at this rate. */
  invalidBurst: number;
  invalidRatePerS: number;
  /** Outgoing bytes queued for a slow client above which its QoS 0 fixes are shed. */
  shedQueuedBytes: number;
  /** Outgoing bytes queued above which a slow client is disconnected. */
  maxQueuedBytes: number;
}

/** What the gate counts; the broker maps these to metrics. */
export interface GateCounters {
  violation(reason: string, transport: Transport): void;
  drop(reason: string): void;
  publishIn(): void;
  publishOut(): void;
  /** A PUBLISH refused by the access rules, with the rule's reason. */
  publishDenied(reason: string): void;
}

/** The driver fix state shared by all connections of one broker. */
export interface FixStore {
  get(driverId: string): LastFix | undefined;
  accept(driverId: string, last: LastFix): void;
  refuseJump(driverId: string): void;
}

/** Per-connection facts the broker's hooks and the gate share. */
export class ConnectionContext {
  clientId: string | null = null;
  keepaliveS = 0;
  /** 3 for MQTT 3.1, 4 for 3.1.1, from CONNECT. */
  protocolLevel = 4;
  clean = true;
  /**
   * Set by the authenticate hook: a persistent session of this client id existed before. Aedes
   * knows only of sessions with subscriptions; the CONNACK's Session Present follows this too
   * [MQTT-3.2.2-2].
   */
  sessionExisted = false;
  willTopic: string | null = null;
  /** Set by the authenticate hook; null in open mode or before authentication. */
  claims: Claims | null = null;
  authenticated = false;
  /** The reason this connection was closed by the broker, if it was. */
  closeReason: string | null = null;

  constructor(
    readonly transport: Transport,
    readonly remoteAddress: string,
    readonly sessionId: number,
    /** In open mode, no claims are needed to publish. */
    readonly openMode: boolean,
  ) {}
}

/** What the MQTT hooks may do with a connection's gate. */
export interface GatedConnection {
  readonly ctx: ConnectionContext;
  /** The broker's client on this connection, set by Aedes as it takes the connection. */
  readonly client?: unknown;
  /** The connection has closed. */
  readonly destroyed: boolean;
  /** The client is known (claims null in open mode): packets held behind CONNECT are judged now. */
  authenticated(claims: Claims | null): void;
  /** Closes the connection because of something the client did. */
  reject(reason: string): void;
  /** Answers CONNECT with this CONNACK and closes (admission refused the connection). */
  refuseConnect(connack: Uint8Array, reason: string): void;
  /** 'close' comes once, so `on` (no wrapper per listener, unlike `once`: idle connections add up). */
  on(event: 'close', listener: () => void): unknown;
}

/** The gate in front of a connection, if this stream is one (every client the broker accepts is). */
export function asGated(stream: unknown): GatedConnection | undefined {
  const ctx = (stream as { ctx?: unknown } | null | undefined)?.ctx;
  return ctx instanceof ConnectionContext ? (stream as GatedConnection) : undefined;
}
