import { isActiveStage, type RiderTrip } from '@ridetrack/shared';
import type { PageConfig } from './feed';
import { transportParam } from './follow/params';
import { NEIGHBOURHOOD_ZOOM } from './ride/camera';
import { CarFeed } from './ride/car-feed';
import { ConnectionBadge } from './ride/connection-badge';
import { frameState, framing } from './ride/frame';
import { Nearby } from './ride/nearby';
import { PlaceSearch } from './ride/place-search';
import { newRideModel, type RideModel } from './ride/screen';
import { SetupFlow } from './ride/setup-flow';
import { Sheet } from './ride/sheet';
import { Stage } from './ride/stage';
import { arrivalKey, steadyArrival } from './ride/steady-eta';
import { readClaims } from './ride/token';
import { watchTrip } from './ride/trip-client';
import './ride/rider.css';
import mapWorkerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?worker&url';

/**
 * The rider page. With a ride token in the address (`#token=`, as the ride app opens it) it shows
 * that trip: the car, the pickup and the route drawn at once on a light first view, MapLibre
 * loaded after it, every word from one screen model (ride/screen.ts). In dev mode without a
 * token, a rider sets a pickup (and a destination), sees the cars nearby and requests a ride.
 */
interface Early {
  config: Promise<Response>;
  trip?: Promise<Response>;
}
const early = (window as unknown as { __rideEarly?: Early }).__rideEarly;
// MapLibre (its own chunk, most of the page's bytes) starts downloading now, beside the trip and the
// settings, and so does its worker (fetched into the cache, where MapLibre's own request finds it,
// instead of after the chunk has run); the first view waits for neither.
const mapModule = import('./ride/map-loader');
let mapLoaded: () => void = () => undefined;
/** The map has loaded, or three seconds have passed (a page whose map never comes still follows its car). */
const mapReady = new Promise<void>((resolve) => {
  mapLoaded = resolve;
  setTimeout(resolve, 3000);
});
void fetch(mapWorkerUrl).catch(() => undefined);
const config = (await (early?.config ?? fetch('/config.json')).then((r) => r.json())) as PageConfig;
const params = new URLSearchParams(location.search);
const sheet = new Sheet();
const fixedZoom = Number(params.get('zoom'));
const stage = new Stage(config, () => sheet.cover(), fixedZoom >= 1 && fixedZoom <= 20 ? fixedZoom : null);
// The street search sets what a tap would: the pickup, or the destination while placing it.
const placeSearch = new PlaceSearch(
  () => model.setup.pickup ?? stage.camera().center,
  (place) => setup.setPlace({ lat: place.lat, lng: place.lng }, place.name),
  () => document.documentElement.style.setProperty('--sheet-h', `${Math.round(sheet.cover().bottom)}px`),
);
const forced = transportParam(params.get('transport'));
const badge = new ConnectionBadge(document.getElementById('connection') as HTMLElement);

const model: RideModel = newRideModel(config.servedArea?.name ?? 'the city', config.devMode);

let car: CarFeed | null = null;
let trip: ReturnType<typeof watchTrip> | null = null;
let framedFor = '';
const nearby = new Nearby((cars, nearestEtaS, onStreet, more) => {
  model.setup.cars = cars.length;
  model.setup.moreCars = more;
  model.setup.nearestEtaS = nearestEtaS;
  // The pin moves onto its street (where the driver will stop), named.
  if (model.setup.pickup !== null && onStreet !== null && model.mode === 'setup') {
    model.setup.pickup = { lat: onStreet.lat, lng: onStreet.lng };
    model.setup.street = onStreet.street;
  }
  render();
});

const setup = new SetupFlow({ model, stage, nearby, config, render, follow: (id, token) => followTrip(id, token) });

/** Follows a trip with its rider token: the trip's answers, and its car's live feed. */
function followTrip(tripId: string, token: string, first?: Promise<Response>): void {
  trip?.close();
  car?.close();
  model.mode = 'trip';
  nearby.stop();
  let driverId: string | null = null;
  const feed = new CarFeed({
    state: (s, detail) => {
      badge.set(s, detail);
      // The feed was closed because the trip ended (or was handed over): ask the trip what happened.
      if (s === 'refused') trip?.refresh();
    },
    transport: (name) => badge.carriedBy(name),
    tripState: () => trip?.refresh(),
  });
  car = feed;
  const watch = watchTrip(
    tripId,
    token,
    {
      trip: (t, receivedMs) => {
        if (trip !== watch) return;
        model.trip = t;
        model.clockSkewMs = receivedMs - t.serverMs;
        model.arrival =
          t.eta === null
            ? null
            : steadyArrival(
                model.arrival,
                arrivalKey(t),
                { atMs: t.eta.atMs + t.eta.durationS * 1000 + model.clockSkewMs, distanceM: t.eta.distanceM },
                receivedMs,
              );
        if (t.car !== null) feed.offer(t.car.lat, t.car.lng, t.car.headingDeg, t.car.speedMps, t.car.fixMs);
        if (t.car !== null && feed.fixMs === t.car.fixMs) feed.heardAnswer(t.car.online, t.serverMs);
        feed.setRoad(t.route === null ? null : t.route.points.map(([lng, lat]) => ({ lat, lng })));
        if (t.stage === 'reassigned' && t.next !== null) {
          model.notice = `${t.driver.name} ${t.lost === 'offline' ? 'went offline' : 'can no longer make it'}. We found you another driver.`;
          location.replace(`#token=${t.next.riderToken}`);
          followTrip(t.next.trip, t.next.riderToken);
          return;
        }
        if (driverId === null && isActiveStage(t.stage)) {
          driverId = t.driverId;
          const id = t.driverId;
          // The live feed (mqtt.js, 85 KB) after MapLibre on a first visit, so the map is not slowed
          // by it; the trip's answers move the car meanwhile.
          void mapReady.then(() => feed.follow(location.origin, id, token, forced));
          badge.set('connecting');
        }
        if (t.stage === 'completed' || t.stage === 'cancelled') {
          feed.close();
          badge.set(null);
        }
        render();
      },
      gone: () => {
        model.mode = 'gone';
        model.trip = null;
        feed.close();
        badge.set(null);
        render();
      },
      refused: () => {
        model.mode = 'refused';
        feed.close();
        render();
      },
      unreachable: () => undefined,
    },
    first,
  );
  trip = watch;
  render();
}

