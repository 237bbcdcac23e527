import type { Map as MapLibre } from 'maplibre-gl';
import { cellToBoundary } from 'h3-js';
import type { ConsoleApi, ConsoleSettings } from './api';
import { keptBreaks, legendBreaks, planDensity, type Bbox } from './density';
import { packHexes } from './hexes';
import type { FleetOverlay } from './overlay';
import type { Sidebar } from './sidebar';

export interface DensityDeps {
  map: MapLibre;
  api: ConsoleApi;
  settings: ConsoleSettings;
  sidebar: Sidebar;
  /** The element whose data attributes say what is shown (state, reason, res, bbox, total, max). */
  box: HTMLElement;
  overlay: () => FleetOverlay | undefined;
  origin: readonly [number, number];
  replaying: () => boolean;
  /** Where the fleet is, for planning a view wider than it. */
  fleetBounds: () => Bbox | null;
}

/**
 * The density hexagons under the drivers: counts per cell from the geo-index API, planned for the
 * view (density.ts), drawn on the overlay with their legend in the sidebar. An answer overtaken by
 * a newer view is dropped; the legend on screen stays while it fits the counts.
 */
export class DensityLayer {
  /** The operator's switch. */
  on = true;
  private seq = 0;
  /** The legend on screen, and the resolution it is for. */
  private shownLegend: { res: number; breaks: number[] } | undefined;

  constructor(private readonly d: DensityDeps) {}

  async refresh(): Promise<void> {
    const { map, api, settings, sidebar, box, overlay, origin } = this.d;
    const seq = ++this.seq;
    const clear = (state: string, legend: Parameters<Sidebar['setLegend']>[0]): void => {
      overlay()?.setHexes(null);
      sidebar.setLegend(legend);
      Object.assign(box.dataset, { state, reason: '', res: '', bbox: '', total: '', max: '' });
    };
    box.dataset['zoom'] = String(map.getZoom());
    if (!this.on || this.d.replaying()) {
      clear('off', this.on ? { note: 'Hidden during a replay' } : null);
      return;
    }
    const b = map.getBounds();
    const c = map.getContainer();
    const plan = planDensity({
      zoom: map.getZoom(),
      widthPx: c.clientWidth,
      heightPx: c.clientHeight,
      bounds: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()],
      fleet: this.d.fleetBounds(),
      indexRes: settings.indexResolution,
      maxCells: settings.maxCellsPerRequest,
    });
    if (plan.kind === 'hidden') {
      clear('hidden', { note: plan.note });
      box.dataset['reason'] = plan.reason;
      return;
    }
    const r = await api.cells(plan.bbox, plan.res);
    if (seq !== this.seq) return; // the view changed meanwhile: a newer answer is coming
    if (!r.ok) {
      clear('error', { note: `Density unavailable right now (${r.status === 0 ? 'network' : r.status})` });
      return;
    }
    const max = r.value.cells.reduce((m, x) => Math.max(m, x.count), 0);
    // The legend on screen stays while it fits (same resolution): a refresh does not recolour.
    const counts = r.value.cells.map((x) => x.count);
    const shown = this.shownLegend;
    const breaks = shown?.res === plan.res ? keptBreaks(shown.breaks, counts) : legendBreaks(counts);
    this.shownLegend = { res: plan.res, breaks };
    overlay()?.setHexes(
      packHexes(
        r.value.cells.map((x) => ({ boundary: cellToBoundary(x.cell, true), count: x.count })),
        origin,
        breaks,
      ),
    );
    sidebar.setLegend({ breaks, res: plan.res, total: r.value.total, cells: r.value.cells.length });
    Object.assign(box.dataset, {
      state: 'shown',
      reason: '',
      res: String(plan.res),
      bbox: plan.bbox.map((x) => x.toFixed(5)).join(','),
      total: String(r.value.total),
      max: String(max),
    });
  }
}
