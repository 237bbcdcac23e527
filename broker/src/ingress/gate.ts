import { Duplex } from 'node:stream';
import type { Claims } from '@ridetrack/shared';
import type { JudgeLimits, LastFix } from './fix-judge';
import { supersededFixes } from './backlog';
import { CoalescingQueue } from './coalescing-queue';
import { FrameSplitter } from './frame-splitter';
import { AckFlows } from './ack-flows';
import { connackFrame, filtersFrame, pubackFrame, publishFrame } from './frames';
import { inspectFrame, type AckKind } from './inspect';
import { decidePublish } from './publish-policy';
import { TokenBucket } from './token-bucket';

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
}

/** The driver fix state shared by all connections of one broker. */
export interface FixStore {
  get(driverId: string): LastFix | undefined;
  accept(driverId: string, last: LastFix): void;
  refuseJump(driverId: string): void;
}

export interface GateDeps {
  limits: GateLimits;
  judge: JudgeLimits;
  fixes: FixStore;
  counters: GateCounters;
  now: () => number;
  /** Closes the connection for a reason, once; the gate reports why it closed. */
  onClose?: (reason: string) => void;
  /**
   * A client's bytes made the gate throw: a bug, reported here (and the connection closed), never
   * an exception that escapes the connection.
   */
  onFault?: (err: unknown) => void;
  /** True while the broker is behind (event loop lagging): backlogs of fixes are then coalesced. */
  underPressure: () => boolean;
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

let nextSessionId = 1;

const GATE = Symbol('gate');
type GatedTransport = Duplex & { [GATE]?: IngressGate };

function onTransportData(this: GatedTransport, chunk: Buffer): void {
  this[GATE]?.onData(chunk);
}
function onTransportEnd(this: GatedTransport): void {
  this[GATE]?.transportEnded();
}
function onTransportClose(this: GatedTransport): void {
  this[GATE]?.destroy();
}
function onTransportError(this: GatedTransport, err: Error): void {
  this[GATE]?.destroy(err);
}

/** A packet the gate lets through, and the key under which a newer one may replace it. */
interface Admitted {
  bytes: Uint8Array;
  key: string | null;
}

const CONNECT = 1;
const CONNACK = 2;
const PUBLISH = 3;
const PUBREL = 6;
/**
 * Levels a topic or filter may have: what Aedes's matchers take. A PUBLISH beyond it is closed
 * (`topic_too_deep`); a filter beyond it is refused on its own in the SUBACK (0x80).
 */
export const MAX_TOPIC_LEVELS = 100;
/** What a filter too deep to match becomes before Aedes sees it: every mode refuses `$` filters. */
const REFUSED_FILTER = '$ridetrack/filter-too-deep';
/** Protocol levels Aedes answers; any other gets CONNACK 0x01 here [MQTT-3.1.2-2]. */
const LEVELS_AEDES_ANSWERS: ReadonlySet<number> = new Set([3, 4, 5]);
/** A client may pipeline this many packets behind CONNECT before its CONNACK. */
const MAX_HELD_PACKETS = 64;
/**
 * Bytes waiting for Aedes on one connection above which the gate stops reading its socket. Fixes
 * replace each other while they wait, so only packets that may not be dropped fill this.
 */
const MAX_WAITING_BYTES = 64 * 1024;
/** Bytes waiting for Aedes on one connection above which newer fixes replace older ones anyway. */
const COALESCE_ABOVE_BYTES = 2048;
/** Drops that judge a valid fix (stale, repeated, implausible), not a malformed one. */
const JUDGEMENTS: ReadonlySet<string> = new Set(['duplicate', 'out_of_order', 'impossible_jump']);

/**
 * Stands between a client's transport and Aedes. Inbound, it cuts the byte stream into packets,
 * refuses oversized ones before buffering them, closes the connection on protocol violations Aedes
 * misses, limits the publish rate, validates location and presence payloads (dropping and counting
 * bad ones instead of forwarding them), and hands Aedes only the newest fix of a driver when Aedes
 * has not yet read the one before: past the broker's capacity, fixes are shed at the door instead
 * of queueing, so what is delivered stays fresh and memory stays bounded.
 * Outbound, it sheds QoS 0 fixes for a client that does not keep up, and cuts off one that falls
 * too far behind, so a slow rider costs bounded memory and never stalls Aedes.
 */
export class IngressGate extends Duplex {
  readonly ctx: ConnectionContext;
  private readonly inbound: FrameSplitter;
  private readonly outbound = new FrameSplitter(Number.POSITIVE_INFINITY);
  private readonly publishBucket: TokenBucket;
  /** Made on the first invalid packet (full, as it would be by then): most connections send none. */
  private invalidBucket: TokenBucket | null = null;
  /** Packets that arrived behind CONNECT before authentication finished: judged once it has. */
  private held: { bytes: Uint8Array; headerLength: number }[] | null = null;
  /** Admitted packets Aedes has not read yet; a newer fix replaces an older one of its driver. */
  private readonly waiting = new CoalescingQueue();
  /** Aedes has asked for data that the gate has not given it yet. */
  private wanted = false;
  /** A CONNECT has come: it must be the first packet and the only one [MQTT-3.1.0-1], [MQTT-3.1.0-2]. */
  private connected = false;
  /** The broker's QoS 1 and 2 publishes awaiting this client's answers: made on the first one. */
  private flows: AckFlows | null = null;

