import { LngLatBounds, Marker, type Map as MapLibre } from 'maplibre-gl';
import type { Stop } from '@ridetrack/shared';
import type { Trace } from './api';
import { keepInView, type Padding } from './camera';
import { distanceText, durationText, speedText } from './fleet-model';
import { advance, REPLAY_SPEEDS, ReplayTimeline } from './replay';
import { el } from './dom';

/**
 * A trip played back on the map, as Traccar's replay does: play and pause, 1x to 20x, a scrubber,
 * the car following the recorded route (the route light, the part played strong, drawn by the
 * overlay), start, end and stop markers, distance, duration and speeds, and an optional camera
 * that follows the car. DOM and the map's markers; the timeline is pure (replay.ts).
 */

const clock = (ms: number) => new Date(ms).toLocaleTimeString('en-GB');
/** The scrubber's steps. */
const SCRUB_STEPS = 1000;

export class ReplayBar {
  private timeline: ReplayTimeline | null = null;
  private t = 0;
  private speed = 10;
  private playing = false;
  private follow = true;
  private frame = 0;
  private lastFrameMs = 0;
  private readonly markers: Marker[] = [];
  private car: Marker | null = null;
  private readonly playButton: HTMLButtonElement;
  private readonly speedButtons = new Map<number, HTMLButtonElement>();
  private readonly scrub: HTMLInputElement;
  private readonly timeText: HTMLElement;
  private readonly title: HTMLElement;
  private readonly statsText: HTMLElement;
  /** What the pins on the map are, with their times. */
  private readonly legend: HTMLElement;

  constructor(
    private readonly root: HTMLElement,
    private readonly map: MapLibre,
    private readonly on: { progress(index: number): void; close(): void },
  ) {
    const head = el('div', 'replay-head');
    this.title = el('div', 'replay-title');
    const close = el('button', 'icon-button', '×');
    close.type = 'button';
    close.setAttribute('aria-label', 'Close the replay');
    close.addEventListener('click', () => on.close());
    head.append(this.title, close);

    const controls = el('div', 'replay-controls');
    this.playButton = el('button', 'play');
    this.playButton.type = 'button';
    this.playButton.addEventListener('click', () => (this.playing ? this.pause() : this.play()));
    const speeds = el('div', 'segmented');
    speeds.setAttribute('role', 'group');
    speeds.setAttribute('aria-label', 'Replay speed');
    for (const s of REPLAY_SPEEDS) {
      const b = el('button', undefined, `${s}×`);
      b.type = 'button';
      b.dataset['speed'] = String(s);
      b.addEventListener('click', () => this.setSpeed(s));
      speeds.append(b);
      this.speedButtons.set(s, b);
    }
    this.scrub = el('input', 'scrub');
    this.scrub.type = 'range';
    this.scrub.min = '0';
    this.scrub.max = String(SCRUB_STEPS);
    this.scrub.setAttribute('aria-label', 'Replay position');
    this.scrub.addEventListener('input', () => {
      const tl = this.timeline;
      if (tl === null) return;
      this.seek(tl.startMs + ((tl.endMs - tl.startMs) * Number(this.scrub.value)) / SCRUB_STEPS);
    });
    this.timeText = el('span', 'replay-time');
    const followLabel = el('label', 'check');
    const followBox = el('input');
    followBox.type = 'checkbox';
    followBox.checked = this.follow;
    followBox.addEventListener('change', () => (this.follow = followBox.checked));
    followLabel.append(followBox, el('span', undefined, 'Follow'));
    controls.append(this.playButton, speeds, this.scrub, this.timeText, followLabel);
    this.statsText = el('div', 'replay-stats');
    this.legend = el('div', 'replay-legend');
    root.replaceChildren(head, controls, this.statsText, this.legend);
    this.setSpeed(this.speed);
  }

  get isOpen(): boolean {
    return this.timeline !== null;
  }

