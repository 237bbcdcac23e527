import type { Map as MapLibre } from 'maplibre-gl';

export interface Padding {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/**
 * Keeps a moving thing in view by panning only when it leaves the middle of the free part of the
 * map (inside `padding`): following it at every frame would redraw the whole map at every frame,
 * which software GL cannot afford, and a camera that jerks with every fix is tiring to watch.
 */
export function keepInView(map: MapLibre, at: { lat: number; lng: number }, padding: Padding, margin = 0.2): void {
  const p = map.project([at.lng, at.lat]);
  const c = map.getContainer();
  const w = c.clientWidth - padding.left - padding.right;
  const h = c.clientHeight - padding.top - padding.bottom;
  const inside =
    p.x > padding.left + w * margin &&
    p.x < padding.left + w * (1 - margin) &&
    p.y > padding.top + h * margin &&
    p.y < padding.top + h * (1 - margin);
  if (!inside && !map.isMoving()) map.easeTo({ center: [at.lng, at.lat], duration: 400, padding });
}
