import { fail, ok, type Result } from '@ridetrack/shared';

/** One whole MQTT control packet as it came off the wire. */
export interface Frame {
  /** The whole packet: fixed header, variable header, payload. */
  bytes: Uint8Array;
  /** Length of the fixed header (1 + 1..4 bytes of remaining length). */
  headerLength: number;
}

export type SplitReason = 'packet_too_large' | 'bad_remaining_length';

/**
 * Cuts a byte stream into MQTT control packets. The size limit is applied as soon as the remaining
 * length is known, so an oversized packet is refused before its body is buffered.
 */
export class FrameSplitter {
  /** The start of a packet not yet complete (a copy), or null. */
  private pending: Uint8Array | null = null;

  constructor(private readonly maxPacketBytes: number) {}

  /** Bytes of a packet begun but not yet complete. */
  get buffered(): number {
    return this.pending?.byteLength ?? 0;
  }

  /** Adds bytes; returns the packets completed by them, or why the stream cannot go on. */
  push(chunk: Uint8Array): Result<Frame[], SplitReason> {
    let buf: Uint8Array = chunk;
    if (this.pending !== null) {
      buf = new Uint8Array(this.pending.byteLength + chunk.byteLength);
      buf.set(this.pending, 0);
      buf.set(chunk, this.pending.byteLength);
      this.pending = null;
    }
    const frames: Frame[] = [];
    let offset = 0;
    while (offset < buf.byteLength) {
      const header = readFixedHeader(buf, offset);
      if (header === 'incomplete') break;
      if (header === 'bad') return fail('bad_remaining_length');
      const total = header.headerLength + header.remainingLength;
      if (total > this.maxPacketBytes) return fail('packet_too_large');
      if (offset + total > buf.byteLength) break;
      frames.push({ bytes: buf.subarray(offset, offset + total), headerLength: header.headerLength });
      offset += total;
    }
    if (offset < buf.byteLength) {
      // Copy the tail: the caller may reuse the chunk's memory.
      this.pending = buf.slice(offset);
    }
    return ok(frames);
  }
}

/** Reads the fixed header at `offset` [MQTT-2.2.3]: up to four bytes of remaining length. */
export function readFixedHeader(
  buf: Uint8Array,
  offset: number,
): { headerLength: number; remainingLength: number } | 'incomplete' | 'bad' {
  let multiplier = 1;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const at = offset + i;
    if (at >= buf.byteLength) return 'incomplete';
    const byte = buf[at] ?? 0;
    value += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) return { headerLength: 1 + i, remainingLength: value };
    multiplier *= 128;
  }
  return 'bad';
}
