import type { AckKind } from './inspect';

const PUBLISH = 3;
const PUBREL = 6;

/** What the broker waits for from the client for one packet identifier. */
type Awaiting = 'puback' | 'pubrec' | 'pubrel' | 'pubcomp';

export type AckVerdict = 'ok' | 'unknown_id' | 'wrong_ack';

/**
 * The broker's QoS 1 and 2 publishes to one client that still wait for the client's answer, read
 * from the bytes the broker writes, so that an answer of the wrong kind for its flow is refused
 * [MQTT-4.3.2], [MQTT-4.3.3]: QoS 1 is PUBLISH then PUBACK; QoS 2 is PUBLISH then PUBREC, the
 * broker's PUBREL, then PUBCOMP. An answer for an identifier the broker is not waiting on is
 * `unknown_id` (a late duplicate; harmless, passed on). Pure: bytes in, verdicts out.
 */
export class AckFlows {
  private readonly awaiting = new Map<number, Awaiting>();

  /** A packet the broker writes to the client. */
  sent(bytes: Uint8Array, headerLength: number): void {
    const first = bytes[0] ?? 0;
    const type = first >> 4;
    if (type === PUBREL) {
      this.awaiting.set(u16(bytes, headerLength), 'pubcomp');
      return;
    }
    if (type !== PUBLISH) return;
    const qos = (first >> 1) & 0x03;
    if (qos === 0) return;
    const topicLength = u16(bytes, headerLength);
    this.awaiting.set(u16(bytes, headerLength + 2 + topicLength), qos === 1 ? 'puback' : 'pubrec');
  }

  /** An acknowledgement from the client for one of the broker's publishes (not PUBREL). */
  received(kind: Exclude<AckKind, 'pubrel'>, packetId: number): AckVerdict {
    const expected = this.awaiting.get(packetId);
    if (expected === undefined) return 'unknown_id';
    if (kind === 'pubrec' && (expected === 'pubrec' || expected === 'pubrel')) {
      // A repeated PUBREC (before the broker's PUBREL) is a retry, not a violation.
      this.awaiting.set(packetId, 'pubrel');
      return 'ok';
    }
    if (kind !== expected) return 'wrong_ack';
    this.awaiting.delete(packetId);
    return 'ok';
  }

  get size(): number {
    return this.awaiting.size;
  }
}

function u16(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
}
