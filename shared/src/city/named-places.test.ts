import { describe, expect, it } from 'vitest';
import type { BasemapFeature } from './basemap';
import { namedPlaces } from './named-places';

const box = (w: number, s: number, e: number, n: number) => new Float64Array([w, s, e, s, e, n, w, n, w, s]);
const feature = (over: Partial<BasemapFeature>): BasemapFeature => ({
  layer: 'landuse',
  kind: 'park',
  type: 'polygon',
  parts: [box(0, 0, 1, 1)],
  minZoom: 10,
  ...over,
});

describe('named places', () => {
  it('keeps named neighbourhoods and parks, at their middle', () => {
    const places = namedPlaces([
      feature({
        layer: 'places',
        kind: 'neighbourhood',
        type: 'point',
        parts: [new Float64Array([-76.57, 39.28])],
        name: 'Canton',
      }),
      feature({ name: 'Patterson Park', parts: [box(-76.59, 39.28, -76.57, 39.3)] }),
      feature({ name: 'Unnamed lot', kind: 'industrial' }),
      feature({}),
      feature({ name: '  ' }),
    ]);
    expect(places.map((p) => [p.name, p.kind])).toEqual([
      ['Canton', 'neighbourhood'],
      ['Patterson Park', 'park'],
    ]);
    expect(places[0]).toMatchObject({ lat: 39.28, lng: -76.57 });
    expect(places[1]?.lat).toBeCloseTo(39.29, 6);
    expect(places[1]?.lng).toBeCloseTo(-76.58, 6);
  });

  it('gives a name shared by several parks (one park in parts) once, at the largest', () => {
    const places = namedPlaces([
      feature({ name: 'Riverside Park', parts: [box(0, 0, 0.1, 0.1)] }),
      feature({ name: 'Riverside Park', parts: [box(1, 1, 2, 2)] }),
      feature({ name: 'Riverside Park', parts: [box(5, 5, 5.2, 5.2)] }),
    ]);
    expect(places).toEqual([{ name: 'Riverside Park', kind: 'park', lat: 1.5, lng: 1.5 }]);
  });
});
