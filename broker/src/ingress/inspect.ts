import { isValidFilterSyntax } from '@ridetrack/shared';
import type { Frame } from './frame-splitter';
import { readMqttBinary, readMqttString } from './mqtt-string';

/**
 * Checks one client-to-server packet against the MQTT 3.1.1 statements that Aedes and mqtt-packet
 * let through, and reads what the gate needs from it. Pure: bytes in, verdict out. The statement
 * each check comes from is named in docs/conformance.md and in the tests.
 */
export type Violation =
  | 'truncated'
  | 'bad_utf8'
  | 'null_char'
  | 'trailing_bytes'
  | 'bad_protocol_name'
  | 'reserved_connect_flag'
  | 'will_qos_3'
  | 'will_flags_without_will'
  | 'password_without_username'
  | 'will_topic_invalid'
  | 'empty_client_id_persistent'
  | 'bad_header_flags'
  | 'publish_qos_3'
  | 'packet_id_zero'
  | 'empty_topic'
  | 'wildcard_in_topic'
  | 'no_topic_filters'
  | 'empty_topic_filter'
  | 'bad_topic_filter'
  | 'bad_requested_qos'
  | 'dup_on_qos0'
  | 'bad_ack_length'
  | 'unexpected_body'
  | 'server_packet_type';

export type Inspected =
  | {
      type: 'connect';
      protocolLevel: number;
      clientId: string;
      clean: boolean;
      keepaliveS: number;
      willTopic: string | null;
    }
  | {
      type: 'publish';
      qos: 0 | 1 | 2;
      retain: boolean;
      topic: string;
      packetId: number;
      /** Offset of the application payload within the frame. */
      payloadOffset: number;
    }
  | { type: 'subscribe'; packetId: number; filters: string[]; requestedQos: number[] }
  | { type: 'unsubscribe'; packetId: number; filters: string[] }
  | { type: 'ack'; kind: AckKind; packetId: number }
  | { type: 'other'; packetType: number };

/** The acknowledgements a client sends for the broker's QoS 1 and 2 publishes. */
export type AckKind = 'puback' | 'pubrec' | 'pubrel' | 'pubcomp';

export type InspectResult = { ok: true; value: Inspected } | { ok: false; reason: Violation };

const CONNECT = 1;
const PUBLISH = 3;
const PUBREL = 6;
const SUBSCRIBE = 8;
const UNSUBSCRIBE = 10;
const PINGREQ = 12;
const DISCONNECT = 14;
const ACKS: Readonly<Record<number, AckKind>> = { 4: 'puback', 5: 'pubrec', 6: 'pubrel', 7: 'pubcomp' };
/** Types only a server sends (CONNACK, SUBACK, UNSUBACK, PINGRESP) and the reserved 0 and 15 [MQTT-2.2.1]. */
const NOT_FROM_A_CLIENT: ReadonlySet<number> = new Set([0, 2, 9, 11, 13, 15]);

const bad = (reason: Violation): InspectResult => ({ ok: false, reason });
const u16 = (b: Uint8Array, at: number): number => ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);

/**
 * Inspects one frame. `protocolLevel` is the connection's (3 for MQTT 3.1, 4 for 3.1.1): 3.1 lets
 * a PUBREL carry DUP on a retry. Packets of types the gate has nothing to add to pass as `other`.
 */
