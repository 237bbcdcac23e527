import { distanceM, type LatLng, type RoadGraph } from '@ridetrack/shared';

/**
 * Finding a place by name in the city's own roads, offline: a street ("eastern ave"), or a
 * crossing of two ("eastern & highland"), as a rider types it in "Where to?". The answer is the
 * point of the street nearest to where the rider is looking (a long avenue has one name and many
 * places), or the junction where the two streets meet. Pure; built once from the road graph.
 */
export interface PlaceHit {
  /** The street's name as the map shows it, or "A & B" for a crossing. */
  name: string;
  kind: 'street' | 'crossing';
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
  words: string[];
  /** The junctions along it (graph node indexes). */
  nodes: number[];
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

  constructor(private readonly graph: RoadGraph) {
    const byName = new Map<string, Set<number>>();
    graph.out.forEach((arcs, from) => {
      for (const arc of arcs) {
        if (arc.name === undefined || arc.name === '') continue;
        let nodes = byName.get(arc.name);
        if (nodes === undefined) byName.set(arc.name, (nodes = new Set()));
        nodes.add(from);
        nodes.add(arc.to);
      }
    });
    for (const [name, nodes] of byName) this.streets.push({ name, words: words(name), nodes: [...nodes] });
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
      const point = this.nearestNode(street.nodes, near);
      hits.push({ street, score, point, awayM: near === null ? 0 : distanceM(near, point) });
    }
    hits.sort((a, b) => a.score - b.score || a.awayM - b.awayM || a.street.name.localeCompare(b.street.name));
    return hits
      .slice(0, limit)
      .map((h) => ({ name: h.street.name, kind: 'street', lat: h.point.lat, lng: h.point.lng }));
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

  /** The street's junction nearest to `near`, or its middle one in the list when nothing is near. */
  private nearestNode(nodes: readonly number[], near: LatLng | null): LatLng {
    if (near === null) return this.graph.nodes[nodes[Math.floor(nodes.length / 2)] as number] as LatLng;
    let best = nodes[0] as number;
    let bestM = Infinity;
    for (const n of nodes) {
      const m = distanceM(near, this.graph.nodes[n] as LatLng);
      if (m < bestM) {
        bestM = m;
        best = n;
      }
    }
    return this.graph.nodes[best] as LatLng;
  }
}
