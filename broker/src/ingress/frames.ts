/** The few server-to-client packets the gate writes itself, and PUBLISH for rewritten fixes. */

/** CONNACK with a return code and no session present [MQTT-3.2]. */
export function connackFrame(returnCode: number): Uint8Array {
  return Uint8Array.of(0x20, 0x02, 0x00, returnCode);
}

/** PUBACK for a QoS 1 publish the gate consumed itself [MQTT-3.4]. */
export function pubackFrame(packetId: number): Uint8Array {
  return Uint8Array.of(0x40, 0x02, packetId >> 8, packetId & 0xff);
}

/** The variable-length encoding of a packet's remaining length [MQTT-2.2.3]. */
export function remainingLengthBytes(length: number): number[] {
  const out: number[] = [];
  let rest = length;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    out.push(byte);
  } while (rest > 0);
  return out;
}

/** A PUBLISH packet [MQTT-3.3]. `packetId` is written only for QoS 1 and 2. */
export function publishFrame(opts: {
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1 | 2;
  retain: boolean;
  packetId: number;
}): Uint8Array {
  const topic = new TextEncoder().encode(opts.topic);
  const idBytes = opts.qos > 0 ? 2 : 0;
  const remaining = 2 + topic.byteLength + idBytes + opts.payload.byteLength;
  const header = [0x30 | (opts.qos << 1) | (opts.retain ? 1 : 0), ...remainingLengthBytes(remaining)];
  const out = new Uint8Array(header.length + remaining);
  out.set(header, 0);
  let at = header.length;
  out[at++] = topic.byteLength >> 8;
  out[at++] = topic.byteLength & 0xff;
  out.set(topic, at);
  at += topic.byteLength;
  if (idBytes) {
    out[at++] = opts.packetId >> 8;
    out[at++] = opts.packetId & 0xff;
  }
  out.set(opts.payload, at);
  return out;
}

/** A SUBSCRIBE (with requested QoS) or UNSUBSCRIBE packet [MQTT-3.8], [MQTT-3.10]. */
export function filtersFrame(opts: {
  packetId: number;
  filters: readonly string[];
  requestedQos?: readonly number[];
}): Uint8Array {
  const subscribe = opts.requestedQos !== undefined;
  const body: number[] = [opts.packetId >> 8, opts.packetId & 0xff];
  opts.filters.forEach((filter, i) => {
    const bytes = new TextEncoder().encode(filter);
    body.push(bytes.byteLength >> 8, bytes.byteLength & 0xff, ...bytes);
    if (subscribe) body.push(opts.requestedQos?.[i] ?? 0);
  });
  return Uint8Array.from([subscribe ? 0x82 : 0xa2, ...remainingLengthBytes(body.length), ...body]);
}
