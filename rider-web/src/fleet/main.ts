import { Marker, NavigationControl, ScaleControl, type LngLat, type MapMouseEvent } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import { cellToBoundary } from 'h3-js';
import { loadConfig } from '../feed';
import { createMap } from '../map';
import { freshnessText, type DriverPoint } from '../markers';
import { ConsoleApi, type ConsoleSettings } from './api';
import { keepInView } from './camera';
import { boundsOf, maxHexPx, maxZoomFor, type Bbox } from './density';
import { DensityLayer } from './density-layer';
import { DriverPanel } from './driver-panel';
import { CATEGORY_LABELS, categoryOf, countByCategory, type Category } from './fleet-model';
import { searchDrivers, whoText } from './driver-search';
import { packLine } from './lines';
import { FleetEvents } from './fleet-events';
import { FleetOverlay } from './overlay';
import {
  crowdedRadiusPx,
  cssColour,
  mercatorX,
  mercatorY,
  packPoints,
  pickDriver,
  pointRadiusPx,
  type PackedPoints,
} from './points';
import { ProfileBook } from './profile-book';
import { ReplayBar } from './replay-bar';
import { RideOnMap } from './ride-on-map';
import { Selection, ringElement } from './selection';
import { Sidebar, type SearchResult } from './sidebar';
import { viewRegions } from './view-regions';
import './fleet.css';

/**
 * The operator's console: every driver live over density hexagons, the fleet by state with filters,
 * a driver's live panel with its recent track, trip replays, and a running simulation's progress.
 * This file wires the parts; what they decide is in the pure modules beside it.
 */
const $ = (id: string): HTMLElement => document.getElementById(id) as HTMLElement;
const config = await loadConfig();
const hash = new URLSearchParams(location.hash.slice(1));
const token = hash.get('token') ?? (config.devMode ? await devToken() : null);
const api = new ConsoleApi(token);
const profiles = new ProfileBook(api);
const settings: ConsoleSettings = await api.settings().then((r) =>
  r.ok
    ? r.value
    : {
        maxCellsPerRequest: 50_000,
        indexResolution: config.maxH3Resolution,
        regionResolution: 5,
        maxStreamRegions: 64,
        history: { backend: 'off', retentionMs: 0 },
      },
);
const map = createMap($('map'), config, 12.5); // the whole city
// Zoom buttons where no panel covers them: bottom right on a desk, top right on a phone (sheets below).
map.addControl(new NavigationControl({ showCompass: false }), window.innerWidth < 700 ? 'top-right' : 'bottom-right');
map.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-left');
if (config.devMode) (window as unknown as { fleetMap: typeof map }).fleetMap = map; // for the page tests

/** Every driver the stream told of, by id: the drivers of the regions in view. */
const drivers = new Map<string, DriverPoint>();
/** The whole fleet's extent and size, from its drivers per region (for views too wide to stream). */
let fleetExtent: { bounds: Bbox | null; total: number } | null = null;
const hidden = new Set<Category>();
let dirty = true;
/** Whether the drivers in view are known: the stream's first batch came, or no region is streamed. */
let countsKnown = false;
let lastMessageMs = 0;
let connected = false;
let overlay: FleetOverlay | undefined;
// Positions are drawn relative to the city's centre (see points.ts).
const origin = [mercatorX(config.center[0]), mercatorY(config.center[1])] as const;
let packed: PackedPoints | undefined;

let searchTimer: ReturnType<typeof setTimeout> | undefined;
const sidebar = new Sidebar({
  toggle(category) {
    if (hidden.has(category)) hidden.delete(category);
    else hidden.add(category);
    dirty = true;
    repack();
  },
  search(query) {
    const now = Date.now();
    const found: SearchResult[] = searchDrivers(drivers.keys(), query, 8, (id) => profiles.get(id)).map((id) => {
      const d = drivers.get(id);
      const who = whoText(profiles.get(id));
      return { kind: 'driver', id, ...(d ? { category: categoryOf(d, now) } : {}), ...(who ? { who } : {}) };
    });
    // Names and plates: the profiles of the drivers shown are asked for once, then the search runs again.
    if (query.trim() !== '')
      void profiles.fill(drivers.keys()).then((arrived) => {
        if (arrived) sidebar.searchAgain(query.trim());
      });
    // A whole trip id only (dispatch's t-<uuid>): a part of one has no replay to offer.
    if (
      /^t-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(query.trim()) &&
      settings.history.backend !== 'off'
    )
      found.push({ kind: 'trip', id: query.trim() });
    // A driver the area on the map does not hold may be live elsewhere: the API is asked once the
    // typing pauses.
    const q = query.trim();
    clearTimeout(searchTimer);
    if (q !== '' && q.length <= 64 && !drivers.has(q))
      searchTimer = setTimeout(() => {
        void api.searchDrivers(q).then((r) => {
          if (!r.ok) return;
          for (const d of r.value.drivers)
            if (!drivers.has(d.driverId))
              sidebar.offer(q, { kind: 'driver', id: d.driverId, elsewhere: { lat: d.lat, lng: d.lng } });
        });
      }, 250);
    return found;
  },
  pick(result) {
    if (result.kind === 'trip') void replay(result.id);
    else if (result.elsewhere === undefined) selection.select(result.id, true);
    else {
      // To where it is; its panel opens when the stream of that area brings it.
      leaveReplay();
      hash.set('driver', result.id);
      map.jumpTo({ center: [result.elsewhere.lng, result.elsewhere.lat], zoom: Math.max(map.getZoom(), 15) });
    }
  },
  density(on) {
    density.on = on;
    void refreshDensity();
  },
});

