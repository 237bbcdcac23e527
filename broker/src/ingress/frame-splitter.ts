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
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  constructor(private readonly maxPacketBytes: number) {}

  /** Bytes of a packet begun but not yet complete. */
  get buffered(): number {
    return this.pendingBytes;
  }

  /** Adds bytes; returns the packets completed by them, or why the stream cannot go on. */
  push(chunk: Uint8Array): Result<Frame[], SplitReason> {
    let buf: Uint8Array;
    if (this.pendingBytes === 0) buf = chunk;
    else {
      buf = new Uint8Array(this.pendingBytes + chunk.byteLength);
      let at = 0;
      for (const p of this.pending) {
        buf.set(p, at);
        at += p.byteLength;
      }
      buf.set(chunk, at);
      this.pending = [];
      this.pendingBytes = 0;
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
      this.pending = [buf.slice(offset)];
      this.pendingBytes = buf.byteLength - offset;
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
