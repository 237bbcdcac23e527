import { distanceM, type LatLng, type NamedPlace, type RoadGraph } from '@ridetrack/shared';

/**
 * Finding a place by name in the city's own roads, offline: a street ("eastern ave"), or a
 * crossing of two ("eastern & highland"), as a rider types it in "Where to?". The answer is the
 * point of the street nearest to where the rider is looking (a long avenue has one name and many
 * places), or the junction where the two streets meet. Pure; built once from the road graph.
 */
export interface PlaceHit {
  /** The street's name as the map shows it, "A & B" for a crossing, or a neighbourhood's or park's. */
  name: string;
  kind: 'street' | 'crossing' | NamedPlace['kind'];
  lat: number;
  lng: number;
}

/** Words people shorten when they type an address (USPS suffixes and directions). */
const ABBREVIATIONS: Readonly<Record<string, string>> = {
  st: 'street',
  str: 'street',
  ave: 'avenue',
  av: 'avenue',
  rd: 'road',
  blvd: 'boulevard',
  dr: 'drive',
  ln: 'lane',
  pl: 'place',
  ct: 'court',
  hwy: 'highway',
  pkwy: 'parkway',
  sq: 'square',
  ter: 'terrace',
  aly: 'alley',
  n: 'north',
  s: 'south',
  e: 'east',
  w: 'west',
};

/** Between the two streets of a crossing: "&", "and", "at", "/", "@", "x". */
const CROSSING = /\s*(?:&|\/|@|\band\b|\bat\b|\bx\b)\s*/;

/** The longest query taken: an address is shorter; anything longer is cut, not refused. */
export const MAX_QUERY_CHARS = 80;

/** Lower case, accents and punctuation gone, abbreviations spelled out: the words compared. */
export function words(text: string): string[] {
  return text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter((w) => w.length > 0)
    .map((w) => ABBREVIATIONS[w] ?? w);
}

interface Street {
  name: string;
  kind: 'street' | NamedPlace['kind'];
  words: string[];
  /** The junctions along it (graph node indexes): where it crosses others. */
  nodes: number[];
  /** The middle of each of its blocks: a place on this street, not on a corner shared with another. */
  middles: LatLng[];
}

/** The point halfway along a polyline. */
function halfway(points: readonly LatLng[]): LatLng {
  let total = 0;
  for (let i = 1; i < points.length; i++) total += distanceM(points[i - 1] as LatLng, points[i] as LatLng);
  let left = total / 2;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1] as LatLng;
    const b = points[i] as LatLng;
    const d = distanceM(a, b);
    if (d >= left && d > 0) {
      const f = left / d;
      return { lat: a.lat + (b.lat - a.lat) * f, lng: a.lng + (b.lng - a.lng) * f };
    }
    left -= d;
  }
  return points[0] as LatLng;
}

/**
 * How well a name's words match what was typed: every typed word must begin one of the name's
 * words (the last may be half typed), each used once. Lower is better; null is no match.
 */
function matchScore(typed: readonly string[], name: readonly string[]): number | null {
  if (typed.length === 0) return null;
  const used = new Set<number>();
  let score = 0;
  for (const t of typed) {
    let found = -1;
    for (let i = 0; i < name.length; i++) {
      if (used.has(i)) continue;
      const w = name[i] as string;
      if (w === t || w.startsWith(t)) {
        found = i;
        if (w === t) break;
      }
    }
    if (found < 0) return null;
    used.add(found);
    // A whole word beats a prefix; a name whose words come in the typed order beats one that does not.
    if ((name[found] as string) !== t) score += 1;
    score += found;
  }
  // Fewer words left over: "eastern avenue" before "eastern avenue extended".
  return score + (name.length - used.size) * 0.5;
}

export class StreetSearch {
  private readonly streets: Street[] = [];

