import { cellToBoundary, latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { HEX_OPACITY, hexColour, packHexes } from './fleet-hexes';
import { FLOATS_PER_POINT, mercatorX, mercatorY } from './fleet-points';

describe('hexColour', () => {
  it('takes the stops exactly and interpolates between them', () => {
    expect(hexColour(0)).toEqual([0xfd, 0xe0, 0xc5]);
    expect(hexColour(1)).toEqual([0xfd, 0xe0, 0xc5]);
    expect(hexColour(5)).toEqual([0xf5, 0x9e, 0x5b]);
    expect(hexColour(20)).toEqual([0xd7, 0x30, 0x1f]);
    expect(hexColour(60)).toEqual([0x7f, 0x00, 0x00]);
    expect(hexColour(500)).toEqual([0x7f, 0x00, 0x00]);
    // Half way from 1 to 5.
    expect(hexColour(3)).toEqual([0xf9, 0xbf, 0x90]);
  });
});

describe('packHexes', () => {
  it('turns each hexagon into a fan of four triangles in its premultiplied colour', () => {
    const cell = latLngToCell(39.29, -76.61, 7);
    const boundary = cellToBoundary(cell, true); // closed ring: 7 corners, the first repeated
    expect(boundary).toHaveLength(7);
    const origin = [mercatorX(-76.6), mercatorY(39.3)] as const;
    const { data, vertices } = packHexes(
      [
        { boundary, count: 20 },
        { boundary: boundary.slice(0, 6), count: 1 }, // an open ring works the same
      ],
      origin,
    );
    expect(vertices).toBe(2 * 4 * 3);
    const vertex = (i: number) => [...data.subarray(i * FLOATS_PER_POINT, (i + 1) * FLOATS_PER_POINT)];
    // Every triangle of the fan starts at the first corner.
    for (let t = 0; t < 4; t++) {
      const [x, y] = vertex(t * 3);
      expect(x).toBeCloseTo(mercatorX(boundary[0]?.[0] ?? 0) - origin[0], 10);
      expect(y).toBeCloseTo(mercatorY(boundary[0]?.[1] ?? 0) - origin[1], 10);
    }
    // The last triangle ends at the sixth corner.
    expect(vertex(11)[0]).toBeCloseTo(mercatorX(boundary[5]?.[0] ?? 0) - origin[0], 10);
    const [r, g, b, a] = vertex(0).slice(2);
    expect([r, g, b].map((v) => Math.round(((v ?? 0) / HEX_OPACITY) * 255))).toEqual([0xd7, 0x30, 0x1f]);
    expect(a).toBeCloseTo(HEX_OPACITY, 6);
    expect(Math.round(((vertex(12)[2] ?? 0) / HEX_OPACITY) * 255)).toBe(0xfd);
  });

  it('packs nothing for no cells', () => {
    expect(packHexes([], [0.5, 0.5]).vertices).toBe(0);
  });
});
