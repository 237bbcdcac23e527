import { buildGraph, largestComponent, type LatLng, type RoadGraph, type RoadLine, type Rng } from '@ridetrack/shared';

export interface CityOptions {
  center: LatLng;
  /** Blocks across and down. */
  blocks: number;
  /** Mean block edge, metres. */
  blockM: number;
}

export const DEFAULT_CITY: CityOptions = { center: { lat: 39.29, lng: -76.61 }, blocks: 24, blockM: 180 };

const LOCAL_MPS = 11.1; // 40 km/h
const ARTERIAL_MPS = 16.7; // 60 km/h
const HIGHWAY_MPS = 25; // 90 km/h

/**
 * A procedural city that drives like one, the same for the same seed: a grid of irregular blocks
 * (jittered junctions, some streets missing), an arterial every sixth street, pairs of one-way
 * streets, a ring highway, and a river crossing the city that only three bridges cross.
 */
export function builtInCity(rng: Rng, options: CityOptions = DEFAULT_CITY): RoadGraph {
  const { blocks: n, blockM, center } = options;
  const mPerLat = 111_320;
  const mPerLng = 111_320 * Math.cos((center.lat * Math.PI) / 180);
  const half = (n * blockM) / 2;
  const arterial = (i: number): boolean => i % 6 === 0;
  // Junction positions, jittered except on arterials (they stay straight).
  const grid: LatLng[][] = [];
  for (let r = 0; r <= n; r++) {
    const row: LatLng[] = [];
    for (let c = 0; c <= n; c++) {
      const jx = arterial(c) ? 0 : (rng() - 0.5) * 0.4 * blockM;
      const jy = arterial(r) ? 0 : (rng() - 0.5) * 0.4 * blockM;
      row.push({
        lat: center.lat + (r * blockM - half + jy) / mPerLat,
        lng: center.lng + (c * blockM - half + jx) / mPerLng,
      });
    }
    grid.push(row);
  }
  const at = (r: number, c: number): LatLng => grid[r]?.[c] as LatLng;
  const riverRow = Math.floor(n / 2) + 1; // between rows riverRow - 1 and riverRow
  const bridges = new Set([6, 12, 18].filter((c) => c <= n));
  const lines: RoadLine[] = [];
  // East-west streets: rows 3 and 4 (and every such pair) are one-way pairs in opposite directions.
  for (let r = 0; r <= n; r++) {
    const isArterial = arterial(r);
    const onewayDir = !isArterial && r % 6 === 3 ? 1 : !isArterial && r % 6 === 4 ? -1 : 0;
    for (let c = 0; c < n; c++) {
      if (!isArterial && rng() < 0.08) continue; // some blocks merge: irregular blocks
      const a = at(r, c);
      const b = at(r, c + 1);
      const points = onewayDir === -1 ? [b, a] : [a, b];
      lines.push({
        points,
        speedMps: isArterial ? ARTERIAL_MPS : LOCAL_MPS,
        oneway: onewayDir !== 0,
        name: isArterial ? `Avenue ${r / 6 + 1}` : `Street ${r}`,
      });
    }
  }
  // North-south streets; the river cuts them except at bridges.
  for (let c = 0; c <= n; c++) {
    const isArterial = arterial(c);
    for (let r = 0; r < n; r++) {
      if (r + 1 === riverRow && !bridges.has(c)) continue;
      if (!isArterial && rng() < 0.08) continue;
      lines.push({
        points: [at(r, c), at(r + 1, c)],
        speedMps: isArterial ? ARTERIAL_MPS : LOCAL_MPS,
        oneway: false,
        name: isArterial ? `Boulevard ${c / 6 + 1}` : `Lane ${c}`,
      });
    }
  }
  // A ring highway around the city, joined at the arterials' ends.
  const ring: LatLng[] = [];
  for (let c = 0; c <= n; c += 6) ring.push(at(0, c));
  for (let r = 6; r <= n; r += 6) ring.push(at(r, n));
  for (let c = n - 6; c >= 0; c -= 6) ring.push(at(n, c));
  for (let r = n - 6; r >= 0; r -= 6) ring.push(at(r, 0));
  for (let i = 1; i < ring.length; i++)
    lines.push({
      points: [ring[i - 1] as LatLng, ring[i] as LatLng],
      speedMps: HIGHWAY_MPS,
      oneway: false,
      name: 'Ring Highway',
    });
  return largestComponent(buildGraph(lines, null));
}
