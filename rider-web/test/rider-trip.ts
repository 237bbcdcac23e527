import type { RiderTrip } from '@ridetrack/shared';

/**
 * A rider's trip as `GET /api/trips/:id` answers it, for the page's pure tests: Maria on her way to
 * a pickup on Main Street, a second old fix, 250 s away; `over` changes any field.
 */
export function riderTrip(nowMs: number, over: Partial<RiderTrip> = {}): RiderTrip {
  return {
    id: 't-1',
    stage: 'assigned',
    driverId: 'drv-00042',
    driver: { name: 'Maria', car: 'Grey Toyota Prius', plate: '7KXM214' },
    pickup: { lat: 10, lng: 20 },
    dropoff: { lat: 10.02, lng: 20 },
    streets: { pickup: 'Main Street', dropoff: null },
    createdMs: nowMs - 60_000,
    waitS: 120,
    arrivedMs: null,
    waitUntilMs: null,
    startedMs: null,
    startedBy: null,
    endedMs: null,
    endReason: null,
    lost: null,
    car: {
      lat: 10.01,
      lng: 20,
      headingDeg: 0,
      speedMps: 9,
      fixMs: nowMs - 1000,
      updatedMs: nowMs - 1000,
      online: true,
    },
    eta: { toward: 'pickup', durationS: 250, distanceM: 1200, atMs: nowMs - 1000, basis: 'road' },
    route: null,
    summary: null,
    next: null,
    serverMs: nowMs - 1000,
    version: 2,
    ...over,
  };
}
