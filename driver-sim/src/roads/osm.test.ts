import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { arcCount } from './graph';
import { importGeoJson } from './geojson';
import { importOsmPbf, importOsmXml } from './osm';

/** A tiny OSM XML extract, made here: a square with a one-way side, a dead-end one-way spur, a footway, an island. */
const OSM = `<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="ridetrack test">
  <node id="1" lat="0" lon="0"/><node id="2" lat="0" lon="0.001"/><node id="3" lat="0" lon="0.002"/>
  <node id="4" lat="0.002" lon="0.002"/><node id="5" lat="0.002" lon="0"/><node id="6" lat="-0.001" lon="0.001"/>
  <node id="7" lat="1" lon="1"/><node id="8" lat="1" lon="1.001"/><node id="9" lat="-0.001" lon="0"/>
  <way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/><tag k="name" v="South &amp; Main"/></way>
  <way id="11"><nd ref="3"/><nd ref="4"/><tag k="highway" v="residential"/><tag k="oneway" v="yes"/><tag k="maxspeed" v="20 mph"/></way>
  <way id="12"><nd ref="4"/><nd ref="5"/><tag k="highway" v="residential"/></way>
  <way id="13"><nd ref="1"/><nd ref="5"/><tag k="highway" v="primary"/><tag k="oneway" v="-1"/><tag k="maxspeed" v="50"/></way>
  <way id="14"><nd ref="2"/><nd ref="6"/><tag k="highway" v="residential"/><tag k="oneway" v="yes"/></way>
  <way id="15"><nd ref="7"/><nd ref="8"/><tag k="highway" v="residential"/></way>
  <way id="16"><nd ref="1"/><nd ref="9"/><tag k="highway" v="footway"/></way>
  <relation id="20"><member type="way" ref="10" role=""/><tag k="type" v="route"/></relation>
</osm>`;

describe('OpenStreetMap import', () => {
  it('reads .osm XML: drivable ways, one-way both ways round, the largest strongly connected component', () => {
    const r = importOsmXml(OSM);
    if (!r.ok) throw new Error(r.reason);
    const g = r.value;
    expect(g.attribution).toBe('© OpenStreetMap contributors');
    // The square's corners plus South's shared midpoint; spur, island and footway gone.
    expect(g.nodes).toHaveLength(5);
    // South 2x2, East one-way 1, North 2, West one-way 1 (drawn 1 to 5, tagged -1: driven 5 to 1).
    expect(arcCount(g)).toBe(4 + 1 + 2 + 1);
    const at = (lat: number, lng: number) => g.nodes.findIndex((n) => n.lat === lat && n.lng === lng);
    expect(g.out[at(0.002, 0)]?.some((a) => a.to === at(0, 0))).toBe(true);
    expect(g.out[at(0, 0)]?.some((a) => a.to === at(0.002, 0))).toBe(false);
    expect(g.out[at(0.002, 0)]?.find((a) => a.to === at(0, 0))?.speedMps).toBeCloseTo(50 / 3.6, 6);
  });

  it.each([
    ['broken XML', '<osm><node id="1"', 'not_osm_xml'],
    ['XML that is not OSM', '<html><body/></html>', 'not_osm_xml'],
    ['OSM with no roads', '<osm version="0.6"><node id="1" lat="0" lon="0"/></osm>', 'no_drivable_roads'],
  ])('refuses %s', (_name, text, reason) => {
    expect(importOsmXml(text)).toEqual({ ok: false, reason });
  });

  it('refuses bytes that are not an .osm.pbf', () => {
    expect(importOsmPbf(Uint8Array.from([0, 0, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9]))).toEqual({
      ok: false,
      reason: 'not_osm_pbf',
    });
  });

  // The Baltimore extract beside the checkout (../shared/roaddata, read in place, never copied).
  const shared = join(import.meta.dirname, '../../../../shared/roaddata');
  it.runIf(existsSync(shared))('reads the Baltimore .osm.pbf to the network its GeoJSON conversion describes', () => {
    const pbf = importOsmPbf(readFileSync(join(shared, 'source/baltimore.osm.pbf')));
    const geo = importGeoJson(readFileSync(join(shared, 'baltimore-roads.geojson'), 'utf8'), null);
    if (!pbf.ok || !geo.ok) throw new Error('import failed');
    // The data's README: the largest strongly connected component has 4,649 nodes (its GeoJSON
    // rounds coordinates to 1e-6 degree, which merges a couple of nodes the .pbf keeps apart).
    expect(geo.value.nodes).toHaveLength(4649);
    expect(Math.abs(pbf.value.nodes.length - 4649)).toBeLessThanOrEqual(5);
  });
});
