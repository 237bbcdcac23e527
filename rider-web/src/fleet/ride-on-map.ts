import { Marker, type Map as MapLibre } from 'maplibre-gl';
import type { RiderTrip } from '@ridetrack/shared';
import { packLine } from './lines';
import type { FleetOverlay } from './overlay';
import { rideUnderWay, wayAhead } from './ride-status';

/**
 * The selected driver's ride on the operator's map: the pickup while the driver heads there or
 * waits, the destination until the ride ends, and the way still to drive, as the rider sees them
 * (`GET /api/trips/:id`). Cleared when the ride ends or the driver is put down.
 */
export class RideOnMap {
  private readonly pickup = new Marker({ element: pin('pickup', 'Pickup') });
  private readonly dropoff = new Marker({ element: pin('dropoff', 'Destination') });

  constructor(
    private readonly map: MapLibre,
    private readonly overlay: () => FleetOverlay | undefined,
    private readonly origin: readonly [number, number],
  ) {}

  show(ride: RiderTrip | null): void {
    const active = rideUnderWay(ride);
    const toPickup = active && ride.stage !== 'on_trip';
    place(this.pickup, this.map, toPickup ? [ride.pickup.lng, ride.pickup.lat] : null);
    place(this.dropoff, this.map, active && ride.dropoff !== null ? [ride.dropoff.lng, ride.dropoff.lat] : null);
    const route = wayAhead(ride)?.points ?? null;
    this.overlay()?.setRideRoute(
      route === null
        ? null
        : packLine(
            route.map(([lng, lat]) => ({ lat, lng })),
            this.origin,
          ),
    );
    this.map.getContainer().dataset['rideRoute'] = String(route?.length ?? 0);
  }
}

function pin(kind: 'pickup' | 'dropoff', label: string): HTMLElement {
  const e = document.createElement('div');
  e.className = `ride-pin ${kind}`;
  e.dataset['testid'] = `ride-${kind}`;
  const tag = document.createElement('span');
  tag.className = 'ride-pin-tag';
  tag.textContent = label;
  e.append(tag);
  return e;
}

function place(marker: Marker, map: MapLibre, at: [number, number] | null): void {
  if (at === null) marker.remove();
  else marker.setLngLat(at).addTo(map);
}
