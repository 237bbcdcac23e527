import type { LatLng } from '@ridetrack/shared';

/** A place the broker's street search found (`GET /map/search`, docs/api.md). */
export interface Place extends LatLng {
  name: string;
  kind: 'street' | 'crossing' | 'neighbourhood' | 'park';
}

const KIND_TEXT: Readonly<Record<Place['kind'], string>> = {
  street: 'Street',
  crossing: 'Crossing',
  neighbourhood: 'Neighbourhood',
  park: 'Park',
};

/** How long typing pauses before the search is asked: a word, not every key. */
const DEBOUNCE_MS = 150;
/** Suggestions shown under the field. */
const SHOWN = 5;

const $ = (id: string): HTMLElement => document.getElementById(id) as HTMLElement;

function parsePlaces(body: unknown): Place[] {
  const places = (body as { places?: unknown } | null)?.places;
  if (!Array.isArray(places)) return [];
  return places.filter(
    (p): p is Place =>
      typeof p === 'object' &&
      p !== null &&
      typeof (p as Place).name === 'string' &&
      typeof (p as Place).lat === 'number' &&
      typeof (p as Place).lng === 'number' &&
      Object.hasOwn(KIND_TEXT, (p as Place).kind),
  );
}

/**
 * The street search in the sheet: a field, and under it the streets, crossings, neighbourhoods
 * and parks whose names begin with what was typed, nearest first; picking one sets the pickup or the destination as a
 * tap on the map would. Enter picks the first; Escape clears. Answers to older words are dropped.
 */
export class PlaceSearch {
  private readonly root = $('search');
  private readonly input = $('search-input') as HTMLInputElement;
  private readonly list = $('search-results');
  private mode: 'pickup' | 'dropoff' | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private asked: AbortController | null = null;
  private places: Place[] = [];

  constructor(
    /** Where the rider is looking: a long street is found at its part nearest this. */
    private readonly near: () => LatLng,
    private readonly picked: (place: Place) => void,
    /** The sheet changed height (suggestions shown or gone): the map frames again. */
    private readonly resized: () => void,
  ) {
    this.input.addEventListener('input', () => this.typed());
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && this.places[0] !== undefined) {
        e.preventDefault();
        this.pick(this.places[0]);
      } else if (e.key === 'Escape') this.clear();
    });
  }

  /** Shows the field for what a place would set, or hides it; focuses it when it comes for the destination. */
  show(mode: 'pickup' | 'dropoff' | null): void {
    if (mode === this.mode) return;
    this.mode = mode;
    this.root.hidden = mode === null;
    this.clear();
    if (mode === null) return;
    this.input.placeholder = mode === 'pickup' ? 'Search a street for your pickup' : 'Search a street or a place';
    this.input.setAttribute('aria-label', this.input.placeholder);
    // "Where to?" was tapped: the rider is about to type, as in every ride app.
    if (mode === 'dropoff') this.input.focus();
  }

  private typed(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    const q = this.input.value.trim();
    if (q === '') {
      this.render([], '');
      return;
    }
    this.timer = setTimeout(() => void this.ask(q.slice(0, 80)), DEBOUNCE_MS);
  }

  private async ask(q: string): Promise<void> {
    this.asked?.abort();
    const asked = new AbortController();
    this.asked = asked;
    const near = this.near();
    const url = `/map/search?q=${encodeURIComponent(q)}&lat=${near.lat.toFixed(5)}&lng=${near.lng.toFixed(5)}&limit=${SHOWN}`;
    try {
      const res = await fetch(url, { signal: asked.signal });
      const places = res.ok ? parsePlaces(await res.json()) : [];
      if (this.asked === asked) this.render(places, q);
    } catch {
      // Aborted by a newer word, or the broker is away for a moment: the list stays as it was.
    }
  }

  private render(places: Place[], q: string): void {
    this.places = places;
    const items = places.map((p) => {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'place';
      b.dataset['testid'] = 'place';
      const name = document.createElement('span');
      name.className = 'place-name';
      name.textContent = p.name;
      const kind = document.createElement('span');
      kind.className = 'place-kind';
      kind.textContent = KIND_TEXT[p.kind];
      b.append(name, kind);
      // pointerdown, not click: the field's blur (closing a phone's keyboard) must not eat the tap.
      // The list goes at once, so the click that follows the touch would land on the map under
      // the finger and move the pickup there: that one click is swallowed.
      b.addEventListener('pointerdown', (e) => {
        e.preventDefault();
        // (A mouse's click has no target left once the list goes: nothing follows it.)
        if (e.pointerType !== 'mouse') swallowNextClick();
        this.pick(p);
      });
      b.addEventListener('click', () => this.pick(p)); // the keyboard's Enter or Space
      li.append(b);
      return li;
    });
    if (places.length === 0 && q !== '') {
      const li = document.createElement('li');
      li.className = 'empty';
      li.textContent = `No street or place called “${q}” here. Try another spelling, or tap the map.`;
      items.push(li);
    }
    this.list.replaceChildren(...items);
    this.resized();
  }

  private pick(place: Place): void {
    this.clear();
    this.input.blur();
    this.picked(place);
  }

  private clear(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.asked?.abort();
    this.asked = null;
    this.input.value = '';
    this.render([], '');
  }
}

/** Stops the next click anywhere on the page (within a moment) from reaching what is under it. */
function swallowNextClick(): void {
  const stop = (e: Event): void => {
    e.stopPropagation();
    e.preventDefault();
  };
  window.addEventListener('click', stop, { capture: true, once: true });
  setTimeout(() => window.removeEventListener('click', stop, { capture: true }), 500);
}
