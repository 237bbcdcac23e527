import Flatbush from 'flatbush';
import {
  DRIVING,
  drivingSeconds,
  isSharpTurn,
  route as fastestPath,
  type LatLng,
  type RoadGraph,
  type Stretch,
} from '@ridetrack/shared';
import type { RoadRoute, RouteStart, Router } from './router';

/** A point on the network: on which arc, how far along it, and where. */
export interface OnRoad {
  from: number;
  arc: number;
  alongM: number;
  point: LatLng;
  /** From the asked point to the road. */
  offM: number;
  name: string | null;
  /** The direction the arc runs at that point, degrees clockwise from north. */
  bearingDeg: number;
}

interface Segment {
  from: number;
  arc: number;
  /** Index of the segment's first point in the arc's polyline. */
  index: number;
  /** Metres along the arc where the segment starts. */
  startM: number;
}

/** Farther than this from any road, a point is not routed from (it is not on the network). */
const MAX_SNAP_M = 500;
/** Roads within this of a point are looked at first. */
const NEAR_M = 80;
/**
 * What starting against a moving car's heading costs: a U-turn in the street or a drive round the
 * block, which the fastest path between junctions does not see. Without it a car driving away
 * from the pickup was routed as if it could turn on the spot, and its ETA rose as it drove on.
 */
export const U_TURN_S = 25;
/**
 * A target this little behind a car on its own road is reached, not driven to round the block: a
 * car stopping at a drop-off stands a few metres past it (its GPS, or where it found room), and a
 * one-way street would otherwise send it round the block while the rider's page counted the loop
 * down, the trip ending a second later.
 */
export const REACHED_BEHIND_M = 20;
/** Slower than this, a car's heading says little (parked, or its GPS drifting). */
const MOVING_MPS = 2;

/**
 * Routing along the roads: a point (a car, a pickup) is put on its nearest road (a Flatbush index
 * of every arc's segments, in metres around the city), the part of that road still to drive is
 * added to the fastest node path between the two roads (shared/city's A* on travel time, one-way
 * streets kept), and the route comes back as
 * points with the seconds still to drive from each, which the rider page trims and counts down as
 * the car advances. A road both ways is two arcs: whichever gives the quicker route is taken.
 */
