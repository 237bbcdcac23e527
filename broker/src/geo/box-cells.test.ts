import { polygonToCells } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { TimeSlice } from '../time-slice';
import { boxCellEstimate, boxCells, type Box } from './box-cells';

const whole = (box: Box, res: number): string[] => {
  const [minLng, minLat, maxLng, maxLat] = box;
  return polygonToCells(
    [
      [minLat, minLng],
      [minLat, maxLng],
      [maxLat, maxLng],
      [maxLat, minLng],
    ],
    res,
  );
};

describe('cells of a box', () => {
  it.each<[string, Box, number]>([
    ['a city block (one strip)', [-76.61, 39.29, -76.6, 39.3], 9],
    ['a city (many strips)', [-76.7, 39.2, -76.5, 39.4], 9],
    ['a region, coarser', [-78, 38, -75, 40], 6],
  ])('%s: the same cells as one polygonToCells call', async (_name, box, res) => {
    const expected = whole(box, res).sort();
    const got = (await boxCells(box, res, new TimeSlice(0))).sort();
    expect(got).toEqual(expected);
  });

  it('estimates the count within a third before listing any', () => {
    for (const [box, res] of [
      [[-76.7, 39.2, -76.5, 39.4], 9],
      [[-76.7, 39.2, -76.5, 39.4], 8],
      [[10, 50, 11, 51], 7],
    ] as [Box, number][]) {
      const exact = whole(box, res).length;
      expect(boxCellEstimate(box, res) / exact).toBeGreaterThan(0.67);
      expect(boxCellEstimate(box, res) / exact).toBeLessThan(1.5);
    }
  });
});
