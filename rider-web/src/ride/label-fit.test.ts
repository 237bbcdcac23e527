import { describe, expect, it } from 'vitest';
import { labelLeftPx } from './label-fit';

describe('a pin label in the view', () => {
  it('is centred over its pin away from the edges', () => {
    expect(labelLeftPx(200, 90, 390, 6)).toBe(-45);
  });

  it('moves in at the left and right edges, and no further than needed', () => {
    // A pin 33 px from the left edge: the label starts 6 px in, not at -12.
    expect(labelLeftPx(33, 90, 390, 6)).toBe(-27);
    expect(33 + (labelLeftPx(33, 90, 390, 6) ?? Number.NaN)).toBe(6);
    // 20 px from the right edge: its right end is 6 px in.
    expect(370 + (labelLeftPx(370, 90, 390, 6) ?? Number.NaN) + 90).toBe(384);
    expect(labelLeftPx(51, 90, 390, 6)).toBe(-45); // just fits centred
  });

  it('is left out for a pin off screen, and centred when wider than the view', () => {
    expect(labelLeftPx(-10, 90, 390, 6)).toBeNull();
    expect(labelLeftPx(400, 90, 390, 6)).toBeNull();
    expect(labelLeftPx(100, 400, 390, 6)).toBe(-200);
  });
});
