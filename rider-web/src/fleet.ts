import { Popup, type MapMouseEvent } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import { cellToBoundary } from 'h3-js';
import { parseFleetRow } from '@ridetrack/shared';
import { loadConfig, type FeedState } from './feed';
import { packHexes } from './fleet-hexes';
import { FleetOverlay } from './fleet-overlay';
import { mercatorX, mercatorY, packPoints, pickDriver, pointRadiusPx, type PackedPoints } from './fleet-points';
import { createMap } from './map';
import { resolutionForZoom, type DriverPoint } from './markers';
import './style.css';

/** The operator's map: every driver live, coloured by state, over H3 density hexagons. */
const $ = (id: string): HTMLElement => document.getElementById(id) as HTMLElement;
const config = await loadConfig();
const token = new URLSearchParams(location.hash.slice(1)).get('token') ?? (config.devMode ? await devToken() : null);
const map = createMap($('map'), config, 12.5); // the whole city
const countEl = $('count');
const hexEl = $('hexcount');
const connEl = $('connection');
const drivers = new Map<string, DriverPoint>();
let dirty = true;
/** The live data (hexagons and drivers) over the map; made once the map has loaded. */
let overlay: FleetOverlay | undefined;
// Positions are drawn relative to the city's centre (see fleet-points.ts).
const origin = [mercatorX(config.center[0]), mercatorY(config.center[1])] as const;
let packed: PackedPoints | undefined;

/** A driver's details for its popup, as text (never parsed as HTML). */
function driverDetails(d: DriverPoint): HTMLElement {
  const box = document.createElement('div');
  const name = document.createElement('b');
  name.textContent = d.driverId;
  const lines = [
    `${d.fix.tripState}, ${(d.fix.speedMps ?? 0).toFixed(1)} m/s`,
    `${d.online ? 'online' : 'offline'}, fix ${new Date(d.fix.timestampMs).toLocaleTimeString()}`,
  ];
  box.append(name, ...lines.flatMap((line) => [document.createElement('br'), line]));
  return box;
}

async function devToken(): Promise<string | null> {
  const res = await fetch('/api/dev/token?role=operator');
  return res.ok ? ((await res.json()) as { token: string }).token : null;
}

map.on('load', () => {
  overlay = new FleetOverlay(map);
  map.addLayer(overlay.cameraLayer('drivers-camera'));
  map.on('click', (e: MapMouseEvent) => {
    const hit = pickDriver(
      drivers.values(),
      (lng, lat) => map.project([lng, lat]),
      e.point,
      pointRadiusPx(map.getZoom()) + 4,
    );
    if (!hit) return;
    new Popup().setLngLat([hit.fix.lng, hit.fix.lat]).setDOMContent(driverDetails(hit)).addTo(map);
  });
  // Twice a second when drivers changed, and every 2 s regardless, since drivers turn stale by time.
  let packedAt = 0;
  setInterval(() => {
    const now = Date.now();
    if (!dirty && now - packedAt < 2000) return;
    dirty = false;
    packedAt = now;
    packed = packPoints(drivers.values(), origin, now, packed?.data);
    overlay?.setPoints(packed);
    countEl.textContent = String(packed.live);
  }, 500);
  void refreshHexes();
  setInterval(() => void refreshHexes(), 3000);
  // A new view (and after a zoom, a new resolution) at once, not at the next refresh.
  map.on('moveend', () => void refreshHexes());
});

/** Density from the geo-index API, at a resolution for the zoom. */
async function refreshHexes(): Promise<void> {
  const b = map.getBounds();
  const res = resolutionForZoom(map.getZoom(), config.maxH3Resolution);
  const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((x) => x.toFixed(5)).join(',');
  const r = await fetch(
    `/api/cells?bbox=${bbox}&res=${res}`,
    token === null ? {} : { headers: { authorization: `Bearer ${token}` } },
  );
  if (!r.ok) return;
  const body = (await r.json()) as { cells: { cell: string; count: number }[]; total: number };
  hexEl.textContent = `${body.total} in ${body.cells.length} hexagons (res ${res})`;
  overlay?.setHexes(
    packHexes(
      body.cells.map((c) => ({ boundary: cellToBoundary(c.cell, true), count: c.count })),
      origin,
    ),
  );
}

function setConnection(state: FeedState): void {
  connEl.textContent = state === 'connected' ? 'live' : state;
  connEl.className = `badge ${state}`;
}

/**
 * The fleet as Server-Sent Events from the broker (GET /api/fleet/events): the fleet at once, then
 * twice a second the drivers that changed, one JSON batch each time, which a browser handles far
 * more cheaply than thousands of MQTT messages a second. EventSource reconnects by itself (the
 * server asks for 2 s) and the stream starts again with the whole fleet.
 */
function followFleet(): void {
  const url = new URL('/api/fleet/events', location.origin);
  if (token !== null) url.searchParams.set('access_token', token);
  const source = new EventSource(url);
  setConnection('connecting');
  source.onopen = () => setConnection('connected');
  source.onerror = () => setConnection(source.readyState === EventSource.CLOSED ? 'refused' : 'reconnecting');
  source.addEventListener('drivers', (e: MessageEvent<string>) => {
    let batch: unknown;
    try {
      batch = JSON.parse(e.data);
    } catch {
      return;
    }
    const rows = (batch as { rows?: unknown }).rows;
    if (!Array.isArray(rows)) return;
    for (const row of rows) {
      const d = parseFleetRow(row);
      if (d.ok) drivers.set(d.value.driverId, d.value);
    }
    dirty = true;
  });
}
followFleet();
