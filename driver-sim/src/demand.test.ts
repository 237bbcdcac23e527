import { describe, expect, it } from 'vitest';
import { buildGraph, distanceM, seededRng, type RoadGraph } from '@ridetrack/shared';
import { builtInCity } from './roads/city';
import { nextRequestInMs, pickRide, stopNodes, walkOutMs } from './demand';

const city = builtInCity(seededRng(1));

describe('simulated demand', () => {
  it('asks at the rate given, on average (a Poisson process)', () => {
    const rng = seededRng(7);
    const n = 20_000;
    let totalMs = 0;
    for (let i = 0; i < n; i++) totalMs += nextRequestInMs(6, rng);
    // Six a minute: 10 s apart on average.
    expect(totalMs / n).toBeGreaterThan(9_700);
    expect(totalMs / n).toBeLessThan(10_300);
  });

  it('picks rides within the distance range, between junctions of the city', () => {
    const rng = seededRng(3);
    const stops = stopNodes(city);
    const settings = { minTripM: 800, maxTripM: 2500 };
    for (let i = 0; i < 200; i++) {
      const ride = pickRide(city, stops, settings, rng);
      expect(ride).not.toBeNull();
      if (ride === null) return;
      const m = distanceM(ride.pickup, ride.dropoff);
      expect(m).toBeGreaterThanOrEqual(800);
      expect(m).toBeLessThanOrEqual(2500);
      expect(city.nodes).toContain(ride.pickup);
      expect(city.nodes).toContain(ride.dropoff);
    }
  });

  it('answers null for a city smaller than the shortest ride', () => {
    expect(pickRide(city, stopNodes(city), { minTripM: 100_000, maxTripM: 200_000 }, seededRng(1))).toBeNull();
  });

  it('never picks up or sets down on a motorway or a trunk road', () => {
    const graph: RoadGraph = buildGraph(
      [
        {
          points: [
            { lat: 39.28, lng: -76.6 },
            { lat: 39.3, lng: -76.6 },
          ],
          speedMps: 25,
          oneway: true,
          roadClass: 'motorway',
        },
        {
          points: [
            { lat: 39.3, lng: -76.6 },
            { lat: 39.3, lng: -76.58 },
          ],
          speedMps: 10,
          oneway: false,
          roadClass: 'residential',
        },
      ],
      null,
    );
    const stops = stopNodes(graph);
    const onMotorway = graph.nodes.findIndex((p) => p.lat === 39.28);
    expect(onMotorway).toBeGreaterThanOrEqual(0);
    expect(stops).not.toContain(onMotorway);
    expect(stops.length).toBe(2);
  });

  it('has riders come out between the shortest and the longest walk', () => {
    const rng = seededRng(5);
    for (let i = 0; i < 100; i++) {
      const ms = walkOutMs({ walkOutMinMs: 8000, walkOutMaxMs: 45_000 }, rng);
      expect(ms).toBeGreaterThanOrEqual(8000);
      expect(ms).toBeLessThanOrEqual(45_000);
    }
  });
});
