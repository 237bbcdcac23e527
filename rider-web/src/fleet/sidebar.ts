import { CATEGORIES, CATEGORY_LABELS, type Category } from './fleet-model';
import { classLabel, H3_AREA_KM2 } from './density';
import { classColour, cssOf } from './hexes';
import { cssColour } from './points';
import { el } from './dom';

/**
 * The console's side panel (a bottom sheet on a phone): the stream's state and freshness, search,
 * the fleet by state (each row a filter and the dots' legend), the density legend, and a running
 * simulation's progress. DOM only; what to show is decided in main.ts and the pure modules. Text
 * from the network is set as text, never parsed as HTML.
 */

/** On a phone's narrow rows. */
const SHORT_LABELS: Record<Category, string> = {
  available: 'Available',
  to_pickup: 'To pickup',
  waiting: 'Waiting',
  on_trip: 'On trip',
  off_duty: 'Off duty',
  offline: 'Offline',
};

const $ = (id: string): HTMLElement => document.getElementById(id) as HTMLElement;

export interface SearchResult {
  kind: 'driver' | 'trip';
  id: string;
  /** The driver's category, for its dot. */
  category?: Category;
  /** A live driver outside the area on the map (found by the API): where it is, to go there. */
  elsewhere?: { lat: number; lng: number };
  /** Who the driver is to riders, when known: "Yusuf · 3BET273". */
  who?: string;
}

export interface SimView {
  drivers: number;
  online: number;
  fixesPerS: number;
  reconnectsPerMin: number;
  refusals: Record<string, number>;
  refusalsPerS: number;
  windowMs: number;
}

export class Sidebar {
  private readonly rows = new Map<Category, { button: HTMLButtonElement; n: HTMLElement }>();
  private readonly results = $('search-results');
  private readonly input = $('search') as HTMLInputElement;
  private resultItems: SearchResult[] = [];
  private active = 0;