  constructor(
    private readonly graph: RoadGraph,
    places: readonly NamedPlace[] = [],
  ) {
    const byName = new Map<string, { nodes: Set<number>; middles: LatLng[] }>();
    graph.out.forEach((arcs, from) => {
      for (const arc of arcs) {
        if (arc.name === undefined || arc.name === '') continue;
        let street = byName.get(arc.name);
        if (street === undefined) byName.set(arc.name, (street = { nodes: new Set(), middles: [] }));
        street.nodes.add(from);
        street.nodes.add(arc.to);
        // A two-way block has an arc each way: its middle once.
        if (from < arc.to || !graph.out[arc.to]?.some((back) => back.to === from && back.name === arc.name))
          street.middles.push(halfway([graph.nodes[from] as LatLng, ...arc.shape, graph.nodes[arc.to] as LatLng]));
      }
    });
    for (const [name, street] of byName)
      this.streets.push({
        name,
        kind: 'street',
        words: words(name),
        nodes: [...street.nodes],
        middles: street.middles,
      });
    // A neighbourhood or a park is one place: found by its name, at its middle, never a crossing.
    for (const p of places)
      this.streets.push({
        name: p.name,
        kind: p.kind,
        words: words(p.name),
        nodes: [],
        middles: [{ lat: p.lat, lng: p.lng }],
      });
  }

  /** Up to `limit` places for what was typed, best first; `near` picks the part of a long street. */
  search(query: string, near: LatLng | null, limit = 6): PlaceHit[] {
    const q = query.slice(0, MAX_QUERY_CHARS);
    const parts = q.split(CROSSING).filter((p) => words(p).length > 0);
    if (parts.length >= 2) return this.crossings(parts[0] as string, parts[1] as string, near, limit);
    // A house number ("2800 Eastern Ave") finds the street: the import has no house numbers.
    const typed = words(q).filter((w, i, all) => !(/^\d+[a-z]?$/.test(w) && i === 0 && all.length > 1));
    const hits: { street: Street; score: number; point: LatLng; awayM: number }[] = [];
    for (const street of this.streets) {
      const score = matchScore(typed, street.words);
      if (score === null) continue;
      const point = nearest(street.middles, near);
      hits.push({ street, score, point, awayM: near === null ? 0 : distanceM(near, point) });
    }
    hits.sort((a, b) => a.score - b.score || a.awayM - b.awayM || a.street.name.localeCompare(b.street.name));
    return hits
      .slice(0, limit)
      .map((h) => ({ name: h.street.name, kind: h.street.kind, lat: h.point.lat, lng: h.point.lng }));
  }

  /** Junctions where a street matching `a` meets one matching `b`, nearest first. */
  private crossings(a: string, b: string, near: LatLng | null, limit: number): PlaceHit[] {
    const typedA = words(a);
    const typedB = words(b);
    const streetsA = this.streets.filter((s) => matchScore(typedA, s.words) !== null);
    const streetsB = this.streets.filter((s) => matchScore(typedB, s.words) !== null);
    const nodesA = new Map<number, string>();
    for (const s of streetsA) for (const n of s.nodes) nodesA.set(n, s.name);
    // One place per pair of streets: the junction of the two nearest to where the rider looks.
    const byName = new Map<string, PlaceHit & { awayM: number }>();
    for (const s of streetsB) {
      for (const n of s.nodes) {
        const other = nodesA.get(n);
        if (other === undefined || other === s.name) continue;
        const p = this.graph.nodes[n] as LatLng;
        const name = `${other} & ${s.name}`;
        const awayM = near === null ? 0 : distanceM(near, p);
        const had = byName.get(name);
        if (had === undefined || awayM < had.awayM)
          byName.set(name, { name, kind: 'crossing', lat: p.lat, lng: p.lng, awayM });
      }
    }
    const hits = [...byName.values()];
    hits.sort((x, y) => x.awayM - y.awayM || x.name.localeCompare(y.name));
    return hits.slice(0, limit).map(({ name, kind, lat, lng }) => ({ name, kind, lat, lng }));
  }
}

/** The point nearest to `near`, or the middle one of the list when nothing is near. */
function nearest(points: readonly LatLng[], near: LatLng | null): LatLng {
  if (near === null) return points[Math.floor(points.length / 2)] as LatLng;
  let best = points[0] as LatLng;
  let bestM = Infinity;
  for (const p of points) {
    const m = distanceM(near, p);
    if (m < bestM) {
      bestM = m;
      best = p;
    }
  }
  return best;
}
