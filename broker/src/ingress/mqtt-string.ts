import { isUtf8 } from 'node:buffer';

export type StringReason = 'truncated' | 'bad_utf8' | 'null_char';

/**
 * Reads an MQTT UTF-8 string (2-byte length, then bytes) at `offset`. Ill-formed UTF-8, which
 * includes encoded surrogates, is refused [MQTT-1.5.3-1], and so is U+0000 [MQTT-1.5.3-2].
 */
export function readMqttString(
  buf: Uint8Array,
  offset: number,
  end: number,
): { value: string; next: number } | StringReason {
  if (offset + 2 > end) return 'truncated';
  const length = ((buf[offset] ?? 0) << 8) | (buf[offset + 1] ?? 0);
  const start = offset + 2;
  if (start + length > end) return 'truncated';
  const bytes = buf.subarray(start, start + length);
  if (bytes.includes(0)) return 'null_char';
  if (!isUtf8(bytes)) return 'bad_utf8';
  return {
    value: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
    next: start + length,
  };
}

/** Reads 2-byte-length binary data (will payload, password) at `offset`. */
export function readMqttBinary(buf: Uint8Array, offset: number, end: number): { next: number } | 'truncated' {
  if (offset + 2 > end) return 'truncated';
  const length = ((buf[offset] ?? 0) << 8) | (buf[offset + 1] ?? 0);
  return offset + 2 + length > end ? 'truncated' : { next: offset + 2 + length };
}
