import { SaxesParser } from 'saxes';
import type { OsmHeader, OsmMember, OsmTags, OsmVisitor } from './osm-types';

export type OsmXmlReason = 'not_osm_xml';

/** Reads an OpenStreetMap .osm XML file, streaming, into the same visitor as the PBF reader. Never throws on bad input. */
export function readOsmXml(
  text: string,
  visitor: OsmVisitor,
): { ok: true; value: OsmHeader } | { ok: false; reason: OsmXmlReason } {
  const parser = new SaxesParser();
  const header: OsmHeader = { bounds: null, writingProgram: null };
  // An object, not a let: TypeScript does not see the parser's callbacks assign it.
  const seen = { osm: false };
  let current: { kind: 'node' | 'way' | 'relation'; id: number; lat: number; lng: number } | null = null;
  let tags: OsmTags = {};
  let refs: number[] = [];
  let members: OsmMember[] = [];
  parser.on('opentag', (tag) => {
    const a = tag.attributes as Record<string, string>;
    switch (tag.name) {
      case 'osm':
        seen.osm = true;
        header.writingProgram = a['generator'] ?? null;
        break;
      case 'bounds':
        header.bounds = [Number(a['minlon']), Number(a['minlat']), Number(a['maxlon']), Number(a['maxlat'])];
        break;
      case 'node':
      case 'way':
      case 'relation':
        current = { kind: tag.name, id: Number(a['id']), lat: Number(a['lat']), lng: Number(a['lon']) };
        tags = {};
        refs = [];
        members = [];
        break;
      case 'nd':
        refs.push(Number(a['ref']));
        break;
      case 'member':
        if (a['type'] === 'node' || a['type'] === 'way' || a['type'] === 'relation')
          members.push({ type: a['type'], ref: Number(a['ref']), role: a['role'] ?? '' });
        break;
      case 'tag':
        if (current !== null && a['k'] !== undefined && a['v'] !== undefined) tags[a['k']] = a['v'];
        break;
    }
  });
  parser.on('closetag', (tag) => {
    if (current === null || tag.name !== current.kind) return;
    if (current.kind === 'node') {
      if (Number.isFinite(current.lat) && Number.isFinite(current.lng))
        visitor.node?.(current.id, current.lat, current.lng, Object.keys(tags).length > 0 ? tags : null);
    } else if (current.kind === 'way') visitor.way?.(current.id, refs, tags);
    else visitor.relation?.(current.id, members, tags);
    current = null;
  });
  try {
    parser.write(text).close();
  } catch {
    return { ok: false, reason: 'not_osm_xml' };
  }
  return seen.osm ? { ok: true, value: header } : { ok: false, reason: 'not_osm_xml' };
}
