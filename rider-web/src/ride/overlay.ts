import type { LatLng } from '@ridetrack/shared';
import type { Point } from './projection';
import { labelLeftPx } from './label-fit';
import { trimRoute } from './route-trim';
import { spreadStacked } from './spread';

/** Map position to screen position: our own camera before MapLibre has loaded, MapLibre's after. */
export type Projector = (p: LatLng) => Point;

/** A car seen from above, nose up: clearly a car, and unlike the pickup pin. */
const CAR_SVG = `<svg viewBox="0 0 30 48" xmlns="http://www.w3.org/2000/svg">
<rect x="3" y="2" width="24" height="44" rx="9" fill="#1d2126" stroke="#fff" stroke-width="2"/>
<path d="M7 15 Q15 10 23 15 L22 21 Q15 19 8 21 Z" fill="#a9c4de"/>
<path d="M8 36 Q15 38 22 36 L22.5 40 Q15 42.5 7.5 40 Z" fill="#a9c4de"/>
<rect x="8" y="22" width="14" height="13" rx="2" fill="#2d333a"/>
<rect x="6" y="4.5" width="5" height="2.6" rx="1.3" fill="#fff6c7"/>
<rect x="19" y="4.5" width="5" height="2.6" rx="1.3" fill="#fff6c7"/>
</svg>`;

const NEARBY_SVG = CAR_SVG.replace('#1d2126', '#3c4148');

/** How far apart cars given at one place are set (screen pixels): about an icon's width. */
const STACK_SPREAD_PX = 18;

/** Closer than this (screen pixels) the car would sit on the pin's label. */
const CAR_COVERS_LABEL_PX = 70;

/** How far inside the screen's edge a pin's label stays. */
const TAG_MARGIN_PX = 6;

const distancePx = (a: Point, b: Point): number => Math.hypot(a.x - b.x, a.y - b.y);

function marker(className: string, html: string, parent: HTMLElement): HTMLElement {
  const el = document.createElement('div');
  el.className = `marker ${className}`;
  el.innerHTML = html;
  el.hidden = true;
  parent.appendChild(el);
  return el;
}

const place = (el: HTMLElement, p: Point, rotateDeg = 0): void => {
  el.style.transform = `translate(${p.x.toFixed(2)}px, ${p.y.toFixed(2)}px)${rotateDeg === 0 ? '' : ` rotate(${rotateDeg.toFixed(1)}deg)`}`;
};

/** What to draw this frame. Null things are hidden. */
export interface OverlayState {
  car: (LatLng & { headingDeg: number; stale: boolean }) | null;
  pickup: LatLng | null;
  pickupLabel: string | null;
  dropoff: LatLng | null;
  /** The route still to drive, car first ([lng, lat]); drawn from the car's drawn position on. */
  route: { points: LatLng[]; stale: boolean } | null;
  nearby: readonly (LatLng & { headingDeg: number | null })[];
}

/**
 * The things drawn over the map: the car (above everything), the pickup pin, the destination, the
 * route as an SVG line, and the cars near a pickup before booking. Positions are projected every
 * frame, so they follow the car and every move of the map exactly.
 */
export class Overlay {
  readonly carEl: HTMLElement;
  private readonly pinEl: HTMLElement;
  private readonly pinTag: HTMLElement;
  private readonly dropoffEl: HTMLElement;
  private readonly dropoffTag: HTMLElement;
  /** Each label's width, measured once per text (0: not measured yet). */
  private readonly tagWidths = new Map<HTMLElement, number>();
  private readonly casing: SVGPathElement;
  private readonly line: SVGPathElement;
  private nearbyEls: HTMLElement[] = [];

  constructor(
    private readonly layer: HTMLElement,
    svg: SVGSVGElement,
  ) {
    this.carEl = marker('car', CAR_SVG, layer);
    this.carEl.dataset['testid'] = 'car';
    this.pinEl = marker('pin', '<div class="dot"></div><div class="tag"></div>', layer);
    this.pinEl.dataset['testid'] = 'pickup';
    this.pinTag = this.pinEl.querySelector('.tag') as HTMLElement;
    this.dropoffEl = marker('dropoff', '<div class="dot"></div><div class="tag">Destination</div>', layer);
    this.dropoffEl.dataset['testid'] = 'dropoff';
    this.dropoffTag = this.dropoffEl.querySelector('.tag') as HTMLElement;
    const ns = 'http://www.w3.org/2000/svg';
    this.casing = document.createElementNS(ns, 'path');
    this.casing.setAttribute('class', 'casing');
    this.line = document.createElementNS(ns, 'path');
    this.line.setAttribute('class', 'line');
    svg.append(this.casing, this.line);
  }

