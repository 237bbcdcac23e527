import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { importCity, type City } from './city-import';
import { arcCount } from './graph';
import { writeOsmPbf, type WritableExtract } from './osm-pbf-write';
import { route } from './routing';

/**
 * Extracts made here, written as .osm.pbf the way extract tools write them: a square of streets
 * with a one-way side, a one-way dead-end spur, an island, a footway, a private road, a park with
 * a pond cut out of it, a building, and a coastline across the south with the sea below it.
 */
function squareTown(): WritableExtract {
  const nodes = [
    [1, 0, 0],
    [2, 0, 0.001],
    [3, 0, 0.002],
    [4, 0.002, 0.002],
    [5, 0.002, 0],
    [6, -0.0005, 0.001],
    [7, 1, 1],
    [8, 1, 1.001],
    [9, -0.0005, 0],
    [10, 0.0021, 0],
    // The park (a multipolygon with a pond as its inner ring) and a building.
    [20, 0.0005, 0.0005],
    [21, 0.0005, 0.0015],
    [22, 0.0015, 0.0015],
    [23, 0.0015, 0.0005],
    [24, 0.0008, 0.0008],
    [25, 0.0008, 0.0012],
    [26, 0.0012, 0.0012],
    [27, 0.0012, 0.0008],
    [30, 0.0003, 0.0021],
    [31, 0.0003, 0.0023],
    [32, 0.0005, 0.0023],
    // The coastline, west to east below the town: land on its left (north), sea on its right.
    [40, -0.0008, -0.01],
    [41, -0.0009, 0.001],
    [42, -0.0008, 0.01],
    [50, 0.001, 0.001],
  ].map(([id = 0, lat = 0, lng = 0]) => ({ id, lat, lng }));
  nodes.push({ id: 51, lat: 0.001, lng: 0.0011, tags: { place: 'neighbourhood', name: 'Fells Point' } } as never);
  return {
    bounds: [-0.005, -0.005, 0.005, 0.005],
    nodes,
    ways: [
      { id: 100, refs: [1, 2, 3], tags: { highway: 'residential', name: 'South Street' } },
      {
        id: 101,
        refs: [3, 4],
        tags: { highway: 'residential', name: 'East Street', oneway: 'yes', maxspeed: '20 mph' },
      },
      { id: 102, refs: [4, 5], tags: { highway: 'residential', name: 'North Street' } },
      { id: 103, refs: [1, 5], tags: { highway: 'primary', name: 'West Avenue', oneway: '-1', maxspeed: '50' } },
      { id: 104, refs: [2, 6], tags: { highway: 'residential', oneway: 'yes' } },
      { id: 105, refs: [7, 8], tags: { highway: 'residential', name: 'Island Road' } },
      { id: 106, refs: [1, 9], tags: { highway: 'footway' } },
      { id: 107, refs: [5, 10], tags: { highway: 'residential', access: 'private' } },
      { id: 110, refs: [20, 21, 22, 23] },
      { id: 111, refs: [23, 20] },
      { id: 112, refs: [24, 25, 26, 27, 24], tags: { natural: 'water' } },
      { id: 113, refs: [30, 31, 32, 30], tags: { building: 'yes' } },
      { id: 120, refs: [40, 41], tags: { natural: 'coastline' } },
      { id: 121, refs: [41, 42], tags: { natural: 'coastline' } },
    ],
    relations: [
      {
        id: 200,
        tags: { type: 'multipolygon', leisure: 'park', name: 'Patterson Park' },
        members: [
          { type: 'way', ref: 110, role: 'outer' },
          { type: 'way', ref: 111, role: 'outer' },
          { type: 'way', ref: 112, role: 'inner' },
        ],
      },
    ],
  };
}

