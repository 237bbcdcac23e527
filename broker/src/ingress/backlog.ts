import type { Frame } from './frame-splitter';
import { readMqttString } from './mqtt-string';

const PUBLISH = 3;

/**
 * The driver location topic (`d/{id}/l`) of a QoS 0 PUBLISH, or null for any other packet or one
 * whose topic does not fit inside its frame. Reads nothing past the frame: the topic length is the
 * client's word, not a fact.
 */
export function qos0LocationTopic(frame: Frame): string | null {
  const first = frame.bytes[0] ?? 0;
  if (first >> 4 !== PUBLISH || (first & 0x06) !== 0) return null;
  const topic = readMqttString(frame.bytes, frame.headerLength, frame.bytes.byteLength);
  if (typeof topic === 'string') return null;
  const t = topic.value;
  return t.length > 4 && t.startsWith('d/') && t.endsWith('/l') ? t : null;
}

/**
 * In a backlog of several QoS 0 fixes on one driver's location topic, all but the last are
 * superseded: returns their indexes. Other packets are never superseded. Pure.
 */
export function supersededFixes(frames: readonly Frame[]): Set<number> {
  const lastIndex = new Map<string, number>();
  const superseded = new Set<number>();
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i];
    const topic = frame === undefined ? null : qos0LocationTopic(frame);
    if (topic === null) continue;
    const previous = lastIndex.get(topic);
    if (previous !== undefined) superseded.add(previous);
    lastIndex.set(topic, i);
  }
  return superseded;
}