  draw(s: OverlayState, project: Projector): void {
    // The moment the rider first sees the car, for the benchmark (performance.getEntriesByName).
    if (s.car !== null && this.carEl.hidden && performance.getEntriesByName('ride:first-car').length === 0)
      performance.mark('ride:first-car');
    this.show(this.carEl, s.car, project, (el, car) => {
      el.classList.toggle('stale', car.stale);
      return car.headingDeg;
    });
    // Read before this frame writes anything: no layout is forced.
    const viewW = this.layer.clientWidth;
    this.show(this.pinEl, s.pickup, project);
    if (this.pinTag.textContent !== (s.pickupLabel ?? '')) {
      this.pinTag.textContent = s.pickupLabel ?? '';
      this.tagWidths.delete(this.pinTag);
    }
    // The label gives way to the car once it is at the pin: the car is what the rider looks for.
    const carNear =
      s.car !== null && s.pickup !== null && distancePx(project(s.car), project(s.pickup)) < CAR_COVERS_LABEL_PX;
    this.pinTag.hidden = s.pickupLabel === null || carNear;
    this.show(this.dropoffEl, s.dropoff, project);
    if (s.pickup !== null && !this.pinTag.hidden) this.fitTag(this.pinTag, project(s.pickup).x, viewW);
    if (s.dropoff !== null) this.fitTag(this.dropoffTag, project(s.dropoff).x, viewW);
    this.drawRoute(s, project);
    this.drawNearby(s.nearby, project);
  }

  /** Keeps a pin's whole label on screen (label-fit.ts). */
  private fitTag(tag: HTMLElement, pinX: number, viewW: number): void {
    let width = this.tagWidths.get(tag) ?? 0;
    if (width === 0) {
      width = tag.offsetWidth;
      this.tagWidths.set(tag, width);
    }
    if (width === 0 || viewW === 0) return;
    const left = labelLeftPx(pinX, width, viewW, TAG_MARGIN_PX);
    tag.classList.toggle('offscreen', left === null);
    const transform = `translateX(${(left ?? -width / 2).toFixed(1)}px)`;
    if (tag.style.transform !== transform) tag.style.transform = transform;
  }

  private show<T extends LatLng>(
    el: HTMLElement,
    at: T | null,
    project: Projector,
    extra?: (el: HTMLElement, at: T) => number,
  ): void {
    if (at === null) {
      el.hidden = true;
      return;
    }
    el.hidden = false;
    place(el, project(at), extra?.(el, at) ?? 0);
  }

  private drawRoute(s: OverlayState, project: Projector): void {
    if (s.route === null || s.route.points.length < 2) {
      this.casing.setAttribute('d', '');
      this.line.setAttribute('d', '');
      return;
    }
    // Trimmed at the car: the line starts where the car is drawn, nothing of it behind the car.
    const pts = s.car === null ? s.route.points : trimRoute(s.route.points, s.car);
    const d = pts
      .map((p, i) => {
        const q = project(p);
        return `${i === 0 ? 'M' : 'L'}${q.x.toFixed(1)} ${q.y.toFixed(1)}`;
      })
      .join('');
    this.casing.setAttribute('d', d);
    this.line.setAttribute('d', d);
    this.line.classList.toggle('stale', s.route.stale);
  }

  private drawNearby(cars: OverlayState['nearby'], project: Projector): void {
    while (this.nearbyEls.length < cars.length) {
      const el = marker('nearby', NEARBY_SVG, this.layer);
      el.dataset['testid'] = 'nearby-car';
      this.nearbyEls.push(el);
    }
    // Cars given at one cell's centre are set around it, so each car counted is one icon seen.
    const at = spreadStacked(
      cars.map((car) => project(car)),
      STACK_SPREAD_PX,
    );
    this.nearbyEls.forEach((el, i) => {
      const car = cars[i];
      const p = at[i];
      if (car === undefined || p === undefined) {
        el.hidden = true;
        return;
      }
      el.hidden = false;
      place(el, p, car.headingDeg ?? 0);
    });
  }
}
