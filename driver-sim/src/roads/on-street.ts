import type { LatLng, RoadGraph } from '@ridetrack/shared';

/** A point on a street: on the arc from node `from` to node `to`, `alongM` metres from `from`. */
export interface OnStreet {
  from: number;
  to: number;
  alongM: number;
}

/**
 * Where a point (a rider's pickup, a destination) lies on the streets: the nearest point of any
 * arc, and the same street the other way when it is two-way (a car may stop on either side). A
 * pickup sits mid-block, where the broker's router put it; stopping at the nearest junction instead
 * leaves the car up to half a block away, or sends it past the rider and round the block. Linear
 * scan: trips are rare. Distances along an arc are in a local flat frame, like the car's own.
 */
export function onStreet(graph: RoadGraph, p: LatLng): OnStreet[] {
  const kx = 111_320 * Math.cos((p.lat * Math.PI) / 180);
  const ky = 111_320;
  let best: (OnStreet & { offM: number }) | null = null;
  for (const [v, arcs] of graph.out.entries()) {
    for (const arc of arcs) {
      const pts = [graph.nodes[v] as LatLng, ...arc.shape, graph.nodes[arc.to] as LatLng];
      let startM = 0;
      for (let i = 1; i < pts.length; i++) {
        const a = pts[i - 1] as LatLng;
        const b = pts[i] as LatLng;
        const ax = (a.lng - p.lng) * kx;
        const ay = (a.lat - p.lat) * ky;
        const dx = (b.lng - a.lng) * kx;
        const dy = (b.lat - a.lat) * ky;
        const len = Math.hypot(dx, dy);
        const t = len === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / (len * len)));
        const offM = Math.hypot(ax + dx * t, ay + dy * t);
        if (best === null || offM < best.offM - 1e-9) best = { from: v, to: arc.to, alongM: startM + len * t, offM };
        startM += len;
      }
    }
  }
  if (best === null) return [];
  const { from, to, alongM } = best;
  const back = (graph.out[to] ?? []).find((a) => a.to === from);
  const length = arcLengthM(graph, from, to);
  return back === undefined
    ? [{ from, to, alongM }]
    : [
        { from, to, alongM },
        { from: to, to: from, alongM: length - alongM },
      ];
}

/** An arc's length along its points in the same flat frame `onStreet` measures in (0 when absent). */
export function arcLengthM(graph: RoadGraph, from: number, to: number): number {
  const arc = (graph.out[from] ?? []).find((a) => a.to === to);
  if (arc === undefined) return 0;
  const pts = [graph.nodes[from] as LatLng, ...arc.shape, graph.nodes[to] as LatLng];
  let m = 0;
  for (let i = 1; i < pts.length; i++) {
    const a = pts[i - 1] as LatLng;
    const b = pts[i] as LatLng;
    const kx = 111_320 * Math.cos((a.lat * Math.PI) / 180);
    m += Math.hypot((b.lng - a.lng) * kx, (b.lat - a.lat) * 111_320);
  }
  return m;
}
