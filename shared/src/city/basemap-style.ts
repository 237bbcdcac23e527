import type { Bounds } from './osm-types';

/**
 * The basemap's look, in one place: a MapLibre style for the tiles the broker makes from a city
 * extract. A calm light palette, as ride apps use, so that cars and routes drawn on top stand out:
 * muted land, white roads with a soft casing, blue water, soft green parks, light grey buildings,
 * grey labels with a white halo.
 */
export interface BasemapStyleOptions {
  /** Tile URL template, e.g. "/map/tiles/{z}/{x}/{y}.pbf". */
  tiles: string;
  /** Glyph URL template, e.g. "/map/glyphs/{fontstack}/{range}.pbf". */
  glyphs: string;
  bounds: Bounds;
  center: [number, number];
  attribution: string;
  minZoom: number;
  maxZoom: number;
}

/** The fonts the labels use; the build makes glyphs for exactly these (rider-web/scripts/glyphs.ts). */
export const BASEMAP_FONTS = { regular: 'Noto Sans Regular', medium: 'Noto Sans Medium' } as const;

export const PALETTE = {
  land: '#f2f1ed',
  water: '#a9cbee',
  waterLine: '#8fb8e3',
  park: '#cfe6c4',
  wood: '#c3dfb6',
  grass: '#d9ecd0',
  pitch: '#c9e4bd',
  cemetery: '#d7e4d0',
  industrial: '#ebe8e3',
  commercial: '#f0ebe5',
  education: '#f0ead9',
  hospital: '#f3e1df',
  building: '#e3e0da',
  buildingLine: '#d5d1ca',
  road: '#ffffff',
  roadCasing: '#d9d7d2',
  majorCasing: '#c8c5bf',
  path: '#c9c6bf',
  rail: '#c4c1bb',
  label: '#6b6a66',
  placeLabel: '#8a8780',
  halo: '#ffffff',
  outside: '#e2e0da',
  edge: '#bfbab0',
} as const;

/**
 * Everything but the city's extent, as one polygon with the city as its hole: the map shades it
 * and draws the edge, so that where the extract ends (water and streets cut along a straight
 * line) reads as the edge of the map, not as a fault in it.
 */
export function outsideOf(b: Bounds): Record<string, unknown> {
  const [w, s, e, n] = b;
  return {
    type: 'Feature',
    properties: {},
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [-180, -85],
          [180, -85],
          [180, 85],
          [-180, 85],
          [-180, -85],
        ],
        [
          [w, s],
          [w, n],
          [e, n],
          [e, s],
          [w, s],
        ],
      ],
    },
  };
}

type Expr = unknown[];
const kindIs = (...kinds: string[]): Expr => ['match', ['get', 'kind'], kinds, true, false];

/** Road widths in pixels per class, at zooms 10, 12, 14, 16, 18. */
const WIDTHS: Record<string, [number, number, number, number, number]> = {
  motorway: [1.4, 2.6, 5, 13, 30],
  trunk: [1.2, 2.4, 4.6, 12, 28],
  primary: [1, 2.2, 4.4, 12, 28],
  secondary: [0.6, 1.6, 3.6, 10, 24],
  tertiary: [0.5, 1.4, 3.2, 9, 22],
  minor: [0, 0.6, 2, 7, 18],
  service: [0, 0, 0.8, 3.5, 9],
  path: [0, 0, 0.5, 1.2, 2.5],
};
const ZOOMS = [10, 12, 14, 16, 18];

function width(extra: [number, number, number, number, number] = [0, 0, 0, 0, 0]): Expr {
  const stops = ZOOMS.flatMap((z, i) => [
    z,
    [
      'match',
      ['get', 'kind'],
      ...Object.entries(WIDTHS).flatMap(([kind, w]) => [
        kind,
        Math.max(0, (w[i] ?? 0) + (w[i] && extra[i] ? extra[i] : 0)),
      ]),
      0,
    ],
  ]);
  return ['interpolate', ['exponential', 1.5], ['zoom'], ...stops];
}

const notTunnel: Expr = ['!', ['has', 'tunnel']];

function roadLayers(id: string, kinds: Expr, minzoom: number, major: boolean): object[] {
  const casing = major ? PALETTE.majorCasing : PALETTE.roadCasing;
  const filter = ['all', kinds, notTunnel];
  return [
    {
      id: `${id}-casing`,
      type: 'line',
      source: 'city',
      'source-layer': 'roads',
      minzoom,
      filter,
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': casing, 'line-width': width([0.6, 1, 1.4, 2, 3]) },
    },
    {
      id,
      type: 'line',
      source: 'city',
      'source-layer': 'roads',
      minzoom,
      filter,
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': PALETTE.road, 'line-width': width() },
    },
  ];
}

const FILL_COLOR: Expr = [
  'match',
  ['get', 'kind'],
  'park',
  PALETTE.park,
  'wood',
  PALETTE.wood,
  'grass',
  PALETTE.grass,
  'pitch',
  PALETTE.pitch,
  'cemetery',
  PALETTE.cemetery,
  'industrial',
  PALETTE.industrial,
  'commercial',
  PALETTE.commercial,
  'education',
  PALETTE.education,
  'hospital',
  PALETTE.hospital,
  PALETTE.land,
];

