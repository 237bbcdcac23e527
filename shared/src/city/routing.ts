import { distanceM } from '../geo';
import type { RoadGraph } from './graph';

/** Fastest plausible speed, for A*'s admissible time estimate (about 130 km/h). */
const MAX_SPEED_MPS = 36;

/** A minimal binary heap of [priority, node]. */
class Heap {
  private readonly items: [number, number][] = [];
  get size(): number {
    return this.items.length;
  }
  push(item: [number, number]): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((a[p] as [number, number])[0] <= item[0]) break;
      a[i] = a[p] as [number, number];
      i = p;
    }
    a[i] = item;
  }
  pop(): [number, number] | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const c = r < a.length && (a[r] as [number, number])[0] < (a[l] as [number, number])[0] ? r : l;
      if ((a[c] as [number, number])[0] >= last[0]) break;
      a[i] = a[c] as [number, number];
      i = c;
    }
    a[i] = last;
    return top;
  }
}

/**
 * The fastest route from one node to another (A* on travel time, respecting one-way arcs), as a
 * list of nodes, or null when there is none.
 */
export function route(graph: RoadGraph, from: number, to: number): number[] | null {
  if (from === to) return [from];
  const goal = graph.nodes[to];
  if (goal === undefined || graph.nodes[from] === undefined) return null;
  const n = graph.nodes.length;
  const cost = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  const prev = new Int32Array(n).fill(-1);
  const heuristic = (v: number): number => distanceM(graph.nodes[v] ?? goal, goal) / MAX_SPEED_MPS;
  cost[from] = 0;
  const open = new Heap();
  open.push([heuristic(from), from]);
  while (open.size > 0) {
    const [f, v] = open.pop() as [number, number];
    if (v === to) break;
    if (f - heuristic(v) > (cost[v] ?? 0) + 1e-9) continue; // a stale entry
    for (const arc of graph.out[v] ?? []) {
      const c = (cost[v] ?? 0) + arc.lengthM / arc.speedMps;
      if (c < (cost[arc.to] ?? Number.POSITIVE_INFINITY)) {
        cost[arc.to] = c;
        prev[arc.to] = v;
        open.push([c + heuristic(arc.to), arc.to]);
      }
    }
  }
  if (prev[to] === -1) return null;
  const path = [to];
  for (let v = to; v !== from;) {
    v = prev[v] ?? from;
    path.push(v);
  }
  return path.reverse();
}

/** Travel time of a path in seconds, at the arcs' speeds. */
export function pathSeconds(graph: RoadGraph, path: readonly number[]): number {
  let s = 0;
  for (let i = 1; i < path.length; i++) {
    const arc = (graph.out[path[i - 1] ?? -1] ?? []).find((a) => a.to === path[i]);
    if (arc === undefined) return Number.NaN;
    s += arc.lengthM / arc.speedMps;
  }
  return s;
}
