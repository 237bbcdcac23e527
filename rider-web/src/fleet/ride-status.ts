import { isActiveStage, type LatLng, type RideRoute, type RiderTrip } from '@ridetrack/shared';
import { countdownText } from '../markers';
import { distanceText, durationText } from './fleet-model';

/**
 * A driver's ride as an operator reads it on the driver card: where the ride stands, toward where,
 * and how long to go, from the same trip view the rider follows (`GET /api/trips/:id`). Pure.
 */
export function rideStatus(ride: RiderTrip, nowMs: number): { stage: string; places: string } {
  const { pickup, dropoff } = ride.streets;
  const eta =
    ride.eta === null ? '' : ` · ${durationText(ride.eta.durationS * 1000)}, ${distanceText(ride.eta.distanceM)}`;
  // From where to where, by street ('' where the broker knows none).
  const places =
    ride.dropoff === null
      ? pickup === null
        ? ''
        : `Pickup on ${pickup}, no destination`
      : `${pickup ?? 'Pickup'} → ${dropoff ?? 'an unnamed street'}`;
  switch (ride.stage) {
    case 'assigned':
      return { stage: `To the pickup${eta}`, places };
    case 'waiting': {
      const leftMs = ride.waitUntilMs === null ? 0 : ride.waitUntilMs - nowMs;
      return {
        stage:
          leftMs > 0 ? `Waiting at the pickup · ${countdownText(leftMs)} left` : 'Waiting at the pickup · wait over',
        places,
      };
    }
    case 'on_trip':
      return { stage: `Rider aboard${ride.dropoff === null ? '' : eta}`, places };
    case 'completed':
      return { stage: 'Completed', places };
    case 'cancelled':
      return { stage: 'Cancelled', places };
    case 'reassigned':
      return { stage: 'Handed to another driver', places };
  }
}

/** True while a ride is under way: its places and its way ahead belong on the map. */
export function rideUnderWay(ride: RiderTrip | null): ride is RiderTrip {
  return ride !== null && isActiveStage(ride.stage);
}

/**
 * The way still to drive, while a ride is under way and the broker knows the roads: drawn dark on
 * the map (ride-on-map.ts) and named under the driver card's map note (driver-panel.ts).
 */
export function wayAhead(ride: RiderTrip | null): RideRoute | null {
  return rideUnderWay(ride) && ride.route !== null && ride.route.points.length >= 2 ? ride.route : null;
}

/**
 * What an operator who picks a driver on a ride should see at once: the car, the pickup while the
 * driver heads there or waits, the destination, and the way ahead between them. Empty when no ride
 * is under way.
 */
export function ridePlaces(ride: RiderTrip | null, car: LatLng): LatLng[] {
  if (!rideUnderWay(ride)) return [];
  const places: LatLng[] = [car];
  if (ride.stage !== 'on_trip') places.push(ride.pickup);
  if (ride.dropoff !== null) places.push(ride.dropoff);
  for (const [lng, lat] of wayAhead(ride)?.points ?? []) places.push({ lat, lng });
  return places;
}
