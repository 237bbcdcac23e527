import type { LatLng } from '@ridetrack/shared';

/**
 * Where to draw a car between fixes, frame by frame, so that it moves at its own speed and never
 * stops and surges with the fix cadence. Two positions are kept:
 *
 * - the **estimate**: the last fix carried forward at the fix's speed, along the road ahead when
 *   the route is known (else along its heading), for about one fix interval, then slowing to a
 *   stop if no fix comes (a car that is not heard from is not driven off into the distance);
 * - the **drawn** car, which chases the estimate: each frame it moves at the estimate's speed plus
 *   a correction proportional to the distance between them (closing about 1/`gainPerS` of the gap
 *   a second), never backwards along its way, never slower than a quarter of the car's speed while
 *   it drives, and never faster than `maxMps`. A fix that disagrees is thus absorbed over a second
 *   or so, as a car would drive, not jumped to, and the car never stands still between fixes.
 *
 * Pure: time is an argument. Positions are in metres east/north of `origin` (flat within a city).
 */
export interface MotionFix {
  lat: number;
  lng: number;
  headingDeg: number | null;
  speedMps: number | null;
  /** Page clock when the fix arrived (device clocks differ: the page's own clock is used). */
  atMs: number;
}

export interface Motion {
  origin: LatLng;
  /** The estimate's anchor: the newest fix, in metres from the origin. */
  anchor: { x: number; y: number; headingDeg: number; speedMps: number; atMs: number };
  /** The road ahead of the anchor (metres from the origin), when known: the estimate follows it. */
  path: { x: number; y: number }[] | null;
  /** How long the estimate runs on at full speed after a fix: about the interval fixes come at. */
  horizonMs: number;
  drawn: { x: number; y: number; headingDeg: number; atMs: number };
}

export const MOTION = {
  /** Correction: the drawn car closes this share of its gap to the estimate per second. */
  gainPerS: 1.6,
  /** Fastest the drawn car ever moves, m/s (a correction adds to the car's own speed up to this). */
  maxMps: 45,
  /** After the horizon, the estimate slows to a stop over about this long. */
  coastMs: 2000,
  /** A fix farther than this from the drawn car (a reconnect, a first fix) is jumped to. */
  jumpM: 400,
  /** A drawn car ahead of the estimate slows to this share of the car's speed, no lower. */
  slowestShare: 0.25,
  /** How fast the icon turns, degrees a second. */
  turnDegPerS: 240,
} as const;

const M_PER_DEG = 111_320;

function toLocal(origin: LatLng, p: LatLng): { x: number; y: number } {
  return {
    x: (p.lng - origin.lng) * M_PER_DEG * Math.cos((origin.lat * Math.PI) / 180),
    y: (p.lat - origin.lat) * M_PER_DEG,
  };
}

function toLatLng(origin: LatLng, p: { x: number; y: number }): LatLng {
  return {
    lat: origin.lat + p.y / M_PER_DEG,
    lng: origin.lng + p.x / (M_PER_DEG * Math.cos((origin.lat * Math.PI) / 180)),
  };
}

/** Starts the motion at a first fix: drawn where the fix is. */
export function startMotion(fix: MotionFix, horizonMs: number): Motion {
  const origin = { lat: fix.lat, lng: fix.lng };
  const headingDeg = fix.headingDeg ?? 0;
  return {
    origin,
    anchor: { x: 0, y: 0, headingDeg, speedMps: fix.speedMps ?? 0, atMs: fix.atMs },
    path: null,
    horizonMs,
    drawn: { x: 0, y: 0, headingDeg, atMs: fix.atMs },
  };
}

/** A new fix: the estimate starts from it; the drawn car carries on from where it is (or jumps, if far). */
export function addFix(
  m: Motion,
  fix: MotionFix,
  horizonMs: number,
  roadAhead: readonly LatLng[] | null = null,
): Motion {
  const at = toLocal(m.origin, fix);
  const gap = Math.hypot(at.x - m.drawn.x, at.y - m.drawn.y);
  if (gap > MOTION.jumpM) return withRoad(startMotion(fix, horizonMs), roadAhead);
  const headingDeg = fix.headingDeg ?? m.anchor.headingDeg;
  return withRoad(
    { ...m, anchor: { ...at, headingDeg, speedMps: fix.speedMps ?? 0, atMs: fix.atMs }, path: null, horizonMs },
    roadAhead,
  );
}

/** Sets the road the estimate follows from the anchor on (the route ahead of the car). */
export function withRoad(m: Motion, roadAhead: readonly LatLng[] | null): Motion {
  if (roadAhead === null || roadAhead.length < 2) return { ...m, path: null };
  const pts = roadAhead.map((p) => toLocal(m.origin, p));
  // The path starts at the anchor's own projection onto the road.
  const start = nearestOnPath(pts, m.anchor);
  return { ...m, path: [start.point, ...pts.slice(start.index + 1)] };
}

/** Metres the estimate has gone since the anchor, after `dtMs`: full speed to the horizon, then coasting to a stop. */
export function aheadM(speedMps: number, dtMs: number, horizonMs: number): number {
  if (dtMs <= 0) return 0;
  const full = Math.min(dtMs, horizonMs) / 1000;
  const over = Math.max(0, dtMs - horizonMs);
  const coastS = MOTION.coastMs / 1000;
  return speedMps * (full + coastS * (1 - Math.exp(-over / MOTION.coastMs)));
}

