import { distanceM, type LatLng, type RiderTrip } from '@ridetrack/shared';
import type { FeedState, PageConfig } from './feed';
import { transportParam } from './follow/params';
import type { TransportName } from './follow/types';
import { NEIGHBOURHOOD_ZOOM } from './ride/camera';
import { CarFeed } from './ride/car-feed';
import { Estimates } from './ride/estimate';
import { Nearby, outsideArea } from './ride/nearby';
import { PlaceSearch } from './ride/place-search';
import { riderScreen, RIDER_STALE_MS, type RideModel } from './ride/screen';
import { Sheet } from './ride/sheet';
import { Stage } from './ride/stage';
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
  (place) => setPlace({ lat: place.lat, lng: place.lng }),
  () => document.documentElement.style.setProperty('--sheet-h', `${Math.round(sheet.cover().bottom)}px`),
);
const forced = transportParam(params.get('transport'));
const connEl = document.getElementById('connection') as HTMLElement;

const model: RideModel = {
  mode: 'setup',
  trip: null,
  clockSkewMs: 0,
  car: null,
  notice: null,
  setup: {
    pickup: null,
    street: null,
    dropoff: null,
    placing: 'pickup',
    cars: null,
    moreCars: false,
    nearestEtaS: null,
    outside: false,
    estimate: null,
    areaName: config.servedArea?.name ?? 'the city',
  },
  devMode: config.devMode,
};

let car: CarFeed | null = null;
let trip: ReturnType<typeof watchTrip> | null = null;
let transport: TransportName | null = null;
let framedFor = '';
const estimates = new Estimates();
/** The estimated way from the pickup to the destination, drawn before the ride is requested. */
let estimateRoute: LatLng[] = [];
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

/** The zoom a rider chooses a pickup at: the neighbourhood and its cars. */
const START_ZOOM = 14;

const TRANSPORT_LABELS: Record<TransportName, string> = {
  websocket: 'WebSocket',
  sse: 'SSE',
  'long-poll': 'long polling',
  'short-poll': 'short polling',
};
function setConnection(state: FeedState | null, detail?: string): void {
  if (state === null) {
    connEl.textContent = '';
    connEl.className = 'badge';
    return;
  }
  const text = {
    connecting: 'connecting…',
    connected: 'live',
    reconnecting: 'reconnecting…',
    refused: `ended: ${detail ?? ''}`,
  }[state];
  connEl.textContent = transport === null ? text : `${text} · ${TRANSPORT_LABELS[transport]}`;
  connEl.className = `badge ${state}`;
  connEl.dataset['transport'] = transport ?? '';
}

