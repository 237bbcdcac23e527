import { Duplex } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cuts, hostilePacket, hostileStream, splitAt } from '../../test/fuzz/packets';
import { MemoryFixStore } from '../fix-store';
import { qos0LocationTopic, supersededFixes } from './backlog';
import { FrameSplitter, readFixedHeader } from './frame-splitter';
import { IngressGate, type GateDeps } from './gate';
import { inspectFrame } from './inspect';

/**
 * Property tests: any bytes a client may send, cut into writes any way, never make the ingress
 * code throw or read past a frame. `npm run fuzz` does the same against a real broker over the wire.
 */

/** Frames exactly as large as their bytes: a read past the end lands outside the buffer. */
function exactFrames(stream: Uint8Array): { bytes: Uint8Array; headerLength: number }[] {
  const out = [];
  const r = new FrameSplitter(1 << 20).push(stream);
  if (!r.ok) return [];
  for (const f of r.value) out.push({ bytes: Uint8Array.from(f.bytes), headerLength: f.headerLength });
  return out;
}

describe('the pure parsers, on hostile packets', () => {
  it('the frame splitter never throws, and each frame is as long as its header says', () => {
    fc.assert(
      fc.property(hostileStream, cuts, (stream, points) => {
        const splitter = new FrameSplitter(4096);
        for (const part of splitAt(stream, points)) {
          const r = splitter.push(part);
          if (!r.ok) return;
          for (const f of r.value) {
            const header = readFixedHeader(f.bytes, 0);
            expect(header).not.toBe('incomplete');
            if (typeof header === 'object') expect(f.bytes.length).toBe(header.headerLength + header.remainingLength);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('the inspector never throws, and what it reads lies inside the frame', () => {
    fc.assert(
      fc.property(hostileStream, (stream) => {
        for (const frame of exactFrames(stream)) {
          const r = inspectFrame(frame);
          if (r.ok && r.value.type === 'publish') {
            expect(r.value.payloadOffset).toBeLessThanOrEqual(frame.bytes.length);
            expect(r.value.payloadOffset).toBeGreaterThanOrEqual(frame.headerLength + 2);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('the backlog reader never throws, and supersedes only earlier fixes on the same topic', () => {
    fc.assert(
      fc.property(fc.array(hostilePacket, { maxLength: 16 }), (packets) => {
        const frames = packets.flatMap((p) => exactFrames(p));
        const superseded = supersededFixes(frames);
        for (const i of superseded) {
          const frame = frames[i];
          const topic = frame === undefined ? null : qos0LocationTopic(frame);
          expect(topic).not.toBeNull();
          expect(frames.slice(i + 1).some((f) => qos0LocationTopic(f) === topic)).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

/** A byte pipe standing in for a socket: what the gate writes to the client is kept. */
class Pipe extends Duplex {
  written: Uint8Array[] = [];
  override _read(): void {
    // the test pushes the client's bytes through the gate directly
  }
  override _write(chunk: Buffer, _e: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.written.push(chunk);
    cb();
  }
}

function gateUnderTest(pressure: () => boolean) {
  const faults: unknown[] = [];
  const deps: GateDeps = {
    limits: {
      maxPacketBytes: 2048,
      publishRatePerS: 1000,
      publishBurst: 1000,
      invalidBurst: 1000,
      invalidRatePerS: 1000,
      shedQueuedBytes: 65536,
      maxQueuedBytes: 1 << 20,
    },
    judge: { maxSpeedMps: 83, noiseM: 50, reanchorAfter: 3 },
    fixes: new MemoryFixStore(60_000, () => 0),
    counters: {
      violation: () => undefined,
      drop: () => undefined,
      publishIn: () => undefined,
      publishOut: () => undefined,
      publishDenied: () => undefined,
    },
    now: () => 1_764_288_000_000,
    onFault: (err) => faults.push(err),
    underPressure: pressure,
  };
  const pipe = new Pipe();
  const gate = new IngressGate(pipe, 'tcp', '127.0.0.1', false, deps);
  gate.on('error', () => undefined);
  return { gate, faults };
}

describe('the gate, on hostile streams', () => {
  it('never faults, and hands on only whole packets, whatever the bytes, writes, load and auth timing', () => {
    fc.assert(
      fc.property(
        hostileStream,
        cuts,
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: -1, max: 6 }),
        fc.boolean(),
        (stream, points, pressures, authAfter, reading) => {
          let turn = 0;
          const { gate, faults } = gateUnderTest(() => pressures[turn++ % pressures.length] === true);
          const handedOn = new FrameSplitter(1 << 20);
          // Reading as Aedes does, after every step: all that was handed over, until there is none.
          const read = (): void => {
            if (!reading) return;
            for (let chunk = gate.read(); chunk !== null; chunk = gate.read())
              expect(handedOn.push(chunk).ok).toBe(true);
          };
          splitAt(stream, points).forEach((part, i) => {
            if (i === authAfter && gate.ctx.clientId !== null) gate.authenticated({ role: 'driver', sub: 'drv-1' });
            if (!gate.destroyed) gate.onData(Buffer.from(part));
            read();
          });
          if (!gate.destroyed && gate.ctx.clientId !== null) gate.authenticated({ role: 'driver', sub: 'drv-1' });
          read();
          expect(faults).toEqual([]);
          // Nothing handed on ends mid-packet: the splitter holds no partial frame.
          expect(handedOn.buffered).toBe(0);
          gate.destroy();
        },
      ),
      { numRuns: 2000 },
    );
  });
});
