import {
  isActiveStage,
  type DriverLostReason,
  type DriverProfile,
  type LatLng,
  type TripEndReason,
  type TripStage,
} from '@ridetrack/shared';

/**
 * A trip of dispatch, as stored where every broker node sees it (Redis when configured). Every
 * change is a new version written with compare-and-set, so two nodes watching the same trip never
 * both act on it (one reassigns, the other finds the version moved on).
 */
export interface Trip {
  id: string;
  driverId: string;
  riderId: string;
  pickup: LatLng;
  dropoff?: LatLng;
  state: TripStage;
  createdMs: number;
  driver: DriverProfile;
  /** How long the driver waits at the pickup for the rider before leaving (a no-show), seconds. */
  waitS: number;
  arrivedMs?: number;
  startedMs?: number;
  startedBy?: 'rider' | 'driver';
  endedMs?: number;
  endReason?: TripEndReason;
  /** Why this trip's driver was replaced (state `reassigned`). */
  lost?: DriverLostReason;
  /** The trip that took this one over, and the one this one took over. */
  replacedBy?: string;
  replaces?: string;
  /** Drivers this ride has already had (the chain of reassignments): not offered it again. */
  tried: string[];
  /** Metres driven with the rider aboard, and where the last of them was counted from. */
  drivenM: number;
  odometerAt?: LatLng;
  version: number;
}

/** The driver's fix states that mean it is doing this trip's work. */
export function isActive(trip: Pick<Trip, 'state'>): boolean {
  return isActiveStage(trip.state);
}

/** The next version of a trip: the changes applied, the version one up. */
export function revise(trip: Trip, changes: Partial<Omit<Trip, 'version' | 'id'>>): Trip {
  return { ...trip, ...changes, version: trip.version + 1 };
}
