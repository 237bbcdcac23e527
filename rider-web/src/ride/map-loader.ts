import 'maplibre-gl/dist/maplibre-gl.css';
import type { PageConfig } from '../feed';
import { createMap } from '../map';
import type { LoadedMap } from './stage';

/**
 * MapLibre, loaded after the first view (this module and MapLibre are a chunk of their own): the map
 * starts where the first view's camera is, and resolves once its style has loaded.
 */
export function loadMap(
  container: HTMLElement,
  config: PageConfig,
  at: { center: { lat: number; lng: number }; zoom: number },
): Promise<LoadedMap> {
  const map = createMap(container, config, at.zoom);
  map.jumpTo({ center: [at.center.lng, at.center.lat], zoom: at.zoom });
  const loaded: LoadedMap = {
    project: (p) => map.project([p.lng, p.lat]),
    unproject: (x, y) => {
      const r = container.getBoundingClientRect();
      const ll = map.unproject([x - r.left, y - r.top]);
      return { lat: ll.lat, lng: ll.lng };
    },
    camera: () => {
      const c = map.getCenter();
      return { center: { lat: c.lat, lng: c.lng }, zoom: map.getZoom() };
    },
    easeTo: (cam, durationMs) =>
      map.easeTo({ center: [cam.center.lng, cam.center.lat], zoom: cam.zoom, duration: durationMs, essential: true }),
    onClick: (handler) => map.on('click', (e) => handler({ lat: e.lngLat.lat, lng: e.lngLat.lng })),
    onUserMove: (handler) => {
      // Only moves a person made (they carry the input event), not our own easeTo.
      const byHand = (e: { originalEvent?: unknown }): void => {
        if (e.originalEvent !== undefined) handler();
      };
      map.on('dragstart', byHand);
      map.on('zoomstart', byHand);
    },
    onMove: (handler) => map.on('move', handler),
  };
  // The map fully drawn (style, sources and tiles), for the benchmark.
  map.once('load', () => map.once('idle', () => performance.mark('ride:map-idle')));
  return new Promise((resolve) => map.once('load', () => resolve(loaded)));
}