const panel = new DriverPanel($('driver'), {
  close: () => selection.deselect(),
  follow(on) {
    selection.following = on;
    const d = selection.driver;
    if (on && d) keepInView(map, d.fix, mapPadding(), 0.45);
  },
  replay: (tripId) => void replay(tripId),
  zoom() {
    const d = selection.driver;
    if (d) map.easeTo({ center: [d.fix.lng, d.fix.lat], zoom: Math.max(map.getZoom(), 15), padding: mapPadding() });
  },
});

const replayBar = new ReplayBar($('replay'), map, {
  progress: (index) => overlay?.setReplayProgress(index),
  close: () => closeReplay(),
});

/** The density hexagons under the drivers, and their legend. */
const density = new DensityLayer({
  map,
  api,
  settings,
  sidebar,
  box: $('density'),
  overlay: () => overlay,
  origin,
  replaying: () => replayBar.isOpen,
  // Where the fleet is: its regions' extent (the stream knows only the drivers in view).
  fleetBounds: () => fleetExtent?.bounds ?? boundsOf([...drivers.values()].map((d) => d.fix)),
});
const refreshDensity = (): Promise<void> => density.refresh();

/** The selected driver's ride: its pickup, destination and way ahead. */
const rideOnMap = new RideOnMap(map, () => overlay, origin);

/** The driver the operator picked: its panel, ring, track and ride. */
const selection = new Selection({
  map,
  api,
  panel,
  rideOnMap,
  overlay: () => overlay,
  origin,
  driver: (id) => drivers.get(id),
  padding: mapPadding,
  app: $('app'),
  beforeSelect: () => leaveReplay(), // a live driver picked during a replay closes it
});

/** The ring under the pointer, with the driver's name. */
const hoverMarker = new Marker({ element: ringElement('hover') });
let hoverId: string | null = null;

async function devToken(): Promise<string | null> {
  const res = await fetch('/api/dev/token?role=operator');
  return res.ok ? ((await res.json()) as { token: string }).token : null;
}

/** The map's free part: the panels over it are not part of the view. */
function mapPadding(): { top: number; bottom: number; left: number; right: number } {
  const phone = window.innerWidth < 700;
  // On a phone the fleet's sheet, or a driver's panel over it, covers the bottom of the map.
  const sheet = phone ? Math.max($('sidebar').offsetHeight || 0, $('driver').hidden ? 0 : $('driver').offsetHeight) : 0;
  const side = !phone && !$('driver').hidden ? $('driver').offsetWidth + 24 : 0;
  return { top: 20, bottom: 20 + sheet, left: 20, right: 20 + side };
}

function* visibleDrivers(nowMs: number): Iterable<DriverPoint> {
  for (const d of drivers.values()) if (!hidden.has(categoryOf(d, nowMs))) yield d;
}

/** Visible drivers in the view at the last count: with thousands, the dots shrink (points.ts). */
let inView = 0;
function countInView(): void {
  const b = map.getBounds();
  const now = Date.now();
  let n = 0;
  for (const d of visibleDrivers(now)) if (b.contains([d.fix.lng, d.fix.lat])) n++;
  inView = n;
}

function radiusPx(zoom = map.getZoom()): number {
  const c = map.getContainer();
  return crowdedRadiusPx(pointRadiusPx(zoom), inView, c.clientWidth, c.clientHeight);
}

// The drivers are drawn as soon as the style is in, over a map whose tiles may still be loading.
map.once('style.load', () => {
  overlay = new FleetOverlay(map);
  overlay.pointRadius = radiusPx;
  map.addLayer(overlay.cameraLayer('drivers-camera'));
  repack(); // what the stream brought meanwhile
  fitFleetOnce();
});

