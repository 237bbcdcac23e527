/** A point on the screen, in CSS pixels. */
export interface ScreenPoint {
  x: number;
  y: number;
}

/**
 * Screen positions for markers that may share a place: the cars near a pickup are given at their H3
 * cell's centre (never at their fix), so two cars in one cell would be one icon and "3 cars nearby"
 * would show two. Markers at the same place (within half a pixel) are set around it on a circle of
 * `radiusPx`, in a fixed order; a marker alone stays where it is. Pure.
 */
export function spreadStacked(points: readonly ScreenPoint[], radiusPx: number): ScreenPoint[] {
  const groups = new Map<string, number[]>();
  points.forEach((p, i) => {
    const key = `${Math.round(p.x * 2)},${Math.round(p.y * 2)}`;
    let list = groups.get(key);
    if (list === undefined) groups.set(key, (list = []));
    list.push(i);
  });
  const out = points.map((p) => ({ x: p.x, y: p.y }));
  for (const list of groups.values()) {
    if (list.length < 2) continue;
    list.forEach((i, j) => {
      const p = points[i] as ScreenPoint;
      const a = (2 * Math.PI * j) / list.length - Math.PI / 2;
      out[i] = { x: p.x + radiusPx * Math.cos(a), y: p.y + radiusPx * Math.sin(a) };
    });
  }
  return out;
}
