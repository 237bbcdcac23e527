import type { Duplex } from 'node:stream';
import type { Claims } from '@ridetrack/shared';
import type { JudgeLimits } from './fix-judge';
import { ConnectionContext, type FixStore, type GatedConnection, type Transport } from './connection-context';
import { supersededFixes } from './backlog';
import { CoalescingQueue } from './coalescing-queue';
import { FrameSplitter } from './frame-splitter';
import { GateOutbound, type DirectSocket, type OutboundDeps } from './gate-outbound';
import { RetainedEchoes } from './retained-echoes';
import { connackFrame, pubackFrame } from './frames';
import type { AckKind } from './inspect';
import { decidePacket, type DecisionContext } from './packet-decision';
import { TokenBucket } from './token-bucket';

export interface GateDeps extends OutboundDeps {
  judge: JudgeLimits;
  fixes: FixStore;
  /**
   * The connection closed, after its 'close' listeners (Aedes's: its client has closed and sent
   * its will). One function for every connection, not a listener each.
   */
  afterClose?: (gate: IngressGate) => void;
  /** Closes the connection for a reason, once; the gate reports why it closed. */
  onClose?: (reason: string) => void;
  /**
   * A client's bytes made the gate throw: a bug, reported here (and the connection closed), never
   * an exception that escapes the connection.
   */
  onFault?: (err: unknown) => void;
  /** True while the broker is behind (event loop lagging): backlogs of fixes are then coalesced. */
  underPressure: () => boolean;
  /**
   * Publishes an accepted QoS 0 fix as the broker, retained, without Aedes parsing the packet or
   * authorizing it again: the gate's decision is final. Absent, fixes go through Aedes like
   * any packet.
   */
  publishFix?: (topic: string, payload: Uint8Array) => void;
  /** False when this gate's connection is no longer the driver's live session (it reconnected). */
  isCurrentSession?: (driverId: string, gate: IngressGate) => boolean;
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
  this[GATE]?.transportClosed();
}
function onTransportError(this: GatedTransport, err: Error): void {
  this[GATE]?.transportClosed(err);
}

/** A packet the gate lets through, and the key under which a newer one may replace it. */
interface Admitted {
  bytes: Uint8Array;
  key: string | null;
}

const CONNECT = 1;
/** A client may pipeline this many packets behind CONNECT before its CONNACK. */
const MAX_HELD_PACKETS = 64;
/**
 * Bytes waiting for Aedes on one connection above which the gate stops reading its socket. Fixes
 * replace each other while they wait, so only packets that may not be dropped fill this.
 */
const MAX_WAITING_BYTES = 64 * 1024;
/** Bytes waiting for Aedes on one connection above which newer fixes replace older ones anyway. */
const COALESCE_ABOVE_BYTES = 2048;
/** How long packets of a client that hung up may wait to be carried out (transportClosed). */
const HANGUP_GRACE_MS = 5000;

function destroyGate(gate: IngressGate): void {
  gate.destroy();
}

/**
 * Longer than the house's ~250 lines on purpose: this is the one place that says in which order a
 * client's bytes are split, held behind CONNECT, coalesced, decided on and queued for Aedes, and
 * the state those steps share; each step itself lives in its own file (frame-splitter.ts,
 * backlog.ts, packet-decision.ts, coalescing-queue.ts), and the outbound half in gate-outbound.ts.
 *
 * Stands between a client's transport and Aedes. Inbound, it cuts the byte stream into packets,
 * refuses oversized ones before buffering them, closes the connection on protocol violations Aedes
 * misses, limits the publish rate, validates location and presence payloads (dropping and counting
 * bad ones instead of forwarding them), and hands Aedes only the newest fix of a driver when Aedes
 * has not yet read the one before: past the broker's capacity, fixes are shed at the door instead
 * of queueing, so what is delivered stays fresh and memory stays bounded.
 * Outbound, it sheds QoS 0 fixes for a client that does not keep up, and cuts off one that falls
 * too far behind, so a slow rider costs bounded memory and never stalls Aedes.
 */
