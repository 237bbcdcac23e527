import { readFileSync } from 'node:fs';
import { readOsmPbf, writeOsmPbf, type Bounds, type OsmMember, type OsmTags } from '@ridetrack/shared';

/**
 * A large extract made from the demo city, since no bigger real one is at hand: its nodes, ways and
 * relations copied `side` x `side` times side by side (each copy moved by the city's own width
 * and height, ids moved past the previous copy's), written as one sorted .osm.pbf.
 */
export function tiledExtract(source: string, side: number): Uint8Array {
  const nodes: { id: number; lat: number; lng: number; tags?: OsmTags }[] = [];
  const ways: { id: number; refs: number[]; tags: OsmTags }[] = [];
  const relations: { id: number; members: OsmMember[]; tags: OsmTags }[] = [];
  const header = readOsmPbf(readFileSync(source), {
    node: (id, lat, lng, tags) => nodes.push(tags === null ? { id, lat, lng } : { id, lat, lng, tags }),
    way: (id, refs, tags) => ways.push({ id, refs, tags }),
    relation: (id, members, tags) => relations.push({ id, members, tags }),
  });
  if (!header.ok || header.value.bounds === null) throw new Error(`${source}: not a bounded extract`);
  const [w, s, e, n] = header.value.bounds;
  const ID_STEP = 1e10; // above every id in the source
  const copies = Array.from({ length: side * side }, (_, i) => ({
    shift: i * ID_STEP,
    dLng: (i % side) * (e - w),
    dLat: Math.floor(i / side) * (n - s),
  }));
  const bounds: Bounds = [w, s, w + side * (e - w), s + side * (n - s)];
  return writeOsmPbf({
    bounds,
    nodes: copies.flatMap((c) =>
      nodes.map((x) => ({ ...x, id: x.id + c.shift, lat: x.lat + c.dLat, lng: x.lng + c.dLng })),
    ),
    ways: copies.flatMap((c) => ways.map((x) => ({ ...x, id: x.id + c.shift, refs: x.refs.map((r) => r + c.shift) }))),
    relations: copies.flatMap((c) =>
      relations.map((x) => ({
        ...x,
        id: x.id + c.shift,
        members: x.members.map((m) => ({ ...m, ref: m.ref + c.shift })),
      })),
    ),
  });
}
