import { distanceM, type LatLng, type RoadGraph } from '@ridetrack/shared';

/** Degrees of latitude, and of longitude at 39° N, per metre. */
const M = 1 / 111_320;
const K = 1 / (111_320 * Math.cos((39 * Math.PI) / 180));

/** A point `northM` and `eastM` metres from the grid's south-west junction (39° N, 76° W). */
export const at = (northM: number, eastM: number): LatLng => ({ lat: 39 + northM * M, lng: -76 + eastM * K });

/**
 * The routing tests' streets: a 3 x 3 grid of junctions 100 m apart, two-way at 10 m/s, except the
 * middle row, Main St, one-way eastbound at 20 m/s. Node n = row * 3 + col; rows go north, columns east.
 */
export function streetGrid(): RoadGraph {
  const nodes: LatLng[] = [];
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) nodes.push(at(r * 100, c * 100));
  const out: RoadGraph['out'] = nodes.map(() => []);
  const link = (a: number, b: number, speedMps: number, name: string) =>
    out[a]?.push({ to: b, lengthM: distanceM(nodes[a] as LatLng, nodes[b] as LatLng), speedMps, shape: [], name });
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 2; c++) {
      const a = r * 3 + c;
      if (r === 1) link(a, a + 1, 20, 'Main St');
      else {
        link(a, a + 1, 10, `Row ${r}`);
        link(a + 1, a, 10, `Row ${r}`);
      }
    }
  for (let c = 0; c < 3; c++)
    for (let r = 0; r < 2; r++) {
      link(r * 3 + c, (r + 1) * 3 + c, 10, `Col ${c}`);
      link((r + 1) * 3 + c, r * 3 + c, 10, `Col ${c}`);
    }
  return { nodes, out, attribution: null };
}