export class IngressGate extends GateOutbound implements GatedConnection, DecisionContext {
  declare protected readonly deps: GateDeps;
  private readonly inbound: FrameSplitter;
  /** Made on the first publish (full, as it would be by then): riders and operators publish none. */
  private publishBucket: TokenBucket | null = null;
  /** Made on the first invalid packet (full, as it would be by then): most connections send none. */
  private invalidBucket: TokenBucket | null = null;
  /** Packets that arrived behind CONNECT before authentication finished: judged once it has. */
  private held: { bytes: Uint8Array; headerLength: number }[] | null = null;
  /** Admitted packets Aedes has not read yet; a newer fix replaces an older one of its driver. */
  private readonly waiting = new CoalescingQueue();
  /** Aedes has asked for data that the gate has not given it yet (it reads as it takes the connection). */
  private wanted = true;
  /** A CONNECT has come: it must be the first packet and the only one [MQTT-3.1.0-1], [MQTT-3.1.0-2]. */
  private connected = false;
  /** The client hung up while packets it sent waited behind CONNECT: its end waits for them. */
  private endAfterAuthentication = false;
  /** The broker's client on this connection: Aedes sets it as it takes the connection. */
  client: unknown = undefined;

  constructor(
    transport: Duplex,
    kind: Transport,
    remoteAddress: string,
    openMode: boolean,
    deps: GateDeps,
    /** A WebSocket transport's socket, for QoS 0 messages framed once for every rider. */
    direct?: DirectSocket,
  ) {
    super(transport, new ConnectionContext(kind, remoteAddress, nextSessionId++, openMode), deps, direct);
    const { limits } = deps;
    this.inbound = new FrameSplitter(limits.maxPacketBytes);
    // Listeners shared by every connection, not four closures each: they find their gate through
    // the transport (idle connections are most of a broker's memory).
    (transport as GatedTransport)[GATE] = this;
    transport.on('data', onTransportData);
    transport.on('end', onTransportEnd);
    transport.on('close', onTransportClose);
    transport.on('error', onTransportError);
  }

  /**
   * The transport ended: what is still waiting goes to Aedes, then the end. Packets the client
   * sent behind CONNECT are carried out before it: a device may send CONNECT, a fix and
   * DISCONNECT in one write and hang up, and its DISCONNECT must still keep its will from being
   * sent. They wait for authentication, as they would have on an open connection.
   */
  transportEnded(): void {
    if (this.held !== null && this.held.length > 0) {
      this.endAfterAuthentication = true;
      return;
    }
    const rest = this.waiting.take();
    if (rest !== null) this.handOver(rest);
    this.handOver(null);
  }

  /**
   * The transport closed, or failed (`err`: often a write to a client that has hung up). Packets
   * the client sent before it did and Aedes has not read yet are still carried out (see
   * transportEnded): the gate closes once Aedes has read them and the end, or after
   * HANGUP_GRACE_MS (Aedes's connect timeout stops at CONNECT, and authentication may wait on
   * Redis).
   */
  transportClosed(err?: Error): void {
    if (this.destroyed) return;
    const pending = (this.held !== null && this.held.length > 0) || this.unreadWaiting || !this.waiting.empty;
    if (!pending) {
      this.destroy(err);
      return;
    }
    if (!this.endAfterAuthentication) this.transportEnded();
    setTimeout(destroyGate, HANGUP_GRACE_MS, this).unref();
  }

  protected closed(): void {
    this.deps.afterClose?.(this);
  }

  /** Closes the connection because of something the client did. */
  reject(reason: string): void {
    if (this.destroyed) return;
    this.deps.counters.violation(reason, this.ctx.transport);
    this.closeFor(reason);
  }

