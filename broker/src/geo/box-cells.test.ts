import fc from 'fast-check';
import { cellToParent, gridDisk, latLngToCell, polygonToCells } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { boxCellEstimate, boxHoldsCell, boxMayHoldDescendants, type Box } from './box-cells';

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

/** Boxes up to about 2 km a side, anywhere between 60° S and 60° N. */
const smallBox = fc
  .tuple(
    fc.double({ min: -60, max: 60, noNaN: true }),
    fc.double({ min: -179, max: 179, noNaN: true }),
    fc.double({ min: 0.0005, max: 0.02, noNaN: true }),
    fc.double({ min: 0.0005, max: 0.02, noNaN: true }),
  )
  .map(([lat, lng, dLat, dLng]): Box => [lng, lat, lng + dLng, lat + dLat]);

describe('cells of a box', () => {
  it('a cell belongs to a box exactly when polygonToCells lists it for the box', () => {
    fc.assert(
      fc.property(smallBox, (box) => {
        const listed = new Set(whole(box, 9));
        // The box's cells and a ring of cells around them, some in, some out.
        const near = new Set([...listed].flatMap((c) => gridDisk(c, 1)));
        near.add(latLngToCell(box[1], box[0], 9));
        for (const cell of near) expect(boxHoldsCell(box, cell), cell).toBe(listed.has(cell));
      }),
      { numRuns: 200 },
    );
  });

  it('names every region that holds a cell of the box, and not regions far away', () => {
    fc.assert(
      fc.property(smallBox, fc.integer({ min: 3, max: 5 }), (box, regionRes) => {
        const regions = new Set(whole(box, 9).map((c) => cellToParent(c, regionRes)));
        for (const region of regions) expect(boxMayHoldDescendants(box, region), region).toBe(true);
        const far = gridDisk(latLngToCell(box[1], box[0], regionRes), 4).filter(
          (r) => !gridDisk(latLngToCell(box[1], box[0], regionRes), 2).includes(r),
        );
        for (const region of far) expect(boxMayHoldDescendants(box, region), region).toBe(false);
      }),
      { numRuns: 300 },
    );
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
