import { unzlibSync } from 'fflate';
import { PbfReader } from 'pbf';
import type { OsmHeader, OsmMember, OsmTags, OsmVisitor } from './osm-types';

export type OsmPbfReason = 'not_osm_pbf' | 'unsupported_pbf';

export interface OsmPbfOptions {
  /**
   * Inflates a zlib blob to `rawSize` bytes. Defaults to fflate (pure JS, runs in the browser);
   * a Node caller may pass zlib's inflateSync, which is about twice as fast.
   */
  inflate?: (zlib: Uint8Array, rawSize: number) => Uint8Array;
  /** Called after each block with the bytes read so far. */
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}

/** The features a reader must understand to read a file (OSM PBF spec, HeaderBlock.required_features). */
const SUPPORTED = new Set(['OsmSchema-V0.6', 'DenseNodes', 'HistoricalInformation', 'LocationsOnWays']);
/** The spec caps a BlobHeader at 64 KiB and a blob at 32 MiB: larger numbers mean this is not a PBF. */
const MAX_HEADER_BYTES = 64 * 1024;
const MAX_BLOB_BYTES = 32 * 1024 * 1024;
const MEMBER_TYPES = ['node', 'way', 'relation'] as const;

class FormatError extends Error {
  constructor(readonly reason: OsmPbfReason) {
    super(reason);
  }
}

const defaultInflate = (zlib: Uint8Array, rawSize: number): Uint8Array =>
  unzlibSync(zlib, { out: new Uint8Array(rawSize) });

/**
 * Reads an OpenStreetMap .osm.pbf file block by block (https://wiki.openstreetmap.org/wiki/PBF_Format),
 * handing each element to the visitor: only one block is decoded at a time, and element kinds the
 * visitor does not ask for are skipped undecoded. Never throws on bad input.
 */
export function readOsmPbf(
  bytes: Uint8Array,
  visitor: OsmVisitor,
  options: OsmPbfOptions = {},
): { ok: true; value: OsmHeader } | { ok: false; reason: OsmPbfReason } {
  const inflate = options.inflate ?? defaultInflate;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let header: OsmHeader | null = null;
  try {
    let pos = 0;
    while (pos < bytes.length) {
      if (pos + 4 > bytes.length) throw new FormatError('not_osm_pbf');
      const headerLength = view.getInt32(pos, false);
      if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES || pos + 4 + headerLength > bytes.length)
        throw new FormatError('not_osm_pbf');
      const blobHeader = readBlobHeader(new PbfReader(bytes.subarray(pos + 4, pos + 4 + headerLength)));
      pos += 4 + headerLength;
      if (blobHeader.dataSize < 0 || blobHeader.dataSize > MAX_BLOB_BYTES || pos + blobHeader.dataSize > bytes.length)
        throw new FormatError('not_osm_pbf');
      const data = readBlob(new PbfReader(bytes.subarray(pos, pos + blobHeader.dataSize)), inflate);
      pos += blobHeader.dataSize;
      if (header === null) {
        if (blobHeader.type !== 'OSMHeader') throw new FormatError('not_osm_pbf');
        header = readHeaderBlock(new PbfReader(data));
      } else if (blobHeader.type === 'OSMData') {
        readPrimitiveBlock(new PbfReader(data), visitor);
      } // Other blob types are to be skipped, says the spec.
      options.onProgress?.(pos, bytes.length);
    }
  } catch (err) {
    return { ok: false, reason: err instanceof FormatError ? err.reason : 'not_osm_pbf' };
  }
  return header === null ? { ok: false, reason: 'not_osm_pbf' } : { ok: true, value: header };
}

function readBlobHeader(pbf: PbfReader): { type: string; dataSize: number } {
  const h = { type: '', dataSize: -1 };
  pbf.readFields((tag, r) => {
    if (tag === 1) r.type = pbf.readString();
    else if (tag === 3) r.dataSize = pbf.readVarint();
  }, h);
  return h;
}

