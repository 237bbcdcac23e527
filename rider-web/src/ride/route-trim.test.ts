import { describe, expect, it } from 'vitest';
import { trimRoute } from './route-trim';

const p = (lat: number, lng: number) => ({ lat, lng });

describe('trimRoute', () => {
  const route = [p(0, 0), p(0, 0.001), p(0.001, 0.001), p(0.001, 0.002)];

  it('starts at the car and keeps only what lies ahead of it', () => {
    // The car is past the first corner, on the second segment.
    expect(trimRoute(route, p(0.0004, 0.001))).toEqual([p(0.0004, 0.001), p(0.001, 0.001), p(0.001, 0.002)]);
    // Still on the first segment: everything after its start.
    expect(trimRoute(route, p(0, 0.0002))).toEqual([p(0, 0.0002), ...route.slice(1)]);
  });

  it('copes with a route of one point', () => {
    expect(trimRoute([p(0, 0)], p(1, 1))).toEqual([p(1, 1)]);
  });
});
