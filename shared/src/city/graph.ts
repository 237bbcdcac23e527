import { distanceM, type LatLng } from '../geo';

/** A directed road segment between two graph nodes, drawn by `points` (from node first). */
export interface Arc {
  to: number;
  lengthM: number;
  speedMps: number;
  /** Intermediate shape points between the two nodes, in order of travel. */
  shape: LatLng[];
  /** A name for the road, if it has one. */
  name?: string;
  /** OSM's highway class (residential, primary, ...), where the road came from OSM. */
  roadClass?: string;
}

/** A drivable road network: nodes are junctions and ends, arcs the one-way ways between them. */
export interface RoadGraph {
  nodes: LatLng[];
  /** Outgoing arcs of each node. */
  out: Arc[][];
  /** Where the roads came from: OSM data must be credited on every map that shows it. */
  attribution: string | null;
}

/** A road as importers see it: a polyline, its speed, and whether it is one-way (forward). */
export interface RoadLine {
  points: LatLng[];
  speedMps: number;
  oneway: boolean;
  name?: string | undefined;
  roadClass?: string | undefined;
}

/** A road over numbered points (OSM node slots): the form large imports use, without a LatLng per point. */
export interface PointWay {
  points: ArrayLike<number>;
  speedMps: number;
  oneway: boolean;
  name?: string | undefined;
  roadClass?: string | undefined;
}

/** Where numbered points are. */
export interface PointTable {
  size: number;
  lat(i: number): number;
  lng(i: number): number;
}

const KEY_DIGITS = 6;

/**
 * Builds a graph from polylines. A point shared by two lines (equal to 1e-6 degree), or a line's
 * end, is a node; everything between is shape. One-way lines get one arc, others two.
 */
export function buildGraph(lines: readonly RoadLine[], attribution: string | null): RoadGraph {
  const ids = new Map<string, number>();
  const lat: number[] = [];
  const lng: number[] = [];
  const ways: PointWay[] = lines.map((line) => ({
    ...line,
    points: line.points.map((p) => {
      const k = `${p.lat.toFixed(KEY_DIGITS)},${p.lng.toFixed(KEY_DIGITS)}`;
      let id = ids.get(k);
      if (id === undefined) {
        id = lat.length;
        ids.set(k, id);
        lat.push(p.lat);
        lng.push(p.lng);
      }
      return id;
    }),
  }));
  const table = { size: lat.length, lat: (i: number) => lat[i] ?? 0, lng: (i: number) => lng[i] ?? 0 };
  return buildGraphFromPoints(table, ways, attribution);
}

/**
 * Builds a graph from roads over numbered points: a point two roads share, or a road's end, is a
 * node; the points between are shape. One-way roads get one arc, others two. Memory is a few bytes
 * per point besides the graph itself.
 */
export function buildGraphFromPoints(
  table: PointTable,
  ways: readonly PointWay[],
  attribution: string | null,
): RoadGraph {
  const uses = new Uint8Array(table.size);
  for (const way of ways)
    for (let i = 0; i < way.points.length; i++) {
      const p = way.points[i] ?? 0;
      if ((uses[p] ?? 0) < 2) uses[p] = (uses[p] ?? 0) + 1;
    }
  const nodeId = new Int32Array(table.size).fill(-1);
  const nodes: LatLng[] = [];
  const out: Arc[][] = [];
  const at = (p: number): LatLng => ({ lat: table.lat(p), lng: table.lng(p) });
  const nodeOf = (p: number): number => {
    let id = nodeId[p] ?? -1;
    if (id === -1) {
      id = nodes.length;
      nodeId[p] = id;
      nodes.push(at(p));
      out.push([]);
    }
    return id;
  };
  for (const way of ways) {
    const n = way.points.length;
    if (n < 2) continue;
    const extra = {
      ...(way.name === undefined ? {} : { name: way.name }),
      ...(way.roadClass === undefined ? {} : { roadClass: way.roadClass }),
    };
    let prev = way.points[0] ?? 0;
    let from = nodeOf(prev);
    let shape: LatLng[] = [];
    let lengthM = 0;
    for (let i = 1; i < n; i++) {
      const p = way.points[i] ?? 0;
      const here = at(p);
      lengthM += distanceM(at(prev), here);
      prev = p;
      if (i < n - 1 && (uses[p] ?? 0) < 2) {
        shape.push(here);
        continue;
      }
      const to = nodeOf(p);
      if (to !== from && lengthM > 0) {
        out[from]?.push({ to, lengthM, speedMps: way.speedMps, shape, ...extra });
        if (!way.oneway)
          out[to]?.push({ to: from, lengthM, speedMps: way.speedMps, shape: [...shape].reverse(), ...extra });
      }
      from = to;
      shape = [];
      lengthM = 0;
    }
  }
  return { nodes, out, attribution };
}

