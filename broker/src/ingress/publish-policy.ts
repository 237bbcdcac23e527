import {
  canPublish,
  decodeLocation,
  decodeOwnTracks,
  decodeStatus,
  encodeLocation,
  locationTopic,
  parseTopic,
  type Claims,
  type DecodeReason,
  type LocationFix,
  type OwnTracksReason,
  type StatusReason,
} from '@ridetrack/shared';
import { judgeFix, type JudgeLimits, type LastFix } from './fix-judge';

/**
 * What the gate does with one PUBLISH, decided from the topic, the payload, who sent it and the
 * driver's last accepted fix. Pure: the gate carries the decision out.
 */
export type DropReason =
  | `location_${DecodeReason}`
  | `owntracks_${OwnTracksReason}`
  | `status_${StatusReason}`
  | 'duplicate'
  | 'out_of_order'
  | 'impossible_jump';

export type PublishDecision =
  /** A publish the sender may make that is not a location or presence (a trip message): as it is. */
  | { action: 'pass' }
  /**
   * The sender may not publish to this topic (a reason of shared/src/access.ts or topics.ts, or
   * `reserved_topic` for `$` in open mode): the connection closes, as MQTT 3.1.1 has no negative
   * PUBACK [MQTT-3.3.5-2]. The gate's word is final; Aedes does not check again.
   */
  | { action: 'deny'; reason: string }
  /** Forward the packet as it is, with the retain flag set (the last value is what riders need). */
  | { action: 'forward-retained'; accepted?: { driverId: string; last: LastFix } }
  /** Forward this packet instead (an OwnTracks fix as a v1 packet on the driver's location topic). */
  | { action: 'rewrite'; topic: string; payload: Uint8Array; accepted: { driverId: string; last: LastFix } }
  | { action: 'drop'; reason: DropReason; jumpRefused?: string };

export interface PublishInput {
  topic: string;
  payload: Uint8Array;
  /** The sender's claims, or null in open mode (no authentication, no topic rules). */
  claims: Claims | null;
  sessionId: number;
  /** Each driver's last accepted fix (the broker's fix store). */
  fixes: { get(driverId: string): LastFix | undefined };
  judge: JudgeLimits;
}

export function decidePublish(input: PublishInput): PublishDecision {
  const parsed = parseTopic(input.topic);
  if (!parsed.ok) {
    // Open mode keeps MQTT as it is (any topic) but for the reserved `$` ones; with claims, a
    // topic outside the tree is no one's to publish.
    if (input.claims !== null) return { action: 'deny', reason: parsed.reason };
    return input.topic.startsWith('$') ? { action: 'deny', reason: 'reserved_topic' } : { action: 'pass' };
  }
  const topic = parsed.value;
  if (input.claims !== null) {
    const allowed = canPublish(input.claims, topic);
    if (!allowed.ok) return { action: 'deny', reason: allowed.reason };
  }
  switch (topic.kind) {
    case 'trip':
      return { action: 'pass' };
    case 'status': {
      const status = decodeStatus(input.payload);
      return status.ok ? { action: 'forward-retained' } : { action: 'drop', reason: `status_${status.reason}` };
    }
    case 'location': {
      const fix = decodeLocation(input.payload);
      if (!fix.ok) return { action: 'drop', reason: `location_${fix.reason}` };
      return judged(input, topic.driverId, fix.value, (last) => ({
        action: 'forward-retained',
        accepted: { driverId: topic.driverId, last },
      }));
    }
    case 'owntracks': {
      const fix = decodeOwnTracks(input.payload);
      if (!fix.ok) return { action: 'drop', reason: `owntracks_${fix.reason}` };
      return judged(input, topic.driverId, fix.value, (last) => ({
        action: 'rewrite',
        topic: locationTopic(topic.driverId),
        payload: encodeLocation(fix.value),
        accepted: { driverId: topic.driverId, last },
      }));
    }
  }
}

function judged(
  input: PublishInput,
  driverId: string,
  fix: LocationFix,
  onAccept: (last: LastFix) => PublishDecision,
): PublishDecision {
  const verdict = judgeFix(input.fixes.get(driverId), fix, input.sessionId, input.judge);
  if (verdict === 'accept' || verdict === 'reanchor') {
    return onAccept({ fix, sessionId: input.sessionId, jumpsRefused: 0 });
  }
  return verdict === 'impossible_jump'
    ? { action: 'drop', reason: verdict, jumpRefused: driverId }
    : { action: 'drop', reason: verdict };
}
