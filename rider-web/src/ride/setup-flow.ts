import type { LatLng } from '@ridetrack/shared';
import type { PageConfig } from '../feed';
import { Estimates } from './estimate';
import { type Nearby, outsideArea } from './nearby';
import type { RideModel } from './screen';
import type { Stage } from './stage';

/** The zoom a rider chooses a pickup at: the neighbourhood and its cars. */
export const START_ZOOM = 14;

export interface SetupDeps {
  model: RideModel;
  stage: Stage;
  nearby: Nearby;
  config: PageConfig;
  render(): void;
  /** A ride was booked: follow its trip with the rider token. */
  follow(tripId: string, riderToken: string): void;
}

/**
 * Booking a ride in dev mode (as a ride app would before opening the trip): the pickup where the
 * rider taps, searches or stands, the destination, the estimate of the ride between them, and the
 * request. Every change is to the model; the screen says what it means.
 */
export class SetupFlow {
  private readonly estimates = new Estimates();
  /** The estimated way from the pickup to the destination, drawn before the ride is requested. */
  route: LatLng[] = [];

  constructor(private readonly d: SetupDeps) {}

  /** A tap on the map or a place found (with its name): the pickup, or the destination while placing it. */
  setPlace(p: LatLng, name: string | null = null): void {
    const { model, stage, nearby, config } = this.d;
    if (model.mode !== 'setup' && model.mode !== 'no_driver') return;
    // A place is set: a word about an earlier try (no location) no longer applies.
    model.notice = null;
    const outside = outsideArea(p, config.servedArea);
    model.setup.outside = outside;
    if (outside) {
      // Say so, and show where the rider is: the city is a tap on "Use my location" or a pan away.
      stage.jumpTo(p, 13);
      this.d.render();
      return;
    }
    if (model.setup.placing === 'dropoff') {
      model.setup.dropoff = p;
      model.setup.dropoffName = name;
      model.setup.placing = 'pickup';
    } else {
      model.setup.pickup = p;
      model.setup.street = null;
      model.mode = 'setup';
      nearby.watch(p);
    }
    this.estimate();
    this.d.render();
  }

  /** "Back to <area>": the served area, at the zoom a pickup is chosen at. */
  backToArea(): void {
    const { model, stage, config } = this.d;
    model.setup.outside = false;
    stage.jumpTo({ lng: config.center[0], lat: config.center[1] }, START_ZOOM);
    this.d.render();
  }

  /** "Where to?" starts placing the destination; "Back to pickup" leaves it. */
  toggleDestination(): void {
    const s = this.d.model.setup;
    s.placing = s.placing === 'dropoff' ? 'pickup' : 'dropoff';
    this.d.render();
  }

  /** "Use my location". */
  locate(): void {
    navigator.geolocation.getCurrentPosition(
      (pos) => this.setPlace({ lat: pos.coords.latitude, lng: pos.coords.longitude }),
      () => {
        this.d.model.notice = 'Your location is not available; tap the map instead.';
        this.d.render();
      },
    );
  }

  /**
   * A rider who has already let the page know where they are starts from there, as ride apps do:
   * the pickup is set where they stand when that is in the served area (never a prompt on arrival,
   * and never "outside our service area" before the rider asked for anything).
   */
  startFromHere(): void {
    if (!('permissions' in navigator) || !('geolocation' in navigator)) return;
    const { model, config } = this.d;
    void navigator.permissions
      .query({ name: 'geolocation' })
      .then((permission) => {
        if (permission.state !== 'granted') return;
        navigator.geolocation.getCurrentPosition(
          (pos) => {
            const here = { lat: pos.coords.latitude, lng: pos.coords.longitude };
            const untouched = model.mode === 'setup' && model.setup.pickup === null && model.setup.placing === 'pickup';
            if (untouched && !outsideArea(here, config.servedArea)) this.setPlace(here);
          },
          () => undefined,
          { maximumAge: 60_000, timeout: 10_000 },
        );
      })
      .catch(() => undefined);
  }

  /** "Request ride": the dev backend books it, and the page follows the trip. */
  request(): void {
    const { model } = this.d;
    const { pickup, dropoff } = model.setup;
    if (pickup === null || dropoff === null) return;
    model.mode = 'requesting';
    this.d.render();
    const noDriver = (): void => {
      model.mode = 'no_driver';
      this.d.render();
    };
    void fetch('/api/dev/ride', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pickup, dropoff }),
    })
      .then(async (res) => {
        const body = (await res.json()) as { trip?: { id: string }; riderToken?: string };
        if (!res.ok || body.trip === undefined || body.riderToken === undefined) {
          noDriver();
          return;
        }
        location.replace(`#token=${body.riderToken}`);
        this.d.follow(body.trip.id, body.riderToken);
      })
      .catch(noDriver);
  }

  /** "Done" after a ride: a new ride starts from the first screen, around where the map is. */
  restart(): void {
    const { model, stage, nearby } = this.d;
    model.mode = 'setup';
    model.trip = null;
    model.arrival = null;
    model.notice = null;
    model.setup = {
      ...model.setup,
      pickup: null,
      street: null,
      dropoff: null,
      dropoffName: null,
      placing: 'pickup',
      estimate: null,
    };
    this.estimates.cancel();
    this.route = [];
    // Back to the first screen's view: the ride left the map at the kerb of the destination, where
    // the cars counted nearby were all out of sight.
    const { center, zoom } = stage.camera();
    stage.jumpTo(center, Math.min(zoom, START_ZOOM));
    nearby.watch(center);
    this.d.render();
  }

  /** The ride between the pickup and the destination, asked for whenever either is set. */
  private estimate(): void {
    const { model } = this.d;
    const { pickup, dropoff } = model.setup;
    model.setup.estimate = null;
    this.route = [];
    if (pickup === null || dropoff === null) {
      this.estimates.cancel();
      return;
    }
    void this.estimates.get(pickup, dropoff).then((e) => {
      if (e === 'stale' || e === null) return;
      model.setup.estimate = { distanceM: e.distanceM, durationS: e.durationS, street: e.street };
      this.route = e.route;
      this.d.render();
    });
  }
}
