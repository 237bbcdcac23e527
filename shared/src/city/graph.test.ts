import { describe, expect, it } from 'vitest';
import { seededRng } from '../rng';
import { importGeoJson } from './geojson-roads';
import { arcCount, buildGraph, largestComponent, type RoadGraph, type RoadLine } from './graph';
import { parseMaxspeed } from './road-tags';
import { pathSeconds, route } from './routing';

/** A tiny OSM-tagged road network, made here: a square with a one-way side, a spur and an island. */
function fixture(): string {
  const line = (props: Record<string, unknown>, coords: [number, number][]) => ({
    type: 'Feature',
    properties: props,
    geometry: { type: 'LineString', coordinates: coords },
  });
  return JSON.stringify({
    type: 'FeatureCollection',
    features: [
      line({ highway: 'residential', name: 'South' }, [
        [0, 0],
        [0.001, 0],
        [0.002, 0],
      ]),
      line({ highway: 'residential', name: 'East', oneway: 'yes', maxspeed: '20 mph' }, [
        [0.002, 0],
        [0.002, 0.002],
      ]),
      line({ highway: 'residential', name: 'North' }, [
        [0.002, 0.002],
        [0, 0.002],
      ]),
      line({ highway: 'primary', name: 'West', maxspeed: '50' }, [
        [0, 0.002],
        [0, 0],
      ]),
      // A one-way spur into a dead end: not strongly connected, dropped.
      line({ highway: 'residential', oneway: 'yes' }, [
        [0.001, 0],
        [0.001, -0.001],
      ]),
      // An island, and ways that are not drivable.
      line({ highway: 'residential' }, [
        [1, 1],
        [1.001, 1],
      ]),
      line({ highway: 'footway' }, [
        [0, 0],
        [0, -0.001],
      ]),
      line({ highway: 'service', service: 'parking_aisle' }, [
        [0, 0],
        [-0.001, 0],
      ]),
      line({ highway: 'residential', access: 'private' }, [
        [0, 0.002],
        [-0.001, 0.002],
      ]),
      { type: 'Feature', properties: { building: 'yes' }, geometry: { type: 'Polygon', coordinates: [] } },
    ],
  });
}

