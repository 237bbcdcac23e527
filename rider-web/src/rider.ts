import { Marker, type MapMouseEvent } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import type { LatLng, LocationFix } from '@ridetrack/shared';
import { loadConfig, readClaims, type FeedState } from './feed';
import { FALLBACK_ORDER, followDriver, transportParam } from './follow/follow';
import type { TransportName } from './follow/types';
import { createMap } from './map';
import { etaText, freshnessText, glidePosition, glideTo, isStale, tripText, type Glide } from './markers';
import './style.css';

/**
 * The rider page: set a pickup, request a ride (dev mode: from this page; in production the ride
 * app's backend calls dispatch and opens this page with #token=<rider token>), then watch the car.
 */
const $ = (id: string): HTMLElement => document.getElementById(id) as HTMLElement;
const config = await loadConfig();
const map = createMap($('map'), config);
const statusEl = $('status');
const connEl = $('connection');
const freshEl = $('freshness');
const etaEl = $('eta');
const requestBtn = $('request') as HTMLButtonElement;
const locateBtn = $('locate') as HTMLButtonElement;

let pickup: LatLng | null = null;
let pickupMarker: Marker | null = null;
let lastFix: LocationFix | null = null;
let online = false;
let glide: Glide | null = null;
let lastFixAtMs = 0;
let intervalMs = 2000;

const carEl = document.createElement('div');
carEl.className = 'car';
carEl.dataset['testid'] = 'car';
const car = new Marker({ element: carEl, rotationAlignment: 'map' });

function setPickup(p: LatLng): void {
  pickup = p;
  pickupMarker ??= new Marker({ color: '#1b6ef3' });
  pickupMarker.setLngLat([p.lng, p.lat]).addTo(map);
  requestBtn.disabled = false;
  statusEl.textContent = 'Pickup set. Request a ride.';
}

map.on('click', (e: MapMouseEvent) => {
  if (lastFix === null) setPickup({ lat: e.lngLat.lat, lng: e.lngLat.lng });
});
locateBtn.addEventListener('click', () => {
  navigator.geolocation.getCurrentPosition(
    (pos) => setPickup({ lat: pos.coords.latitude, lng: pos.coords.longitude }),
    () => (statusEl.textContent = 'Your location is not available; click the map instead.'),
  );
});

const TRANSPORT_LABELS: Record<TransportName, string> = {
  websocket: 'WebSocket',
  sse: 'SSE',
  'long-poll': 'long polling',
  'short-poll': 'short polling',
};
let transport: TransportName | null = null;

function setConnection(state: FeedState, detail?: string): void {
  const text = {
    connecting: 'connecting…',
    connected: 'live',
    reconnecting: 'reconnecting…',
    refused: `refused: ${detail ?? ''}`,
  }[state];
  connEl.textContent = transport === null ? text : `${text} · ${TRANSPORT_LABELS[transport]}`;
  connEl.className = `badge ${state}`;
  connEl.dataset['transport'] = transport ?? '';
}

function follow(token: string, driverId: string): void {
  requestBtn.hidden = true;
  locateBtn.hidden = true;
  statusEl.textContent = `Driver ${driverId} is assigned.`;
  // WebSocket first, then SSE, then long polling, unless the address names one (?transport=sse).
  const forced = transportParam(new URLSearchParams(location.search).get('transport'));
  followDriver(
    { origin: location.origin, driverId, token },
    {
      transport: (name) => {
        transport = name;
      },
      state: setConnection,
      status: (_id, s) => {
        online = s.online;
        render();
      },
      fix: (_id, fix) => {
        const now = Date.now();
        if (lastFixAtMs > 0) intervalMs = Math.min(5000, Math.max(500, now - lastFixAtMs));
        lastFixAtMs = now;
        const drawn = glide === null ? null : glidePosition(glide, now);
        glide = glideTo(drawn, fix, now, intervalMs);
        if (lastFix === null) map.easeTo({ center: [fix.lng, fix.lat] });
        lastFix = fix;
        online = true;
        car.setLngLat([fix.lng, fix.lat]).addTo(map);
        render();
      },
    },
    forced === null ? FALLBACK_ORDER : [forced],
  );
}

/** Texts and greying, once a second and on every event. */
function render(): void {
  if (lastFix === null) return;
  const now = Date.now();
  const stale = isStale(lastFix.timestampMs, online, now);
  carEl.classList.toggle('stale', stale);
  freshEl.textContent = online
    ? freshnessText(lastFix.timestampMs, now)
    : `driver offline, ${freshnessText(lastFix.timestampMs, now)}`;
  freshEl.className = `badge ${stale ? 'stale' : 'fresh'}`;
  const trip = tripText(lastFix.tripState);
  if (pickup !== null && lastFix.tripState === 'to_pickup') {
    const eta = etaText(lastFix, lastFix.speedMps, pickup);
    etaEl.textContent = eta.arrived ? 'Your driver has arrived' : `${trip}: ${eta.distanceText}, ${eta.etaText}`;
  } else {
    etaEl.textContent = trip;
  }
}
setInterval(render, 1000);

/** Moves the car smoothly every frame between fixes. */
function animate(): void {
  if (glide !== null) {
    const p = glidePosition(glide, Date.now());
    car.setLngLat([p.lng, p.lat]).setRotation(p.headingDeg);
  }
  requestAnimationFrame(animate);
}
requestAnimationFrame(animate);

requestBtn.addEventListener('click', () => {
  if (pickup === null) return;
  requestBtn.disabled = true;
  statusEl.textContent = 'Finding a driver…';
  void fetch('/api/dev/ride', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ pickup }),
  }).then(async (res) => {
    const body = (await res.json()) as { trip?: { driverId: string }; riderToken?: string; message?: string };
    if (!res.ok || body.trip === undefined || body.riderToken === undefined) {
      statusEl.textContent = body.message ?? `No ride: ${res.status}`;
      requestBtn.disabled = false;
      return;
    }
    follow(body.riderToken, body.trip.driverId);
  });
});

const hashToken = new URLSearchParams(location.hash.slice(1)).get('token');
const claims = hashToken === null ? null : readClaims(hashToken);
const driverId = Array.isArray(claims?.['drivers']) ? String((claims['drivers'] as unknown[])[0]) : null;
if (hashToken !== null && driverId !== null) {
  follow(hashToken, driverId);
} else if (!config.devMode) {
  requestBtn.hidden = true;
  statusEl.textContent = 'Open this page from your ride app (it adds your ride token to the address).';
} else {
  statusEl.textContent = 'Click the map (or use your location) to set a pickup.';
}
setConnection('connecting');
connEl.textContent = 'not connected';