  /** Closes the connection, once, saying why. */
  private closeFor(reason: string): void {
    if (this.destroyed) return;
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
      if (this.endAfterAuthentication) this.transportEnded();
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

  protected pull(): void {
    this.wanted = true;
    this.flush();
    if (this.transport.isPaused() && this.waiting.bytes < MAX_WAITING_BYTES) this.transport.resume();
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
      (this.unreadWaiting || !this.waiting.empty || this.deps.underPressure());
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

  /** An answer the gate gives Aedes in the client's place (a PUBACK for a dropped retained echo). */
  protected enqueueReply(bytes: Uint8Array): void {
    this.enqueue({ bytes, key: null });
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
    if (out !== null) this.wanted = this.handOver(out);
  }

  /** Carries out the decision on one inbound packet (packet-decision.ts): what to hand to Aedes, or null. */
  private admit(bytes: Uint8Array, headerLength: number): Admitted | null {
    const d = decidePacket(bytes, headerLength, this);
    switch (d.verdict) {
      case 'forward':
        if (d.publish) this.deps.counters.publishIn();
        if (d.subscribed) (this.echoes ??= new RetainedEchoes()).subscribed(this.deps.now());
        if (d.accepted) this.deps.fixes.accept(d.accepted.driverId, d.accepted.last);
        return { bytes: d.bytes, key: d.key };
      case 'publish-as-broker':
        this.deps.counters.publishIn();
        this.deps.fixes.accept(d.accepted.driverId, d.accepted.last);
        this.deps.publishFix?.(d.topic, d.payload);
        return null;
      case 'connect': {
        const { connect } = d;
        this.ctx.clientId = connect.clientId;
        this.ctx.keepaliveS = connect.keepaliveS;
        this.ctx.willTopic = connect.willTopic;
        this.ctx.protocolLevel = connect.protocolLevel;
        this.ctx.clean = connect.clean;
        if (!this.ctx.authenticated) this.held = [];
        return { bytes: d.bytes, key: null };
      }
      case 'drop':
        this.deps.counters.publishIn();
        this.deps.counters.drop(d.reason);
        if (d.jumpRefused !== undefined) this.deps.fixes.refuseJump(d.jumpRefused);
        return this.dropped(d.qos, d.packetId, d.invalid);
      case 'close':
        this.reject(d.reason);
        return null;
      case 'deny':
        // Counted as a denial of the access rules (not a protocol violation), as Aedes's hook did.
        this.deps.counters.publishDenied(d.reason);
        this.closeFor('publish_denied');
        return null;
      case 'refuse-connect':
        return this.refuseConnack(d.returnCode, d.reason);
    }
  }

  // The gate is its own DecisionContext: getters and methods on the prototype, so deciding a
  // packet allocates no context, per packet or per connection.
  get protocolLevel(): number {
    return this.ctx.protocolLevel;
  }
  get claims(): Claims | null {
    return this.ctx.claims;
  }
  get openMode(): boolean {
    return this.ctx.openMode;
  }
  get sessionId(): number {
    return this.ctx.sessionId;
  }
  get fixes(): FixStore {
    return this.deps.fixes;
  }
  get judge(): JudgeLimits {
    return this.deps.judge;
  }
  get publishesFixes(): boolean {
    return this.deps.publishFix !== undefined;
  }
  takePublishToken(): boolean {
    const now = this.deps.now();
    const { publishRatePerS, publishBurst } = this.deps.limits;
    return (this.publishBucket ??= new TokenBucket(publishRatePerS, publishBurst, now)).take(now);
  }
  isCurrentSession(driverId: string): boolean {
    return this.deps.isCurrentSession?.(driverId, this) !== false;
  }
  ackFits(kind: Exclude<AckKind, 'pubrel'>, packetId: number): boolean {
    return this.flows?.received(kind, packetId) !== 'wrong_ack';
  }

  /** Answers CONNECT with a refusing CONNACK and closes, counting why. */
  private refuseConnack(returnCode: number, reason: string): null {
    this.deps.counters.violation(reason, this.ctx.transport);
    this.transport.end(connackFrame(returnCode));
    this.ctx.closeReason = reason;
    return null;
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