  constructor(
    private readonly transport: Duplex,
    kind: Transport,
    remoteAddress: string,
    openMode: boolean,
    private readonly deps: GateDeps,
  ) {
    // A high-water mark of one byte: the stream buffers a chunk only until Aedes reads it, and
    // everything else waits in `waiting`, where newer fixes replace older ones.
    super({ allowHalfOpen: false, readableHighWaterMark: 1 });
    this.ctx = new ConnectionContext(kind, remoteAddress, nextSessionId++, openMode);
    const { limits } = deps;
    this.inbound = new FrameSplitter(limits.maxPacketBytes);
    this.publishBucket = new TokenBucket(limits.publishRatePerS, limits.publishBurst, deps.now());
    // Listeners shared by every connection, not four closures each: they find their gate through
    // the transport (idle connections are most of a broker's memory).
    (transport as GatedTransport)[GATE] = this;
    transport.on('data', onTransportData);
    transport.on('end', onTransportEnd);
    transport.on('close', onTransportClose);
    transport.on('error', onTransportError);
  }

  /** The transport ended: what is still waiting goes to Aedes, then the end. */
  transportEnded(): void {
    const rest = this.waiting.take();
    if (rest !== null) this.push(rest);
    this.push(null);
  }

  /** Closes the connection because of something the client did. */
  reject(reason: string): void {
    if (this.destroyed) return;
    this.deps.counters.violation(reason, this.ctx.transport);
    this.ctx.closeReason ??= reason;
    this.deps.onClose?.(reason);
    this.destroy();
  }

  /**
   * Called by the authenticate hook once the client is known (claims null in open mode). Packets
   * pipelined behind CONNECT were held until now, so none escapes payload validation.
   */
  authenticated(claims: Claims | null): void {
    this.ctx.claims = claims;
    this.ctx.authenticated = true;
    const held = this.held ?? [];
    this.held = null;
    try {
      for (const frame of held) {
        if (this.destroyed) return;
        this.enqueue(this.admit(frame.bytes, frame.headerLength));
      }
    } catch (err) {
      this.deps.onFault?.(err);
      this.reject('gate_fault');
    }
  }

  /** Answers CONNECT with this CONNACK and closes (admission refused the connection). */
  refuseConnect(connack: Uint8Array, reason: string): void {
    this.ctx.closeReason = reason;
    this.transport.end(connack);
  }

  override _read(): void {
    this.wanted = true;
    this.flush();
    if (this.transport.isPaused() && this.waiting.bytes < MAX_WAITING_BYTES) this.transport.resume();
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    const bytes =
      chunks.length === 1 ? (chunks[0]?.chunk ?? Buffer.alloc(0)) : Buffer.concat(chunks.map((c) => c.chunk));
    this.sendOut(bytes);
    callback();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.sendOut(chunk);
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.transport.end();
    callback();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.transport.destroy();
    callback(err);
  }