  constructor(
    private readonly on: {
      toggle(category: Category): void;
      search(query: string): SearchResult[];
      pick(result: SearchResult): void;
      density(on: boolean): void;
    },
  ) {
    const list = $('states');
    for (const c of CATEGORIES) {
      const button = el('button', 'state');
      button.type = 'button';
      button.dataset['category'] = c;
      button.setAttribute('aria-pressed', 'true');
      button.title = `Show or hide ${CATEGORY_LABELS[c].toLowerCase()} drivers`;
      const dot = el('span', `dot ${c === 'offline' ? 'hollow' : ''}`);
      dot.style.setProperty('--c', cssColour(c));
      const n = el('span', 'n', '–'); // until the stream's first batch: not known yet, not zero
      button.append(dot, el('span', 'label', CATEGORY_LABELS[c]), el('span', 'short', SHORT_LABELS[c]), n);
      button.addEventListener('click', () => on.toggle(c));
      const li = el('li');
      li.append(button);
      list.append(li);
      this.rows.set(c, { button, n });
    }
    ($('density-on') as HTMLInputElement).addEventListener('change', (e) => {
      on.density((e.target as HTMLInputElement).checked);
    });
    this.input.addEventListener('input', () => this.showResults(on.search(this.input.value), this.input.value.trim()));
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        this.active =
          (this.active + (e.key === 'ArrowDown' ? 1 : -1) + this.resultItems.length) %
          Math.max(1, this.resultItems.length);
        this.markActive();
      } else if (e.key === 'Enter') {
        const r = this.resultItems[this.active];
        if (r !== undefined) this.pick(r);
      } else if (e.key === 'Escape') {
        this.input.value = '';
        this.showResults([]);
      }
    });
    this.input.addEventListener('blur', () => {
      // Let a click on a result land first.
      setTimeout(() => this.showResults([]), 150);
    });
  }

  /** Counts per category, and which are filtered away. */
  setCounts(counts: Record<Category, number>, hidden: ReadonlySet<Category>, online: number, known: number): void {
    for (const [c, row] of this.rows) {
      row.n.textContent = counts[c].toLocaleString('en-US');
      row.button.setAttribute('aria-pressed', String(!hidden.has(c)));
      row.button.classList.toggle('empty', counts[c] === 0);
    }
    $('count').textContent = String(online);
    $('known').textContent = known.toLocaleString('en-US');
  }

  /**
   * What the counts cover: the drivers of the regions in view (null), or, for a view too wide to
   * stream each driver, the whole fleet's size (shown as density only).
   */
  setScope(wide: { total: number | null } | null): void {
    const scope = $('scope');
    scope.hidden = wide === null;
    // The counts by state are the drivers in view: none are streamed in a view this wide.
    $('states').classList.toggle('wide', wide !== null);
    if (wide === null) return;
    const fleet =
      wide.total === null ? 'The whole fleet' : `${wide.total.toLocaleString('en-US')} drivers in the fleet`;
    scope.textContent = `${fleet}, shown as density at this zoom. Zoom in to see each driver.`;
  }

  setConnection(state: 'connecting' | 'live' | 'reconnecting' | 'refused'): void {
    const pill = $('connection');
    pill.dataset['state'] = state;
    (pill.querySelector('.text') as HTMLElement).textContent =
      state === 'live'
        ? 'Live'
        : state === 'refused'
          ? 'Refused'
          : state === 'connecting'
            ? 'Connecting'
            : 'Reconnecting';
  }

  /** "updated 2 s ago": how long since the stream last said anything; `late` once that is too long. */
  setUpdated(text: string, late: boolean): void {
    const u = $('updated');
    u.textContent = text;
    u.classList.toggle('late', late);
  }

  /** The density legend for these classes, at a resolution; or a note saying why none is shown. */
  setLegend(view: { breaks: number[]; res: number; total: number; cells: number } | { note: string } | null): void {
    const legend = $('legend');
    const note = $('hexcount');
    legend.replaceChildren();
    if (view === null) {
      note.textContent = 'Hexagons off';
      return;
    }
    if ('note' in view) {
      note.textContent = view.note;
      return;
    }
    const ramp = el('div', 'ramp');
    const labels = el('div', 'ramp-labels');
    view.breaks.forEach((from, k) => {
      const swatch = el('span', 'swatch');
      swatch.style.background = cssOf(classColour(k, view.breaks.length));
      swatch.dataset['from'] = String(from);
      swatch.dataset['to'] = String((view.breaks[k + 1] ?? Infinity) - 1);
      swatch.title = `${classLabel(view.breaks, k)} drivers per hexagon`;
      ramp.append(swatch);
      labels.append(el('span', undefined, classLabel(view.breaks, k)));
    });
    const area = H3_AREA_KM2[view.res] ?? 0;
    const caption = el(
      'div',
      'caption',
      `Drivers per hexagon · ${area >= 1 ? `${area.toFixed(area < 10 ? 1 : 0)} km²` : `${Math.round(area * 100) / 100} km²`} each`,
    );
    legend.append(ramp, labels, caption);
    note.textContent = `${view.total.toLocaleString('en-US')} drivers in ${view.cells.toLocaleString('en-US')} hexagons`;
  }

  setSim(sim: SimView | null): void {
    const box = $('sim');
    box.hidden = sim === null;
    if (sim === null) return;
    $('sim-online').textContent = `${sim.online.toLocaleString('en-US')} / ${sim.drivers.toLocaleString('en-US')}`;
    $('sim-rate').textContent = `${sim.fixesPerS.toFixed(sim.fixesPerS < 10 ? 1 : 0)} /s`;
    $('sim-reconnects').textContent = `${sim.reconnectsPerMin.toFixed(sim.reconnectsPerMin < 10 ? 1 : 0)} /min`;
    $('sim-errors').textContent = `${sim.refusalsPerS.toFixed(sim.refusalsPerS < 10 ? 1 : 0)} /s`;
    $('sim-errors').classList.toggle('bad', sim.refusalsPerS > 0);
    const top = Object.entries(sim.refusals)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([reason, n]) => `${reason.replace(/^[a-z]+:/, '').replace(/_/g, ' ')} ${n}`);
    $('sim-reasons').textContent = top.length === 0 ? 'No errors or refusals' : top.join(' · ');
  }

  private showResults(items: SearchResult[], query = ''): void {
    this.resultItems = items;
    this.active = 0;
    if (items.length === 0 && query !== '') {
      // Typed, and nothing found: say so, and what can be found.
      const li = el('li', 'empty');
      li.textContent = `No driver or trip “${query}”. Search a driver's id (drv-…), name or plate, or a whole trip id (t-…).`;
      this.results.replaceChildren(li);
      this.results.hidden = false;
      return;
    }
    this.results.replaceChildren(
      ...items.map((r, i) => {
        const li = el('li', 'result');
        li.setAttribute('role', 'option');
        li.dataset['index'] = String(i);
        if (r.kind === 'driver') {
          const dot = el('span', 'dot');
          dot.style.setProperty('--c', cssColour(r.category ?? 'offline'));
          const label = r.elsewhere === undefined ? CATEGORY_LABELS[r.category ?? 'offline'] : 'Elsewhere · go to it';
          li.append(
            dot,
            el('span', 'id', r.id),
            el('span', 'muted', r.who === undefined ? label : `${r.who} · ${label}`),
          );
        } else {
          li.append(el('span', 'icon', '⟲'), el('span', 'id', r.id), el('span', 'muted', 'Replay trip'));
        }
        li.addEventListener('mousedown', (e) => {
          e.preventDefault();
          this.pick(r);
        });
        return li;
      }),
    );
    this.results.hidden = items.length === 0;
    this.markActive();
  }

  /**
   * A result found after the typing (the API's answer for a driver outside the area on the map):
   * shown if what is typed is still `query`.
   */
  offer(query: string, result: SearchResult): void {
    if (this.input.value.trim() !== query) return;
    const others = this.resultItems.filter((r) => r.kind !== result.kind || r.id !== result.id);
    this.showResults([...others, result], query);
  }

  /** Searches `query` again if it is still what is typed (profiles arrived that it may match). */
  searchAgain(query: string): void {
    if (this.input.value.trim() === query && query !== '') this.showResults(this.on.search(query), query);
  }

  private markActive(): void {
    this.results.querySelectorAll('.result').forEach((li, i) => li.classList.toggle('active', i === this.active));
  }

  private pick(r: SearchResult): void {
    this.on.pick(r);
    this.input.value = '';
    this.input.blur();
    this.showResults([]);
  }
}