/** What this frame shows, from the model and the feeds as they are now. */
const frameNow = (nowMs: number) =>
  frameState({ model, car, nearbyCars: nearby.cars, estimateRoute: setup.route }, nowMs);

/** Texts: on every event and four times a second (countdowns, freshness). */
function render(): void {
  const nowMs = Date.now();
  const { screen } = frameNow(nowMs);
  const destination = model.setup.placing === 'dropoff' ? 'placing' : model.setup.dropoff === null ? 'none' : 'set';
  sheet.render(screen, destination, model.setup.areaName);
  placeSearch.show(screen.search);
  document.documentElement.style.setProperty('--sheet-h', `${Math.round(sheet.cover().bottom)}px`);
}
setInterval(render, 250);

let lastFrameCheckMs = 0;
function animate(): void {
  const nowMs = Date.now();
  const { overlay } = frameNow(nowMs);
  stage.draw(overlay);
  if (nowMs - lastFrameCheckMs > 400) {
    lastFrameCheckMs = nowMs;
    const f = framing(model, nearby.cars, overlay.car, overlay.route?.points ?? null);
    const changed = f.key !== framedFor;
    framedFor = f.key;
    // Choosing, the map stays at neighbourhood level: the streets around the pickup and the cars
    // coming matter more than the kerb.
    if (model.mode === 'trip' || changed)
      stage.frame(f.points, changed, undefined, model.mode === 'trip' ? undefined : NEIGHBOURHOOD_ZOOM);
  }
  requestAnimationFrame(animate);
}
requestAnimationFrame(animate);

// The rider's taps.
const busy = (b: HTMLButtonElement, p: Promise<unknown>): void => {
  b.disabled = true;
  void p.finally(() => (b.disabled = false));
};
sheet.buttons.board.addEventListener('click', () => {
  if (trip !== null) busy(sheet.buttons.board, trip.post('board'));
});
// Cancelling asks first (screen.ts); unanswered, the question goes away on its own.
const CANCEL_QUESTION_MS = 15_000;
let cancelAsked: ReturnType<typeof setTimeout> | undefined;
const askCancel = (asking: boolean): void => {
  clearTimeout(cancelAsked);
  model.confirmingCancel = asking;
  if (asking) cancelAsked = setTimeout(() => askCancel(false), CANCEL_QUESTION_MS);
  render();
};
sheet.buttons.cancel.addEventListener('click', () => askCancel(true));
sheet.buttons.keep.addEventListener('click', () => askCancel(false));
sheet.buttons.confirm_cancel.addEventListener('click', () => {
  if (trip === null) return;
  const b = sheet.buttons.confirm_cancel;
  b.disabled = true;
  model.notice = null;
  void trip
    .post('cancel')
    .catch(() => 'offline')
    .then((answer) => {
      b.disabled = false;
      if (typeof answer === 'string') model.notice = "Couldn't cancel the ride. Check your connection and try again.";
      askCancel(false);
    });
});
sheet.buttons.done.addEventListener('click', () => {
  trip?.close();
  car?.close();
  trip = null;
  car = null;
  history.replaceState(null, '', location.pathname + location.search);
  badge.set(null);
  setup.restart();
});

stage.onClick((p) => setup.setPlace(p));
sheet.buttons.area.addEventListener('click', () => setup.backToArea());
sheet.buttons.destination.addEventListener('click', () => setup.toggleDestination());
sheet.buttons.locate.addEventListener('click', () => setup.locate());
sheet.buttons.request.addEventListener('click', () => setup.request());

// Start: a ride token in the address follows that trip; dev mode without one sets up a ride.
const token = new URLSearchParams(location.hash.slice(1)).get('token');
const claims = token === null ? null : readClaims(token);
if (token !== null && typeof claims?.['trip'] === 'string') {
  followTrip(claims['trip'], token, early?.trip);
} else if (token !== null) {
  model.mode = 'refused';
} else if (!config.devMode) {
  model.mode = 'no_token';
} else {
  nearby.watch(stage.camera().center);
  setup.startFromHere();
}
render();

// MapLibre after the first view: the car is already on screen, the map fills in beneath it.
requestAnimationFrame(() => {
  setTimeout(() => {
    void mapModule.then(async ({ loadMap }) => {
      const cam = stage.camera();
      stage.attach(await loadMap(document.getElementById('map') as HTMLElement, config, cam));
      document.body.dataset['map'] = 'loaded';
      mapLoaded();
      // Once everything is on screen: the service worker, so the next visit starts from the cache.
      if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js').catch(() => undefined);
    });
  }, 0);
});

/** Used by the page tests and the benchmark: the trip the page shows. */
(window as unknown as { __ride: unknown }).__ride = {
  model,
  trip: (): RiderTrip | null => model.trip,
  camera: () => stage.camera(),
  car: () => car,
};