  /** Shows a trip's trace, fits the map to it, and starts playing. */
  open(trace: Trace): void {
    this.closeMarkers();
    const timeline = new ReplayTimeline(
      trace.points.map((p) => ({
        t: p.fix.timestampMs,
        lat: p.fix.lat,
        lng: p.fix.lng,
        headingDeg: p.fix.headingDeg,
        speedMps: p.fix.speedMps,
        tripState: p.fix.tripState,
      })),
    );
    this.timeline = timeline;
    this.root.hidden = false;
    this.root.dataset['trip'] = trace.trip.id;
    this.root.dataset['points'] = String(timeline.points.length);
    this.title.replaceChildren(
      el('b', undefined, `Trip ${trace.trip.id}`),
      el(
        'span',
        'muted',
        ` · ${trace.trip.driverId}${trace.trip.riderId === null ? '' : ` · rider ${trace.trip.riderId}`}`,
      ),
    );
    const s = trace.stats;
    const parts = [
      // The whole drive, and the part the rider's own summary counts (without the pickup leg).
      s.withRiderM === null
        ? distanceText(s.distanceM)
        : `${distanceText(s.distanceM)} driven, ${distanceText(s.withRiderM)} with the rider`,
      durationText(s.durationMs),
      `avg ${speedText(s.avgSpeedMps)}`,
      ...(s.maxSpeedMps === null ? [] : [`top ${speedText(s.maxSpeedMps)}`]),
      `${s.stops.length} ${s.stops.length === 1 ? 'stop' : 'stops'}`,
    ];
    this.statsText.textContent = parts.join(' · ');
    const first = timeline.points[0];
    const last = timeline.points[timeline.points.length - 1];
    if (first === undefined || last === undefined) {
      this.statsText.textContent = 'No fixes were recorded for this trip';
      this.timeText.textContent = '';
      this.legend.replaceChildren();
      return;
    }
    // Where the rider got in: the first fix of the trip proper (the car's state on_trip).
    const boarded = timeline.points.find((p) => p.tripState === 'on_trip');
    this.markers.push(this.pin('start', 'A', `Start ${clock(first.t)}`, first));
    if (boarded !== undefined)
      this.markers.push(this.pin('pickup', '', `Rider picked up ${clock(boarded.t)}`, boarded));
    this.markers.push(this.pin('end', 'B', `End ${clock(last.t)}`, last));
    s.stops.forEach((stop, i) => this.markers.push(this.stopPin(stop, i)));
    const key = (kind: string, label: string, text: string): HTMLElement => {
      const item = el('span', 'legend-item');
      item.append(el('span', `pin ${kind}`, label), el('span', undefined, text));
      return item;
    };
    this.legend.replaceChildren(
      key('start', 'A', `start ${clock(first.t)}`),
      ...(boarded === undefined ? [] : [key('pickup', '', `rider picked up ${clock(boarded.t)}`)]),
      key('end', 'B', `end ${clock(last.t)}`),
      ...(s.stops.length === 0 ? [] : [key('stop', 'P', s.stops.length === 1 ? 'a stop' : 'stops')]),
    );
    const carEl = el('div', 'replay-car');
    this.car = new Marker({ element: carEl, rotationAlignment: 'map' })
      .setLngLat([first.lng, first.lat])
      .addTo(this.map);
    const bounds = new LngLatBounds();
    for (const p of timeline.points) bounds.extend([p.lng, p.lat]);
    this.map.fitBounds(bounds, { padding: this.fitPadding(), maxZoom: 16, duration: 0 });
    this.t = timeline.startMs;
    this.render();
    this.play();
  }

  close(): void {
    this.pause();
    this.closeMarkers();
    this.timeline = null;
    this.root.hidden = true;
    delete this.root.dataset['trip'];
  }

  play(): void {
    const tl = this.timeline;
    if (tl === null || this.playing) return;
    if (this.t >= tl.endMs) this.t = tl.startMs; // at the end, play starts again
    this.playing = true;
    this.lastFrameMs = performance.now();
    this.frame = requestAnimationFrame(this.tick);
    this.render();
  }

  pause(): void {
    this.playing = false;
    cancelAnimationFrame(this.frame);
    this.render();
  }

  setSpeed(speed: number): void {
    this.speed = speed;
    this.root.dataset['speed'] = String(speed);
    for (const [s, b] of this.speedButtons) b.setAttribute('aria-pressed', String(s === speed));
  }

  private seek(t: number): void {
    this.t = t;
    this.render();
  }

  private readonly tick = (nowMs: number): void => {
    const tl = this.timeline;
    if (tl === null || !this.playing) return;
    this.t = advance(this.t, nowMs - this.lastFrameMs, this.speed, tl.endMs);
    this.lastFrameMs = nowMs;
    if (this.t >= tl.endMs) this.playing = false;
    this.render();
    if (this.playing) this.frame = requestAnimationFrame(this.tick);
  };

  private render(): void {
    const tl = this.timeline;
    if (tl === null) return;
    this.playButton.textContent = this.playing ? '❚❚' : '▶';
    this.playButton.setAttribute('aria-label', this.playing ? 'Pause' : 'Play');
    this.root.dataset['playing'] = String(this.playing);
    const pos = tl.positionAt(this.t);
    if (pos === null) return;
    this.root.dataset['t'] = String(Math.round(this.t));
    this.root.dataset['index'] = String(pos.index);
    this.car?.setLngLat([pos.lng, pos.lat]).setRotation(pos.headingDeg);
    this.on.progress(pos.index);
    const span = Math.max(1, tl.endMs - tl.startMs);
    this.scrub.value = String(Math.round(((this.t - tl.startMs) / span) * SCRUB_STEPS));
    this.timeText.textContent = `${clock(this.t)} · ${durationText(this.t - tl.startMs)} of ${durationText(span)}`;
    // Pans only as the car is about to leave the map (the bar aside): the overview the replay opened
    // with, whose route lies 40 px inside the edges, stays as long as the operator keeps it.
    if (this.follow && this.playing)
      keepInView(this.map, pos, { top: 0, left: 0, right: 0, bottom: this.root.offsetHeight }, 0.02);
  }

  /** Room for the bar itself at the bottom of the map. */
  private fitPadding(): Padding {
    return { top: 40, bottom: this.root.offsetHeight + 40, left: 40, right: 60 };
  }

  private pin(kind: string, label: string, title: string, at: { lat: number; lng: number }): Marker {
    const e = el('div', `pin ${kind}`, label);
    e.title = title;
    return new Marker({ element: e }).setLngLat([at.lng, at.lat]).addTo(this.map);
  }

  private stopPin(stop: Stop, i: number): Marker {
    const e = el('div', 'pin stop', 'P');
    e.dataset['stop'] = String(i);
    e.title = `Stopped ${durationText(stop.endMs - stop.startMs)}, ${clock(stop.startMs)}–${clock(stop.endMs)}`;
    return new Marker({ element: e }).setLngLat([stop.lng, stop.lat]).addTo(this.map);
  }

  private closeMarkers(): void {
    for (const m of this.markers) m.remove();
    this.markers.length = 0;
    this.car?.remove();
    this.car = null;
  }
}