/** The style, as a plain object MapLibre accepts (style spec v8). */
export function basemapStyle(o: BasemapStyleOptions): Record<string, unknown> {
  const labelFont = [BASEMAP_FONTS.regular];
  return {
    version: 8,
    name: 'ridetrack city',
    center: o.center,
    zoom: 13.5,
    glyphs: o.glyphs,
    sources: {
      city: {
        type: 'vector',
        tiles: [o.tiles],
        minzoom: o.minZoom,
        maxzoom: o.maxZoom,
        bounds: o.bounds,
        attribution: o.attribution,
      },
      outside: { type: 'geojson', data: outsideOf(o.bounds) },
    },
    layers: [
      { id: 'land', type: 'background', paint: { 'background-color': PALETTE.land } },
      {
        id: 'landuse',
        type: 'fill',
        source: 'city',
        'source-layer': 'landuse',
        filter: ['!', kindIs('park', 'wood', 'grass', 'pitch', 'cemetery')],
        paint: { 'fill-color': FILL_COLOR },
      },
      {
        id: 'parks',
        type: 'fill',
        source: 'city',
        'source-layer': 'landuse',
        filter: kindIs('park', 'wood', 'grass', 'pitch', 'cemetery'),
        paint: { 'fill-color': FILL_COLOR },
      },
      { id: 'water', type: 'fill', source: 'city', 'source-layer': 'water', paint: { 'fill-color': PALETTE.water } },
      {
        id: 'waterways',
        type: 'line',
        source: 'city',
        'source-layer': 'waterway',
        paint: {
          'line-color': PALETTE.water,
          'line-width': ['interpolate', ['linear'], ['zoom'], 12, 0.8, 16, 3, 18, 6],
        },
      },
      {
        id: 'buildings',
        type: 'fill',
        source: 'city',
        'source-layer': 'buildings',
        minzoom: 14,
        paint: {
          'fill-color': PALETTE.building,
          'fill-outline-color': PALETTE.buildingLine,
          'fill-opacity': ['interpolate', ['linear'], ['zoom'], 14, 0, 15, 1],
        },
      },
      {
        id: 'paths',
        type: 'line',
        source: 'city',
        'source-layer': 'roads',
        minzoom: 15,
        filter: ['all', kindIs('path'), notTunnel],
        paint: { 'line-color': PALETTE.path, 'line-width': width(), 'line-dasharray': [2, 1.5] },
      },
      {
        id: 'rail',
        type: 'line',
        source: 'city',
        'source-layer': 'rail',
        filter: ['!', kindIs('siding')],
        paint: {
          'line-color': PALETTE.rail,
          'line-width': ['interpolate', ['linear'], ['zoom'], 12, 0.6, 16, 1.6, 18, 2.5],
        },
      },
      // Tunnels: a faint dashed outline under everything else on the ground, so that a motorway
      // tunnel under the harbour does not read as a road across the water.
      {
        id: 'roads-tunnel',
        type: 'line',
        source: 'city',
        'source-layer': 'roads',
        minzoom: 12,
        filter: ['all', ['has', 'tunnel'], ['!', kindIs('path', 'service')]],
        paint: {
          'line-color': PALETTE.majorCasing,
          'line-width': width(),
          'line-opacity': 0.6,
          'line-dasharray': [1.5, 1.5],
        },
      },
      ...roadLayers('roads-service', kindIs('service'), 14, false),
      ...roadLayers('roads-minor', kindIs('minor'), 12, false),
      ...roadLayers('roads-major', kindIs('tertiary', 'secondary', 'primary', 'trunk'), 10, true),
      ...roadLayers('roads-motorway', kindIs('motorway'), 10, true),
      // Beyond the extract: shaded, with its edge drawn (under the labels).
      { id: 'outside', type: 'fill', source: 'outside', paint: { 'fill-color': PALETTE.outside } },
      {
        id: 'outside-edge',
        type: 'line',
        source: 'outside',
        paint: { 'line-color': PALETTE.edge, 'line-width': 1.2, 'line-dasharray': [4, 3] },
      },
      {
        id: 'road-labels',
        type: 'symbol',
        source: 'city',
        'source-layer': 'roads',
        minzoom: 13,
        filter: ['all', ['has', 'name'], ['!', kindIs('path', 'service')]],
        layout: {
          'symbol-placement': 'line',
          'text-field': ['get', 'name'],
          'text-font': labelFont,
          'text-size': ['interpolate', ['linear'], ['zoom'], 13, 10.5, 16, 12.5, 18, 14],
          'text-max-angle': 30,
          'symbol-spacing': 280,
          'text-padding': 2,
        },
        paint: { 'text-color': PALETTE.label, 'text-halo-color': PALETTE.halo, 'text-halo-width': 1.6 },
      },
      {
        id: 'place-labels',
        type: 'symbol',
        source: 'city',
        'source-layer': 'places',
        filter: ['!', kindIs('park')],
        layout: {
          'text-field': ['get', 'name'],
          'text-font': [BASEMAP_FONTS.medium],
          'text-size': ['interpolate', ['linear'], ['zoom'], 11, 10, 15, 13],
          'text-transform': 'uppercase',
          'text-letter-spacing': 0.12,
          'text-max-width': 8,
          'text-padding': 6,
        },
        paint: { 'text-color': PALETTE.placeLabel, 'text-halo-color': PALETTE.halo, 'text-halo-width': 1.6 },
      },
      {
        id: 'park-labels',
        type: 'symbol',
        source: 'city',
        'source-layer': 'places',
        minzoom: 14,
        filter: kindIs('park'),
        layout: {
          'text-field': ['get', 'name'],
          'text-font': labelFont,
          'text-size': 12,
          'text-max-width': 8,
        },
        paint: { 'text-color': '#4f7d45', 'text-halo-color': PALETTE.halo, 'text-halo-width': 1.4 },
      },
    ],
  };
}