export function inspectFrame(frame: Frame, protocolLevel = 4): InspectResult {
  const b = frame.bytes;
  const first = b[0] ?? 0;
  const type = first >> 4;
  switch (type) {
    case CONNECT:
      return inspectConnect(b, frame.headerLength);
    case PUBLISH:
      return inspectPublish(b, frame.headerLength, first);
    case SUBSCRIBE:
    case UNSUBSCRIBE:
      return inspectFilters(b, frame.headerLength, first, type === SUBSCRIBE);
    case PINGREQ:
    case DISCONNECT:
      if ((first & 0x0f) !== 0) return bad('bad_header_flags'); // [MQTT-2.2.2-2]
      // [MQTT-3.12.1], [MQTT-3.14.1]: no variable header, no payload.
      return b.byteLength === frame.headerLength
        ? { ok: true, value: { type: 'other', packetType: type } }
        : bad('unexpected_body');
    default: {
      const kind = ACKS[type];
      if (kind !== undefined) return inspectAck(b, frame.headerLength, first, kind, protocolLevel);
      if (NOT_FROM_A_CLIENT.has(type)) return bad('server_packet_type');
      return { ok: true, value: { type: 'other', packetType: type } };
    }
  }
}

/** PUBACK, PUBREC, PUBREL, PUBCOMP: fixed flags, exactly a packet identifier, never 0. */
function inspectAck(b: Uint8Array, start: number, first: number, kind: AckKind, protocolLevel: number): InspectResult {
  const flags = first & 0x0f;
  // [MQTT-3.6.1-1] PUBREL's flags are 0010; MQTT 3.1 also sets DUP (1010) when it resends one.
  const allowed = first >> 4 === PUBREL ? (protocolLevel === 3 ? [0x2, 0xa] : [0x2]) : [0x0];
  if (!allowed.includes(flags)) return bad('bad_header_flags'); // [MQTT-2.2.2-2]
  if (b.byteLength - start !== 2) return bad('bad_ack_length'); // [MQTT-3.4.1], [MQTT-3.5.1], [MQTT-3.6.1], [MQTT-3.7.1]
  const packetId = u16(b, start);
  if (packetId === 0) return bad('packet_id_zero'); // [MQTT-2.3.1-1]
  return { ok: true, value: { type: 'ack', kind, packetId } };
}