/** Follows a trip with its rider token: the trip's answers, and its car's live feed. */
function followTrip(tripId: string, token: string, first?: Promise<Response>): void {
  trip?.close();
  car?.close();
  model.mode = 'trip';
  nearby.stop();
  let driverId: string | null = null;
  const feed = new CarFeed({
    state: (s, detail) => {
      setConnection(s, detail);
      // The feed was closed because the trip ended (or was handed over): ask the trip what happened.
      if (s === 'refused') trip?.refresh();
    },
    transport: (name) => (transport = name),
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
        if (t.car !== null) feed.offer(t.car.lat, t.car.lng, t.car.headingDeg, t.car.speedMps, t.car.fixMs);
        if (t.car !== null && feed.fixMs === t.car.fixMs) feed.heardAnswer(t.car.online, t.serverMs);
        feed.setRoad(t.route === null ? null : t.route.points.map(([lng, lat]) => ({ lat, lng })));
        if (t.stage === 'reassigned' && t.next !== null) {
          model.notice = `${t.driver.name} ${t.lost === 'offline' ? 'went offline' : 'can no longer make it'}. We found you another driver.`;
          location.replace(`#token=${t.next.riderToken}`);
          followTrip(t.next.trip, t.next.riderToken);
          return;
        }
        if (driverId === null && (t.stage === 'assigned' || t.stage === 'waiting' || t.stage === 'on_trip')) {
          driverId = t.driverId;
          const id = t.driverId;
          // The live feed (mqtt.js, 85 KB) after MapLibre on a first visit, so the map is not slowed
          // by it; the trip's answers move the car meanwhile.
          void mapReady.then(() => feed.follow(location.origin, id, token, forced));
          setConnection('connecting');
        }
        if (t.stage === 'completed' || t.stage === 'cancelled') {
          feed.close();
          setConnection(null);
        }
        render();
      },
      gone: () => {
        model.mode = 'gone';
        model.trip = null;
        feed.close();
        setConnection(null);
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

/** The car's drawn position, the pickup and destination, the route: what the map shows this frame. */
function frameState(nowMs: number) {
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
          : estimateRoute.length > 1
            ? { points: estimateRoute, stale: false }
            : null,
      nearby: screen.show.nearbyCars ? nearby.cars : [],
    },
  };
}

/** Texts: on every event and four times a second (countdowns, freshness). */
function render(): void {
  const nowMs = Date.now();
  const { screen } = frameState(nowMs);
  const destination = model.setup.placing === 'dropoff' ? 'placing' : model.setup.dropoff === null ? 'none' : 'set';
  sheet.render(screen, destination, model.setup.areaName);
  placeSearch.show(screen.search);
  document.documentElement.style.setProperty('--sheet-h', `${Math.round(sheet.cover().bottom)}px`);
}
setInterval(render, 250);

/** What the camera keeps in view: car and pickup while it comes, car and destination on the way. */
function framing(drawn: LatLng | null): { key: string; points: LatLng[] } {
  const t = model.trip;
  if (model.mode === 'trip' && t !== null) {
    const target =
      t.stage === 'on_trip' ? t.dropoff : t.stage === 'assigned' || t.stage === 'waiting' ? t.pickup : null;
    const points = [drawn, target].filter((p): p is LatLng => p !== null);
    if (t.stage === 'waiting' && drawn !== null) return { key: `${t.id}:waiting`, points: [t.pickup] };
    return { key: `${t.id}:${t.stage}:${points.length}`, points };
  }
  const s = model.setup;
  const points = [s.pickup, s.dropoff].filter((p): p is LatLng => p !== null);
  // A pickup alone is framed with the nearest cars around it, as a rider choosing wants to see them.
  const around =
    s.pickup === null || s.dropoff !== null
      ? []
      : [...nearby.cars]
          .sort((a, b) => distanceM(a, s.pickup as LatLng) - distanceM(b, s.pickup as LatLng))
          .slice(0, 3);
  // ... centred on the pickup: each car's reflection through it is framed too.
  const p = s.pickup;
  const mirrored = p === null ? [] : around.map((c) => ({ lat: 2 * p.lat - c.lat, lng: 2 * p.lng - c.lng }));
  return { key: `setup:${points.length}:${around.length > 0}`, points: [...points, ...around, ...mirrored] };
}

let lastFrameCheckMs = 0;
function animate(): void {
  const nowMs = Date.now();
  const { overlay } = frameState(nowMs);
  stage.draw(overlay);
  if (nowMs - lastFrameCheckMs > 400) {
    lastFrameCheckMs = nowMs;
    const f = framing(overlay.car);
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
sheet.buttons.cancel.addEventListener('click', () => {
  if (trip !== null) busy(sheet.buttons.cancel, trip.post('cancel'));
});
sheet.buttons.done.addEventListener('click', () => {
  trip?.close();
  car?.close();
  trip = null;
  car = null;
  model.mode = 'setup';
  model.trip = null;
  model.notice = null;
  model.setup = { ...model.setup, pickup: null, street: null, dropoff: null, placing: 'pickup', estimate: null };
  estimates.cancel();
  estimateRoute = [];
  history.replaceState(null, '', location.pathname + location.search);
  setConnection(null);
  // Back to the first screen's view: the ride left the map at the kerb of the destination, where
  // the cars counted nearby were all out of sight.
  const { center } = stage.camera();
  stage.jumpTo(center, Math.min(stage.camera().zoom, START_ZOOM));
  nearby.watch(center);
  render();
});

function setPlace(p: LatLng): void {
  if (model.mode !== 'setup' && model.mode !== 'no_driver') return;
  // A place is set: a word about an earlier try (no location) no longer applies.
  model.notice = null;
  const outside = outsideArea(p, config.servedArea);
  model.setup.outside = outside;
  if (outside) {
    // Say so, and show where the rider is: the city is a tap on "Use my location" or a pan away.
    stage.jumpTo(p, 13);
    render();
    return;
  }
  if (model.setup.placing === 'dropoff') {
    model.setup.dropoff = p;
    model.setup.placing = 'pickup';
  } else {
    model.setup.pickup = p;
    model.setup.street = null;
    model.mode = 'setup';
    nearby.watch(p);
  }
  estimate();
  render();
}

/** The ride between the pickup and the destination, asked for whenever either is set. */
function estimate(): void {
  const { pickup, dropoff } = model.setup;
  model.setup.estimate = null;
  estimateRoute = [];
  if (pickup === null || dropoff === null) {
    estimates.cancel();
    return;
  }
  void estimates.get(pickup, dropoff).then((e) => {
    if (e === 'stale' || e === null) return;
    model.setup.estimate = { distanceM: e.distanceM, durationS: e.durationS, street: e.street };
    estimateRoute = e.route;
    render();
  });
}
stage.onClick(setPlace);
sheet.buttons.area.addEventListener('click', () => {
  model.setup.outside = false;
  stage.jumpTo({ lng: config.center[0], lat: config.center[1] }, START_ZOOM);
  render();
});
sheet.buttons.destination.addEventListener('click', () => {
  // "Where to?" starts placing the destination; "Back to pickup" leaves it.
  model.setup.placing = model.setup.placing === 'dropoff' ? 'pickup' : 'dropoff';
  render();
});
sheet.buttons.locate.addEventListener('click', () => {
  navigator.geolocation.getCurrentPosition(
    (pos) => setPlace({ lat: pos.coords.latitude, lng: pos.coords.longitude }),
    () => {
      model.notice = 'Your location is not available; tap the map instead.';
      render();
    },
  );
});
sheet.buttons.request.addEventListener('click', () => {
  const { pickup, dropoff } = model.setup;
  if (pickup === null || dropoff === null) return;
  model.mode = 'requesting';
  render();
  void fetch('/api/dev/ride', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ pickup, dropoff }),
  })
    .then(async (res) => {
      const body = (await res.json()) as { trip?: { id: string }; riderToken?: string };
      if (!res.ok || body.trip === undefined || body.riderToken === undefined) {
        model.mode = 'no_driver';
        render();
        return;
      }
      location.replace(`#token=${body.riderToken}`);
      followTrip(body.trip.id, body.riderToken);
    })
    .catch(() => {
      model.mode = 'no_driver';
      render();
    });
});

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
