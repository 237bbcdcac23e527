import { cellToLatLng, latLngToCell } from 'h3-js';
import { describe, expect, it } from 'vitest';
import { distanceM } from '@ridetrack/shared';
import { coarseCars } from './coarse-cars';

describe('coarseCars', () => {
  it('puts a lone car at the centre of its cell, never at its fix, heading to the nearest 45°', () => {
    const fix = { lat: 39.2912345, lng: -76.6054321, headingDeg: 100 };
    const [car] = coarseCars([fix], 9);
    const [lat, lng] = cellToLatLng(latLngToCell(fix.lat, fix.lng, 9));
    expect(car).toEqual({ lat, lng, headingDeg: 90 });
    expect(distanceM(fix, car as { lat: number; lng: number })).toBeGreaterThan(1);
  });

  it('gives the same places whichever fixes inside the cell the cars have (nothing of where in the cell)', () => {
    const cell = latLngToCell(39.29, -76.61, 9);
    const [lat, lng] = cellToLatLng(cell);
    const a = coarseCars(
      [
        { lat: lat + 0.0004, lng, headingDeg: null },
        { lat, lng: lng - 0.0004, headingDeg: null },
      ],
      9,
    );
    const b = coarseCars(
      [
        { lat: lat - 0.0003, lng: lng + 0.0002, headingDeg: null },
        { lat, lng, headingDeg: null },
      ],
      9,
    );
    expect(a).toEqual(b);
    expect(a).toHaveLength(2);
    // Spread around the centre, so both can be seen, within the cell.
    for (const car of a) expect(latLngToCell(car.lat, car.lng, 9)).toBe(cell);
  });
});