/** The estimate at `nowMs`, with the direction it is going. */
export function estimate(m: Motion, nowMs: number): { x: number; y: number; headingDeg: number; speedMps: number } {
  const a = m.anchor;
  const dtMs = nowMs - a.atMs;
  const d = aheadM(a.speedMps, dtMs, m.horizonMs);
  const over = Math.max(0, dtMs - m.horizonMs);
  const speedMps = dtMs <= m.horizonMs ? a.speedMps : a.speedMps * Math.exp(-over / MOTION.coastMs);
  if (m.path !== null) {
    const along = alongPath(m.path, d);
    return { ...along, speedMps };
  }
  const r = (a.headingDeg * Math.PI) / 180;
  return { x: a.x + Math.sin(r) * d, y: a.y + Math.cos(r) * d, headingDeg: a.headingDeg, speedMps };
}

/** Advances the drawn car to `nowMs`. */
export function step(m: Motion, nowMs: number): Motion {
  const dt = Math.min(0.25, Math.max(0, (nowMs - m.drawn.atMs) / 1000));
  if (dt === 0) return m;
  const e = estimate(m, nowMs);
  const gx = e.x - m.drawn.x;
  const gy = e.y - m.drawn.y;
  const r = (e.headingDeg * Math.PI) / 180;
  const dir = { x: Math.sin(r), y: Math.cos(r) };
  // The car's own velocity, plus a correction toward the estimate.
  let vx = dir.x * e.speedMps + gx * MOTION.gainPerS;
  let vy = dir.y * e.speedMps + gy * MOTION.gainPerS;
  // Never backwards along the way, and never to a standstill while the car drives: a drawn car
  // ahead of the estimate lets it catch up by going slower (a quarter of its speed at least).
  const along = vx * dir.x + vy * dir.y;
  const slowest = e.speedMps > 0.5 ? e.speedMps * MOTION.slowestShare : 0;
  if (along < slowest && e.speedMps > 0.5) {
    vx += (slowest - along) * dir.x;
    vy += (slowest - along) * dir.y;
  }
  const v = Math.hypot(vx, vy);
  if (v > MOTION.maxMps) {
    vx *= MOTION.maxMps / v;
    vy *= MOTION.maxMps / v;
  }
  let x = m.drawn.x + vx * dt;
  let y = m.drawn.y + vy * dt;
  // Within a few centimetres the drawn car is where the estimate is.
  if (Math.hypot(e.x - x, e.y - y) < 0.02 && e.speedMps < 0.1) {
    x = e.x;
    y = e.y;
  }
  const moving = Math.hypot(vx, vy) > 0.3;
  const target = moving && e.speedMps > 0.5 ? (Math.atan2(vx, vy) * 180) / Math.PI : e.headingDeg;
  return {
    ...m,
    drawn: { x, y, headingDeg: turnToward(m.drawn.headingDeg, target, MOTION.turnDegPerS * dt), atMs: nowMs },
  };
}

/** The drawn car as a map position. */
export function drawnAt(m: Motion): LatLng & { headingDeg: number } {
  return { ...toLatLng(m.origin, m.drawn), headingDeg: m.drawn.headingDeg };
}

function turnToward(from: number, to: number, maxDeg: number): number {
  const d = ((to - from + 540) % 360) - 180;
  const turned = Math.abs(d) <= maxDeg ? to : from + Math.sign(d) * maxDeg;
  return (turned + 360) % 360;
}

function alongPath(path: readonly { x: number; y: number }[], d: number): { x: number; y: number; headingDeg: number } {
  let left = d;
  for (let i = 1; i < path.length; i++) {
    const a = path[i - 1] as { x: number; y: number };
    const b = path[i] as { x: number; y: number };
    const len = Math.hypot(b.x - a.x, b.y - a.y);
    const headingDeg = (Math.atan2(b.x - a.x, b.y - a.y) * 180) / Math.PI;
    if (left <= len || i === path.length - 1) {
      const t = len === 0 ? 0 : Math.min(1, left / len);
      return { x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t, headingDeg: (headingDeg + 360) % 360 };
    }
    left -= len;
  }
  const only = path[0] ?? { x: 0, y: 0 };
  return { ...only, headingDeg: 0 };
}

function nearestOnPath(
  path: readonly { x: number; y: number }[],
  p: { x: number; y: number },
): { point: { x: number; y: number }; index: number } {
  let best = { point: path[0] ?? p, index: 0, d: Number.POSITIVE_INFINITY };
  for (let i = 1; i < path.length; i++) {
    const a = path[i - 1] as { x: number; y: number };
    const b = path[i] as { x: number; y: number };
    const len2 = (b.x - a.x) ** 2 + (b.y - a.y) ** 2;
    const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p.x - a.x) * (b.x - a.x) + (p.y - a.y) * (b.y - a.y)) / len2));
    const q = { x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t };
    const d = Math.hypot(q.x - p.x, q.y - p.y);
    if (d < best.d) best = { point: q, index: i - 1, d };
  }
  return { point: best.point, index: best.index };
}
