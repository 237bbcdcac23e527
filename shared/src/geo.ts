const EARTH_RADIUS_M = 6_371_008.8;

/** A point in WGS 84 degrees. */
export interface LatLng {
  lat: number;
  lng: number;
}

/** Great-circle distance in metres (haversine, mean Earth radius). */
export function distanceM(a: LatLng, b: LatLng): number {
  const toRad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * toRad;
  const dLng = (b.lng - a.lng) * toRad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * toRad) * Math.cos(b.lat * toRad) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}
