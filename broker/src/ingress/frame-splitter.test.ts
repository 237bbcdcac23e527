import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameSplitter } from './frame-splitter';
import { publishFrame } from './frames';

const pub = (topic: string, size: number): Uint8Array =>
  publishFrame({ topic, payload: new Uint8Array(size).fill(7), qos: 0, retain: false, packetId: 0 });

describe('FrameSplitter', () => {
  it('cuts concatenated packets and keeps a partial tail for later', () => {
    const a = pub('d/a/l', 24);
    const b = pub('d/b/l', 300); // two-byte remaining length
    const stream = Uint8Array.from([...a, ...b]);
    const splitter = new FrameSplitter(1024);
    const first = splitter.push(stream.subarray(0, a.byteLength + 5));
    expect(first).toMatchObject({ ok: true });
    expect(first.ok && first.value.map((f) => Array.from(f.bytes))).toEqual([Array.from(a)]);
    const second = splitter.push(stream.subarray(a.byteLength + 5));
    expect(second.ok && second.value.map((f) => [f.headerLength, f.bytes.byteLength])).toEqual([[3, b.byteLength]]);
  });

  it('refuses an oversized packet from its header alone, before the body arrives', () => {
    const splitter = new FrameSplitter(100);
    // PUBLISH announcing 200 bytes; only the fixed header is sent.
    expect(splitter.push(Uint8Array.of(0x30, 0xc8, 0x01))).toEqual({ ok: false, reason: 'packet_too_large' });
  });

  it('refuses a remaining length of more than four bytes [MQTT-2.2.3]', () => {
    expect(new FrameSplitter(1e9).push(Uint8Array.of(0x30, 0xff, 0xff, 0xff, 0xff, 0x01))).toEqual({
      ok: false,
      reason: 'bad_remaining_length',
    });
  });

  it('yields the same packets however the stream is cut', () => {
    const packets = [pub('d/x/l', 24), pub('owntracks/x/phone', 180), pub('d/y/s', 0)];
    const stream = Uint8Array.from(packets.flatMap((p) => Array.from(p)));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.byteLength }), { maxLength: 8 }), (cuts) => {
        const points = [...new Set(cuts)].sort((x, y) => x - y);
        const splitter = new FrameSplitter(4096);
        const out: number[][] = [];
        let from = 0;
        for (const to of [...points, stream.byteLength]) {
          const r = splitter.push(stream.slice(from, to));
          if (!r.ok) throw new Error(r.reason);
          out.push(...r.value.map((f) => Array.from(f.bytes)));
          from = to;
        }
        expect(out).toEqual(packets.map((p) => Array.from(p)));
      }),
    );
  });
});
