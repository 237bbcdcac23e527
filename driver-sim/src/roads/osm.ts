import { SaxesParser } from 'saxes';
import tinyosmpbf from 'tiny-osmpbf';
import type { LatLng } from '@ridetrack/shared';
import { wayToRoad } from './geojson';
import { buildGraph, largestComponent, type RoadGraph, type RoadLine } from './graph';

export type OsmReason = 'not_osm_xml' | 'not_osm_pbf' | 'no_drivable_roads';

const ATTRIBUTION = '© OpenStreetMap contributors';

/** Collects nodes and drivable ways from OSM elements, in file order (nodes come before ways). */
class WayCollector {
  private readonly nodes = new Map<number, LatLng>();
  readonly lines: RoadLine[] = [];

  node(id: number, lat: number, lng: number): void {
    this.nodes.set(id, { lat, lng });
  }

  way(refs: readonly number[], tags: Record<string, string>): void {
    const points: LatLng[] = [];
    for (const ref of refs) {
      const p = this.nodes.get(ref);
      if (p !== undefined) points.push(p);
    }
    const road = wayToRoad(tags, points);
    if (road) this.lines.push(road);
  }

  graph(): { ok: true; value: RoadGraph } | { ok: false; reason: 'no_drivable_roads' } {
    if (this.lines.length === 0) return { ok: false, reason: 'no_drivable_roads' };
    return { ok: true, value: largestComponent(buildGraph(this.lines, ATTRIBUTION)) };
  }
}

/** Reads an OpenStreetMap .osm.pbf extract. Never throws on bad input. */
export function importOsmPbf(data: Uint8Array): { ok: true; value: RoadGraph } | { ok: false; reason: OsmReason } {
  const collector = new WayCollector();
  try {
    tinyosmpbf(data, (e) => {
      if (e.type === 'node' && e.lat !== undefined && e.lon !== undefined) collector.node(e.id, e.lat, e.lon);
      else if (e.type === 'way') collector.way(e.nodes ?? [], e.tags ?? {});
    });
  } catch {
    return { ok: false, reason: 'not_osm_pbf' };
  }
  return collector.graph();
}

/** Reads an OpenStreetMap .osm XML file, streaming. Never throws on bad input. */
export function importOsmXml(text: string): { ok: true; value: RoadGraph } | { ok: false; reason: OsmReason } {
  const collector = new WayCollector();
  const parser = new SaxesParser();
  const seen = { osmElement: false };
  let refs: number[] | null = null;
  let tags: Record<string, string> = {};
  parser.on('opentag', (tag) => {
    const a = tag.attributes as Record<string, string>;
    switch (tag.name) {
      case 'osm':
        seen.osmElement = true;
        break;
      case 'node':
        collector.node(Number(a['id']), Number(a['lat']), Number(a['lon']));
        break;
      case 'way':
        refs = [];
        tags = {};
        break;
      case 'nd':
        refs?.push(Number(a['ref']));
        break;
      case 'tag':
        if (refs !== null && a['k'] !== undefined && a['v'] !== undefined) tags[a['k']] = a['v'];
        break;
    }
  });
  parser.on('closetag', (tag) => {
    if (tag.name === 'way' && refs !== null) {
      collector.way(refs, tags);
      refs = null;
    }
  });
  try {
    parser.write(text).close();
  } catch {
    return { ok: false, reason: 'not_osm_xml' };
  }
  return seen.osmElement ? collector.graph() : { ok: false, reason: 'not_osm_xml' };
}
