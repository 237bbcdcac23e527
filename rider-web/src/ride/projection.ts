import type { LatLng } from '@ridetrack/shared';

/**
 * Web Mercator exactly as MapLibre draws it (512 px tiles, north up), so the light first view puts
 * the car, the pin and the route where the map will put them: when MapLibre arrives nothing moves.
 * Pure.
 */
export interface Camera {
  center: LatLng;
  zoom: number;
  /** Viewport size in CSS pixels. */
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

const TILE = 512;
const MAX_LAT = 85.051129;

/** World pixels at zoom 0 (0..512): x east, y south. */
export function worldOf(p: LatLng): Point {
  const lat = Math.max(-MAX_LAT, Math.min(MAX_LAT, p.lat));
  const x = ((p.lng + 180) / 360) * TILE;
  const y = ((180 - (180 / Math.PI) * Math.log(Math.tan(Math.PI / 4 + (lat * Math.PI) / 360))) / 360) * TILE;
  return { x, y };
}

export function latLngOfWorld(w: Point): LatLng {
  const lng = (w.x / TILE) * 360 - 180;
  const y2 = 180 - (w.y / TILE) * 360;
  const lat = (360 / Math.PI) * Math.atan(Math.exp((y2 * Math.PI) / 180)) - 90;
  return { lat, lng };
}

/** Screen position (CSS pixels from the viewport's top left) of a point under a camera. */
export function project(p: LatLng, camera: Camera): Point {
  const scale = 2 ** camera.zoom;
  const w = worldOf(p);
  const c = worldOf(camera.center);
  return { x: (w.x - c.x) * scale + camera.width / 2, y: (w.y - c.y) * scale + camera.height / 2 };
}

/** Metres per CSS pixel at a latitude and zoom. */
export function metresPerPixel(lat: number, zoom: number): number {
  return (40_075_016.686 * Math.cos((lat * Math.PI) / 180)) / (TILE * 2 ** zoom);
}
