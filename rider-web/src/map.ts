import { AttributionControl, Map as MapLibre, setWorkerUrl, type StyleSpecification } from 'maplibre-gl';
// MapLibre 6 loads its worker from a separate module that a bundler cannot find by itself; Vite's
// ?worker&url bundles it (with its shared chunk) and gives its URL (MapLibre's v5 to v6 guide).
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?worker&url';

setWorkerUrl(workerUrl);
import type { PageConfig } from './feed';

/** A blank map, for a server with no city (CITY_FILE=none) and no hosted style. */
const BLANK: StyleSpecification = {
  version: 8,
  sources: {},
  layers: [{ id: 'land', type: 'background', paint: { 'background-color': '#f2f1ed' } }],
};

/**
 * A MapLibre map on the server's basemap: the city's own vector tiles (/map/style.json, made by the
 * broker from the city extract; the look is in shared/src/city/basemap-style.ts), or a hosted style
 * when MAP_STYLE_URL is set. Opens on the city's centre. The attribution stays open on every
 * screen size (never the collapsed "i" button), top right, clear of the pages' panels (top left on
 * a desktop, along the bottom on a phone): OpenStreetMap's licence asks for it to be visible.
 */
export function createMap(container: HTMLElement, config: PageConfig, zoom = 14): MapLibre {
  const map = new MapLibre({
    container,
    style: config.styleUrl ?? BLANK,
    center: config.center,
    zoom,
    attributionControl: false,
  });
  map.addControl(new AttributionControl({ compact: false }), 'top-right');
  // Page state for tests and screenshot scripts to wait on: every tile and glyph in view drawn.
  map.on('idle', () => {
    container.dataset['mapIdle'] = 'true';
    container.dataset['mapZoom'] = map.getZoom().toFixed(2);
  });
  map.on('dataloading', () => delete container.dataset['mapIdle']);
  return map;
}
