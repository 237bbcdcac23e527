import { getHexagonAreaAvg, getHexagonEdgeLengthAvg, polygonToCells } from 'h3-js';
import { describe, expect, it } from 'vitest';
import {
  bboxAreaKm2,
  classLabel,
  classOf,
  H3_AREA_KM2,
  H3_EDGE_M,
  keptBreaks,
  legendBreaks,
  maxZoomFor,
  metresPerPixel,
  planDensity,
  resolutionFor,
  type Bbox,
  type DensityView,
} from './density';

/** The view a MapLibre map of this size shows at this zoom around Baltimore. */
function viewAt(zoom: number, widthPx: number, heightPx: number, center = { lng: -76.61, lat: 39.29 }): Bbox {
  const mpp = metresPerPixel(zoom, center.lat);
  const dLat = (heightPx / 2) * (mpp / 111_320);
  const dLng = (widthPx / 2) * (mpp / (111_320 * Math.cos((center.lat * Math.PI) / 180)));
  return [center.lng - dLng, center.lat - dLat, center.lng + dLng, center.lat + dLat];
}

/** The built-in city: about 8 by 7 km. */
const CITY: Bbox = [-76.66, 39.26, -76.56, 39.32];

const cellsAt = ([minLng, minLat, maxLng, maxLat]: Bbox, res: number) =>
  polygonToCells(
    [
      [minLat, minLng],
      [minLat, maxLng],
      [maxLat, maxLng],
      [maxLat, minLng],
      [minLat, minLng],
    ],
    res,
  ).length;

describe('H3 sizes', () => {
  it('match h3-js', () => {
    for (let res = 0; res <= 15; res++) {
      expect(H3_EDGE_M[res]).toBeCloseTo(getHexagonEdgeLengthAvg(res, 'm'), 0);
      const area = getHexagonAreaAvg(res, 'km2');
      expect(Math.abs((H3_AREA_KM2[res] ?? 0) - area) / area).toBeLessThan(0.01);
    }
  });
});

describe('planDensity', () => {
  const screens = [
    [1440, 900],
    [390, 844],
  ] as const;
  it.each(screens)(
    'at %i x %i, zoom 3 to 18: hexagons at most a twentieth of the view, requests within the API limit',
    (w, h) => {
      const shown: number[] = [];
      for (let zoom = 3; zoom <= 18; zoom += 0.5) {
        const view: DensityView = {
          zoom,
          widthPx: w,
          heightPx: h,
          bounds: viewAt(zoom, w, h),
          fleet: CITY,
          indexRes: 9,
          maxCells: 50_000,
        };
        const plan = planDensity(view);
        if (plan.kind === 'hidden') {
          // Only street level (the index's hexagons too big for the view) hides it here.
          expect(plan.reason, `zoom ${zoom}`).toBe('street_level');
          expect(zoom).toBeGreaterThan(12);
          continue;
        }
        shown.push(zoom);
        expect(plan.hexPx, `zoom ${zoom}`).toBeLessThanOrEqual(Math.sqrt(w * h) / 20);
        // What the API would count for this box, with h3-js as the API does.
        expect(cellsAt(plan.bbox, 9), `zoom ${zoom}`).toBeLessThanOrEqual(50_000);
      }
      expect(shown).toContain(10);
      expect(shown).toContain(12);
    },
  );

  it('hides the layer with a note when even the fleet’s part of the view is too wide to count', () => {
    const wide: Bbox = [-77.5, 38.5, -75.5, 40];
    const plan = planDensity({
      zoom: 8,
      widthPx: 1440,
      heightPx: 900,
      bounds: viewAt(8, 1440, 900),
      fleet: wide,
      indexRes: 9,
      maxCells: 50_000,
    });
    expect(plan).toMatchObject({ kind: 'hidden', reason: 'too_wide' });
    // The same box really is over the limit.
    expect(bboxAreaKm2(wide) / 0.105).toBeGreaterThan(50_000);
  });

  it('says there is nothing to count when no driver is in view', () => {
    const base = { zoom: 12, widthPx: 1440, heightPx: 900, indexRes: 9, maxCells: 50_000 };
    expect(planDensity({ ...base, bounds: viewAt(12, 1440, 900), fleet: null })).toMatchObject({
      reason: 'no_drivers',
    });
    const elsewhere = viewAt(12, 1440, 900, { lng: 2.35, lat: 48.85 });
    expect(planDensity({ ...base, bounds: elsewhere, fleet: CITY })).toMatchObject({ reason: 'no_drivers' });
  });

  it('asks for the part of the view the fleet is in, not the whole view', () => {
    const bounds = viewAt(9, 1440, 900);
    const plan = planDensity({
      zoom: 9,
      widthPx: 1440,
      heightPx: 900,
      bounds,
      fleet: CITY,
      indexRes: 9,
      maxCells: 50_000,
    });
    if (plan.kind !== 'show') throw new Error('expected a plan');
    expect(cellsAt(bounds, 9)).toBeGreaterThan(50_000); // the whole view would be refused
    expect(plan.bbox[0]).toBeLessThanOrEqual(CITY[0]);
    expect(plan.bbox[2]).toBeGreaterThanOrEqual(CITY[2]);
    expect(bboxAreaKm2(plan.bbox)).toBeLessThan(bboxAreaKm2(bounds) / 10);
  });

  it('picks coarser hexagons as the map zooms out', () => {
    // 1440 x 900: at most 57 px across. At zoom 10 a pixel is 59 m: res 7 (2.8 km) is 48 px.
    expect(resolutionFor(10, 39.29, 57, 9)).toBe(7);
    expect(resolutionFor(11, 39.29, 57, 9)).toBe(8);
    expect(resolutionFor(12, 39.29, 57, 9)).toBe(9);
    expect(resolutionFor(13, 39.29, 57, 9)).toBe(9);
    expect(resolutionFor(14, 39.29, 57, 9)).toBeNull(); // res 9 would be 108 px: street level
    expect(resolutionFor(5, 39.29, 57, 9)).toBe(4);
    // The zoom up to which res 9 still fits: just below it res 9 is chosen, just above none.
    const z = maxZoomFor(9, 39.29, 57);
    expect(resolutionFor(z - 0.01, 39.29, 57, 9)).toBe(9);
    expect(resolutionFor(z + 0.01, 39.29, 57, 9)).toBeNull();
  });
});

