import type { DriverPoint } from '../markers';
import type { DriverProfile, RiderTrip } from '@ridetrack/shared';
import type { DriverConnection, DriverTrips, TripSummary } from './api';
import { CATEGORY_LABELS, categoryOf, compassText, durationText, speedText, type Category } from './fleet-model';
import { cssColour } from './points';
import { rideStatus, wayAhead } from './ride-status';
import { el } from './dom';

/**
 * The panel of the driver an operator picked: it follows the driver live (state, speed, heading,
 * freshness, position at every fleet update; its trip and connection every few seconds), with
 * buttons to follow it on the map and to replay its trips. DOM only; text is set as text.
 */

const TRANSPORTS: Record<DriverConnection['transport'], string> = {
  tcp: 'MQTT over TCP',
  tls: 'MQTT over TLS',
  ws: 'MQTT over WebSocket',
  wss: 'MQTT over secure WebSocket',
};

const clock = (ms: number) => new Date(ms).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });

/** "2 s ago", "4 min ago". */
export function agoText(ms: number, nowMs: number): string {
  const s = Math.max(0, Math.round((nowMs - ms) / 1000));
  if (s < 2) return 'just now';
  return `${durationText(s * 1000)} ago`;
}

const TRACK_NOTE = 'Blue line: the last 10 minutes of its track';

export class DriverPanel {
  readonly root: HTMLElement;
  driverId: string | null = null;
  private readonly fields: Record<string, HTMLElement> = {};
  private readonly followButton: HTMLButtonElement;
  private readonly tripBox: HTMLElement;
  private readonly connectionBox: HTMLElement;
  private readonly trackNote: HTMLElement;
  private following = false;

  constructor(
    root: HTMLElement,
    private readonly on: { close(): void; follow(on: boolean): void; replay(tripId: string): void; zoom(): void },
  ) {
    this.root = root;
    const head = el('header', 'panel-head');
    const title = el('div', 'title');
    this.fields['id'] = el('h2', 'driver-id');
    this.fields['state'] = el('span', 'state-pill');
    this.fields['sim'] = el('span', 'tag', 'simulated');
    title.append(this.fields['id'], this.fields['state'], this.fields['sim']);
    const close = el('button', 'icon-button', '×');
    close.type = 'button';
    close.setAttribute('aria-label', 'Close');
    close.addEventListener('click', () => on.close());
    head.append(title, close);
    // Who riders are told to look for: what a rider calling support will say.
    this.fields['profile'] = el('div', 'profile muted');
    this.fields['profile'].dataset['testid'] = 'driver-profile';

    const vitals = el('div', 'vitals');
    for (const [key, label] of [
      ['speed', 'Speed'],
      ['heading', 'Heading'],
      ['fresh', 'Last fix'],
      ['accuracy', 'Accuracy'],
    ] as const) {
      const cell = el('div', 'vital');
      this.fields[key] = el('div', 'value');
      cell.append(this.fields[key], el('div', 'label', label));
      vitals.append(cell);
    }
    this.fields['position'] = el('div', 'position muted');

    const actions = el('div', 'actions');
    this.followButton = el('button', 'secondary', 'Follow');
    this.followButton.type = 'button';
    this.followButton.setAttribute('aria-pressed', 'false');
    this.followButton.addEventListener('click', () => {
      this.setFollowing(!this.following);
      on.follow(this.following);
    });
    const zoom = el('button', 'secondary', 'Zoom to');
    zoom.type = 'button';
    zoom.addEventListener('click', () => on.zoom());
    actions.append(this.followButton, zoom);

    this.tripBox = el('section', 'panel-section');
    this.connectionBox = el('section', 'panel-section');
    const track = el('p', 'track-note muted', TRACK_NOTE);
    this.trackNote = track;
    root.replaceChildren(
      head,
      this.fields['profile'],
      vitals,
      this.fields['position'],
      actions,
      this.tripBox,
      this.connectionBox,
      track,
    );
  }

  open(driverId: string): void {
    this.driverId = driverId;
    this.root.hidden = false;
    this.root.dataset['driver'] = driverId;
    (this.fields['id'] as HTMLElement).textContent = driverId;
    (this.fields['profile'] as HTMLElement).textContent = '';
    this.setFollowing(false);
    this.tripBox.replaceChildren(el('h3', undefined, 'Trip'), el('p', 'muted', 'Loading…'));
    this.connectionBox.replaceChildren(el('h3', undefined, 'Connection'), el('p', 'muted', 'Loading…'));
  }

  close(): void {
    this.driverId = null;
    this.root.hidden = true;
    delete this.root.dataset['driver'];
  }

  /** The driver as its riders see it: "Mei · Dark green Chevrolet Malibu · 5LSZ104". */
  setProfile(p: DriverProfile): void {
    (this.fields['profile'] as HTMLElement).textContent = `${p.name} · ${p.car} · ${p.plate}`;
  }

  setFollowing(on: boolean): void {
    this.following = on;
    this.followButton.setAttribute('aria-pressed', String(on));
    this.followButton.textContent = on ? 'Following' : 'Follow';
  }

