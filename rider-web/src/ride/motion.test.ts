import { describe, expect, it } from 'vitest';
import { distanceM, type LatLng } from '@ridetrack/shared';
import { addFix, drawnAt, startMotion, step, type Motion } from './motion';

const M = 1 / 111_320; // a metre of latitude, in degrees
const fix = (northM: number, atMs: number, speedMps = 10) => ({
  lat: 39 + northM * M,
  lng: -76,
  headingDeg: 0,
  speedMps,
  atMs,
});

/** Runs frames at 60 fps from `fromMs` to `toMs`, feeding fixes as their time comes; returns each frame's drawn position. */
function run(
  m: Motion,
  fromMs: number,
  toMs: number,
  fixes: ReturnType<typeof fix>[] = [],
): { m: Motion; drawn: LatLng[] } {
  const drawn: LatLng[] = [];
  const queue = [...fixes];
  for (let t = fromMs; t <= toMs; t += 1000 / 60) {
    while (queue[0] !== undefined && queue[0].atMs <= t) m = addFix(m, queue.shift() as ReturnType<typeof fix>, 2500);
    m = step(m, t);
    drawn.push(drawnAt(m));
  }
  return { m, drawn };
}

describe('car motion', () => {
  it("moves at the car's speed every frame between fixes, with no stop-and-surge at the fix cadence", () => {
    // A car at 10 m/s reporting every 2 s: drawn moves about 1/6 m each frame, every frame.
    const fixes = Array.from({ length: 10 }, (_, i) => fix(i * 20, i * 2000));
    const { drawn } = run(startMotion(fixes[0] as ReturnType<typeof fix>, 2500), 0, 18_000, fixes.slice(1));
    const steps = drawn.slice(60).map((p, i) => distanceM(p, drawn[i + 59] as LatLng));
    expect(Math.min(...steps)).toBeGreaterThan(0.1);
    expect(Math.max(...steps)).toBeLessThan(0.25);
  });

  it('absorbs a fix that disagrees over about a second, without a jump and without reversing', () => {
    let m = startMotion(fix(0, 0), 2500);
    ({ m } = run(m, 0, 2000));
    // The next fix is 15 m behind where the car was carried forward: it slows, never goes back.
    m = addFix(m, fix(5, 2000), 2500);
    const { drawn } = run(m, 2000, 5000);
    const northM = drawn.map((p) => (p.lat - 39) / M);
    for (let i = 1; i < northM.length; i++) {
      // Forward every frame: slower while the estimate catches up, never still, never back.
      expect((northM[i] as number) - (northM[i - 1] as number)).toBeGreaterThan(0.01);
      expect(Math.abs((northM[i] as number) - (northM[i - 1] as number))).toBeLessThan(0.75);
    }
    // A few seconds on it is back with the estimate: 5 m + 10 m/s from the fix.
    expect((northM.at(-1) as number) - (5 + 10 * 3)).toBeLessThan(2);
  });

  it('slows to a stop when no fix comes, instead of driving off', () => {
    const { drawn } = run(startMotion(fix(0, 0), 2000), 0, 20_000);
    const end = (drawn.at(-1) as LatLng).lat;
    expect((end - 39) / M).toBeLessThan(10 * (2 + 2) + 1); // the horizon, then about two seconds' coast
    const last = drawn.slice(-60).map((p, i, a) => (i === 0 ? 0 : distanceM(p, a[i - 1] as LatLng)));
    expect(Math.max(...last)).toBeLessThan(0.01);
  });

  it('jumps to a fix far away (a reconnect), rather than crossing the city', () => {
    let m = startMotion(fix(0, 0), 2500);
    m = addFix(m, fix(5000, 1000), 2500);
    expect(distanceM(drawnAt(step(m, 1016)), { lat: 39 + 5000 * M, lng: -76 })).toBeLessThan(1);
  });

  it('follows the road ahead when it is known, turning with it', () => {
    let m = startMotion({ lat: 39, lng: -76, headingDeg: 0, speedMps: 10, atMs: 0 }, 5000);
    const corner = { lat: 39 + 20 * M, lng: -76 };
    const east = { lat: 39 + 20 * M, lng: -76 + (200 * M) / Math.cos((39 * Math.PI) / 180) };
    m = addFix(m, { lat: 39, lng: -76, headingDeg: 0, speedMps: 10, atMs: 0 }, 5000, [
      { lat: 39, lng: -76 },
      corner,
      east,
    ]);
    const { drawn } = run(m, 0, 4000);
    const end = drawn.at(-1) as LatLng;
    expect(end.lat).toBeCloseTo(corner.lat, 4); // on the eastbound street, not 40 m north
    expect(end.lng).toBeGreaterThan(-76);
  });
});
