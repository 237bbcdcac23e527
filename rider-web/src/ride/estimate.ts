import type { LatLng } from '@ridetrack/shared';

/** The ride before it is requested (`GET /api/rides/estimate`, docs/api.md). */
export interface RideEstimate {
  distanceM: number;
  durationS: number;
  /** The way along the roads, pickup first; empty without roads. */
  route: LatLng[];
  /** The destination's street, when it is on one. */
  street: string | null;
}

function parse(body: unknown): RideEstimate | null {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const { distanceM, durationS, route, dropoff } = b;
  if (typeof distanceM !== 'number' || typeof durationS !== 'number') return null;
  const points = Array.isArray(route)
    ? route.filter(
        (p): p is [number, number] => Array.isArray(p) && typeof p[0] === 'number' && typeof p[1] === 'number',
      )
    : [];
  const street = (dropoff as { street?: unknown } | undefined)?.street;
  return {
    distanceM,
    durationS,
    route: points.map(([lng, lat]) => ({ lat, lng })),
    street: typeof street === 'string' ? street : null,
  };
}

/**
 * Asks for the estimate of a ride from `from` to `to`; an answer to an older pair of points is
 * dropped (the rider moved a pin meanwhile). Null when the broker cannot say.
 */
export class Estimates {
  private asked: AbortController | null = null;

  async get(from: LatLng, to: LatLng): Promise<RideEstimate | null | 'stale'> {
    this.asked?.abort();
    const asked = new AbortController();
    this.asked = asked;
    const q = new URLSearchParams({
      from_lat: from.lat.toFixed(6),
      from_lng: from.lng.toFixed(6),
      to_lat: to.lat.toFixed(6),
      to_lng: to.lng.toFixed(6),
    });
    try {
      const res = await fetch(`/api/rides/estimate?${q.toString()}`, { signal: asked.signal, cache: 'no-store' });
      const estimate = res.ok ? parse(await res.json()) : null;
      return this.asked === asked ? estimate : 'stale';
    } catch {
      return this.asked === asked ? null : 'stale';
    }
  }

  cancel(): void {
    this.asked?.abort();
    this.asked = null;
  }
}