function readBlob(pbf: PbfReader, inflate: NonNullable<OsmPbfOptions['inflate']>): Uint8Array {
  const b: { raw?: Uint8Array; rawSize: number; zlib?: Uint8Array; other: boolean } = { rawSize: 0, other: false };
  pbf.readFields((tag, r) => {
    if (tag === 1) r.raw = pbf.readBytes();
    else if (tag === 2) r.rawSize = pbf.readVarint();
    else if (tag === 3) r.zlib = pbf.readBytes();
    else if (tag >= 4 && tag <= 7) {
      r.other = true; // lzma, bzip2, lz4, zstd: optional in the spec, and rare in extracts
      pbf.skip(tag);
    }
  }, b);
  if (b.raw !== undefined) return b.raw;
  if (b.zlib !== undefined) {
    if (b.rawSize <= 0 || b.rawSize > MAX_BLOB_BYTES) throw new FormatError('not_osm_pbf');
    return inflate(b.zlib, b.rawSize);
  }
  throw new FormatError(b.other ? 'unsupported_pbf' : 'not_osm_pbf');
}

function readHeaderBlock(pbf: PbfReader): OsmHeader {
  const h: { bbox: number[] | null; required: string[]; program: string | null } = {
    bbox: null,
    required: [],
    program: null,
  };
  pbf.readFields((tag, r) => {
    if (tag === 1) {
      const box = [0, 0, 0, 0]; // left, right, top, bottom, nanodegrees
      const end = pbf.readVarint() + pbf.pos;
      while (pbf.pos < end) {
        const field = pbf.readVarint();
        const i = (field >> 3) - 1;
        const v = pbf.readSVarint();
        if (i >= 0 && i < 4) box[i] = v;
      }
      r.bbox = box;
    } else if (tag === 4) r.required.push(pbf.readString());
    else if (tag === 16) r.program = pbf.readString();
  }, h);
  const missing = h.required.filter((f) => !SUPPORTED.has(f));
  if (missing.length > 0) throw new FormatError('unsupported_pbf');
  const [left = 0, right = 0, top = 0, bottom = 0] = h.bbox ?? [];
  return {
    bounds: h.bbox === null ? null : [left * 1e-9, bottom * 1e-9, right * 1e-9, top * 1e-9],
    writingProgram: h.program,
  };
}

interface Block {
  strings: string[];
  granularity: number;
  latOffset: number;
  lonOffset: number;
  groups: [number, number][];
}

function readPrimitiveBlock(pbf: PbfReader, visitor: OsmVisitor): void {
  const decoder = new TextDecoder();
  const block: Block = { strings: [], granularity: 100, latOffset: 0, lonOffset: 0, groups: [] };
  // Groups may precede the string table and the granularity in the bytes: note where they are first.
  pbf.readFields((tag, b) => {
    if (tag === 1) {
      const end = pbf.readVarint() + pbf.pos;
      while (pbf.pos < end) {
        if (pbf.readVarint() >> 3 === 1) b.strings.push(decoder.decode(pbf.readBytes()));
        else throw new FormatError('not_osm_pbf');
      }
    } else if (tag === 2) {
      const length = pbf.readVarint();
      b.groups.push([pbf.pos, pbf.pos + length]);
      pbf.pos += length;
    } else if (tag === 17) b.granularity = pbf.readVarint();
    else if (tag === 19) b.latOffset = pbf.readVarint(true);
    else if (tag === 20) b.lonOffset = pbf.readVarint(true);
  }, block);
  for (const [start, end] of block.groups) {
    pbf.pos = start;
    pbf.readFields(
      (tag) => {
        if (tag === 2 && visitor.node) readDense(pbf, block, visitor.node.bind(visitor));
        else if (tag === 1 && visitor.node) readNode(pbf, block, visitor.node.bind(visitor));
        else if (tag === 3 && visitor.way) readWay(pbf, block, visitor.way.bind(visitor));
        else if (tag === 4 && visitor.relation) readRelation(pbf, block, visitor.relation.bind(visitor));
        else pbf.skip(pbf.type);
      },
      null,
      end,
    );
  }
}

function tagsOf(keys: readonly number[], vals: readonly number[], strings: readonly string[]): OsmTags {
  const tags: OsmTags = {};
  for (let i = 0; i < keys.length; i++) {
    const k = strings[keys[i] ?? -1];
    const v = strings[vals[i] ?? -1];
    if (k !== undefined && v !== undefined) tags[k] = v;
  }
  return tags;
}

type NodeFn = NonNullable<OsmVisitor['node']>;

