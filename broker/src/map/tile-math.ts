import type { Bounds } from '@ridetrack/shared';

/** Web Mercator tile numbers (the XYZ scheme MapLibre asks for). */
export function lngToTileX(lng: number, z: number): number {
  return Math.min(2 ** z - 1, Math.max(0, Math.floor(((lng + 180) / 360) * 2 ** z)));
}

export function latToTileY(lat: number, z: number): number {
  const r = (Math.max(-85.0511, Math.min(85.0511, lat)) * Math.PI) / 180;
  const y = ((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * 2 ** z;
  return Math.min(2 ** z - 1, Math.max(0, Math.floor(y)));
}

/** The bounds of a tile, [west, south, east, north]. */
export function tileBounds(z: number, x: number, y: number): Bounds {
  const lng = (tx: number) => (tx / 2 ** z) * 360 - 180;
  const lat = (ty: number) => (Math.atan(Math.sinh(Math.PI * (1 - (2 * ty) / 2 ** z))) * 180) / Math.PI;
  return [lng(x), lat(y + 1), lng(x + 1), lat(y)];
}

/** The tiles of zoom z that cover the bounds: [xMin, yMin, xMax, yMax], inclusive. */
export function tileRange([w, s, e, n]: Bounds, z: number): [number, number, number, number] {
  return [lngToTileX(w, z), latToTileY(n, z), lngToTileX(e, z), latToTileY(s, z)];
}

export type TileParamReason = 'not_a_number' | 'zoom_out_of_range' | 'tile_out_of_range';

/** Checks z/x/y from a URL: whole numbers, 0 <= z <= 22, x and y within the zoom's grid. */
export function parseTile(
  zs: string,
  xs: string,
  ys: string,
): { ok: true; value: { z: number; x: number; y: number } } | { ok: false; reason: TileParamReason } {
  if (![zs, xs, ys].every((s) => /^\d{1,8}$/.test(s))) return { ok: false, reason: 'not_a_number' };
  const [z, x, y] = [Number(zs), Number(xs), Number(ys)];
  if (z > 22) return { ok: false, reason: 'zoom_out_of_range' };
  if (x >= 2 ** z || y >= 2 ** z) return { ok: false, reason: 'tile_out_of_range' };
  return { ok: true, value: { z, x, y } };
}
