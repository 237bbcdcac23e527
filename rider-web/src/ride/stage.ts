import type { LatLng } from '@ridetrack/shared';
import type { PageConfig } from '../feed';
import { frame, NEIGHBOURHOOD_ZOOM, needsReframe, RIDE_ZOOMS, type Padding } from './camera';
import { Overlay, type OverlayState, type Projector } from './overlay';
import { latLngOfWorld, project, worldOf, type Camera } from './projection';

/** What MapLibre offers the stage once it has loaded (a narrow surface, so the first view needs none of it). */
export interface LoadedMap {
  project: Projector;
  unproject(x: number, y: number): LatLng;
  camera(): { center: LatLng; zoom: number };
  easeTo(camera: { center: LatLng; zoom: number }, durationMs: number): void;
  onClick(handler: (p: LatLng) => void): void;
  /** The rider moved the map by hand: framing pauses for a while. */
  onUserMove(handler: () => void): void;
  onMove(handler: () => void): void;
}

/** After the rider pans or zooms by hand, the camera is left alone this long. */
const USER_HOLD_MS = 12_000;
/**
 * The margin kept between what is framed and the sheet and screen edges: room for a pin's label
 * (about 90 px, centred on its pin) when the pin has drifted 12 px past it before the camera frames
 * again (camera.ts).
 */
const MARGIN_PX = 64;

/**
 * The map area: a light first view (a plain background with the car, pin and route drawn by our
 * own projection, the same Web Mercator as MapLibre's), replaced without a jump by MapLibre once
 * it has loaded; and the camera, which frames what matters clear of the sheet and re-frames as the
 * car closes in.
 */
export class Stage {
  readonly overlay: Overlay;
  private light: Camera;
  private map: LoadedMap | null = null;
  private userMovedMs = 0;
  private clickHandler: ((p: LatLng) => void) | null = null;
  private held = false;

  constructor(
    config: PageConfig,
    private readonly cover: () => { bottom: number; left: number },
    /** `?zoom=16`: the camera is put on the first thing framed at this zoom and then held still (benchmarks, tests). */
    private readonly fixedZoom: number | null = null,
  ) {
    this.overlay = new Overlay(el('markers'), el('route') as unknown as SVGSVGElement);
    this.light = {
      center: { lng: config.center[0], lat: config.center[1] },
      // MapLibre's opening zoom (map.ts): the first view and the map agree before anything is framed.
      zoom: 14,
      width: window.innerWidth,
      height: window.innerHeight,
    };
    el('light').addEventListener('click', (e) => {
      if (this.map === null) this.clickHandler?.(this.unproject(e.clientX, e.clientY));
    });
    window.addEventListener('resize', () => {
      this.light = { ...this.light, width: window.innerWidth, height: window.innerHeight };
    });
  }

  get loaded(): boolean {
    return this.map !== null;
  }

  /** MapLibre has loaded: it takes over the camera where the light view left it, and the background fades. */
  attach(map: LoadedMap): void {
    this.map = map;
    map.onUserMove(() => (this.userMovedMs = Date.now()));
    map.onClick((p) => this.clickHandler?.(p));
    el('light').classList.add('gone');
  }

  onClick(handler: (p: LatLng) => void): void {
    this.clickHandler = handler;
  }

  /** The camera now (the light view's, or MapLibre's). */
  camera(): Camera {
    if (this.map === null) return this.light;
    return { ...this.map.camera(), width: window.innerWidth, height: window.innerHeight };
  }

  projector(): Projector {
    if (this.map !== null) return this.map.project;
    const cam = this.light;
    return (p) => project(p, cam);
  }

  unproject(x: number, y: number): LatLng {
    if (this.map !== null) return this.map.unproject(x, y);
    const scale = 2 ** this.light.zoom;
    const c = worldOf(this.light.center);
    return latLngOfWorld({ x: c.x + (x - this.light.width / 2) / scale, y: c.y + (y - this.light.height / 2) / scale });
  }

  draw(state: OverlayState): void {
    this.overlay.draw(state, this.projector());
  }

  /** The padding that keeps framed things clear of the sheet (phones) or panel (wide screens). */
  padding(): Padding {
    const c = this.cover();
    return { top: MARGIN_PX + 24, right: MARGIN_PX, bottom: c.bottom + MARGIN_PX, left: c.left + MARGIN_PX };
  }

  /**
   * Frames the points if they need it (one left the clear area, or they closed in), unless the
   * rider moved the map by hand lately. `force` frames at once (a new state, a first fix).
   */
  frame(points: readonly LatLng[], force = false, durationMs = 900, maxZoom = RIDE_ZOOMS.maxZoom): void {
    if (points.length === 0) return;
    if (this.fixedZoom !== null) {
      if (this.held) return;
      this.held = true;
      const z = this.fixedZoom;
      const one = frame([points[0] as LatLng], this.camera(), this.padding(), { minZoom: z, maxZoom: z });
      if (this.map === null) this.light = one;
      else this.map.easeTo(one, 0);
      return;
    }
    if (!force && Date.now() - this.userMovedMs < USER_HOLD_MS) return;
    const cam = this.camera();
    const pad = this.padding();
    // A single point (the car waiting at the pickup) is framed at street level, no closer than
    // the neighbourhood.
    const single = points.length === 1;
    const pts = single ? around(points[0] as LatLng) : points;
    const zooms = { minZoom: RIDE_ZOOMS.minZoom, maxZoom: single ? Math.min(maxZoom, NEIGHBOURHOOD_ZOOM) : maxZoom };
    if (!force && !needsReframe(cam, pts, pad, zooms)) return;
    const next = frame(pts, cam, pad, zooms);
    if (this.map === null) this.light = next;
    else this.map.easeTo(next, durationMs);
  }

  /** Puts the camera on a place at a zoom (a location outside the area, the city at start). */
  jumpTo(center: LatLng, zoom: number): void {
    if (this.map === null) this.light = { ...this.light, center, zoom };
    else this.map.easeTo({ center, zoom }, 600);
  }
}

/** A small box around a point: about 150 m each way, so it frames at street level. */
function around(p: LatLng): LatLng[] {
  const d = 150 / 111_320;
  return [
    { lat: p.lat - d, lng: p.lng - d },
    { lat: p.lat + d, lng: p.lng + d },
  ];
}

function el(id: string): HTMLElement {
  return document.getElementById(id) as HTMLElement;
}