  private sendOut(bytes: Uint8Array): void {
    if (this.transport.destroyed) return;
    const split = this.outbound.push(bytes);
    if (!split.ok) throw new Error(`broker wrote a malformed packet: ${split.reason}`);
    const { shedQueuedBytes, maxQueuedBytes } = this.deps.limits;
    for (const frame of split.value) {
      const first = frame.bytes[0] ?? 0;
      const type = first >> 4;
      if (type === CONNACK) this.connackOut(frame.bytes);
      else if ((type === PUBLISH && (first & 0x06) !== 0) || type === PUBREL)
        (this.flows ??= new AckFlows()).sent(frame.bytes, frame.headerLength);
      const isQos0Publish = type === PUBLISH && (first & 0x06) === 0;
      if (isQos0Publish) {
        if (this.transport.writableLength > shedQueuedBytes) {
          this.deps.counters.drop('slow_consumer_shed');
          continue;
        }
        this.deps.counters.publishOut();
      }
      this.transport.write(frame.bytes);
      if (this.transport.writableLength > maxQueuedBytes) {
        this.reject('slow_consumer');
        return;
      }
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

  /** Bytes from the client. No exception from them escapes: a fault closes this connection only. */
  onData(chunk: Buffer): void {
    try {
      this.receive(chunk);
    } catch (err) {
      this.deps.onFault?.(err);
      this.reject('gate_fault');
    }
  }

  private receive(chunk: Buffer): void {
    const split = this.inbound.push(chunk);
    if (!split.ok) {
      this.reject(split.reason);
      return;
    }
    const frames = split.value;
    // Coalesce only an authenticated client's backlog, and only when behind: Aedes has not taken
    // what was handed to it, or the loop lags. Before that, every packet is judged on its own.
    const behind =
      frames.length > 1 &&
      this.held === null &&
      this.ctx.authenticated &&
      (this.readableLength > 0 || !this.waiting.empty || this.deps.underPressure());
    const superseded = behind ? supersededFixes(frames) : undefined;
    for (let i = 0; i < frames.length && !this.destroyed; i++) {
      const frame = frames[i];
      if (frame === undefined) continue;
      const isConnect = (frame.bytes[0] ?? 0) >> 4 === CONNECT;
      if (isConnect === this.connected) {
        this.reject(isConnect ? 'second_connect' : 'first_packet_not_connect');
        return;
      }
      this.connected = true;
      if (superseded?.has(i) === true) {
        // A backlog holds newer fixes for the same topic: only the newest is worth sending on.
        this.deps.counters.drop('coalesced');
        continue;
      }
      if (this.held !== null) {
        if (this.held.length >= MAX_HELD_PACKETS) {
          this.reject('too_many_packets_before_connack');
          return;
        }
        this.held.push({ bytes: Uint8Array.from(frame.bytes), headerLength: frame.headerLength });
        continue;
      }
      this.enqueue(this.admit(frame.bytes, frame.headerLength));
    }
  }

  /** Queues an admitted packet for Aedes, replacing an unread older fix of the same driver under load. */
  private enqueue(out: Admitted | null): void {
    if (out === null) return;
    // While the broker keeps up, a burst is delivered whole; once it is behind, or Aedes has left
    // this connection's packets unread for long, only the newest fix of a driver is.
    const replace = this.deps.underPressure() || this.waiting.bytes >= COALESCE_ABOVE_BYTES;
    if (this.waiting.push(out.bytes, out.key, replace)) this.deps.counters.drop('coalesced');
    this.flush();
    if (this.waiting.bytes >= MAX_WAITING_BYTES) this.transport.pause();
  }

  /** Hands Aedes what waits, if it has asked for data since it was last given some. */
  private flush(): void {
    if (!this.wanted) return;
    const out = this.waiting.take();
    if (out !== null) this.wanted = this.push(out);
  }

  /** Returns what to hand to Aedes for one inbound packet, or null to hand it nothing. */
  private admit(bytes: Uint8Array, headerLength: number): Admitted | null {
    const inspected = inspectFrame({ bytes, headerLength }, this.ctx.protocolLevel);
    if (!inspected.ok) {
      if (inspected.reason === 'empty_client_id_persistent') {
        // [MQTT-3.1.3-9]: CONNACK 0x02 (identifier rejected), then close.
        return this.refuseConnack(2, inspected.reason);
      }
      this.reject(inspected.reason);
      return null;
    }
    const packet = inspected.value;
    switch (packet.type) {
      case 'connect':
        // [MQTT-3.1.2-2]: a level Aedes does not speak gets CONNACK 0x01 (mqtt-packet would close).
        if (!LEVELS_AEDES_ANSWERS.has(packet.protocolLevel)) return this.refuseConnack(1, 'unsupported_protocol_level');
        // MQTT 3.1 wants a client id of 1-23 characters: an empty one is identifier rejected.
        if (packet.protocolLevel === 3 && packet.clientId === '') return this.refuseConnack(2, 'empty_client_id_v31');
        this.ctx.clientId = packet.clientId;
        this.ctx.keepaliveS = packet.keepaliveS;
        this.ctx.willTopic = packet.willTopic;
        this.ctx.protocolLevel = packet.protocolLevel;
        this.ctx.clean = packet.clean;
        if (!this.ctx.authenticated) this.held = [];
        return { bytes, key: null };
      case 'ack':
        return this.ack(bytes, packet.kind, packet.packetId);
      case 'subscribe':
      case 'unsubscribe': {
        if (!packet.filters.some(tooDeep)) return { bytes, key: null };
        // A filter too deep to match is refused on its own (SUBACK 0x80), not the connection.
        const filters = packet.filters.map((f) => (tooDeep(f) ? REFUSED_FILTER : f));
        const rewritten =
          packet.type === 'subscribe'
            ? filtersFrame({ packetId: packet.packetId, filters, requestedQos: packet.requestedQos })
            : filtersFrame({ packetId: packet.packetId, filters });
        return { bytes: rewritten, key: null };
      }
      case 'other':
        return { bytes, key: null };
      case 'publish':
        break;
    }
    if (tooDeep(packet.topic)) {
      this.reject('topic_too_deep');
      return null;
    }
    this.deps.counters.publishIn();
    if (!this.publishBucket.take(this.deps.now())) {
      this.deps.counters.drop('rate_limited');
      return this.dropped(packet.qos, packet.packetId, false);
    }
    const decision = decidePublish({
      topic: packet.topic,
      payload: bytes.subarray(packet.payloadOffset),
      claims: this.ctx.openMode ? null : this.ctx.claims,
      sessionId: this.ctx.sessionId,
      fixes: this.deps.fixes,
      judge: this.deps.judge,
    });
    switch (decision.action) {
      case 'pass':
        return { bytes, key: null };
      case 'forward-retained': {
        const accepted = decision.accepted;
        if (accepted) this.deps.fixes.accept(accepted.driverId, accepted.last);
        // Only QoS 0 fixes may be replaced: a QoS 1/2 one is acknowledged once Aedes has it.
        const key = accepted && packet.qos === 0 ? accepted.driverId : null;
        if (!packet.retain) {
          const copy = Uint8Array.from(bytes);
          copy[0] = (copy[0] ?? 0) | 0x01;
          return { bytes: copy, key };
        }
        return { bytes, key };
      }
      case 'rewrite':
        this.deps.fixes.accept(decision.accepted.driverId, decision.accepted.last);
        return {
          bytes: publishFrame({
            topic: decision.topic,
            payload: decision.payload,
            qos: packet.qos,
            retain: true,
            packetId: packet.packetId,
          }),
          key: packet.qos === 0 ? decision.accepted.driverId : null,
        };
      case 'drop':
        this.deps.counters.drop(decision.reason);
        if (decision.jumpRefused !== undefined) this.deps.fixes.refuseJump(decision.jumpRefused);
        return this.dropped(packet.qos, packet.packetId, !JUDGEMENTS.has(decision.reason));
    }
  }

  /** Answers CONNECT with a refusing CONNACK and closes, counting why. */
  private refuseConnack(returnCode: number, reason: string): null {
    this.deps.counters.violation(reason, this.ctx.transport);
    this.transport.end(connackFrame(returnCode));
    this.ctx.closeReason = reason;
    return null;
  }

  /**
   * A client's acknowledgement: one of the wrong kind for the flow of the broker's publish closes
   * the connection [MQTT-4.3.2], [MQTT-4.3.3]. MQTT 3.1's PUBREL resent with DUP goes on as 3.1.1's.
   */
  private ack(bytes: Uint8Array, kind: AckKind, packetId: number): Admitted | null {
    if (kind === 'pubrel') {
      if ((bytes[0] ?? 0) === 0x62) return { bytes, key: null };
      const normal = Uint8Array.from(bytes);
      normal[0] = 0x62;
      return { bytes: normal, key: null };
    }
    if (this.flows?.received(kind, packetId) === 'wrong_ack') {
      this.reject('wrong_ack');
      return null;
    }
    return { bytes, key: null };
  }

  /** Consumes a publish that is not forwarded; a client that keeps sending garbage is cut off. */
  private dropped(qos: 0 | 1 | 2, packetId: number, invalid: boolean): null {
    if (invalid) {
      const { invalidRatePerS, invalidBurst } = this.deps.limits;
      this.invalidBucket ??= new TokenBucket(invalidRatePerS, invalidBurst, this.deps.now());
      if (!this.invalidBucket.take(this.deps.now())) {
        this.reject('too_many_invalid');
        return null;
      }
    }
    if (qos === 1) this.transport.write(pubackFrame(packetId));
    // QoS 2 needs a PUBREC/PUBREL exchange the gate does not keep state for: refuse the connection.
    if (qos === 2) this.reject('invalid_qos2_payload');
    return null;
  }
}

/** More levels than Aedes's matchers take (Aedes counts them as slashes plus one). */
function tooDeep(topic: string): boolean {
  let slashes = 0;
  for (let i = 0; i < topic.length; i++) if (topic.charCodeAt(i) === 47) slashes++;
  return slashes + 1 > MAX_TOPIC_LEVELS;
}