map.on('load', () => {
  map.on('click', (e: MapMouseEvent) => {
    if (replayBar.isOpen) return;
    const hit = pickAt(e.point);
    if (hit) selection.select(hit.driverId, false);
  });
  let pointer: { x: number; y: number } | null = null;
  let frame = 0;
  map.on('mousemove', (e: MapMouseEvent) => {
    pointer = e.point;
    frame ||= requestAnimationFrame(() => {
      frame = 0;
      hover(replayBar.isOpen || pointer === null ? undefined : pickAt(pointer));
    });
  });
  map.getCanvas().addEventListener('mouseleave', () => hover(undefined));
  followView();
  void refreshFleetExtent().then(() => refreshDensity());
  setInterval(() => void refreshDensity(), 3000);
  setInterval(() => void refreshFleetExtent(), 5000);
  // A new view (and after a zoom, a new resolution) at once, not at the next refresh.
  map.on('moveend', () => {
    countInView();
    followView();
    void refreshDensity();
  });
  map.on('movestart', () => ($('density').dataset['state'] = 'moving'));
  fitFleetOnce();
  const replayId = hash.get('replay');
  if (replayId !== null) void replay(replayId);
});

function pickAt(point: { x: number; y: number }): DriverPoint | undefined {
  return pickDriver(visibleDrivers(Date.now()), (lng, lat) => map.project([lng, lat]), point, radiusPx() + 5);
}

function hover(d: DriverPoint | undefined): void {
  map.getCanvas().style.cursor = d ? 'pointer' : '';
  hoverId = d?.driverId ?? null;
  if (d === undefined) {
    hoverMarker.remove();
    return;
  }
  const category = categoryOf(d, Date.now());
  const e = hoverMarker.getElement();
  e.style.setProperty('--c', cssColour(category));
  (e.querySelector('.ring-label') as HTMLElement).textContent = `${d.driverId} · ${CATEGORY_LABELS[category]}`;
  hoverMarker.setLngLat([d.fix.lng, d.fix.lat]).addTo(map);
}

/** Packs the visible drivers for the GPU and brings the counts, the panel and the rings up to date. */
function repack(): void {
  const now = Date.now();
  dirty = false;
  packed = packPoints(drivers.values(), origin, now, packed?.data, hidden);
  countInView();
  overlay?.setPoints(packed);
  const counts = countByCategory(drivers.values(), now);
  // Before the stream's first batch the counts are not known: they stay '–', not 0.
  if (countsKnown) sidebar.setCounts(counts, hidden, drivers.size - counts.offline, drivers.size);
  selection.update(now);
  const h = hoverId === null ? undefined : drivers.get(hoverId);
  if (h) hoverMarker.setLngLat([h.fix.lng, h.fix.lat]);
}

setInterval(() => void selection.refreshFacts(), 2000);

/**
 * The first time drivers are known, the map shows them all (unless a link asked for one driver or
 * trip, or the operator has moved the map already).
 */
let fitted = false;
/** The first view is settled (fitted, or left as a link or the operator set it): `data-first-view` says so. */
function firstViewSettled(): void {
  fitted = true;
  $('app').dataset['firstView'] = 'settled';
}
if (hash.has('driver') || hash.has('replay')) firstViewSettled();
map.once('movestart', firstViewSettled);
function fitFleetOnce(): void {
  const b = boundsOf([...drivers.values()].map((d) => d.fix));
  if (fitted || b === null || overlay === undefined) return; // the style is in: the map can be framed
  firstViewSettled();
  // No closer than where the index's hexagons still fit the view: the first look shows the density.
  const c = map.getContainer();
  const densityZoom = maxZoomFor(settings.indexResolution, (b[1] + b[3]) / 2, maxHexPx(c.clientWidth, c.clientHeight));
  map.fitBounds(
    [
      [b[0], b[1]],
      [b[2], b[3]],
    ],
    { padding: mapPadding(), maxZoom: Math.min(15, densityZoom - 0.05), duration: 0 },
  );
}

/** Plays a trip's recorded trace (the fleet hidden meanwhile). */
async function replay(tripId: string): Promise<void> {
  const r = await api.trace(tripId);
  if (!r.ok) {
    toast(
      r.error === 'history_off'
        ? 'This deployment keeps no history (live-only mode)'
        : r.status === 404
          ? `No trip ${tripId} within the retention`
          : `The trip could not be read (${r.status === 0 ? 'network' : r.status})`,
    );
    return;
  }
  // Where the operator was, to come back to when the replay closes: the view, and the driver.
  if (!replayBar.isOpen) beforeReplay = { center: map.getCenter(), zoom: map.getZoom(), driverId: panel.driverId };
  selection.deselect();
  hover(undefined);
  $('app').classList.add('replaying');
  overlay?.setReplay(
    packLine(
      r.value.points.map((p) => p.fix),
      origin,
    ),
  );
  replayBar.open(r.value);
  void refreshDensity();
}