function graphOf(text: string): RoadGraph {
  const r = importGeoJson(text, 'test');
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

describe('road import', () => {
  it('keeps drivable roads of the largest strongly connected component, respecting one-way', () => {
    const g = graphOf(fixture());
    // Junctions: the square's four corners and South's shared midpoint.
    expect(g.nodes).toHaveLength(5);
    // South (2 arcs each way), East one-way (1), North (2), West (2).
    expect(arcCount(g)).toBe(2 * 2 + 1 + 2 + 2);
    const east = g.nodes.findIndex((n) => n.lng === 0.002 && n.lat === 0);
    const northEast = g.nodes.findIndex((n) => n.lng === 0.002 && n.lat === 0.002);
    expect(g.out[east]?.some((a) => a.to === northEast)).toBe(true);
    expect(g.out[northEast]?.some((a) => a.to === east)).toBe(false);
    expect(g.out[east]?.find((a) => a.to === northEast)?.speedMps).toBeCloseTo(20 * 0.44704, 3);
  });

  it.each([
    ['not JSON', '{', 'not_json'],
    ['not a FeatureCollection', '{"type":"Feature"}', 'not_feature_collection'],
    ['no drivable roads', '{"type":"FeatureCollection","features":[]}', 'no_drivable_roads'],
  ])('refuses %s', (_name, text, reason) => {
    expect(importGeoJson(text, null)).toEqual({ ok: false, reason });
  });

  it.each([
    ['50', 50 / 3.6],
    ['30 mph', 30 * 0.44704],
    ['60 km/h', 60 / 3.6],
    ['signals', null],
    ['', null],
  ])('reads maxspeed %j', (raw, mps) => {
    const got = parseMaxspeed(raw);
    if (mps === null) expect(got).toBeNull();
    else expect(got).toBeCloseTo(mps, 6);
  });
});

describe('routing', () => {
  // A diamond: a -> b -> d is short but slow, a -> c -> d is longer but fast; d -> a only via c.
  const p = (lat: number, lng: number) => ({ lat, lng });
  const g = largestComponent(
    buildGraph(
      [
        { points: [p(0, 0), p(0.001, 0.001)], speedMps: 5, oneway: false },
        { points: [p(0.001, 0.001), p(0, 0.002)], speedMps: 5, oneway: true },
        { points: [p(0, 0), p(-0.0015, 0.001)], speedMps: 30, oneway: false },
        { points: [p(-0.0015, 0.001), p(0, 0.002)], speedMps: 30, oneway: false },
      ],
      null,
    ),
  );
  const id = (lat: number, lng: number) => g.nodes.findIndex((n) => n.lat === lat && n.lng === lng);
  const [a, b, c, d] = [id(0, 0), id(0.001, 0.001), id(-0.0015, 0.001), id(0, 0.002)];

  it('takes the fastest route, not the shortest', () => {
    expect(route(g, a, d)).toEqual([a, c, d]);
  });

  it('respects one-way streets', () => {
    expect(route(g, d, b)).toEqual([d, c, a, b]);
  });

  it('is no slower than any other route, on a random city (Dijkstra by brute force)', () => {
    const city = randomCity(seededRng(3));
    const rng = seededRng(9);
    for (let k = 0; k < 20; k++) {
      const from = Math.floor(rng() * city.nodes.length);
      const to = Math.floor(rng() * city.nodes.length);
      const path = route(city, from, to);
      expect(path).not.toBeNull();
      const p2 = path ?? [];
      // Connected: every step is an arc.
      for (let i = 1; i < p2.length; i++) expect(city.out[p2[i - 1] ?? -1]?.some((arc) => arc.to === p2[i])).toBe(true);
      expect(pathSeconds(city, p2)).toBeCloseTo(dijkstraSeconds(city, from, to), 6);
    }
  });
});

/** Plain Dijkstra over an array, O(n^2): the reference A* must match. */
function dijkstraSeconds(g: RoadGraph, from: number, to: number): number {
  const dist = new Array<number>(g.nodes.length).fill(Infinity);
  const done = new Array<boolean>(g.nodes.length).fill(false);
  dist[from] = 0;
  for (;;) {
    let v = -1;
    for (let i = 0; i < dist.length; i++)
      if (!done[i] && (v === -1 || (dist[i] ?? Infinity) < (dist[v] ?? Infinity))) v = i;
    if (v === -1 || dist[v] === Infinity) return dist[to] ?? Infinity;
    if (v === to) return dist[v] ?? Infinity;
    done[v] = true;
    for (const arc of g.out[v] ?? [])
      dist[arc.to] = Math.min(dist[arc.to] ?? Infinity, (dist[v] ?? 0) + arc.lengthM / arc.speedMps);
  }
}

/** A jittered 16 x 16 grid with random speeds, missing streets and one-way streets. */
function randomCity(rng: () => number): RoadGraph {
  const at = (r: number, c: number) => ({ lat: r * 0.002 + ((r * 31 + c * 17) % 7) * 1e-5, lng: c * 0.002 });
  const lines: RoadLine[] = [];
  for (let r = 0; r < 16; r++)
    for (let c = 0; c < 16; c++) {
      for (const [dr, dc] of [
        [0, 1],
        [1, 0],
      ] as const) {
        if (r + dr >= 16 || c + dc >= 16 || rng() < 0.1) continue;
        lines.push({ points: [at(r, c), at(r + dr, c + dc)], speedMps: 5 + rng() * 20, oneway: rng() < 0.2 });
      }
    }
  return largestComponent(buildGraph(lines, null));
}