export function roadRouter(graph: RoadGraph): Router & { snap(p: LatLng): OnRoad | null } {
  const lat0 = graph.nodes[0]?.lat ?? 0;
  const kx = 111_320 * Math.cos((lat0 * Math.PI) / 180);
  const ky = 111_320;
  const xy = (p: LatLng) => ({ x: p.lng * kx, y: p.lat * ky });
  const lines: LatLng[][][] = graph.out.map((arcs, v) =>
    arcs.map((a) => [graph.nodes[v] as LatLng, ...a.shape, graph.nodes[a.to] as LatLng]),
  );
  const segments: Segment[] = [];
  for (let v = 0; v < lines.length; v++) {
    (lines[v] ?? []).forEach((pts, arc) => {
      let startM = 0;
      for (let i = 1; i < pts.length; i++) {
        segments.push({ from: v, arc, index: i - 1, startM });
        const a = xy(pts[i - 1] as LatLng);
        const b = xy(pts[i] as LatLng);
        startM += Math.hypot(b.x - a.x, b.y - a.y);
      }
    });
  }
  const index = new Flatbush(Math.max(1, segments.length));
  for (const s of segments) {
    const pts = lines[s.from]?.[s.arc] ?? [];
    const a = xy(pts[s.index] as LatLng);
    const b = xy(pts[s.index + 1] as LatLng);
    index.add(Math.min(a.x, b.x), Math.min(a.y, b.y), Math.max(a.x, b.x), Math.max(a.y, b.y));
  }
  if (segments.length === 0) index.add(0, 0, 0, 0);
  index.finish();

  const arcOf = (on: { from: number; arc: number }) => graph.out[on.from]?.[on.arc];

  /** The nearest points on the network: the nearest road, and the same road the other way if it has one. */
  function snapAll(p: LatLng): OnRoad[] {
    const q = xy(p);
    // Every segment whose box comes within a block of the point, else within the snapping limit:
    // the nearest by box is not always the nearest (a long diagonal road's box covers a lot).
    let near = index.search(q.x - NEAR_M, q.y - NEAR_M, q.x + NEAR_M, q.y + NEAR_M);
    if (near.length === 0) near = index.search(q.x - MAX_SNAP_M, q.y - MAX_SNAP_M, q.x + MAX_SNAP_M, q.y + MAX_SNAP_M);
    const found: OnRoad[] = [];
    for (const i of near) {
      const s = segments[i];
      if (s === undefined) continue;
      const pts = lines[s.from]?.[s.arc] ?? [];
      const a = xy(pts[s.index] as LatLng);
      const b = xy(pts[s.index + 1] as LatLng);
      const len2 = (b.x - a.x) ** 2 + (b.y - a.y) ** 2;
      const t =
        len2 === 0 ? 0 : Math.max(0, Math.min(1, ((q.x - a.x) * (b.x - a.x) + (q.y - a.y) * (b.y - a.y)) / len2));
      const x = a.x + (b.x - a.x) * t;
      const y = a.y + (b.y - a.y) * t;
      const offM = Math.hypot(q.x - x, q.y - y);
      if (offM > MAX_SNAP_M) continue;
      found.push({
        from: s.from,
        arc: s.arc,
        alongM: s.startM + Math.sqrt(len2) * t,
        point: { lat: y / ky, lng: x / kx },
        offM,
        name: arcOf(s)?.name ?? null,
        bearingDeg: (Math.atan2(b.x - a.x, b.y - a.y) * 180) / Math.PI,
      });
    }
    found.sort((a, b) => a.offM - b.offM);
    const best = found[0];
    if (best === undefined) return [];
    // The same road, travelled the other way (a two-way road is two arcs over the same points).
    const bestTo = arcOf(best)?.to;
    const other = found.find(
      (f) => f !== best && Math.abs(f.offM - best.offM) < 0.5 && f.from === bestTo && arcOf(f)?.to === best.from,
    );
    return other === undefined ? [best] : [best, other];
  }

  /** The shape points of an arc (not its end nodes) strictly between two distances along it. */
  function part(on: { from: number; arc: number }, fromM: number, toM: number): LatLng[] {
    const pts = lines[on.from]?.[on.arc] ?? [];
    const out: LatLng[] = [];
    let m = 0;
    for (let i = 1; i < pts.length - 1; i++) {
      const a = xy(pts[i - 1] as LatLng);
      const b = xy(pts[i] as LatLng);
      m += Math.hypot(b.x - a.x, b.y - a.y);
      if (m > fromM && m < toM) out.push(pts[i] as LatLng);
    }
    return out;
  }

  function routeFrom(start: OnRoad, end: OnRoad, startMps: number): RoadRoute | null {
    const sArc = arcOf(start);
    const eArc = arcOf(end);
    if (sArc === undefined || eArc === undefined) return null;
    const legs: { points: LatLng[]; speedMps: number }[] = [];
    if (start.from === end.from && start.arc === end.arc && end.alongM >= start.alongM - REACHED_BEHIND_M) {
      legs.push({
        points: [start.point, ...part(start, start.alongM, end.alongM), end.point],
        speedMps: sArc.speedMps,
      });
    } else {
      const path = fastestPath(graph, sArc.to, end.from);
      if (path === null) return null;
      legs.push({
        points: [start.point, ...part(start, start.alongM, Infinity), graph.nodes[sArc.to] as LatLng],
        speedMps: sArc.speedMps,
      });
      for (let i = 1; i < path.length; i++) {
        const v = path[i - 1] as number;
        const arc = (graph.out[v] ?? []).findIndex((a) => a.to === path[i]);
        const a = graph.out[v]?.[arc];
        if (a === undefined) return null;
        legs.push({
          points: [graph.nodes[v] as LatLng, ...a.shape, graph.nodes[a.to] as LatLng],
          speedMps: a.speedMps,
        });
      }
      legs.push({
        points: [graph.nodes[end.from] as LatLng, ...part(end, -Infinity, end.alongM), end.point],
        speedMps: eArc.speedMps,
      });
    }
    // The points, each stretch between two with its road's speed, and the junctions between legs.
    const points: LatLng[] = [];
    const stretches: Stretch[] = [];
    const legSpan: { first: number; last: number }[] = [];
    let distanceM = 0;
    for (const leg of legs) {
      const first = Math.max(0, points.length - 1);
      for (const p of leg.points) {
        const prev = points.at(-1);
        if (prev !== undefined && prev.lat === p.lat && prev.lng === p.lng) continue;
        if (prev !== undefined) {
          const a = xy(prev);
          const b = xy(p);
          const d = Math.hypot(b.x - a.x, b.y - a.y);
          distanceM += d;
          stretches.push({ lengthM: d, speedMps: leg.speedMps });
        }
        points.push(p);
      }
      legSpan.push({ first, last: points.length - 1 });
    }
    // Seconds to drive each stretch as a car does (shared DRIVING, as the simulator's cars): from
    // the car's speed, slowing for each sharp turn at a junction, stopping at the end.
    const capsMps = new Array<number>(points.length).fill(Infinity);
    for (let j = 0; j + 1 < legSpan.length; j++) {
      const here = legSpan[j] as { first: number; last: number };
      const next = legSpan[j + 1] as { first: number; last: number };
      const [a, b, c] = [points[here.first], points[here.last], points[next.last]];
      if (a && b && c && here.first !== here.last && next.last !== here.last && isSharpTurn(a, b, c))
        capsMps[here.last] = Math.min(capsMps[here.last] ?? Infinity, DRIVING.turnSpeedMps);
    }
    capsMps[0] = startMps;
    capsMps[points.length - 1] = 0;
    const stepS = drivingSeconds(stretches, capsMps);
    const remainingS = new Array<number>(points.length).fill(0);
    for (let i = points.length - 2; i >= 0; i--) remainingS[i] = (remainingS[i + 1] ?? 0) + (stepS[i] ?? 0);
    return { basis: 'road', distanceM, durationS: remainingS[0] ?? 0, path: { points, remainingS } };
  }

  return {
    basis: 'road',
    snap: (p) => snapAll(p)[0] ?? null,
    route(from, to) {
      let best: RoadRoute | null = null;
      for (const s of snapAll(from)) {
        const turnS = againstHeading(from, s.bearingDeg) ? U_TURN_S : 0;
        for (const e of snapAll(to)) {
          // A car that turns round sets off from standing.
          const r = routeFrom(s, e, turnS > 0 ? 0 : (from.speedMps ?? 0));
          if (r === null) continue;
          const total = r.durationS + turnS;
          if (best === null || total < best.durationS) best = turnS === 0 ? r : withTurn(r, turnS);
        }
      }
      return best;
    },
  };
}

/** Whether a car moving on `heading` would have to turn round to drive an arc running `bearingDeg`. */
function againstHeading(from: RouteStart, bearingDeg: number): boolean {
  const { headingDeg, speedMps } = from;
  if (headingDeg == null || speedMps == null || !(speedMps >= MOVING_MPS)) return false;
  const diff = Math.abs(((((headingDeg - bearingDeg) % 360) + 540) % 360) - 180);
  return diff > 90;
}

/** A route that starts with a turn of `turnS` seconds. */
function withTurn(r: RoadRoute, turnS: number): RoadRoute {
  const remainingS = r.path?.remainingS.map((left, i) => (i === 0 ? left + turnS : left)) ?? [];
  return {
    ...r,
    durationS: r.durationS + turnS,
    path: r.path === null ? null : { points: r.path.points, remainingS },
  };
}
