import { zlibSync } from 'fflate';
import { PbfWriter } from 'pbf';
import type { Bounds, OsmMember, OsmTags } from './osm-types';

export interface WritableNode {
  id: number;
  lat: number;
  lng: number;
  tags?: OsmTags;
}
export interface WritableWay {
  id: number;
  refs: readonly number[];
  tags?: OsmTags;
}
export interface WritableRelation {
  id: number;
  members: readonly OsmMember[];
  tags?: OsmTags;
}
export interface WritableExtract {
  bounds?: Bounds;
  nodes: readonly WritableNode[];
  ways: readonly WritableWay[];
  relations?: readonly WritableRelation[];
}

const PER_BLOCK = 8000; // as osmium writes: 8,000 elements per block
const MEMBER_TYPE = { node: 0, way: 1, relation: 2 } as const;

/**
 * Writes an .osm.pbf (dense nodes, zlib blobs, sorted as given) the way extract tools do. For tests
 * and the benchmark, which make extracts of their own; not used on the import path.
 */
export function writeOsmPbf(extract: WritableExtract): Uint8Array {
  const parts: Uint8Array[] = [];
  const header = new PbfWriter();
  if (extract.bounds) {
    const [w, s, e, n] = extract.bounds.map((d) => Math.round(d * 1e9)) as Bounds;
    header.writeMessage(
      1,
      (_: null, p) => {
        p.writeSVarintField(1, w);
        p.writeSVarintField(2, e);
        p.writeSVarintField(3, n);
        p.writeSVarintField(4, s);
      },
      null,
    );
  }
  header.writeStringField(4, 'OsmSchema-V0.6');
  header.writeStringField(4, 'DenseNodes');
  header.writeStringField(16, 'ridetrack');
  parts.push(...blob('OSMHeader', header.finish()));
  for (let i = 0; i < extract.nodes.length; i += PER_BLOCK)
    parts.push(...blob('OSMData', denseBlock(extract.nodes.slice(i, i + PER_BLOCK))));
  for (let i = 0; i < extract.ways.length; i += PER_BLOCK)
    parts.push(...blob('OSMData', wayBlock(extract.ways.slice(i, i + PER_BLOCK))));
  const relations = extract.relations ?? [];
  for (let i = 0; i < relations.length; i += PER_BLOCK)
    parts.push(...blob('OSMData', relationBlock(relations.slice(i, i + PER_BLOCK))));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function blob(type: string, data: Uint8Array): Uint8Array[] {
  const b = new PbfWriter();
  b.writeVarintField(2, data.length);
  b.writeBytesField(3, zlibSync(data));
  const body = b.finish();
  const h = new PbfWriter();
  h.writeStringField(1, type);
  h.writeVarintField(3, body.length);
  const head = h.finish();
  const len = new Uint8Array(4);
  new DataView(len.buffer).setInt32(0, head.length, false);
  return [len, head, body];
}

class Strings {
  private readonly index = new Map<string, number>([['', 0]]);
  id(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) this.index.set(s, (i = this.index.size));
    return i;
  }
  write(p: PbfWriter): void {
    const table = [...this.index.keys()];
    p.writeMessage(1, (_: null, q) => table.forEach((s) => q.writeStringField(1, s)), null);
  }
}

function block(fill: (strings: Strings, group: PbfWriter) => void): Uint8Array {
  const strings = new Strings();
  const group = new PbfWriter();
  fill(strings, group);
  const p = new PbfWriter();
  strings.write(p);
  p.writeBytesField(2, group.finish());
  return p.finish();
}

const deltas = (values: readonly number[]): number[] => values.map((v, i) => v - (i === 0 ? 0 : (values[i - 1] ?? 0)));

function denseBlock(nodes: readonly WritableNode[]): Uint8Array {
  return block((strings, group) => {
    const kv: number[] = [];
    for (const n of nodes) {
      for (const [k, v] of Object.entries(n.tags ?? {})) kv.push(strings.id(k), strings.id(v));
      kv.push(0);
    }
    group.writeMessage(
      2,
      (_: null, d) => {
        d.writePackedSVarint(1, deltas(nodes.map((n) => n.id)));
        d.writePackedSVarint(8, deltas(nodes.map((n) => Math.round(n.lat * 1e7))));
        d.writePackedSVarint(9, deltas(nodes.map((n) => Math.round(n.lng * 1e7))));
        if (kv.some((x) => x !== 0)) d.writePackedVarint(10, kv);
      },
      null,
    );
  });
}

function writeTags(p: PbfWriter, strings: Strings, tags: OsmTags | undefined): void {
  const entries = Object.entries(tags ?? {});
  if (entries.length === 0) return;
  p.writePackedVarint(
    2,
    entries.map(([k]) => strings.id(k)),
  );
  p.writePackedVarint(
    3,
    entries.map(([, v]) => strings.id(v)),
  );
}

function wayBlock(ways: readonly WritableWay[]): Uint8Array {
  return block((strings, group) => {
    for (const w of ways)
      group.writeMessage(
        3,
        (_: null, p) => {
          p.writeVarintField(1, w.id);
          writeTags(p, strings, w.tags);
          p.writePackedSVarint(8, deltas([...w.refs]));
        },
        null,
      );
  });
}

function relationBlock(relations: readonly WritableRelation[]): Uint8Array {
  return block((strings, group) => {
    for (const r of relations)
      group.writeMessage(
        4,
        (_: null, p) => {
          p.writeVarintField(1, r.id);
          writeTags(p, strings, r.tags);
          p.writePackedVarint(
            8,
            r.members.map((m) => strings.id(m.role)),
          );
          p.writePackedSVarint(9, deltas(r.members.map((m) => m.ref)));
          p.writePackedVarint(
            10,
            r.members.map((m) => MEMBER_TYPE[m.type]),
          );
        },
        null,
      );
  });
}
