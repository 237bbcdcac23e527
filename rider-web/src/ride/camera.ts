import type { LatLng } from '@ridetrack/shared';
import { latLngOfWorld, project, worldOf, type Camera } from './projection';

/** Space kept clear around what is framed: the sheet or panel, plus a margin. CSS pixels. */
export interface Padding {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

export interface ZoomRange {
  minZoom: number;
  maxZoom: number;
}

export const RIDE_ZOOMS: ZoomRange = { minZoom: 11, maxZoom: 17 };

/**
 * The closest the camera frames a single point (the car waiting at the pickup) or the choosing of
 * a pickup: neighbourhood level. At 17 a wide screen showed 300 m, closer than a rider needs.
 */
export const NEIGHBOURHOOD_ZOOM = 16;

/**
 * The camera that shows every point inside the viewport less the padding, as close as the zoom
 * range allows (MapLibre's fitBounds, north up). Pure.
 */
export function frame(
  points: readonly LatLng[],
  size: { width: number; height: number },
  pad: Padding,
  zooms: ZoomRange = RIDE_ZOOMS,
): Camera {
  const first = points[0];
  if (first === undefined) throw new Error('frame needs a point');
  const ws = points.map(worldOf);
  const minX = Math.min(...ws.map((w) => w.x));
  const maxX = Math.max(...ws.map((w) => w.x));
  const minY = Math.min(...ws.map((w) => w.y));
  const maxY = Math.max(...ws.map((w) => w.y));
  const availW = Math.max(40, size.width - pad.left - pad.right);
  const availH = Math.max(40, size.height - pad.top - pad.bottom);
  const spanX = Math.max(maxX - minX, 1e-9);
  const spanY = Math.max(maxY - minY, 1e-9);
  const zoom = Math.max(zooms.minZoom, Math.min(zooms.maxZoom, Math.log2(Math.min(availW / spanX, availH / spanY))));
  const scale = 2 ** zoom;
  // The box's middle lands in the middle of the padded area: shift the centre by half the padding difference.
  const midX = (minX + maxX) / 2 - (pad.left - pad.right) / 2 / scale;
  const midY = (minY + maxY) / 2 - (pad.top - pad.bottom) / 2 / scale;
  return { center: latLngOfWorld({ x: midX, y: midY }), zoom, width: size.width, height: size.height };
}

/**
 * Whether the camera should move to frame the points again: one of them has left the padded area
 * (or is about to: within `edgePx` of its edge), or they have closed in so that the frame could
 * zoom in by more than `zoomInBy` (a car nearing the pickup is shown ever closer).
 */
export function needsReframe(
  camera: Camera,
  points: readonly LatLng[],
  pad: Padding,
  zooms: ZoomRange = RIDE_ZOOMS,
  edgePx = 12,
  zoomInBy = 0.75,
): boolean {
  for (const p of points) {
    const s = project(p, camera);
    if (
      s.x < pad.left - edgePx ||
      s.x > camera.width - pad.right + edgePx ||
      s.y < pad.top - edgePx ||
      s.y > camera.height - pad.bottom + edgePx
    )
      return true;
  }
  return frame(points, camera, pad, zooms).zoom - camera.zoom > zoomInBy;
}