  /** The driver's newest fix and presence, as the fleet stream has them. */
  update(d: DriverPoint, nowMs: number): void {
    const category: Category = categoryOf(d, nowMs);
    const f = this.fields;
    const pill = f['state'] as HTMLElement;
    pill.textContent = CATEGORY_LABELS[category];
    pill.style.setProperty('--c', cssColour(category));
    (f['sim'] as HTMLElement).hidden = !d.fix.simulated;
    (f['speed'] as HTMLElement).textContent = speedText(d.fix.speedMps);
    (f['heading'] as HTMLElement).textContent = compassText(d.fix.headingDeg);
    (f['fresh'] as HTMLElement).textContent = agoText(d.fix.timestampMs, nowMs);
    (f['fresh'] as HTMLElement).classList.toggle('bad', category === 'offline');
    (f['accuracy'] as HTMLElement).textContent = d.fix.accuracyM === null ? '—' : `±${d.fix.accuracyM} m`;
    (f['position'] as HTMLElement).textContent =
      `${d.fix.lat.toFixed(5)}, ${d.fix.lng.toFixed(5)} · fix #${d.fix.seq} at ${new Date(d.fix.timestampMs).toLocaleTimeString('en-GB')}`;
    this.root.dataset['seq'] = String(d.fix.seq);
  }

  setTrips(trips: DriverTrips | null, nowMs: number, ride: RiderTrip | null = null): void {
    // The map's lines, named: the way ahead is drawn while a ride has one (ride-on-map.ts).
    const ahead = ride !== null && ride.id === trips?.current?.id ? wayAhead(ride) : null;
    const to = ahead?.toward === 'dropoff' ? 'destination' : 'pickup';
    this.trackNote.textContent = ahead !== null ? `${TRACK_NOTE}; dark line: the way to the ${to}` : TRACK_NOTE;
    const box = this.tripBox;
    box.replaceChildren(el('h3', undefined, 'Trip'));
    if (trips === null) {
      box.append(el('p', 'muted', 'Trips cannot be read right now'));
      return;
    }
    if (trips.current !== null) {
      const c = trips.current;
      const row = el('div', 'trip current');
      const text = el('div');
      if (ride !== null && ride.id === c.id) {
        const status = rideStatus(ride, nowMs);
        const stage = el('div', 'trip-stage', status.stage);
        stage.dataset['testid'] = 'ride-stage';
        text.append(stage);
        if (status.places !== '') text.append(el('div', undefined, status.places));
      }
      text.append(
        el('div', 'trip-id', c.id),
        el(
          'div',
          'muted',
          `Rider ${c.riderId ?? 'unknown'} · since ${clock(c.startMs)} (${durationText(nowMs - c.startMs)})`,
        ),
      );
      row.append(text);
      if (trips.history) row.append(this.replayButton(c.id, 'Replay so far'));
      box.append(row);
    } else box.append(el('p', 'muted', 'No trip now'));
    if (!trips.history) {
      box.append(el('p', 'muted small', 'Live-only mode: no trip history is kept'));
      return;
    }
    const past = trips.trips.filter((t) => t.id !== trips.current?.id);
    if (past.length === 0) return;
    const list = el('ul', 'trip-list');
    for (const t of past.slice(0, 4)) list.append(this.pastTrip(t));
    box.append(el('h4', undefined, 'Recent trips'), list);
  }

  setConnection(c: DriverConnection | null, online: boolean, nowMs: number): void {
    const box = this.connectionBox;
    box.replaceChildren(el('h3', undefined, 'Connection'));
    if (c === null) {
      box.append(el('p', 'muted', 'Not known'));
      return;
    }
    const dl = el('dl', 'facts');
    const fact = (k: string, v: string) => dl.append(el('dt', undefined, k), el('dd', undefined, v));
    fact('Status', online && c.endedMs === null ? 'Connected' : 'Disconnected');
    fact('Node', c.node);
    fact('Transport', TRANSPORTS[c.transport]);
    fact(
      c.endedMs === null ? 'Since' : 'Ended',
      c.endedMs === null
        ? `${clock(c.connectedMs)} (${durationText(nowMs - c.connectedMs)})`
        : `${clock(c.endedMs)} (${agoText(c.endedMs, nowMs)})`,
    );
    box.append(dl);
  }

  private pastTrip(t: TripSummary): HTMLElement {
    const li = el('li', 'trip');
    const text = el('div');
    // A past trip (not the driver's current one) with no end: its end was never heard (the broker
    // stopped during it, or the trip lapsed), so the page says that, not that it still runs.
    const span = t.endMs === null ? 'end not recorded' : durationText(t.endMs - t.startMs);
    text.append(el('div', 'trip-id', t.id), el('div', 'muted', `${clock(t.startMs)} · ${span}`));
    li.append(text, this.replayButton(t.id, 'Replay'));
    return li;
  }

  private replayButton(tripId: string, label: string): HTMLButtonElement {
    const b = el('button', 'link', label);
    b.type = 'button';
    b.dataset['trip'] = tripId;
    b.addEventListener('click', () => this.on.replay(tripId));
    return b;
  }
}
