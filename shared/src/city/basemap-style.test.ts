import { describe, expect, it } from 'vitest';
import { basemapStyle, outsideOf } from './basemap-style';

describe('the basemap style', () => {
  it('shades what lies beyond the city, the city its hole, and draws the edge under the labels', () => {
    const bounds: [number, number, number, number] = [-76.62, 39.26, -76.52, 39.31];
    const outside = outsideOf(bounds) as { geometry: { coordinates: number[][][] } };
    const [world, hole] = outside.geometry.coordinates;
    expect(world?.[0]).toEqual([-180, -85]);
    expect(hole).toEqual([
      [-76.62, 39.26],
      [-76.62, 39.31],
      [-76.52, 39.31],
      [-76.52, 39.26],
      [-76.62, 39.26],
    ]);
    const style = basemapStyle({
      tiles: '/t/{z}/{x}/{y}.pbf',
      glyphs: '/g/{fontstack}/{range}.pbf',
      bounds,
      center: [-76.57, 39.28],
      attribution: 'OSM',
      minZoom: 10,
      maxZoom: 16,
    }) as { layers: { id: string; type: string }[] };
    const ids = style.layers.map((l) => l.id);
    expect(ids.indexOf('outside')).toBeGreaterThan(ids.indexOf('water'));
    expect(ids.indexOf('outside-edge')).toBeLessThan(ids.indexOf('road-labels'));
  });
});
