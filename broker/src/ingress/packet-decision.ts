import type { Claims } from '@ridetrack/shared';
import type { FixStore } from './connection-context';
import type { JudgeLimits, LastFix } from './fix-judge';
import { filtersFrame, publishFrame } from './frames';
import { inspectFrame, type AckKind, type Inspected } from './inspect';
import { decidePublish } from './publish-policy';

/**
 * Levels a topic or filter may have: what Aedes's matchers take. A PUBLISH beyond it is closed
 * (`topic_too_deep`); a filter beyond it is refused on its own in the SUBACK (0x80).
 */
export const MAX_TOPIC_LEVELS = 100;
/** What a filter too deep to match becomes before Aedes sees it: every mode refuses `$` filters. */
const REFUSED_FILTER = '$ridetrack/filter-too-deep';
/** Protocol levels Aedes answers; any other gets CONNACK 0x01 here [MQTT-3.1.2-2]. */
const LEVELS_AEDES_ANSWERS: ReadonlySet<number> = new Set([3, 4, 5]);
/** Drops that judge a valid fix (stale, repeated, implausible), not a malformed one. */
const JUDGEMENTS: ReadonlySet<string> = new Set(['duplicate', 'out_of_order', 'impossible_jump']);

export interface AcceptedFix {
  driverId: string;
  last: LastFix;
}

/** What the gate does with one inbound packet: its decision is final. */
export type PacketDecision =
  /**
   * Hand these bytes to Aedes; while they wait, a newer packet with the same key replaces them.
   * `accepted`: a fix to store first; `publish`: the packet was a PUBLISH; `subscribed`: a SUBSCRIBE.
   */
  | {
      verdict: 'forward';
      bytes: Uint8Array;
      key: string | null;
      accepted?: AcceptedFix;
      publish?: true;
      subscribed?: true;
    }
  /** A CONNECT to hand on: its facts become the connection's. */
  | { verdict: 'connect'; bytes: Uint8Array; connect: Extract<Inspected, { type: 'connect' }> }
  /** An accepted QoS 0 fix the broker publishes itself: Aedes parses and checks nothing again. */
  | { verdict: 'publish-as-broker'; topic: string; payload: Uint8Array; accepted: AcceptedFix }
  /**
   * A PUBLISH not forwarded, counted by reason (QoS 1 is acknowledged, QoS 2 closes); `invalid`
   * counts against the client's allowance of garbage; `jumpRefused` names a driver whose jump was refused.
   */
  | { verdict: 'drop'; reason: string; qos: 0 | 1 | 2; packetId: number; invalid: boolean; jumpRefused?: string }
  /** Close the connection for this reason. */
  | { verdict: 'close'; reason: string }
  /** A PUBLISH its sender may not make: counted as a denial with this reason, and the connection closed. */
  | { verdict: 'deny'; reason: string }
  /** Answer CONNECT with this refusing CONNACK (1: protocol level, 2: identifier), then close. */
  | { verdict: 'refuse-connect'; returnCode: 1 | 2; reason: string };

/** What the decision reads of the connection and the broker. */
export interface DecisionContext {
  /** 3 for MQTT 3.1, 4 for 3.1.1, from CONNECT. */
  protocolLevel: number;
  claims: Claims | null;
  /** In open mode, no claims are needed to publish. */
  openMode: boolean;
  sessionId: number;
  fixes: Pick<FixStore, 'get'>;
  judge: JudgeLimits;
  /** The broker publishes accepted QoS 0 fixes itself (else they go to Aedes as packets). */
  publishesFixes: boolean;
  /** Takes a token from the connection's publish bucket: false when it is over its rate. */
  takePublishToken(): boolean;
  /** False when this connection is no longer the driver's live session (it reconnected). */
  isCurrentSession(driverId: string): boolean;
  /** Takes a client's acknowledgement into the broker's flows: false for the wrong kind. */
  ackFits(kind: Exclude<AckKind, 'pubrel'>, packetId: number): boolean;
}

/**
 * Judges one whole inbound packet from its bytes. Reads the connection's state through `c` and
 * changes none of it but the publish bucket and the acknowledgement flows; the gate carries out
 * the decision.
 */