function readDense(pbf: PbfReader, b: Block, node: NodeFn): void {
  const d = { ids: [] as number[], lats: [] as number[], lons: [] as number[], kv: [] as number[] };
  pbf.readMessage((tag, r) => {
    if (tag === 1) pbf.readPackedSVarint(r.ids);
    else if (tag === 8) pbf.readPackedSVarint(r.lats);
    else if (tag === 9) pbf.readPackedSVarint(r.lons);
    else if (tag === 10) pbf.readPackedVarint(r.kv);
    else pbf.skip(pbf.type);
  }, d);
  let id = 0;
  let lat = 0;
  let lon = 0;
  let j = 0;
  const scale = 1e-9 * b.granularity;
  for (let i = 0; i < d.ids.length; i++) {
    id += d.ids[i] ?? 0;
    lat += d.lats[i] ?? 0;
    lon += d.lons[i] ?? 0;
    let tags: OsmTags | null = null;
    if (d.kv.length > 0) {
      while (j < d.kv.length && d.kv[j] !== 0) {
        const k = b.strings[d.kv[j] ?? -1];
        const v = b.strings[d.kv[j + 1] ?? -1];
        if (k !== undefined && v !== undefined) (tags ??= {})[k] = v;
        j += 2;
      }
      j++;
    }
    node(id, b.latOffset * 1e-9 + lat * scale, b.lonOffset * 1e-9 + lon * scale, tags);
  }
}

function readNode(pbf: PbfReader, b: Block, node: NodeFn): void {
  const n = { id: 0, lat: 0, lon: 0, keys: [] as number[], vals: [] as number[] };
  pbf.readMessage((tag, r) => {
    if (tag === 1) r.id = pbf.readSVarint();
    else if (tag === 2) pbf.readPackedVarint(r.keys);
    else if (tag === 3) pbf.readPackedVarint(r.vals);
    else if (tag === 8) r.lat = pbf.readSVarint();
    else if (tag === 9) r.lon = pbf.readSVarint();
    else pbf.skip(pbf.type);
  }, n);
  const scale = 1e-9 * b.granularity;
  const tags = n.keys.length > 0 ? tagsOf(n.keys, n.vals, b.strings) : null;
  node(n.id, b.latOffset * 1e-9 + n.lat * scale, b.lonOffset * 1e-9 + n.lon * scale, tags);
}

function readWay(pbf: PbfReader, b: Block, way: NonNullable<OsmVisitor['way']>): void {
  const w = { id: 0, keys: [] as number[], vals: [] as number[], refs: [] as number[] };
  pbf.readMessage((tag, r) => {
    if (tag === 1) r.id = pbf.readVarint();
    else if (tag === 2) pbf.readPackedVarint(r.keys);
    else if (tag === 3) pbf.readPackedVarint(r.vals);
    else if (tag === 8) pbf.readPackedSVarint(r.refs);
    else pbf.skip(pbf.type);
  }, w);
  for (let i = 1; i < w.refs.length; i++) w.refs[i] = (w.refs[i] ?? 0) + (w.refs[i - 1] ?? 0);
  way(w.id, w.refs, tagsOf(w.keys, w.vals, b.strings));
}

function readRelation(pbf: PbfReader, b: Block, relation: NonNullable<OsmVisitor['relation']>): void {
  const r0 = {
    id: 0,
    keys: [] as number[],
    vals: [] as number[],
    roles: [] as number[],
    ids: [] as number[],
    types: [] as number[],
  };
  pbf.readMessage((tag, r) => {
    if (tag === 1) r.id = pbf.readVarint();
    else if (tag === 2) pbf.readPackedVarint(r.keys);
    else if (tag === 3) pbf.readPackedVarint(r.vals);
    else if (tag === 8) pbf.readPackedVarint(r.roles, true);
    else if (tag === 9) pbf.readPackedSVarint(r.ids);
    else if (tag === 10) pbf.readPackedVarint(r.types);
    else pbf.skip(pbf.type);
  }, r0);
  const members: OsmMember[] = [];
  let ref = 0;
  for (let i = 0; i < r0.ids.length; i++) {
    ref += r0.ids[i] ?? 0;
    const type = MEMBER_TYPES[r0.types[i] ?? 0];
    if (type !== undefined) members.push({ type, ref, role: b.strings[r0.roles[i] ?? -1] ?? '' });
  }
  relation(r0.id, members, tagsOf(r0.keys, r0.vals, b.strings));
}