/** The view and the driver before a replay opened (null when none is open). */
let beforeReplay: { center: LngLat; zoom: number; driverId: string | null } | null = null;

/** Closes a replay for a live driver: the map goes to the driver, not back to before the replay. */
function leaveReplay(): void {
  if (!replayBar.isOpen) return;
  beforeReplay = null;
  closeReplay();
}

function closeReplay(): void {
  replayBar.close();
  $('app').classList.remove('replaying');
  overlay?.setReplay(null);
  // Back where the operator was (a replay follows its car, often at street level): the view, and
  // the driver's panel if one was open.
  const before = beforeReplay;
  beforeReplay = null;
  if (before !== null) {
    map.jumpTo({ center: before.center, zoom: before.zoom });
    if (before.driverId !== null) selection.select(before.driverId, false);
  }
  void refreshDensity();
}

let toastTimer: ReturnType<typeof setTimeout> | undefined;
function toast(text: string): void {
  const t = $('toast');
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (t.hidden = true), 5000);
}

/** Once a second: how fresh the stream is, and the panel's "last fix N s ago". */
setInterval(() => {
  const now = Date.now();
  if (lastMessageMs === 0) sidebar.setUpdated('Waiting for the fleet…', false);
  else
    sidebar.setUpdated(freshnessText(lastMessageMs, now).replace(/^u/, 'U'), !connected || now - lastMessageMs > 5000);
  const d = selection.driver;
  if (d) panel.update(d, now);
}, 1000);

/** The whole fleet's extent (its regions' outlines) and size; for density and the first fit. */
async function refreshFleetExtent(): Promise<void> {
  const r = await api.regions();
  if (!r.ok) return;
  const outline = r.value.regions.flatMap((x) => cellToBoundary(x.cell).map(([lat, lng]) => ({ lat, lng })));
  fleetExtent = { bounds: boundsOf(outline), total: r.value.total };
  if (streamKey === 'wide') sidebar.setScope({ total: fleetExtent.total });
}

/** The drivers of the regions in view, streamed (fleet-events.ts); `streamKey` names what is followed. */
let streamKey = '';
const fleetEvents = new FleetEvents(token, {
  drivers(rows, gone, whole) {
    if (whole) {
      // A stream's first batch is its regions whole: what it does not list is not in view now.
      countsKnown = true;
      drivers.clear();
    }
    for (const d of rows) drivers.set(d.driverId, d);
    for (const id of gone) drivers.delete(id);
    lastMessageMs = Date.now();
    dirty = true;
    fitFleetOnce();
    const wanted = hash.get('driver');
    if (wanted !== null && panel.driverId === null && drivers.has(wanted)) {
      hash.delete('driver');
      selection.select(wanted, true);
    }
  },
  sim(sim) {
    lastMessageMs = Date.now();
    sidebar.setSim(sim);
  },
  state(state) {
    connected = state === 'live';
    sidebar.setConnection(state);
  },
});

function followView(): void {
  const b = map.getBounds();
  const regions = viewRegions(
    [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()],
    settings.regionResolution,
    settings.maxStreamRegions,
  );
  const key = regions === null ? 'wide' : regions.join(',');
  if (key === streamKey) return;
  streamKey = key;
  sidebar.setScope(regions === null ? { total: fleetExtent?.total ?? null } : null);
  // Zoomed out: the fleet's extent and size as they are now, for the density and the note.
  if (regions === null) void refreshFleetExtent().then(() => refreshDensity());
  $('app').dataset['regions'] = regions === null ? 'wide' : String(regions.length);
  followFleet(regions ?? []);
}

function followFleet(regions: readonly string[]): void {
  // A view too wide to stream each driver has none in view to count.
  if (regions.length === 0) {
    countsKnown = true;
    dirty = true;
  }
  fleetEvents.follow(regions);
}

// Twice a second when drivers changed, and every 2 s regardless, since drivers turn stale by time.
let packedAt = 0;
setInterval(() => {
  const now = Date.now();
  if (!dirty && now - packedAt < 2000) return;
  packedAt = now;
  repack();
}, 500);
// The fleet is asked for now, not at the map's 'load' (its first complete render, which waits for
// the style, tiles and glyphs: seconds on a slow network): the drivers and their counts are in by
// the time the map is drawn.
followView();
void refreshFleetExtent();