export function decidePacket(bytes: Uint8Array, headerLength: number, c: DecisionContext): PacketDecision {
  const inspected = inspectFrame({ bytes, headerLength }, c.protocolLevel);
  if (!inspected.ok) {
    // [MQTT-3.1.3-9]: CONNACK 0x02 (identifier rejected), then close.
    if (inspected.reason === 'empty_client_id_persistent')
      return { verdict: 'refuse-connect', returnCode: 2, reason: inspected.reason };
    return { verdict: 'close', reason: inspected.reason };
  }
  const packet = inspected.value;
  switch (packet.type) {
    case 'connect':
      // [MQTT-3.1.2-2]: a level Aedes does not speak gets CONNACK 0x01 (mqtt-packet would close).
      if (!LEVELS_AEDES_ANSWERS.has(packet.protocolLevel))
        return { verdict: 'refuse-connect', returnCode: 1, reason: 'unsupported_protocol_level' };
      // MQTT 3.1 wants a client id of 1-23 characters: an empty one is identifier rejected.
      if (packet.protocolLevel === 3 && packet.clientId === '')
        return { verdict: 'refuse-connect', returnCode: 2, reason: 'empty_client_id_v31' };
      return { verdict: 'connect', bytes, connect: packet };
    case 'ack':
      return decideAck(bytes, packet.kind, packet.packetId, c);
    case 'subscribe':
    case 'unsubscribe': {
      const subscribed = packet.type === 'subscribe' ? ({ subscribed: true } as const) : {};
      if (!packet.filters.some(tooDeep)) return { verdict: 'forward', bytes, key: null, ...subscribed };
      // A filter too deep to match is refused on its own (SUBACK 0x80), not the connection.
      const filters = packet.filters.map((f) => (tooDeep(f) ? REFUSED_FILTER : f));
      const rewritten =
        packet.type === 'subscribe'
          ? filtersFrame({ packetId: packet.packetId, filters, requestedQos: packet.requestedQos })
          : filtersFrame({ packetId: packet.packetId, filters });
      return { verdict: 'forward', bytes: rewritten, key: null, ...subscribed };
    }
    case 'other':
      return { verdict: 'forward', bytes, key: null };
    case 'publish':
      return decidePublishPacket(bytes, packet, c);
  }
}

function decidePublishPacket(
  bytes: Uint8Array,
  packet: Extract<Inspected, { type: 'publish' }>,
  c: DecisionContext,
): PacketDecision {
  if (tooDeep(packet.topic)) return { verdict: 'close', reason: 'topic_too_deep' };
  const { qos, packetId } = packet;
  if (!c.takePublishToken()) return { verdict: 'drop', reason: 'rate_limited', qos, packetId, invalid: false };
  // A superseded session of a driver (it has reconnected elsewhere) speaks for it no more: its
  // fixes are refused here, before they reach the fix store, the index or a rider.
  if (c.claims?.role === 'driver' && !c.isCurrentSession(c.claims.sub))
    return { verdict: 'drop', reason: 'session_superseded', qos, packetId, invalid: false };
  const payload = bytes.subarray(packet.payloadOffset);
  const decision = decidePublish({
    topic: packet.topic,
    payload,
    claims: c.openMode ? null : c.claims,
    sessionId: c.sessionId,
    fixes: c.fixes,
    judge: c.judge,
  });
  switch (decision.action) {
    case 'deny':
      return { verdict: 'deny', reason: decision.reason };
    case 'pass':
      return { verdict: 'forward', bytes, key: null, publish: true };
    case 'forward-retained': {
      const { accepted } = decision;
      if (accepted && qos === 0 && c.publishesFixes)
        return { verdict: 'publish-as-broker', topic: packet.topic, payload, accepted };
      // Only QoS 0 fixes may be replaced: a QoS 1/2 one is acknowledged once Aedes has it.
      const key = accepted && qos === 0 ? accepted.driverId : null;
      let out = bytes;
      if (!packet.retain) {
        out = Uint8Array.from(bytes);
        out[0] = (out[0] ?? 0) | 0x01;
      }
      return { verdict: 'forward', bytes: out, key, publish: true, ...(accepted ? { accepted } : {}) };
    }
    case 'rewrite': {
      const { accepted } = decision;
      if (qos === 0 && c.publishesFixes)
        return { verdict: 'publish-as-broker', topic: decision.topic, payload: decision.payload, accepted };
      const out = publishFrame({ topic: decision.topic, payload: decision.payload, qos, retain: true, packetId });
      return { verdict: 'forward', bytes: out, key: qos === 0 ? accepted.driverId : null, publish: true, accepted };
    }
    case 'drop':
      return {
        verdict: 'drop',
        reason: decision.reason,
        qos,
        packetId,
        invalid: !JUDGEMENTS.has(decision.reason),
        ...(decision.jumpRefused === undefined ? {} : { jumpRefused: decision.jumpRefused }),
      };
  }
}

/**
 * A client's acknowledgement: one of the wrong kind for the flow of the broker's publish closes
 * the connection [MQTT-4.3.2], [MQTT-4.3.3]. MQTT 3.1's PUBREL resent with DUP goes on as 3.1.1's.
 */
function decideAck(bytes: Uint8Array, kind: AckKind, packetId: number, c: DecisionContext): PacketDecision {
  if (kind === 'pubrel') {
    if ((bytes[0] ?? 0) === 0x62) return { verdict: 'forward', bytes, key: null };
    const normal = Uint8Array.from(bytes);
    normal[0] = 0x62;
    return { verdict: 'forward', bytes: normal, key: null };
  }
  if (!c.ackFits(kind, packetId)) return { verdict: 'close', reason: 'wrong_ack' };
  return { verdict: 'forward', bytes, key: null };
}

/** More levels than Aedes's matchers take (Aedes counts them as slashes plus one). */
export function tooDeep(topic: string): boolean {
  let slashes = 0;
  for (let i = 0; i < topic.length; i++) if (topic.charCodeAt(i) === 47) slashes++;
  return slashes + 1 > MAX_TOPIC_LEVELS;
}