function cityOf(bytes: Uint8Array, basemap = true): City {
  const r = importCity(bytes, { basemap });
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

const at = (c: City, lat: number, lng: number): number =>
  c.graph.nodes.findIndex((n) => Math.abs(n.lat - lat) < 1e-9 && Math.abs(n.lng - lng) < 1e-9);

describe('city import (.osm.pbf)', () => {
  const city = cityOf(writeOsmPbf(squareTown()));

  it('keeps the drivable roads of the largest strongly connected part, one-way streets one way', () => {
    const g = city.graph;
    expect(g.attribution).toBe('© OpenStreetMap contributors');
    // The square's corners plus South Street's shared midpoint; spur, island, footway, private road gone.
    expect(g.nodes).toHaveLength(5);
    // South 2x2, East one-way 1, North 2, West one-way 1 (drawn 1 to 5, tagged -1: driven 5 to 1).
    expect(arcCount(g)).toBe(4 + 1 + 2 + 1);
    const [sw, se, ne, nw] = [at(city, 0, 0), at(city, 0, 0.002), at(city, 0.002, 0.002), at(city, 0.002, 0)];
    expect(g.out[se]?.some((a) => a.to === ne)).toBe(true);
    expect(g.out[ne]?.some((a) => a.to === se)).toBe(false);
    expect(g.out[nw]?.some((a) => a.to === sw)).toBe(true);
    expect(g.out[sw]?.some((a) => a.to === nw)).toBe(false);
    // So from the south-west corner to the north-west one, the car goes round the square.
    expect(route(g, sw, nw)).toEqual([sw, at(city, 0, 0.001), se, ne, nw]);
    expect(g.out[nw]?.find((a) => a.to === sw)?.speedMps).toBeCloseTo(50 / 3.6, 6);
    expect(g.out[se]?.find((a) => a.to === ne)?.speedMps).toBeCloseTo(20 * 0.44704, 6);
  });

  it('keeps names and classes on the arcs', () => {
    const names = new Set(city.graph.out.flat().map((a) => a.name));
    expect(names).toEqual(new Set(['South Street', 'East Street', 'North Street', 'West Avenue']));
    expect(city.graph.out[at(city, 0.002, 0)]?.find((a) => a.to === at(city, 0, 0))?.roadClass).toBe('primary');
  });

  it('collects the basemap: roads by class with names, water, the park with its hole, buildings, places, the sea', () => {
    const of = (layer: string) => city.basemap.filter((f) => f.layer === layer);
    const roads = of('roads');
    expect(roads.find((f) => f.name === 'West Avenue')).toMatchObject({ kind: 'primary', oneway: 1, type: 'line' });
    expect(roads.find((f) => f.name === 'South Street')).toMatchObject({ kind: 'minor' });
    expect(roads.some((f) => f.kind === 'path')).toBe(true); // the footway is drawn, though not driven
    const park = of('landuse').find((f) => f.name === 'Patterson Park');
    expect(park).toMatchObject({ kind: 'park', type: 'polygon' });
    expect(park?.parts).toHaveLength(2); // the outer ring joined from two ways, and the pond cut out
    expect(of('water').some((f) => f.kind === 'water')).toBe(true);
    expect(of('buildings')).toHaveLength(1);
    expect(of('places')).toMatchObject([
      { name: 'Fells Point', kind: 'neighbourhood', type: 'point' },
      // A park big enough gets its name placed inside it (between the outer ring and the pond).
      { name: 'Patterson Park', kind: 'park', type: 'point' },
    ]);
    expect(Object.keys(of('places')[0] ?? {}).sort()).toEqual(['kind', 'layer', 'minZoom', 'name', 'parts', 'type']);
    const label = of('places')[1]?.parts[0] ?? new Float64Array(2);
    expect(label[0]).toBeGreaterThan(0.0005);
    expect(label[0]).toBeLessThan(0.0015);
    // The sea: the part of the bounds south of the coastline, a closed ring with all its points south of it.
    const sea = of('water').find((f) => f.kind === 'sea');
    const ring = sea?.parts[0] ?? new Float64Array();
    const lats = Array.from(ring).filter((_, i) => i % 2 === 1);
    expect(Math.max(...lats)).toBeLessThanOrEqual(-0.0008 + 1e-9);
    expect(Math.min(...lats)).toBe(-0.005);
    expect([ring[0], ring[1]]).toEqual([ring[ring.length - 2], ring[ring.length - 1]]);
  });

  it('gives the bounds from the file and the centre among the roads', () => {
    expect(city.bounds).toEqual([-0.005, -0.005, 0.005, 0.005]);
    expect(city.center[0]).toBeGreaterThanOrEqual(0);
    expect(city.center[0]).toBeLessThanOrEqual(0.002);
  });

  it('keeps two parts joined by one two-way road, and drops the part only a one-way road reaches', () => {
    const town = squareTown();
    const far = [
      { id: 60, lat: 0, lng: 0.004 },
      { id: 61, lat: 0.002, lng: 0.004 },
      { id: 62, lat: 0, lng: 0.006 },
    ];
    const joined = cityOf(
      writeOsmPbf({
        ...town,
        nodes: [...town.nodes, ...far],
        ways: [
          ...town.ways,
          { id: 130, refs: [3, 60], tags: { highway: 'tertiary' } },
          { id: 131, refs: [60, 61], tags: { highway: 'residential' } },
          { id: 132, refs: [60, 62], tags: { highway: 'residential', oneway: 'yes' } },
        ],
      }),
      false,
    );
    expect(joined.graph.nodes).toHaveLength(5 + 2);
    expect(at(joined, 0, 0.006)).toBe(-1);
  });

  it('reads the same town from .osm XML', () => {
    const t = squareTown();
    const xml = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<osm version="0.6" generator="test">',
      ...t.nodes.map((n) => `<node id="${n.id}" lat="${n.lat}" lon="${n.lng}"/>`),
      ...t.ways.map(
        (w) =>
          `<way id="${w.id}">${w.refs.map((r) => `<nd ref="${r}"/>`).join('')}${Object.entries(w.tags ?? {})
            .map(([k, v]) => `<tag k="${k}" v="${v}"/>`)
            .join('')}</way>`,
      ),
      '</osm>',
    ].join('\n');
    const fromXml = cityOf(new TextEncoder().encode(xml), false);
    expect(fromXml.graph.nodes).toEqual(city.graph.nodes);
    expect(arcCount(fromXml.graph)).toBe(arcCount(city.graph));
  });
});

