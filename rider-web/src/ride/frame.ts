import { distanceM, type LatLng } from '@ridetrack/shared';
import type { NearbyCar } from './nearby';
import type { OverlayState } from './overlay';
import { trimRoute } from './route-trim';
import { riderScreen, RIDER_STALE_MS, type RideModel, type Screen } from './screen';

/** A waiting car farther than this from the pin is framed with it. */
const WAIT_APART_M = 40;

/** What a frame is drawn from: the page's model and what its feeds hold now. */
export interface FrameInputs {
  model: RideModel;
  /** The car as the live feed draws it this frame, its newest fix and its presence. */
  car: { drawn(nowMs: number): (LatLng & { headingDeg: number }) | null; fixMs: number | null; online: boolean } | null;
  nearbyCars: NearbyCar[];
  /** The estimated way from the pickup to the destination, before a ride is requested. */
  estimateRoute: LatLng[];
}

/** The screen's words and what the map shows this frame: the car, the pins and the route. */
export function frameState(f: FrameInputs, nowMs: number): { screen: Screen; overlay: OverlayState } {
  const { model, car } = f;
  const screen = riderScreen(model, nowMs);
  const t = model.trip;
  const drawn = screen.show.car ? (car?.drawn(nowMs) ?? null) : null;
  const fixMs = car?.fixMs ?? null;
  const stale = fixMs === null || car?.online === false || nowMs - fixMs > RIDER_STALE_MS;
  const pickup = model.mode === 'trip' ? (t?.pickup ?? null) : model.setup.pickup;
  const dropoff = model.mode === 'trip' ? (t?.dropoff ?? null) : model.setup.dropoff;
  return {
    screen,
    overlay: {
      car: drawn === null ? null : { ...drawn, stale },
      pickup: screen.show.pickup ? pickup : null,
      pickupLabel: screen.show.pickup
        ? model.mode === 'trip' && t?.stage === 'waiting'
          ? 'Meet here'
          : 'Pickup'
        : null,
      dropoff: screen.show.dropoff ? dropoff : null,
      route: !screen.show.route
        ? null
        : model.mode === 'trip'
          ? t?.route == null
            ? null
            : { points: t.route.points.map(([lng, lat]) => ({ lat, lng })), stale }
          : f.estimateRoute.length > 1
            ? { points: f.estimateRoute, stale: false }
            : null,
      nearby: screen.show.nearbyCars ? f.nearbyCars : [],
    },
  };
}

/**
 * What the camera keeps in view, and a key that changes when that should be framed afresh: the car,
 * the way it still has to drive and the pickup while it comes, the pickup while the driver waits,
 * car, way and destination on the way (a route that bends away from the straight line between them
 * stays in view, as in Uber's and Lyft's apps); while choosing, the pickup and destination, or a
 * pickup alone with the nearest cars around it.
 */
export function framing(
  model: RideModel,
  nearbyCars: NearbyCar[],
  drawn: LatLng | null,
  /** The route as drawn this frame (the overlay's), if any. */
  route: readonly LatLng[] | null = null,
): { key: string; points: LatLng[] } {
  const t = model.trip;
  if (model.mode === 'trip' && t !== null) {
    const target =
      t.stage === 'on_trip' ? t.dropoff : t.stage === 'assigned' || t.stage === 'waiting' ? t.pickup : null;
    const ahead =
      route === null || drawn === null || (t.stage !== 'on_trip' && t.stage !== 'assigned')
        ? []
        : trimRoute(route, drawn);
    const points = [drawn, target, ...ahead].filter((p): p is LatLng => p !== null);
    // Waiting: the meeting point, close up; with the car too where it could stop no nearer (a pin
    // away from the streets), so the rider sees where to walk.
    if (t.stage === 'waiting' && drawn !== null)
      return distanceM(drawn, t.pickup) <= WAIT_APART_M
        ? { key: `${t.id}:waiting`, points: [t.pickup] }
        : { key: `${t.id}:waiting:apart`, points: [t.pickup, drawn] };
    return { key: `${t.id}:${t.stage}:${drawn === null ? 0 : 1}:${target === null ? 0 : 1}`, points };
  }
  const s = model.setup;
  const points = [s.pickup, s.dropoff].filter((p): p is LatLng => p !== null);
  // A pickup alone is framed with the nearest cars around it, as a rider choosing wants to see them.
  const around =
    s.pickup === null || s.dropoff !== null
      ? []
      : [...nearbyCars].sort((a, b) => distanceM(a, s.pickup as LatLng) - distanceM(b, s.pickup as LatLng)).slice(0, 3);
  // ... centred on the pickup: each car's reflection through it is framed too.
  const p = s.pickup;
  const mirrored = p === null ? [] : around.map((c) => ({ lat: 2 * p.lat - c.lat, lng: 2 * p.lng - c.lng }));
  return { key: `setup:${points.length}:${around.length > 0}`, points: [...points, ...around, ...mirrored] };
}
