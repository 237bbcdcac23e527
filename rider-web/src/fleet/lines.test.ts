import { describe, expect, it } from 'vitest';
import { FLOATS_PER_LINE_VERTEX, packLine, VERTICES_PER_SEGMENT } from './lines';
import { mercatorX, mercatorY } from './points';

describe('packLine', () => {
  const origin = [mercatorX(-76.61), mercatorY(39.29)] as const;
  const pts = [
    { lat: 39.29, lng: -76.61 },
    { lat: 39.291, lng: -76.61 },
    { lat: 39.291, lng: -76.61 }, // standing still: no segment
    { lat: 39.291, lng: -76.609 },
  ];

  it('makes two triangles per segment that moves, each corner knowing the other end and its side', () => {
    const line = packLine(pts, origin);
    expect(line.segments).toBe(2);
    expect([...line.segmentsUpTo]).toEqual([0, 1, 1, 2]);
    const v = (i: number) => [...line.data.subarray(i * FLOATS_PER_LINE_VERTEX, (i + 1) * FLOATS_PER_LINE_VERTEX)];
    const a = [0, 0];
    const b = [0, Math.fround(mercatorY(39.291) - origin[1])];
    // The first segment's six corners: A+ A- B(+) and A- B(-) B(+), with B's side flipped.
    expect(v(0)).toEqual([...a, ...b, 1]);
    expect(v(1)).toEqual([...a, ...b, -1]);
    expect(v(2)).toEqual([...b, ...a, -1]);
    expect(v(4)).toEqual([...b, ...a, 1]);
    expect(line.data.length).toBe(3 * VERTICES_PER_SEGMENT * FLOATS_PER_LINE_VERTEX);
    expect(line.joins.length).toBe(8);
  });

  it('packs nothing for one point or none', () => {
    expect(packLine([], origin).segments).toBe(0);
    expect(packLine(pts.slice(0, 1), origin).segments).toBe(0);
  });
});
