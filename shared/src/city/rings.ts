/**
 * Joins ways (lists of node ids) end to end. `keepDirection` joins only head to tail, as coastlines
 * must (land on the left); otherwise a way may be reversed to fit, as multipolygon members may.
 * Returns the chains, closed ones (first id equals last) and open ones alike.
 */
export function joinWays(ways: readonly (readonly number[])[], keepDirection: boolean): number[][] {
  const byEnd = new Map<number, number[]>(); // node id -> indexes of unused ways that start or end there
  const used = new Uint8Array(ways.length);
  const note = (id: number, i: number): void => {
    const list = byEnd.get(id);
    if (list) list.push(i);
    else byEnd.set(id, [i]);
  };
  ways.forEach((w, i) => {
    if (w.length < 2) {
      used[i] = 1;
      return;
    }
    note(w[0] ?? 0, i);
    note(w[w.length - 1] ?? 0, i);
  });
  const take = (id: number, wantStart: boolean): { way: readonly number[]; reversed: boolean } | null => {
    for (const i of byEnd.get(id) ?? []) {
      if (used[i]) continue;
      const w = ways[i] ?? [];
      const startsHere = w[0] === id;
      const endsHere = w[w.length - 1] === id;
      if (wantStart ? startsHere : endsHere) {
        used[i] = 1;
        return { way: w, reversed: false };
      }
      if (!keepDirection && (wantStart ? endsHere : startsHere)) {
        used[i] = 1;
        return { way: w, reversed: true };
      }
    }
    return null;
  };
  const chains: number[][] = [];
  for (let i = 0; i < ways.length; i++) {
    if (used[i]) continue;
    used[i] = 1;
    const chain = [...(ways[i] ?? [])];
    // Forwards from the tail, then backwards from the head.
    for (;;) {
      const tail = chain[chain.length - 1] ?? 0;
      if (tail === chain[0]) break;
      const next = take(tail, true);
      if (next === null) break;
      const pts = next.reversed ? [...next.way].reverse() : next.way;
      for (let k = 1; k < pts.length; k++) chain.push(pts[k] ?? 0);
    }
    for (;;) {
      const head = chain[0] ?? 0;
      if (head === chain[chain.length - 1]) break;
      const prev = take(head, false);
      if (prev === null) break;
      const pts = prev.reversed ? [...prev.way].reverse() : prev.way;
      chain.unshift(...pts.slice(0, -1));
    }
    chains.push(chain);
  }
  return chains;
}

/** Twice the signed area of a ring of [lng, lat, lng, lat, ...]: positive when counter-clockwise. */
export function signedArea2(ring: ArrayLike<number>): number {
  let a = 0;
  const n = ring.length / 2;
  for (let i = 0, j = n - 1; i < n; j = i++)
    a += ((ring[2 * j] ?? 0) - (ring[2 * i] ?? 0)) * ((ring[2 * j + 1] ?? 0) + (ring[2 * i + 1] ?? 0));
  return a;
}

/** Whether a point lies inside a ring of [lng, lat, ...] (even-odd rule). */
export function insideRing(lng: number, lat: number, ring: ArrayLike<number>): boolean {
  let inside = false;
  const n = ring.length / 2;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = ring[2 * i] ?? 0;
    const yi = ring[2 * i + 1] ?? 0;
    const xj = ring[2 * j] ?? 0;
    const yj = ring[2 * j + 1] ?? 0;
    if (yi > lat !== yj > lat && lng < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
