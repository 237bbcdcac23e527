const PUBLISH = 3;
/** How long after a SUBSCRIBE a retained copy is compared with what was just sent live. */
const WINDOW_MS = 2000;
/** Live messages remembered in that window, at most (a subscription to a busy filter sends many). */
const MAX_REMEMBERED = 64;

/**
 * A client that publishes a retained message and subscribes to its topic right after may be sent
 * the message twice: live (routed after the subscription took effect) and then again from the
 * retained store as the subscription's retained message. After each SUBSCRIBE this remembers, for
 * a moment, the live messages the broker sends the client; a retained PUBLISH that repeats one of
 * them (same topic, same payload) is an echo, not news. Pure: bytes and time in, verdicts out.
 */
export class RetainedEchoes {
  private live: Map<string, Uint8Array> | null = null;
  private untilMs = 0;

  /** The client subscribed. */
  subscribed(nowMs: number): void {
    this.live = new Map();
    this.untilMs = nowMs + WINDOW_MS;
  }

  /** An outgoing PUBLISH frame; true when it is the retained echo of one just sent live. */
  isEcho(bytes: Uint8Array, headerLength: number, nowMs: number): boolean {
    if (this.live === null) return false;
    if (nowMs > this.untilMs) {
      this.live = null;
      return false;
    }
    const first = bytes[0] ?? 0;
    if (first >> 4 !== PUBLISH) return false;
    const topicLength = ((bytes[headerLength] ?? 0) << 8) | (bytes[headerLength + 1] ?? 0);
    const topicEnd = headerLength + 2 + topicLength;
    const topic = String.fromCharCode(...bytes.subarray(headerLength + 2, topicEnd));
    const payload = bytes.subarray(topicEnd + (((first >> 1) & 0x03) > 0 ? 2 : 0));
    if ((first & 0x01) === 0) {
      if (this.live.size < MAX_REMEMBERED || this.live.has(topic)) this.live.set(topic, payload);
      return false;
    }
    const seen = this.live.get(topic);
    return seen !== undefined && sameBytes(seen, payload);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
