import { Map as MapLibre, setWorkerUrl, type StyleSpecification } from 'maplibre-gl';
// MapLibre 6 loads its worker from a separate module that a bundler cannot find by itself; Vite's
// ?worker&url bundles it (with its shared chunk) and gives its URL (MapLibre's v5 to v6 guide).
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?worker&url';

setWorkerUrl(workerUrl);
import type { PageConfig } from './feed';

/**
 * A MapLibre map that needs no tile server: the road network the simulator drives on, drawn from
 * /roads.geojson over a plain background, credited to OpenStreetMap when it comes from OSM. A style
 * URL in the server's config (MAP_STYLE_URL) switches to a real basemap.
 */
export function createMap(container: HTMLElement, config: PageConfig, zoom = 13.5): MapLibre {
  const offline: StyleSpecification = {
    version: 8,
    sources: {
      roads: {
        type: 'geojson',
        data: '/roads.geojson',
        ...(config.roadsAttribution ? { attribution: config.roadsAttribution } : {}),
      },
    },
    layers: [
      { id: 'background', type: 'background', paint: { 'background-color': '#eef0f2' } },
      {
        id: 'roads',
        type: 'line',
        source: 'roads',
        paint: {
          'line-color': [
            'case',
            ['>', ['get', 'speedMps'], 20],
            '#f2b33d',
            ['>', ['get', 'speedMps'], 14],
            '#ffffff',
            '#fbfbfb',
          ],
          'line-width': [
            'interpolate',
            ['linear'],
            ['zoom'],
            11,
            ['case', ['>', ['get', 'speedMps'], 14], 2, 0.8],
            16,
            ['case', ['>', ['get', 'speedMps'], 14], 10, 5],
          ],
        },
      },
      {
        id: 'road-casing',
        type: 'line',
        source: 'roads',
        paint: {
          'line-color': '#c9ced4',
          'line-width': 0.5,
          'line-gap-width': ['interpolate', ['linear'], ['zoom'], 11, 1, 16, 6],
        },
      },
    ],
  };
  return new MapLibre({
    container,
    style: config.styleUrl ?? offline,
    center: config.center,
    zoom,
    attributionControl: { compact: false },
  });
}