describe('refused files, each with its reason', () => {
  const bytes = (s: string) => new TextEncoder().encode(s);
  it.each([
    ['random bytes', Uint8Array.from([0, 0, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9]), 'not_an_extract'],
    ['a web page', bytes('<html><body>hello</body></html>'), 'not_an_extract'],
    ['GeoJSON', bytes('{"type":"FeatureCollection","features":[]}'), 'not_an_extract'],
    ['an empty file', new Uint8Array(0), 'not_an_extract'],
    ['a truncated extract', writeOsmPbf(squareTown()).subarray(0, 300), 'not_an_extract'],
    [
      'an extract with no drivable roads',
      writeOsmPbf({
        nodes: [
          { id: 1, lat: 0, lng: 0 },
          { id: 2, lat: 0, lng: 1 },
        ],
        ways: [{ id: 3, refs: [1, 2], tags: { highway: 'footway' } }],
      }),
      'no_drivable_roads',
    ],
    ['OSM XML with no roads', bytes('<osm version="0.6"><node id="1" lat="0" lon="0"/></osm>'), 'no_drivable_roads'],
  ])('refuses %s', (_name, data, reason) => {
    expect(importCity(data, { basemap: true })).toEqual({ ok: false, reason });
  });

  it('refuses a file over the size limit before reading it', () => {
    const data = writeOsmPbf(squareTown());
    expect(importCity(data, { basemap: true, maxBytes: data.length - 1 })).toEqual({ ok: false, reason: 'too_large' });
    expect(importCity(data, { basemap: true, maxBytes: data.length }).ok).toBe(true);
  });

  it('never throws on random bytes, nor on an extract with bytes changed', () => {
    const good = writeOsmPbf(squareTown());
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (data) => {
        importCity(data, { basemap: true });
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: good.length - 1 }), fc.integer({ min: 0, max: 255 }), (i, b) => {
        const data = good.slice();
        data[i] = b;
        importCity(data, { basemap: true });
      }),
    );
  });
});
