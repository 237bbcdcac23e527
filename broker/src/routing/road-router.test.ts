import { describe, expect, it } from 'vitest';
import { distanceM, type LatLng, type RoadGraph } from '@ridetrack/shared';
import { at, streetGrid } from '../../test/street-grid';
import { REACHED_BEHIND_M, roadRouter, U_TURN_S } from './road-router';

/** The shared test streets (../../test/street-grid.ts); Main St, the middle row, is one-way eastbound at 20 m/s. */
const graph = streetGrid();
const router = roadRouter(graph);

describe('road router', () => {
  it("puts a point on its nearest street, with the street's name", () => {
    const on = router.snap(at(8, 50));
    expect(on?.name).toBe('Row 0');
    expect(distanceM(on?.point as LatLng, at(0, 50))).toBeLessThan(0.5);
    expect(on?.offM).toBeCloseTo(8, 0);
    expect(router.snap(at(5000, 0))).toBeNull();
    // Inside the box of the long diagonal (a highway across the grid) but nearer a street.
    const diagonal: RoadGraph = {
      nodes: [...graph.nodes, at(-300, -300), at(400, 400)],
      out: [...graph.out, [{ to: 10, lengthM: 990, speedMps: 25, shape: [], name: 'Highway' }], []],
      attribution: null,
    };
    expect(roadRouter(diagonal).snap(at(195, 30))?.name).toBe('Row 2');
  });

  it('routes along the streets, from a point mid-block to another, with the time left from every point', () => {
    const r = router.route(at(0, 50), at(200, 150));
    expect(r).not.toBeNull();
    const route = r as NonNullable<typeof r>;
    const pts = route.path?.points ?? [];
    expect(distanceM(pts[0] as LatLng, at(0, 50))).toBeLessThan(0.5);
    expect(distanceM(pts.at(-1) as LatLng, at(200, 150))).toBeLessThan(0.5);
    // 50 m to a corner, 200 m north, 50 m east (or the mirror): 300 m at 10 m/s is 30 s, and a car
    // (shared DRIVING: 2 m/s² up and down, sharp turns at 6 m/s) loses 10 / (2 x 2) = 2.5 s setting
    // off, 2.5 s stopping, and (10 - 6)² / (2 x 10) x (1/2 + 1/2) = 0.8 s at each of the two corners.
    expect(route.distanceM).toBeCloseTo(300, 0);
    expect(route.durationS).toBeCloseTo(30 + 2.5 + 2.5 + 2 * 0.8, 1);
    const left = route.path?.remainingS ?? [];
    expect(left).toHaveLength(pts.length);
    expect(left[0]).toBeCloseTo(route.durationS, 6);
    expect(left.at(-1)).toBe(0);
    for (let i = 1; i < left.length; i++) expect(left[i] as number).toBeLessThanOrEqual(left[i - 1] as number);
  });

  it('keeps to one-way streets and takes the faster road', () => {
    // Westward along the one-way Main St is not allowed: it goes round by a two-way row.
    const west = router.route(at(100, 150), at(100, 50));
    expect(west?.distanceM).toBeGreaterThan(250);
    // Eastward, Main St at 20 m/s: 100 m from standing to a stop never reaches 20 m/s: speeding up
    // for 50 m and slowing for 50 m at 2 m/s², 2 x √(2 x 50 / 2) = 14.1 s (5 s at the road's speed).
    const east = router.route(at(100, 50), at(100, 150));
    expect(east?.distanceM).toBeCloseTo(100, 0);
    expect(east?.durationS).toBeCloseTo(2 * Math.sqrt(50), 1);
  });

  it('takes a target a few metres behind a car on a one-way street as reached, not round the block', () => {
    // Main St runs east only. 10 m past the drop-off: the few metres back, not the loop.
    const near = router.route({ ...at(100, 110), headingDeg: 90, speedMps: 3 }, at(100, 100));
    expect(near?.distanceM).toBeLessThanOrEqual(REACHED_BEHIND_M);
    // Further past it, the car does have to go round.
    const far = router.route({ ...at(100, 140), headingDeg: 90, speedMps: 3 }, at(100, 100));
    expect(far?.distanceM).toBeGreaterThan(250);
  });

  it('starts the way a moving car is heading: turning round costs U_TURN_S', () => {
    // Mid-block on Row 0 (two-way), the target 30 m behind.
    const behind = at(0, 20);
    // 30 m west from standing to a stop, turning on the spot: 2 x √(30 / 2) = 7.7 s (3 s at the road's speed).
    const parked = router.route(at(0, 50), behind);
    const standing30 = 2 * Math.sqrt(30 / 2);
    expect(parked?.durationS).toBeCloseTo(standing30, 1);
    // Driving east at 10 m/s: on to the corner and back (50 + 80 m), quicker than a U-turn here: 50 m
    // slowing to the corner's 6 m/s (5.4 s), 80 m from 6 m/s to a stop (10.9 s).
    const east = router.route({ ...at(0, 50), headingDeg: 90, speedMps: 10 }, behind);
    expect(east?.durationS).toBeCloseTo(5.4 + 10.9, 1);
    expect(east?.distanceM).toBeCloseTo(130, 0);
    // Driving west at 10 m/s, it is ahead: no turn; 30 m from 10 m/s to a stop.
    const ahead = router.route({ ...at(0, 50), headingDeg: 270, speedMps: 10 }, behind)?.durationS ?? 0;
    expect(ahead).toBeLessThan(standing30);
    expect(ahead).toBeGreaterThan(3);
    // Creeping (GPS drift at a stop): the heading is not trusted.
    expect(router.route({ ...at(0, 50), headingDeg: 90, speedMps: 0.5 }, behind)?.durationS).toBeLessThan(standing30);
    // On a long block, turning round is quicker than the block, and is counted.
    const west = at(0, 0);
    const eastEnd = at(0, 1000);
    const long: RoadGraph = {
      nodes: [west, eastEnd],
      out: [
        [{ to: 1, lengthM: 1000, speedMps: 10, shape: [], name: 'Long Rd' }],
        [{ to: 0, lengthM: 1000, speedMps: 10, shape: [], name: 'Long Rd' }],
      ],
      attribution: null,
    };
    const turned = roadRouter(long).route({ ...at(0, 100), headingDeg: 90, speedMps: 10 }, at(0, 50));
    // Turned round, it sets off from standing: 50 m to a stop in 2 x √(50 / 2) = 10 s.
    expect(turned?.durationS).toBeCloseTo(2 * Math.sqrt(50 / 2) + U_TURN_S, 1);
    expect(turned?.path?.remainingS[0]).toBeCloseTo(turned?.durationS ?? 0, 6);
  });
});
