import type { Arc, RoadGraph } from './graph';

/**
 * A road graph as bytes, for the import cache: typed arrays behind a small JSON header, so that a
 * second start reads a city's graph in milliseconds instead of importing it again.
 * Layout: "RTG1", header length (u32), header JSON padded to 8 bytes, then Float64 sections:
 * nodes [lat, lng]*, out-degrees*, arcs [to, lengthM, speedMps, name, class, shape points]*, shapes [lat, lng]*.
 */
const MAGIC = 0x31475452; // "RTG1" little-endian
const ARC_FIELDS = 6;

interface Header {
  attribution: string | null;
  names: string[];
  classes: string[];
  nodes: number;
  arcs: number;
  shapePoints: number;
}

export function encodeGraph(graph: RoadGraph): Uint8Array {
  const names = new Map<string, number>();
  const classes = new Map<string, number>();
  const index = (map: Map<string, number>, s: string | undefined): number => {
    if (s === undefined) return -1;
    let i = map.get(s);
    if (i === undefined) map.set(s, (i = map.size));
    return i;
  };
  let arcs = 0;
  let shapePoints = 0;
  for (const out of graph.out)
    for (const a of out) {
      arcs++;
      shapePoints += a.shape.length;
    }
  const nodes = new Float64Array(graph.nodes.length * 2);
  graph.nodes.forEach((p, i) => {
    nodes[2 * i] = p.lat;
    nodes[2 * i + 1] = p.lng;
  });
  const degrees = new Float64Array(graph.nodes.length);
  const arcData = new Float64Array(arcs * ARC_FIELDS);
  const shapes = new Float64Array(shapePoints * 2);
  let k = 0;
  let s = 0;
  graph.out.forEach((out, v) => {
    degrees[v] = out.length;
    for (const a of out) {
      arcData.set([a.to, a.lengthM, a.speedMps, index(names, a.name), index(classes, a.roadClass), a.shape.length], k);
      k += ARC_FIELDS;
      for (const p of a.shape) {
        shapes[s++] = p.lat;
        shapes[s++] = p.lng;
      }
    }
  });
  const header: Header = {
    attribution: graph.attribution,
    names: [...names.keys()],
    classes: [...classes.keys()],
    nodes: graph.nodes.length,
    arcs,
    shapePoints,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerBytes = Math.ceil((8 + json.length) / 8) * 8;
  const sections = [nodes, degrees, arcData, shapes];
  const out = new Uint8Array(headerBytes + sections.reduce((n, a) => n + a.byteLength, 0));
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, json.length, true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, headerBytes);
  let at = headerBytes;
  for (const a of sections) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  return out;
}

/** The graph in bytes made by encodeGraph, or null when they are not (a damaged or older cache). */
export function decodeGraph(bytes: Uint8Array): RoadGraph | null {
  try {
    if (bytes.length < 8) return null;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (view.getUint32(0, true) !== MAGIC) return null;
    const jsonLength = view.getUint32(4, true);
    const h = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + jsonLength))) as Header;
    if (!isCount(h.nodes) || !isCount(h.arcs) || !isCount(h.shapePoints)) return null;
    const headerBytes = Math.ceil((8 + jsonLength) / 8) * 8;
    const lengths = [h.nodes * 2, h.nodes, h.arcs * ARC_FIELDS, h.shapePoints * 2];
    if (headerBytes + lengths.reduce((a, b) => a + b, 0) * 8 !== bytes.length) return null;
    // Copied out to aligned memory: the file's bytes may sit at any offset of a Node buffer (whose
    // slice() is a view, not a copy, so it is not used here).
    const aligned = new Uint8Array(bytes.length - headerBytes);
    aligned.set(bytes.subarray(headerBytes));
    const all = new Float64Array(aligned.buffer);
    let at = 0;
    const [nodes, degrees, arcData, shapes] = lengths.map((n) => all.subarray(at, (at += n)));
    if (!nodes || !degrees || !arcData || !shapes) return null;
    const graph: RoadGraph = { nodes: [], out: [], attribution: h.attribution };
    for (let i = 0; i < h.nodes; i++) graph.nodes.push({ lat: nodes[2 * i] ?? 0, lng: nodes[2 * i + 1] ?? 0 });
    let k = 0;
    let s = 0;
    for (let v = 0; v < h.nodes; v++) {
      const out: Arc[] = [];
      // Every count read from the file is checked against what the file holds before it is used:
      // a damaged one must not loop (or allocate) past the end.
      const degree = degrees[v] ?? -1;
      if (!isCount(degree) || k + degree * ARC_FIELDS > arcData.length) return null;
      for (let d = 0; d < degree; d++, k += ARC_FIELDS) {
        const [to = 0, lengthM = 0, speedMps = 0, name = -1, cls = -1, shapeLength = 0] = arcData.subarray(
          k,
          k + ARC_FIELDS,
        );
        if (!isCount(to) || to >= h.nodes) return null;
        if (!isCount(shapeLength) || s + shapeLength * 2 > shapes.length) return null;
        const shape = [];
        for (let p = 0; p < shapeLength; p++, s += 2) shape.push({ lat: shapes[s] ?? 0, lng: shapes[s + 1] ?? 0 });
        const arc: Arc = { to, lengthM, speedMps, shape };
        const n = h.names[name];
        const c = h.classes[cls];
        if (n !== undefined) arc.name = n;
        if (c !== undefined) arc.roadClass = c;
        out.push(arc);
      }
      graph.out.push(out);
    }
    return graph;
  } catch {
    return null;
  }
}

/** A whole number of things, as a count read from a file must be. */
function isCount(n: unknown): n is number {
  return Number.isInteger(n) && (n as number) >= 0;
}
