import { describe, expect, it } from 'vitest';
import { frame, needsReframe } from './camera';
import { metresPerPixel, project } from './projection';

const size = { width: 390, height: 844 };
const pad = { top: 80, right: 56, bottom: 420, left: 56 };
const car = { lat: 39.3, lng: -76.6 };
const pickup = { lat: 39.29, lng: -76.61 };

describe('camera', () => {
  it('frames car and pickup inside the screen less the sheet, as close as it can', () => {
    const cam = frame([car, pickup], size, pad);
    for (const p of [car, pickup]) {
      const s = project(p, cam);
      expect(s.x).toBeGreaterThanOrEqual(pad.left - 0.5);
      expect(s.x).toBeLessThanOrEqual(size.width - pad.right + 0.5);
      expect(s.y).toBeGreaterThanOrEqual(pad.top - 0.5);
      expect(s.y).toBeLessThanOrEqual(size.height - pad.bottom + 0.5);
    }
    // Tight: one of the two sides touches its edge.
    const xs = [car, pickup].map((p) => project(p, cam).x);
    const ys = [car, pickup].map((p) => project(p, cam).y);
    const fillX = (Math.max(...xs) - Math.min(...xs)) / (size.width - pad.left - pad.right);
    const fillY = (Math.max(...ys) - Math.min(...ys)) / (size.height - pad.top - pad.bottom);
    expect(Math.max(fillX, fillY)).toBeCloseTo(1, 3);
  });

  it('re-frames when the car closes in (zooming in) or leaves the clear area, not otherwise', () => {
    const cam = frame([car, pickup], size, pad);
    expect(needsReframe(cam, [car, pickup], pad)).toBe(false);
    const closer = { lat: 39.292, lng: -76.608 };
    expect(needsReframe(cam, [closer, pickup], pad)).toBe(true);
    expect(needsReframe(cam, [{ lat: 39.35, lng: -76.6 }, pickup], pad)).toBe(true);
  });

  it("matches MapLibre's scale: 512 px tiles", () => {
    // At the equator and zoom 0 one pixel is 40,075 km / 512.
    expect(metresPerPixel(0, 0)).toBeCloseTo(40_075_016.686 / 512, 3);
  });
});
