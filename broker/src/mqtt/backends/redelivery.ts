import { pipeline, Transform, type Readable } from 'node:stream';

/**
 * [MQTT-3.3.1-1] A PUBLISH the server sends again must carry DUP 1. Aedes 1.x resends a persistent
 * session's unacknowledged messages with DUP 0 (moscajs/aedes#601, open), and strict clients take
 * that as a protocol error (HiveMQ's client disconnects on a resent QoS 2 PUBLISH without it). The
 * fix sits where the resent packets come from: the session store's outgoing stream.
 */

interface StoredPacket {
  cmd?: string;
  qos?: number;
  messageId?: number | null;
  dup?: boolean;
}

/**
 * A stored outgoing packet as it goes out again. A QoS 1 or 2 PUBLISH that already has a packet
 * identifier was handed to the wire before (Aedes stores the identifier just before it writes), so
 * this is a redelivery; one queued while the client was away has none yet and goes out as new.
 * Never changes the stored packet itself.
 */
export function asRedelivery<P extends StoredPacket>(packet: P): P {
  if ((packet.cmd ?? 'publish') !== 'publish' || !packet.qos || !packet.messageId || packet.dup === true) return packet;
  return { ...packet, dup: true };
}

/** Makes a persistence's outgoing stream mark redeliveries (in place; returns the persistence). */
export function markRedeliveries<T>(persistence: T): T {
  const store = persistence as T & { outgoingStream(client: unknown): Readable };
  const original = store.outgoingStream.bind(store);
  store.outgoingStream = (client: unknown) =>
    pipeline(
      original(client),
      new Transform({
        objectMode: true,
        transform(packet: StoredPacket, _encoding, done) {
          done(null, asRedelivery(packet));
        },
      }),
      // Errors reach the reader through the returned stream, which pipeline destroys with them.
      () => undefined,
    );
  return persistence;
}
