import type { AedesPublishPacket, Client } from 'aedes';

/**
 * The QoS 0 way out. Aedes delivers each QoS 0 message to each subscriber through a
 * `setImmediate`, a new Packet, and mqtt-packet's stream writer (about five writes: header,
 * length, topic length, topic, payload) into the client's stream, where the gate cut them into a
 * packet again. Here the packet is encoded once per message, shared by every subscriber, and
 * written with one call per delivery, at once: the message's payload (one Buffer that every
 * subscriber's copy of the packet shares) keys its encoding.
 *
 * Aedes stays the broker for everything else: sessions, QoS 1 and 2, retained messages, wills.
 */
/**
 * The last message encoded: a message's deliveries to its subscribers follow one another (Aedes's
 * router calls each subscriber in turn), so one entry serves the whole fan-out, with no map to
 * keep (a WeakMap keyed by every payload cost more in garbage collection than it saved).
 */
let last: (Qos0Frame & { payload: Buffer; topic: string; retain: boolean }) | null = null;

/** A QoS 0 PUBLISH as MQTT bytes, and (made on first need) as one binary WebSocket frame of them. */
export class Qos0Frame {
  private framed: Buffer | null = null;

  constructor(readonly mqtt: Buffer) {}

  /** The same bytes in one unmasked binary WebSocket frame [RFC 6455 5.2], for every WebSocket rider. */
  get ws(): Buffer {
    return (this.framed ??= wsBinaryFrame(this.mqtt));
  }
}

/** The PUBLISH frame of a QoS 0 delivery, encoded once for every subscriber of one message. */
export function qos0Frame(packet: { topic: string; payload: Buffer; retain: boolean }): Qos0Frame {
  if (last !== null && last.payload === packet.payload && last.topic === packet.topic && last.retain === packet.retain)
    return last;
  const frame = new Qos0Frame(qos0PublishBuffer(packet.topic, packet.payload, packet.retain));
  last = Object.assign(frame, { payload: packet.payload, topic: packet.topic, retain: packet.retain });
  return frame;
}

/** One final, unmasked binary WebSocket frame holding `data` (what a server sends). */
export function wsBinaryFrame(data: Buffer): Buffer {
  const n = data.byteLength;
  const head = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + n);
  out[0] = 0x82;
  if (n < 126) out[1] = n;
  else if (n < 65_536) {
    out[1] = 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 127;
    out.writeBigUInt64BE(BigInt(n), 2);
  }
  data.copy(out, head);
  return out;
}

/** A QoS 0 PUBLISH [MQTT-3.3] in one Buffer, written in place (no intermediate arrays). */
export function qos0PublishBuffer(topic: string, payload: Buffer, retain: boolean): Buffer {
  const topicBytes = Buffer.byteLength(topic, 'utf8');
  const remaining = 2 + topicBytes + payload.byteLength;
  const lengthBytes = remaining < 128 ? 1 : remaining < 16_384 ? 2 : remaining < 2_097_152 ? 3 : 4;
  const out = Buffer.allocUnsafe(1 + lengthBytes + remaining);
  out[0] = 0x30 | (retain ? 1 : 0);
  let at = 1;
  let rest = remaining;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    out[at++] = byte;
  } while (rest > 0);
  out[at++] = topicBytes >> 8;
  out[at++] = topicBytes & 0xff;
  at += out.write(topic, at, 'utf8');
  payload.copy(out, at);
  return out;
}

/** What a client's QoS 0 deliveries are written to: the gate in front of its connection. */
export interface Qos0Writer {
  writeQos0(frame: Qos0Frame): void;
}

interface AedesClientInternals {
  id: string;
  broker: { authorizeForward(client: Client, packet: AedesPublishPacket): AedesPublishPacket | null | undefined };
  /** Aedes's dedupe state: the broker counter last delivered, per broker id. */
  duplicates: Record<string, number>;
  deliver0: Deliver;
  deliverQoS: Deliver;
}

type Deliver = (packet: AedesPublishPacket & { nl?: boolean; clientId?: string }, cb: () => void) => void;

/**
 * Whether this message is the one this client was just given: a message matching two of its
 * subscriptions reaches it twice in a row (Aedes's router calls each matching subscription in
 * turn), and is delivered once. Remembers it otherwise.
 *
 * Aedes's own check (moscajs/aedes#994, #955, open) drops every message whose counter is not
 * above the last one delivered from the same broker id; but messages are not handed out in the
 * order their counters were given: a QoS 1 publish goes out after its PUBACK is written (and,
 * clustered, after it is queued in Redis for sessions away), a QoS 0 one at once. A subscriber of
 * both lost the QoS 1 message. Only the same message again is a copy.
 */
function repeatsLast(c: AedesClientInternals, packet: AedesPublishPacket): boolean {
  const brokerId = packet.brokerId;
  if (!brokerId) return false;
  if (c.duplicates[brokerId] === packet.brokerCounter) return true;
  c.duplicates[brokerId] = packet.brokerCounter;
  return false;
}

/**
 * A client's deliveries, as Aedes hands over the client, before it has subscribed to anything
 * (Aedes takes `deliver0` and `deliverQoS` when a subscription is made). Both are made here, in one
 * scope, so the two closures of every connection share one context.
 * - QoS 0 takes the encode-once path (Aedes also calls `deliver0` to deliver retained and
 *   downgraded messages at QoS 0), keeping what Aedes's own checks do: no-local, the dedupe (made
 *   exact: repeatsLast), and authorizeForward.
 * - QoS 1 and 2 drop only a repeat of the last message (repeatsLast), not every message older than
 *   it. Aedes's deliverQoS keeps its own check: it is given a clean slate for a message that is
 *   not a repeat, and decides as before for one that is.
 */
export function ownDeliveries(client: Client, writer: Qos0Writer): void {
  const c = client as unknown as AedesClientInternals;
  const aedesDeliverQoS = c.deliverQoS;
  c.deliverQoS = (packet, cb) => {
    const brokerId = packet.brokerId;
    if (brokerId && !repeatsLast(c, packet)) c.duplicates[brokerId] = 0;
    aedesDeliverQoS(packet, cb);
  };
  c.deliver0 = (packet, cb) => {
    if (packet.nl === true && packet.clientId === c.id) {
      cb();
      return;
    }
    if (repeatsLast(c, packet)) {
      cb();
      return;
    }
    const forward = c.broker.authorizeForward(client, packet);
    if (forward) writer.writeQos0(qos0Frame(forward as { topic: string; payload: Buffer; retain: boolean }));
    cb();
  };
}