function inspectConnect(b: Uint8Array, start: number): InspectResult {
  const end = b.byteLength;
  const name = readMqttString(b, start, end);
  if (typeof name === 'string') return bad(name);
  if (name.value !== 'MQTT' && name.value !== 'MQIsdp') return bad('bad_protocol_name'); // [MQTT-3.1.2-1]
  if (name.next + 4 > end) return bad('truncated');
  const protocolLevel = b[name.next] ?? 0;
  const flags = b[name.next + 1] ?? 0;
  const keepaliveS = u16(b, name.next + 2);
  const unchecked = { type: 'connect', protocolLevel, clientId: '', clean: true, keepaliveS, willTopic: null } as const;
  // Other protocol levels (MQTT 5) lay out the rest differently; Aedes answers them with return
  // code 1 [MQTT-3.1.2-2], so there is nothing more to read here.
  if (protocolLevel !== 3 && protocolLevel !== 4) return { ok: true, value: unchecked };
  if (flags & 0x01) return bad('reserved_connect_flag'); // [MQTT-3.1.2-3]
  const clean = (flags & 0x02) !== 0;
  const will = (flags & 0x04) !== 0;
  const willQos = (flags >> 3) & 0x03;
  const willRetain = (flags & 0x20) !== 0;
  const hasPassword = (flags & 0x40) !== 0;
  const hasUsername = (flags & 0x80) !== 0;
  if (!will && (willQos !== 0 || willRetain)) return bad('will_flags_without_will'); // [MQTT-3.1.2-11], [MQTT-3.1.2-13], [MQTT-3.1.2-15]
  if (willQos === 3) return bad('will_qos_3'); // [MQTT-3.1.2-14]
  if (hasPassword && !hasUsername) return bad('password_without_username'); // [MQTT-3.1.2-22]
  const clientId = readMqttString(b, name.next + 4, end);
  if (typeof clientId === 'string') return bad(clientId);
  let at = clientId.next;
  let willTopic: string | null = null;
  if (will) {
    const topic = readMqttString(b, at, end);
    if (typeof topic === 'string') return bad(topic);
    // A will topic is a topic name: not empty, no wildcards [MQTT-3.1.3-11], [MQTT-4.7.3-1].
    if (topic.value.length === 0 || /[+#]/.test(topic.value)) return bad('will_topic_invalid');
    willTopic = topic.value;
    const payload = readMqttBinary(b, topic.next, end);
    if (payload === 'truncated') return bad(payload);
    at = payload.next;
  }
  if (hasUsername) {
    const username = readMqttString(b, at, end);
    if (typeof username === 'string') return bad(username);
    at = username.next;
  }
  if (hasPassword) {
    const password = readMqttBinary(b, at, end);
    if (password === 'truncated') return bad(password);
    at = password.next;
  }
  if (at !== end) return bad('trailing_bytes');
  // [MQTT-3.1.3-8]: a zero-byte client id needs a clean session; the gate answers CONNACK 0x02.
  if (clientId.value.length === 0 && !clean) return bad('empty_client_id_persistent');
  return { ok: true, value: { ...unchecked, clientId: clientId.value, clean, willTopic } };
}

function inspectPublish(b: Uint8Array, start: number, first: number): InspectResult {
  const qos = (first >> 1) & 0x03;
  if (qos === 3) return bad('publish_qos_3'); // [MQTT-3.3.1-4]
  if (qos === 0 && (first & 0x08) !== 0) return bad('dup_on_qos0'); // [MQTT-3.3.1-2]
  const topic = readMqttString(b, start, b.byteLength);
  if (typeof topic === 'string') return bad(topic);
  if (topic.value.length === 0) return bad('empty_topic'); // [MQTT-4.7.3-1]
  if (/[+#]/.test(topic.value)) return bad('wildcard_in_topic'); // [MQTT-3.3.2-2]
  let packetId = 0;
  let payloadOffset = topic.next;
  if (qos > 0) {
    if (payloadOffset + 2 > b.byteLength) return bad('truncated');
    packetId = u16(b, payloadOffset);
    if (packetId === 0) return bad('packet_id_zero'); // [MQTT-2.3.1-1]
    payloadOffset += 2;
  }
  return {
    ok: true,
    value: {
      type: 'publish',
      qos: qos as 0 | 1 | 2,
      retain: (first & 0x01) !== 0,
      topic: topic.value,
      packetId,
      payloadOffset,
    },
  };
}

function inspectFilters(b: Uint8Array, start: number, first: number, subscribe: boolean): InspectResult {
  if ((first & 0x0f) !== 0x02) return bad('bad_header_flags'); // [MQTT-3.8.1-1], [MQTT-3.10.1-1]
  if (start + 2 > b.byteLength) return bad('truncated');
  const packetId = u16(b, start);
  if (packetId === 0) return bad('packet_id_zero'); // [MQTT-2.3.1-1]
  const filters: string[] = [];
  const requestedQos: number[] = [];
  let at = start + 2;
  while (at < b.byteLength) {
    const filter = readMqttString(b, at, b.byteLength);
    if (typeof filter === 'string') return bad(filter);
    if (filter.value.length === 0) return bad('empty_topic_filter'); // [MQTT-4.7.3-1]
    if (!isValidFilterSyntax(filter.value)) return bad('bad_topic_filter'); // [MQTT-4.7.1-2], [MQTT-4.7.1-3]
    at = filter.next;
    if (subscribe) {
      if (at >= b.byteLength) return bad('truncated');
      const requested = b[at] ?? 0;
      if (requested > 2) return bad('bad_requested_qos'); // [MQTT-3.8.3-4]
      requestedQos.push(requested);
      at += 1;
    }
    filters.push(filter.value);
  }
  // [MQTT-3.8.3-3], [MQTT-3.10.3-2]: at least one topic filter.
  if (filters.length === 0) return bad('no_topic_filters');
  return {
    ok: true,
    value: subscribe
      ? { type: 'subscribe', packetId, filters, requestedQos }
      : { type: 'unsubscribe', packetId, filters },
  };
}
