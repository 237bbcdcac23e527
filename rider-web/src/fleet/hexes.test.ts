import { cellToBoundary, latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { classColour, cssOf, HEX_OPACITY, packHexes, scaleColour } from './hexes';
import { FLOATS_PER_POINT, mercatorX, mercatorY } from './points';

describe('the density scale', () => {
  it('runs from viridis’s light end (few drivers) to its dark end (many)', () => {
    expect(cssOf(scaleColour(0))).toBe('#fde725');
    expect(cssOf(scaleColour(1))).toBe('#440154');
    expect(cssOf(scaleColour(0.5))).toBe('#21918c');
    expect(scaleColour(-1)).toEqual(scaleColour(0));
    expect(scaleColour(2)).toEqual(scaleColour(1));
  });

  it('gets darker at every step (perceived lightness falls with the count)', () => {
    const luma = ([r, g, b]: number[]) => 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
    for (let k = 1; k < 6; k++) expect(luma(classColour(k, 6))).toBeLessThan(luma(classColour(k - 1, 6)));
  });
});

describe('packHexes', () => {
  it('turns each hexagon into a fan of four triangles in its class’s premultiplied colour, and six edges', () => {
    const cell = latLngToCell(39.29, -76.61, 7);
    const boundary = cellToBoundary(cell, true); // closed ring: 7 corners, the first repeated
    expect(boundary).toHaveLength(7);
    const origin = [mercatorX(-76.6), mercatorY(39.3)] as const;
    const breaks = [1, 5, 20];
    const { fill, outline } = packHexes(
      [
        { boundary, count: 20 }, // the top class
        { boundary: boundary.slice(0, 6), count: 1 }, // an open ring works the same; the first class
      ],
      origin,
      breaks,
    );
    expect(fill.vertices).toBe(2 * 4 * 3);
    expect(outline.vertices).toBe(2 * 6 * 2);
    const vertex = (i: number) => [...fill.data.subarray(i * FLOATS_PER_POINT, (i + 1) * FLOATS_PER_POINT)];
    // Every triangle of the fan starts at the first corner.
    for (let t = 0; t < 4; t++) {
      const [x, y] = vertex(t * 3);
      expect(x).toBeCloseTo(mercatorX(boundary[0]?.[0] ?? 0) - origin[0], 10);
      expect(y).toBeCloseTo(mercatorY(boundary[0]?.[1] ?? 0) - origin[1], 10);
    }
    // The last triangle ends at the sixth corner.
    expect(vertex(11)[0]).toBeCloseTo(mercatorX(boundary[5]?.[0] ?? 0) - origin[0], 10);
    const [r, g, b, a] = vertex(0).slice(2);
    expect([r, g, b].map((v) => Math.round(((v ?? 0) / HEX_OPACITY) * 255))).toEqual(classColour(2, 3));
    expect(a).toBeCloseTo(HEX_OPACITY, 6);
    expect(Math.round(((vertex(12)[2] ?? 0) / HEX_OPACITY) * 255)).toBe(classColour(0, 3)[0]);
    // The outline's last segment closes the ring: from the sixth corner back to the first.
    const edge = (i: number) => [...outline.data.subarray(i * FLOATS_PER_POINT, i * FLOATS_PER_POINT + 2)];
    expect(edge(11)[0]).toBeCloseTo(mercatorX(boundary[0]?.[0] ?? 0) - origin[0], 10);
    expect(edge(10)[0]).toBeCloseTo(mercatorX(boundary[5]?.[0] ?? 0) - origin[0], 10);
  });

  it('packs nothing for no cells', () => {
    expect(packHexes([], [0.5, 0.5]).fill.vertices).toBe(0);
  });
});
