import type { Duplex } from 'node:stream';
import { AckFlows } from './ack-flows';
import { BrokerStream } from './broker-stream';
import type { ConnectionContext, GateCounters, GateLimits } from './connection-context';
import { FrameSplitter, readFixedHeader } from './frame-splitter';
import { pubackFrame } from './frames';
import type { RetainedEchoes } from './retained-echoes';

/** What the outbound half needs of the broker. */
export interface OutboundDeps {
  limits: GateLimits;
  counters: GateCounters;
  now: () => number;
}

/** A WebSocket transport's socket, for QoS 0 messages framed once for every rider. */
export interface DirectSocket {
  writeFrame(frame: Buffer): boolean;
  readonly writableLength: number;
}

const CONNACK = 2;
const PUBLISH = 3;
const PUBREL = 6;

/**
 * The gate's outbound half: what Aedes (and the QoS 0 way out, delivery.ts) writes to a client. It
 * cuts the writes into packets again, sheds QoS 0 fixes for a client that does not keep up and
 * cuts off one that falls too far behind (a slow rider costs bounded memory and never stalls
 * Aedes), keeps the broker's QoS 1 and 2 flows so a wrong acknowledgement is caught inbound, drops
 * retained echoes of what was just sent live, and fixes up CONNACK for the client's protocol.
 * The inbound half (gate.ts) extends this class: one object per connection, as idle connections
 * are most of a broker's memory.
 */
export abstract class GateOutbound extends BrokerStream {
  private readonly outbound = new FrameSplitter(Number.POSITIVE_INFINITY);
  /** The broker's QoS 1 and 2 publishes awaiting this client's answers: made on the first one. */
  protected flows: AckFlows | null = null;
  /** Live messages just sent after a SUBSCRIBE, to drop their retained echoes: made on the first one. */
  protected echoes: RetainedEchoes | null = null;

  constructor(
    protected readonly transport: Duplex,
    readonly ctx: ConnectionContext,
    protected readonly deps: OutboundDeps,
    private readonly direct?: DirectSocket,
  ) {
    super();
  }

  /** Closes the connection because of something the client did. */
  abstract reject(reason: string): void;

  /** An answer the gate gives Aedes in the client's place. */
  protected abstract enqueueReply(bytes: Uint8Array): void;

  protected endTransport(): void {
    if (!this.transport.destroyed) this.transport.end();
  }

  protected destroyTransport(): void {
    this.transport.destroy();
  }

  protected sendOut(bytes: Uint8Array): void {
    if (this.transport.destroyed) return;
    const split = this.outbound.push(bytes);
    if (!split.ok) throw new Error(`broker wrote a malformed packet: ${split.reason}`);
    for (const frame of split.value) if (!this.out(frame.bytes, frame.headerLength)) return;
  }

  /**
   * One QoS 0 PUBLISH for this client, encoded by the broker once for every subscriber of the
   * message (delivery.ts), written with one call. Behind what Aedes has written through the stream
   * and not yet handed on (its writes are corked until the next tick), it queues, so order holds.
   */
  writeQos0(frame: { readonly mqtt: Buffer; readonly ws: Buffer }): void {
    if (this.transport.destroyed) return;
    const bytes = frame.mqtt;
    if (this.writing || this.outbound.buffered > 0) {
      this.write(bytes);
      return;
    }
    const header = readFixedHeader(bytes, 0);
    if (typeof header !== 'object') return;
    if (this.direct === undefined) {
      this.out(bytes, header.headerLength);
      return;
    }
    // Over WebSocket, the frame made once for every rider goes to the socket with one write.
    if (this.echoes?.isEcho(bytes, header.headerLength, this.deps.now()) === true) {
      this.dropEcho(bytes, header.headerLength);
      return;
    }
    const { shedQueuedBytes, maxQueuedBytes } = this.deps.limits;
    if (this.direct.writableLength > shedQueuedBytes) {
      this.deps.counters.drop('slow_consumer_shed');
      return;
    }
    if (!this.direct.writeFrame(frame.ws)) return;
    this.deps.counters.publishOut();
    if (this.direct.writableLength > maxQueuedBytes) this.reject('slow_consumer');
  }

  /** One whole packet to the client; false once the connection was closed for falling behind. */
  protected out(bytes: Uint8Array, headerLength: number): boolean {
    const first = bytes[0] ?? 0;
    const type = first >> 4;
    if (type === CONNACK) this.connackOut(bytes);
    else if (type === PUBLISH && this.echoes?.isEcho(bytes, headerLength, this.deps.now()) === true) {
      this.dropEcho(bytes, headerLength);
      return true;
    } else if ((type === PUBLISH && (first & 0x06) !== 0) || type === PUBREL)
      (this.flows ??= new AckFlows()).sent(bytes, headerLength);
    const { shedQueuedBytes, maxQueuedBytes } = this.deps.limits;
    if (type === PUBLISH && (first & 0x06) === 0) {
      if (this.transport.writableLength > shedQueuedBytes) {
        this.deps.counters.drop('slow_consumer_shed');
        return true;
      }
      this.deps.counters.publishOut();
    }
    this.transport.write(bytes);
    if (this.transport.writableLength > maxQueuedBytes) {
      this.reject('slow_consumer');
      return false;
    }
    return true;
  }

  /**
   * A retained message the client was just sent live is not sent again. At QoS 1 Aedes waits for
   * its PUBACK, so the gate gives it one in the client's place; a QoS 2 echo is sent as it is (its
   * flow has the client's part in it).
   */
  private dropEcho(bytes: Uint8Array, headerLength: number): void {
    const qos = ((bytes[0] ?? 0) >> 1) & 0x03;
    if (qos === 2) {
      this.transport.write(bytes);
      return;
    }
    this.deps.counters.drop('retained_echo');
    if (qos === 1) {
      const topicLength = ((bytes[headerLength] ?? 0) << 8) | (bytes[headerLength + 1] ?? 0);
      const at = headerLength + 2 + topicLength;
      this.enqueueReply(pubackFrame(((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0)));
    }
  }

  /**
   * The CONNACK Aedes wrote, as the client's protocol needs it: MQTT 3.1 reserves the byte that
   * 3.1.1 uses for Session Present; 3.1.1 sets it for any persistent session that existed, also
   * one without subscriptions, which Aedes does not count [MQTT-3.2.2-2].
   */
  private connackOut(bytes: Uint8Array): void {
    if (bytes.length < 4) return;
    if (this.ctx.protocolLevel === 3) bytes[2] = 0;
    else if (bytes[3] === 0 && !this.ctx.clean && this.ctx.sessionExisted) bytes[2] = 1;
  }
}