/**
 * The part of a graph inside a box (west, south, east, north): arcs with both ends inside, then the
 * largest strongly connected part of what is left. An extract's complete ways reach past its box,
 * where the map shows nothing (the basemap shades it): cars and routes stay on the map.
 */
export function clipToBounds(
  graph: RoadGraph,
  [west, south, east, north]: readonly [number, number, number, number],
): RoadGraph {
  const inside = (p: LatLng | undefined): boolean =>
    p !== undefined && p.lng >= west && p.lng <= east && p.lat >= south && p.lat <= north;
  const out = graph.out.map((arcs, v) => (inside(graph.nodes[v]) ? arcs.filter((a) => inside(graph.nodes[a.to])) : []));
  return largestComponent({ ...graph, out });
}

/**
 * Keeps the largest strongly connected component, renumbered, so that every node can reach every
 * other: a car never gets stuck at the end of a one-way street. Iterative Tarjan (no recursion
 * limit on city-sized graphs).
 */
export function largestComponent(graph: RoadGraph): RoadGraph {
  const n = graph.nodes.length;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const comp = new Int32Array(n).fill(-1);
  let counter = 0;
  let comps = 0;
  const sizes: number[] = [];
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const work: [number, number][] = [[root, 0]];
    while (work.length > 0) {
      const frame = work[work.length - 1] as [number, number];
      const [v, edge] = frame;
      if (edge === 0) {
        index[v] = low[v] = counter++;
        stack.push(v);
        onStack[v] = 1;
      }
      const arcs = graph.out[v] ?? [];
      if (edge < arcs.length) {
        frame[1] = edge + 1;
        const w = (arcs[edge] as Arc).to;
        if (index[w] === -1) work.push([w, 0]);
        else if (onStack[w]) low[v] = Math.min(low[v] ?? 0, index[w] ?? 0);
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) low[parent[0]] = Math.min(low[parent[0]] ?? 0, low[v] ?? 0);
      if (low[v] === index[v]) {
        let size = 0;
        let w: number;
        do {
          w = stack.pop() as number;
          onStack[w] = 0;
          comp[w] = comps;
          size++;
        } while (w !== v);
        sizes.push(size);
        comps++;
      }
    }
  }
  let biggest = 0;
  for (let c = 1; c < sizes.length; c++) if ((sizes[c] ?? 0) > (sizes[biggest] ?? 0)) biggest = c;
  const renumber = new Int32Array(n).fill(-1);
  const nodes: LatLng[] = [];
  for (let v = 0; v < n; v++) {
    if (comp[v] === biggest) {
      renumber[v] = nodes.length;
      nodes.push(graph.nodes[v] as LatLng);
    }
  }
  const out: Arc[][] = nodes.map(() => []);
  for (let v = 0; v < n; v++) {
    const from = renumber[v] ?? -1;
    if (from < 0) continue;
    for (const arc of graph.out[v] ?? []) {
      const to = renumber[arc.to] ?? -1;
      if (to >= 0) out[from]?.push({ ...arc, to });
    }
  }
  return { nodes, out, attribution: graph.attribution };
}

/** Number of directed arcs. */
export function arcCount(graph: RoadGraph): number {
  return graph.out.reduce((n, arcs) => n + arcs.length, 0);
}

/** The roads as GeoJSON LineStrings (one per arc pair), for the map's offline base layer. */
export function graphToGeoJson(graph: RoadGraph): {
  type: 'FeatureCollection';
  features: {
    type: 'Feature';
    properties: { speedMps: number; oneway: boolean; name?: string };
    geometry: { type: 'LineString'; coordinates: [number, number][] };
  }[];
} {
  const seen = new Set<string>();
  const features = [];
  for (let from = 0; from < graph.out.length; from++) {
    for (const arc of graph.out[from] ?? []) {
      const pair = from < arc.to ? `${from}-${arc.to}` : `${arc.to}-${from}`;
      if (seen.has(pair)) continue;
      seen.add(pair);
      const back = (graph.out[arc.to] ?? []).some((a) => a.to === from);
      const pts = [graph.nodes[from] as LatLng, ...arc.shape, graph.nodes[arc.to] as LatLng];
      features.push({
        type: 'Feature' as const,
        properties: { speedMps: arc.speedMps, oneway: !back, ...(arc.name === undefined ? {} : { name: arc.name }) },
        geometry: {
          type: 'LineString' as const,
          coordinates: pts.map((p): [number, number] => [Number(p.lng.toFixed(6)), Number(p.lat.toFixed(6))]),
        },
      });
    }
  }
  return { type: 'FeatureCollection', features };
}
