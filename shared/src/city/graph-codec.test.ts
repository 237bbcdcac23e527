import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildGraph } from './graph';
import { decodeGraph, encodeGraph } from './graph-codec';

describe('graph codec (the import cache)', () => {
  const g = buildGraph(
    [
      {
        points: [
          { lat: 1, lng: 2 },
          { lat: 1.5, lng: 2.5 },
          { lat: 2, lng: 3 },
        ],
        speedMps: 10,
        oneway: false,
        name: 'A Street',
        roadClass: 'residential',
      },
      {
        points: [
          { lat: 2, lng: 3 },
          { lat: 3, lng: 3 },
        ],
        speedMps: 20,
        oneway: true,
      },
    ],
    '© OpenStreetMap contributors',
  );

  it('gives back the graph it was given', () => {
    expect(decodeGraph(encodeGraph(g))).toEqual(g);
    // From any offset of a larger buffer, as a file read into a pooled Node buffer may be.
    const bytes = encodeGraph(g);
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    expect(decodeGraph(padded.subarray(3))).toEqual(g);
  });

  it('refuses damaged bytes with null, never a wrong graph or a throw', () => {
    const bytes = encodeGraph(g);
    expect(decodeGraph(bytes.subarray(0, bytes.length - 8))).toBeNull();
    expect(decodeGraph(new Uint8Array(4))).toBeNull();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), fc.integer({ min: 0, max: 255 }), (i, b) => {
        const copy = bytes.slice();
        copy[i] = b;
        const got = decodeGraph(copy);
        if (got !== null) expect(got.nodes).toHaveLength(g.nodes.length);
      }),
    );
  });

  it('refuses a damaged count at once, without looping or allocating past the file', () => {
    const bytes = encodeGraph(g);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const headerBytes = Math.ceil((8 + view.getUint32(4, true)) / 8) * 8;
    // The first node's out-degree, then the first arc's shape length: huge, fractional, negative.
    const degreeAt = headerBytes + g.nodes.length * 2 * 8;
    const shapeLengthAt = headerBytes + g.nodes.length * 3 * 8 + 5 * 8;
    for (const at of [degreeAt, shapeLengthAt])
      for (const bad of [1e12, 2.5, -1, Number.NaN]) {
        const copy = bytes.slice();
        new DataView(copy.buffer).setFloat64(at, bad, true);
        expect(decodeGraph(copy)).toBeNull();
      }
  });
});
