import { Marker, type Map as MapLibre } from 'maplibre-gl';
import type { LatLng } from '@ridetrack/shared';
import type { DriverPoint } from '../markers';
import type { ConsoleApi } from './api';
import { keepInView, type Padding } from './camera';
import { boundsOf } from './density';
import type { DriverPanel } from './driver-panel';
import { categoryOf } from './fleet-model';
import { packLine } from './lines';
import type { FleetOverlay } from './overlay';
import { cssColour } from './points';
import type { RideOnMap } from './ride-on-map';
import { ridePlaces } from './ride-status';

/** How far back the selected driver's track goes. */
const TRACK_MS = 10 * 60_000;

export interface SelectionDeps {
  map: MapLibre;
  api: ConsoleApi;
  panel: DriverPanel;
  rideOnMap: RideOnMap;
  overlay: () => FleetOverlay | undefined;
  origin: readonly [number, number];
  /** The driver as the stream last brought it. */
  driver: (driverId: string) => DriverPoint | undefined;
  /** The map's free part: the panels over it are not part of the view. */
  padding: () => Padding;
  /** The console's root: `has-driver` while one is selected. */
  app: HTMLElement;
  /** Called before a driver is picked (a replay closes for a live driver). */
  beforeSelect: () => void;
}

/** A ring on the map, with a name tag (the selected driver's, and the one under the pointer). */
export function ringElement(kind: string): HTMLElement {
  const e = document.createElement('div');
  e.className = `ring ${kind}`;
  const label = document.createElement('span');
  label.className = 'ring-label';
  e.append(label);
  return e;
}

/**
 * The driver the operator picked: its panel, its ring, its recent track, its ride (pins and the
 * way ahead, framed whole when it was picked from the search or a link), and whether the map
 * follows it.
 */
export class Selection {
  /** The map keeps the selected driver in view. */
  following = false;
  /** The selected driver's recent track, oldest first. */
  private track: { t: number; lat: number; lng: number }[] = [];
  /** A driver picked from the search or a link: its ride, once read, is framed whole (ridePlaces). */
  private frameRideOf: string | null = null;
  private readonly marker = new Marker({ element: ringElement('selected') });

  constructor(private readonly deps: SelectionDeps) {}

  get driver(): DriverPoint | undefined {
    const id = this.deps.panel.driverId;
    return id === null ? undefined : this.deps.driver(id);
  }

  /** Picks a driver: its panel, its ring, its recent track; `fly` brings it into view. */
  select(driverId: string, fly: boolean): void {
    const { map, panel, api } = this.deps;
    const d = this.deps.driver(driverId);
    if (d === undefined) return;
    this.deps.beforeSelect();
    panel.open(driverId);
    panel.update(d, Date.now());
    this.deps.app.classList.add('has-driver');
    this.marker.setLngLat([d.fix.lng, d.fix.lat]).addTo(map);
    this.following = false;
    this.track = [];
    this.deps.overlay()?.setLiveTrack(null);
    this.deps.rideOnMap.show(null);
    this.frameRideOf = fly ? driverId : null;
    if (fly)
      map.easeTo({ center: [d.fix.lng, d.fix.lat], zoom: Math.max(map.getZoom(), 14), padding: this.deps.padding() });
    const now = Date.now();
    void api.track(driverId, now - TRACK_MS, now + 60_000).then((r) => {
      if (panel.driverId !== driverId || !r.ok) return;
      // Fixes the stream brought meanwhile are newer than what the history had: keep both, in order.
      const fromHistory = r.value.map((p) => ({ t: p.fix.timestampMs, lat: p.fix.lat, lng: p.fix.lng }));
      const lastT = fromHistory[fromHistory.length - 1]?.t ?? 0;
      this.track = [...fromHistory, ...this.track.filter((p) => p.t > lastT)];
      this.drawTrack();
    });
    void api.profile(driverId).then((r) => {
      if (panel.driverId === driverId && r.ok) panel.setProfile(r.value);
    });
    void this.refreshFacts();
  }

  deselect(): void {
    this.deps.panel.close();
    this.deps.app.classList.remove('has-driver');
    this.marker.remove();
    this.track = [];
    this.following = false;
    this.deps.overlay()?.setLiveTrack(null);
    this.deps.rideOnMap.show(null);
  }

  /** The drivers were repacked: the selected one's panel, ring and track, and the camera if it follows. */
  update(now: number): void {
    const d = this.driver;
    if (d === undefined) return;
    this.deps.panel.update(d, now);
    this.marker.setLngLat([d.fix.lng, d.fix.lat]);
    this.marker.getElement().style.setProperty('--c', cssColour(categoryOf(d, now)));
    this.extendTrack(d);
    if (this.following) keepInView(this.deps.map, d.fix, this.deps.padding());
  }

  /** The panel's slower facts: the driver's trips, its ride and connection (every 2 s while it is open). */
  async refreshFacts(): Promise<void> {
    const { panel, api } = this.deps;
    const id = panel.driverId;
    if (id === null) return;
    const [trips, connection] = await Promise.all([api.trips(id), api.connection(id)]);
    // The current trip's stage, streets and ETA, where dispatch knows it (a simulated trip has none).
    const current = trips.ok ? trips.value.current : null;
    const ride = current === null ? null : await api.ride(current.id);
    if (panel.driverId !== id) return;
    const now = Date.now();
    panel.setTrips(trips.ok ? trips.value : null, now, ride?.ok === true ? ride.value : null);
    // A ride that could not be read this time stays drawn as it was; no current trip clears it.
    if (ride === null || ride.ok) this.deps.rideOnMap.show(ride?.value ?? null);
    if (this.frameRideOf === id) {
      this.frameRideOf = null;
      const d = this.deps.driver(id);
      if (ride?.ok === true && d !== undefined) this.frameRide(ridePlaces(ride.value, d.fix));
    }
    panel.setConnection(connection.ok ? connection.value : null, this.deps.driver(id)?.online ?? false, now);
  }

  private extendTrack(d: DriverPoint): void {
    const last = this.track[this.track.length - 1];
    if (last !== undefined && last.t >= d.fix.timestampMs) return;
    this.track.push({ t: d.fix.timestampMs, lat: d.fix.lat, lng: d.fix.lng });
    const cutoff = d.fix.timestampMs - TRACK_MS;
    while ((this.track[0]?.t ?? cutoff) < cutoff) this.track.shift();
    this.drawTrack();
  }

  private drawTrack(): void {
    this.deps.overlay()?.setLiveTrack(this.track.length > 1 ? packLine(this.track, this.deps.origin) : null);
    this.deps.panel.root.dataset['trackPoints'] = String(this.track.length);
  }

  /** Fits the car, its pickup, its destination and the way between into the free part of the map. */
  private frameRide(places: LatLng[]): void {
    const b = boundsOf(places);
    if (b === null || places.length < 2) return;
    // MapLibre adds fitBounds's padding to the map's own (left by the last easeTo): the panels' room
    // is made the map's own, and the fit asks only for room around each pin for its name tag.
    this.deps.map.setPadding(this.deps.padding());
    this.deps.map.fitBounds(
      [
        [b[0], b[1]],
        [b[2], b[3]],
      ],
      { padding: { top: 40, bottom: 10, left: 50, right: 50 }, maxZoom: 16, linear: true },
    );
  }
}