describe('legend classes', () => {
  it('counts up to five one by one, and more at round numbers near the quantiles, finer in the busy tail', () => {
    expect(legendBreaks([1])).toEqual([1]);
    expect(legendBreaks([1, 1, 3, 4])).toEqual([1, 2, 3, 4]);
    // 200 drivers thinly spread: mostly ones and twos, a few threes to sevens.
    const thin = [...Array<number>(60).fill(1), ...Array<number>(30).fill(2), 3, 3, 3, 4, 5, 7];
    expect(legendBreaks(thin)).toEqual([1, 2, 4]);
    // 5,000 drivers: a median hexagon of 20, a busy centre up to 193.
    const busy = Array.from({ length: 200 }, (_, i) => Math.round(1 + 192 * (i / 199) ** 2));
    expect(legendBreaks(busy)).toEqual([1, 40, 100, 150]);
    expect(legendBreaks([])).toEqual([1]);
  });

  it('keeps the legend on screen while it still describes the counts, so a refresh does not recolour', () => {
    const busy = Array.from({ length: 200 }, (_, i) => Math.round(1 + 192 * (i / 199) ** 2));
    const shown = legendBreaks(busy);
    // A few drivers moved: the quantiles shift, and legendBreaks alone would move a break.
    const moved = busy.map((c, i) => (i % 3 === 0 ? c + 9 : c));
    expect(legendBreaks(moved)).not.toEqual(shown);
    expect(keptBreaks(shown, moved)).toEqual(shown);
    // The top class no longer reached, or a far busier map: new breaks.
    expect(keptBreaks(shown, [1, 2, 3, 60])).toEqual(legendBreaks([1, 2, 3, 60]));
    expect(keptBreaks(shown, [...busy, 900])).toEqual(legendBreaks([...busy, 900]));
    expect(keptBreaks(undefined, busy)).toEqual(shown);
  });

  it('puts each count in one class and labels the classes', () => {
    const breaks = [1, 3, 10, 30];
    expect([1, 2, 3, 9, 10, 29, 30, 500].map((n) => classOf(n, breaks))).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    expect(breaks.map((_, k) => classLabel(breaks, k))).toEqual(['1–2', '3–9', '10–29', '30+']);
    expect(classLabel([1], 0)).toBe('1');
    expect(classLabel([1, 2], 0)).toBe('1');
  });
});
