import type { LatLng } from '@ridetrack/shared';
import type { PageConfig } from '../feed';

export type NearbyCar = LatLng & { headingDeg: number | null };

/** How often the cars near the pickup are asked for while a rider is choosing. */
const EVERY_MS = 5000;

/**
 * The cars near a place before booking, as the broker gives them to anyone: each at the centre of
 * its H3 cell, never at its fix (`GET /api/cars/nearby`). Asked for every few seconds while the
 * rider is choosing a pickup.
 */
export class Nearby {
  cars: NearbyCar[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private at: LatLng | null = null;

  constructor(
    private readonly changed: (
      cars: NearbyCar[],
      nearestEtaS: number | null,
      /** The asked point on its street (as dispatch will take it), and the street's name. */
      onStreet: (LatLng & { street: string | null }) | null,
      /** More cars are near than the broker shows. */
      more: boolean,
    ) => void,
  ) {}

  watch(at: LatLng): void {
    this.stop();
    this.at = at;
    void this.ask();
  }

  /** No more asking; an answer still on its way is dropped. */
  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.at = null;
  }

  private async ask(): Promise<void> {
    const at = this.at;
    if (at === null) return;
    try {
      const res = await fetch(`/api/cars/nearby?lat=${at.lat.toFixed(5)}&lng=${at.lng.toFixed(5)}`, {
        cache: 'no-store',
      });
      if (res.ok && this.at === at) {
        const body = (await res.json()) as {
          cars: NearbyCar[];
          nearestEtaS: number | null;
          pickup?: LatLng & { street: string | null };
          more?: boolean;
        };
        // The body came after the headers: the rider may have moved the pickup meanwhile, and
        // this answer's street would pull the pin back to where it was.
        if (this.at !== at) return;
        this.cars = body.cars;
        this.changed(body.cars, body.nearestEtaS, body.pickup ?? null, body.more === true);
      }
    } catch {
      // The broker is away for a moment: the cars shown stay until the next answer.
    }
    if (this.at === at) this.timer = setTimeout(() => void this.ask(), EVERY_MS);
  }
}

/** True when a point lies outside the served area (never, when the area is unknown). */
export function outsideArea(p: LatLng, area: PageConfig['servedArea']): boolean {
  if (area === null) return false;
  const [w, s, e, n] = area.bbox;
  return p.lng < w || p.lng > e || p.lat < s || p.lat > n;
}
