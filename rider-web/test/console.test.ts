import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { chromium as playwright, type Page } from 'playwright-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TRIP_STATES, type TraceRow } from '@ridetrack/shared';
import { ARTIFACTS, until, useBrokerProcess, useChromium, useSimProcess, WEB_DIR } from '@ridetrack/testkit';
import { hexWidthM, maxHexPx, metresPerPixel } from '../src/fleet/density';
import { CATEGORIES } from '../src/fleet/fleet-model';
import { POINT_COLOURS } from '../src/fleet/points';
import { viewRegions } from '../src/fleet/view-regions';
import { mapPixels, pagePixels } from './map-pixels';

/**
 * The operator's console in Debian's Chromium against the real broker and simulator processes:
 * what it shows agrees with the API, it never asks the API for more than it allows, the driver
 * panel follows its driver, and a replay draws the recorded track.
 */
const secret = randomBytes(32).toString('hex');
const DRIVERS = 16;
let operator: string;
/** A trip requested at the start, so that its trace has grown by the time it is replayed. */
let trip: {
  id: string;
  driverId: string;
  driver: { name: string; car: string; plate: string };
  pickup: { lat: number; lng: number };
};
/** What the pages a test opened logged as errors; checked, and emptied, after each test. */
const pageErrors: string[] = [];

// The trip booked at the start is read by tests minutes later: its driver waits at the pickup for
// as long as the file runs, and is not given up as silent while a test pauses the simulator.
const broker = useBrokerProcess(
  { AUTH_MODE: 'dev', JWT_SECRET: secret, WEB_DIR, TRIP_WAIT_S: '3600', TRIP_DRIVER_SILENT_MS: '120000' },
  { timeoutMs: 60_000 },
);
const sim = useSimProcess(() => ['--drivers', String(DRIVERS), '--broker', broker.mqttUrl, '--ramp', '50'], {
  JWT_SECRET: secret,
});
const chromium = useChromium();

beforeAll(async () => {
  operator = ((await (await fetch(`${broker.httpUrl}/api/dev/token?role=operator`)).json()) as { token: string }).token;
  for (;;) {
    const health = (await (await fetch(`${broker.httpUrl}/healthz`)).json()) as { driversOnline: number };
    const indexed = await api<{ drivers: unknown[] }>(
      '/api/drivers/nearby?lat=39.29&lng=-76.61&radius_m=50000&limit=500',
    );
    if (health.driversOnline === DRIVERS && indexed.drivers.length === DRIVERS) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const ride = await fetch(`${broker.httpUrl}/api/dev/ride`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // A destination across the city: a ride that a street-level view cannot hold.
    body: JSON.stringify({ pickup: { lat: 39.29, lng: -76.61 }, dropoff: { lat: 39.275, lng: -76.56 } }),
  });
  trip = ((await ride.json()) as { trip: typeof trip }).trip;
}, 90_000);

// Each test answers for the pages it opened: a test run alone checks its own pages' errors, and
// no test passes or fails for what another one did.
afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});

async function api<T>(path: string): Promise<T> {
  const r = await fetch(`${broker.httpUrl}${path}`, { headers: { authorization: `Bearer ${operator}` } });
  if (!r.ok) throw new Error(`${path}: ${r.status}`);
  return (await r.json()) as T;
}

/** Responses of the API that refused something (4xx, 5xx), as the page's network saw them. */
/** /fleet with the requests matching `pattern` held back until `release()`. */
async function openHolding(pattern: string): Promise<{ page: Page; release: () => void }> {
  const page = await chromium.browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (e) => pageErrors.push(`/fleet: ${e.message}`));
  let release: () => void = () => undefined;
  const held = new Promise<void>((r) => (release = r));
  await page.route(pattern, async (route) => {
    await held;
    await route.continue();
  });
  await page.goto(`${broker.httpUrl}/fleet`);
  return { page, release };
}

/** Resolves once the page counts every driver of the fleet in view. */
function allCounted(page: Page): Promise<unknown> {
  return page.waitForFunction((n) => Number(document.getElementById('known')?.textContent) >= n, DRIVERS, {
    timeout: 30_000,
  });
}

async function open(path: string, viewport = { width: 1280, height: 900 }): Promise<{ page: Page; refused: string[] }> {
  const page = await chromium.browser.newPage({ viewport });
  const refused: string[] = [];
  page.on('response', (r) => {
    if (r.status() >= 400 && new URL(r.url()).pathname.startsWith('/api/')) refused.push(`${r.status()} ${r.url()}`);
  });
  page.on('pageerror', (e) => pageErrors.push(`${path}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/ERR_CONNECTION_REFUSED|ERR_FAILED/.test(m.text())) pageErrors.push(m.text());
  });
  await page.goto(`${broker.httpUrl}${path}`);
  await page.waitForSelector('canvas.fleet-overlay'); // the map has loaded
  await allCounted(page);
  return { page, refused };
}

const density = (page: Page): Promise<Record<string, string | undefined>> =>
  page.evaluate(() => Object.fromEntries(Object.entries((document.getElementById('density') as HTMLElement).dataset)));

describe('operator console', () => {
  it('shows counts by state and a density legend that agree with the API', { timeout: 120_000 }, async () => {
    const { page, refused } = await open('/fleet');
    await page.waitForFunction(() => document.getElementById('density')?.dataset['state'] === 'shown', undefined, {
      timeout: 30_000,
    });
    // The fleet held still (the simulator paused) so that the page and the API see the same thing.
    sim.process.kill('SIGSTOP');
    try {
      const pageCounts = (): Promise<Record<string, number>> =>
        page.evaluate(() => {
          const out: Record<string, number> = {};
          for (const b of document.querySelectorAll<HTMLElement>('#states .state'))
            out[b.dataset['category'] ?? ''] = Number(b.querySelector('.n')?.textContent);
          return out;
        });
      const apiCounts = async () => {
        const out: Record<string, number> = {};
        for (const state of TRIP_STATES) {
          const r = await api<{ drivers: unknown[] }>(
            `/api/drivers/nearby?lat=39.29&lng=-76.61&radius_m=50000&limit=500&status=${state}`,
          );
          out[state] = r.drivers.length;
        }
        return out;
      };
      let seen: unknown;
      await until(
        async () => {
          const [mine, theirs] = await Promise.all([pageCounts(), apiCounts()]);
          seen = { mine, theirs };
          return TRIP_STATES.every((s) => mine[s] === theirs[s]) && mine['offline'] === 0;
        },
        'the page’s counts by state equal the API’s',
        { timeoutMs: 30_000, everyMs: 200 },
      ).catch((err: unknown) => {
        throw new Error(`${String(err)}: ${JSON.stringify(seen)}`);
      });
      const counts = await pageCounts();
      expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(DRIVERS);
      expect(counts['to_pickup'] ?? 0).toBeGreaterThanOrEqual(0);

      // The density: the same total, hexagons and top count as the API gives for the page's request.
      let cells: { total: number; cells: { count: number }[] } = { total: -1, cells: [] };
      await until(
        async () => {
          const d = await density(page);
          if (d['state'] !== 'shown') return false;
          cells = await api(`/api/cells?bbox=${d['bbox']}&res=${d['res']}`);
          const note = (await page.textContent('#hexcount')) ?? '';
          return (
            Number(d['total']) === cells.total && note === `${cells.total} drivers in ${cells.cells.length} hexagons`
          );
        },
        'the page’s density equals the API’s',
        { timeoutMs: 30_000, everyMs: 200 },
      );
      expect(cells.total).toBe(DRIVERS);
      const max = Math.max(...cells.cells.map((c) => c.count));
      expect(Number((await density(page))['max'])).toBe(max);
      // The legend's classes cover 1 .. the top count, each count in one class, in drivers per hexagon.
      const swatches = await page.$$eval('#legend .swatch', (s) =>
        s.map((e) => [Number((e as HTMLElement).dataset['from']), Number((e as HTMLElement).dataset['to'])]),
      );
      expect(swatches[0]?.[0]).toBe(1);
      expect(swatches.at(-1)?.[0]).toBeLessThanOrEqual(max);
      for (let k = 1; k < swatches.length; k++) expect(swatches[k]?.[0]).toBe((swatches[k - 1]?.[1] ?? 0) + 1);
      expect(await page.textContent('#legend .caption')).toMatch(/^Drivers per hexagon/);

      // The dots' legend: each state with drivers has its dot's colour on the map.
      const legendColours = await page.$$eval('#states .state .dot', (dots) =>
        dots.map((d) => getComputedStyle(d).getPropertyValue('--c').trim()),
      );
      expect(legendColours).toEqual(
        CATEGORIES.map((c) => `#${POINT_COLOURS[c].map((v) => v.toString(16).padStart(2, '0')).join('')}`),
      );
      for (const c of ['available', 'to_pickup', 'on_trip'] as const) {
        if ((counts[c] ?? 0) === 0) continue;
        expect((await mapPixels(page, [POINT_COLOURS[c]])).count, c).toBeGreaterThan(0);
      }

      // A filter hides its drivers from the map.
      await page.click('#states .state[data-category="available"]');
      await until(
        async () => (await mapPixels(page, [POINT_COLOURS.available])).count === 0,
        'available drivers hidden',
        { timeoutMs: 30_000, everyMs: 200 },
      );
      await page.click('#states .state[data-category="available"]');
      await until(async () => (await mapPixels(page, [POINT_COLOURS.available])).count > 0, 'available drivers back', {
        timeoutMs: 30_000,
        everyMs: 200,
      });
    } finally {
      sim.process.kill('SIGCONT');
    }
    expect(refused).toEqual([]);
    await page.close();
  });

  it.each([
    [1440, 900],
    [390, 844],
  ])(
    'at %i x %i asks only for what the API allows at every zoom from 3 to 18, hexagons a twentieth of the view at most',
    { timeout: 180_000 },
    async (width, height) => {
      const { page, refused } = await open('/fleet', { width, height });
      const shown: number[] = [];
      for (let zoom = 3; zoom <= 18; zoom++) {
        await page.evaluate(
          (z) => (window as unknown as { fleetMap: { jumpTo(o: object): void } }).fleetMap.jumpTo({ zoom: z }),
          zoom,
        );
        await page
          .waitForFunction(
            (z) => {
              const d = (document.getElementById('density') as HTMLElement).dataset;
              return Number(d['zoom']) === z && (d['state'] === 'shown' || d['state'] === 'hidden');
            },
            zoom,
            { timeout: 20_000 },
          )
          .catch(async (err: unknown) => {
            throw new Error(`zoom ${zoom}: ${JSON.stringify(await density(page))}: ${String(err)}`);
          });
        const d = await density(page);
        if (d['state'] === 'hidden') {
          // Never a stale count: no total is shown with the layer hidden, and the note says why.
          expect(d['total']).toBe('');
          expect(await page.textContent('#hexcount')).not.toMatch(/drivers in/);
          continue;
        }
        shown.push(zoom);
        const box = await page.$eval('#map', (m) => ({ w: m.clientWidth, h: m.clientHeight }));
        const [, minLat = 0, , maxLat = 0] = (d['bbox'] ?? '').split(',').map(Number);
        const hexPx = hexWidthM(Number(d['res'])) / metresPerPixel(zoom, (minLat + maxLat) / 2);
        expect(hexPx, `zoom ${zoom}`).toBeLessThanOrEqual(maxHexPx(box.w, box.h) * 1.01);
      }
      expect(shown.length).toBeGreaterThan(5);
      expect(shown).toContain(10);
      // The zoom buttons work.
      const before = await page.evaluate(() =>
        (window as unknown as { fleetMap: { getZoom(): number } }).fleetMap.getZoom(),
      );
      await page.click('.maplibregl-ctrl-zoom-out');
      await page.waitForFunction(
        (b) => (window as unknown as { fleetMap: { getZoom(): number } }).fleetMap.getZoom() <= b - 0.99,
        before,
      );
      expect(refused).toEqual([]);
      await page.close();
    },
  );

  it(
    'shows no count until the fleet stream has said what is in view (never a false 0)',
    { timeout: 60_000 },
    async () => {
      // The fleet stream held back until the page has drawn without it.
      const { page, release } = await openHolding('**/api/fleet/events*');
      await page.waitForSelector('canvas.fleet-overlay');
      await new Promise((r) => setTimeout(r, 1000));
      expect(await page.textContent('#known')).toBe('–');
      expect(await page.textContent('#count')).toBe('–');
      const rows = await page.$$eval('#states .state .n', (ns) => ns.map((n) => n.textContent));
      expect(rows.length).toBeGreaterThan(0);
      expect(new Set(rows)).toEqual(new Set(['–']));
      release();
      await allCounted(page);
      await page.close();
    },
  );

  it(
    'asks for the fleet without waiting for the basemap: drivers are counted and drawn while its tiles load',
    { timeout: 60_000 },
    async () => {
      // The basemap's tiles held back: the map's 'load' (its first complete render) cannot come.
      const { page, release } = await openHolding('**/map/tiles/**');
      await allCounted(page);
      await page.waitForSelector('canvas.fleet-overlay');
      expect(
        await page.evaluate(() => (window as unknown as { fleetMap: { loaded(): boolean } }).fleetMap.loaded()),
      ).toBe(false);
      release();
      await page.close();
    },
  );

  it('opens a driver’s panel that follows it live, with its track drawn', { timeout: 120_000 }, async () => {
    const { page, refused } = await open('/fleet');
    const id = trip.driverId; // on its way to the pickup: it moves
    // What finds nothing says so; a part of a trip id offers no replay that cannot be found.
    await page.fill('#search', 'nobody by this name');
    await page.waitForSelector('#search-results .empty');
    expect(await page.textContent('#search-results .empty')).toMatch(/No driver or trip “nobody by this name”/);
    await page.fill('#search', trip.id.slice(0, 6));
    await page.waitForSelector('#search-results .empty');
    expect(await page.locator('#search-results .result').count()).toBe(0);
    // By the plate a rider reads out, however it is typed: the driver first, named as riders know it.
    const plate = trip.driver.plate.toLowerCase();
    await page.fill('#search', `${plate.slice(0, 3)} ${plate.slice(3)}`);
    await page.waitForFunction((d) => document.querySelector('#search-results .result .id')?.textContent === d, id, {
      timeout: 10_000,
    });
    expect(await page.textContent('#search-results .result')).toContain(`${trip.driver.name} · ${trip.driver.plate}`);
    // At street level, where the driver's ride does not fit the view.
    await page.evaluate(() =>
      (window as unknown as { fleetMap: { jumpTo(o: { zoom: number }): void } }).fleetMap.jumpTo({ zoom: 18 }),
    );
    await page.fill('#search', id);
    await page.waitForSelector('#search-results .result');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#driver:not([hidden])');
    expect(await page.textContent('#driver .driver-id')).toBe(id);
    // A driver picked on a ride: the car, its pickup and its destination framed in the map the panel leaves free.
    await page
      .waitForFunction(
        () => {
          if ((window as unknown as { fleetMap: { isMoving(): boolean } }).fleetMap.isMoving()) return false;
          const free = (document.getElementById('map') as HTMLElement).getBoundingClientRect();
          const panel = (document.getElementById('driver') as HTMLElement).getBoundingClientRect();
          const shown = ['[data-testid="ride-pickup"]', '[data-testid="ride-dropoff"]', '.ring.selected'].map((q) => {
            const e = document.querySelector(q);
            if (e === null) return false;
            const r = e.getBoundingClientRect();
            const x = r.left + r.width / 2;
            const y = r.top + r.height / 2;
            return x > free.left && x < Math.min(free.right, panel.left) && y > free.top && y < free.bottom;
          });
          return shown.every(Boolean);
        },
        undefined,
        { timeout: 15_000 },
      )
      .catch((err: unknown) => {
        throw new Error('the ride was not framed: car, pickup and destination in the free part of the map', {
          cause: err,
        });
      });
    // The driver as its rider was told to look for it: the operator and the rider name the same car.
    await page.waitForSelector('[data-testid="driver-profile"]:not(:empty)');
    expect(await page.textContent('[data-testid="driver-profile"]')).toBe(
      `${trip.driver.name} · ${trip.driver.car} · ${trip.driver.plate}`,
    );
    const first = Number(await page.getAttribute('#driver', 'data-seq'));
    // The panel and the ring around the driver keep up with the API's idea of where it is.
    let last = '';
    await until(
      async () => {
        const state = await api<{ seq: number; lat: number; lng: number }>(`/api/drivers/${id}`);
        const shown = await page.evaluate(
          ({ lat, lng }) => {
            const map = (window as unknown as { fleetMap: { project(p: [number, number]): { x: number; y: number } } })
              .fleetMap;
            const p = map.project([lng, lat]);
            const m = (document.getElementById('map') as HTMLElement).getBoundingClientRect();
            const r = (document.querySelector('.ring.selected') as HTMLElement).getBoundingClientRect();
            return {
              seq: Number((document.getElementById('driver') as HTMLElement).dataset['seq']),
              dx: r.left + r.width / 2 - (p.x + m.left),
              dy: r.top + r.height / 2 - (p.y + m.top),
            };
          },
          { lat: state.lat, lng: state.lng },
        );
        last = JSON.stringify({ api: state.seq, ...shown, first });
        return state.seq > first && shown.seq === state.seq && Math.hypot(shown.dx, shown.dy) < 3;
      },
      'the panel shows a newer fix of the driver, where the API says it is',
      { timeoutMs: 30_000, everyMs: 200 },
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}: ${last}`);
    });
    expect(await page.textContent('#driver .vitals')).toMatch(/km\/h/);
    await page.waitForFunction(() => Number(document.getElementById('driver')?.dataset['trackPoints']) >= 2);
    // The trip it is on, and its connection (operators only).
    await page.waitForFunction((t) => document.querySelector(`#driver [data-trip="${t}"]`) !== null, trip.id);
    // Where its ride stands, as its rider sees it: on the way (with the time to go) or waiting.
    await page.waitForSelector('[data-testid="ride-stage"]');
    expect(await page.textContent('[data-testid="ride-stage"]')).toMatch(
      /^To the pickup · \d+ (s|min), [\d.]+ k?m$|^Waiting at the pickup · /,
    );
    // Its ride on the map: the pickup pin where the rider asked, and the way still to drive to it.
    await page.waitForSelector('[data-testid="ride-pickup"]');
    const pinOff = await page.evaluate(({ lat, lng }) => {
      const map = (window as unknown as { fleetMap: { project(p: [number, number]): { x: number; y: number } } })
        .fleetMap;
      const p = map.project([lng, lat]);
      const m = (document.getElementById('map') as HTMLElement).getBoundingClientRect();
      const r = (document.querySelector('[data-testid="ride-pickup"]') as HTMLElement).getBoundingClientRect();
      return Math.hypot(r.left + r.width / 2 - (p.x + m.left), r.top + r.height / 2 - (p.y + m.top));
    }, trip.pickup);
    expect(pinOff).toBeLessThan(3);
    if ((await page.textContent('[data-testid="ride-stage"]'))?.startsWith('To the pickup'))
      await page.waitForFunction(() => Number(document.getElementById('map')?.dataset['rideRoute']) >= 2);
    expect(await page.textContent('#driver')).toMatch(/MQTT over TCP/);
    await page.screenshot({ path: join(ARTIFACTS, 'console-driver.png') });
    // Framed, not shown from afar: the ride fills a good part of the view.
    const zoom = await page.evaluate(() =>
      (window as unknown as { fleetMap: { getZoom(): number } }).fleetMap.getZoom(),
    );
    expect(zoom).toBeGreaterThan(12.5);
    expect(refused).toEqual([]);
    await page.close();
  });

  it('finds a live driver outside the area on the map, and goes to it', { timeout: 60_000 }, async () => {
    const { page, refused } = await open('/fleet');
    // A view too wide to stream each driver: the area on the map holds none (the fleet is density).
    await page.evaluate(() =>
      (window as unknown as { fleetMap: { jumpTo(o: object): void } }).fleetMap.jumpTo({ zoom: 6 }),
    );
    await until(async () => (await page.textContent('#known')) === '0', 'no driver in this area', {
      timeoutMs: 30_000,
      everyMs: 200,
    });
    await page.fill('#search', trip.driverId);
    await page.waitForSelector('#search-results .result');
    expect(await page.textContent('#search-results .result')).toMatch(/Elsewhere · go to it/);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#driver:not([hidden])', { timeout: 30_000 });
    expect(await page.textContent('#driver .driver-id')).toBe(trip.driverId);
    expect(refused).toEqual([]);
    await page.close();
  });

  it('on a phone, shows a searched driver above its panel, not under it', { timeout: 60_000 }, async () => {
    const { page } = await open('/fleet', { width: 390, height: 844 });
    await page.fill('#search', trip.driverId);
    await page.waitForSelector('#search-results .result');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#driver:not([hidden])');
    await page.waitForFunction(() => !(window as unknown as { fleetMap: { isMoving(): boolean } }).fleetMap.isMoving());
    const { ringY, panelTop } = await page.evaluate(() => {
      const r = (document.querySelector('.ring.selected') as HTMLElement).getBoundingClientRect();
      return {
        ringY: r.top + r.height / 2,
        panelTop: (document.getElementById('driver') as HTMLElement).getBoundingClientRect().top,
      };
    });
    expect(ringY).toBeGreaterThan(0);
    expect(ringY).toBeLessThan(panelTop);
    await page.close();
  });

  it('on a phone, keeps the map drawn above a driver panel that scrolls', { timeout: 60_000 }, async () => {
    // Chromium with its own graphics, as a headless Chromium runs by default (the other tests force
    // SwiftShader): there, a scroller with no layer of its own over the WebGL map was painted as
    // a blank white block. A driver on a ride, with recent trips, fills more than the sheet.
    const plain = await playwright.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    try {
      const page = await plain.newPage({ viewport: { width: 390, height: 844 } });
      await page.goto(`${broker.httpUrl}/fleet#driver=${trip.driverId}`);
      await page.waitForSelector('#driver:not([hidden])', { timeout: 30_000 });
      await page.addStyleTag({ content: '.driver-panel { max-height: 45% !important; }' });
      await page.waitForFunction(() => {
        const d = document.getElementById('driver') as HTMLElement;
        return d.scrollHeight > d.clientHeight + 20;
      });
      await page.waitForFunction(
        () => !(window as unknown as { fleetMap: { isMoving(): boolean } }).fleetMap.isMoving(),
      );
      await page.waitForTimeout(1000);
      const top = await page.evaluate(() => document.getElementById('driver')?.getBoundingClientRect().top ?? 0);
      // The whole page, as it is on screen (a clipped screenshot is painted afresh, and did not show it).
      const shot = await page.screenshot({ path: join(ARTIFACTS, 'console-phone-ride.png') });
      const rows = Math.floor(top);
      const white = await pagePixels(page, shot, [[255, 255, 255]], rows);
      expect(white.count / (390 * rows), 'share of the map above the panel painted blank white').toBeLessThan(0.5);
    } finally {
      await plain.close();
    }
  });

  it('replays a trip at 10x, drawing the recorded track', { timeout: 120_000 }, async () => {
    let rows: TraceRow[] = [];
    await until(
      async () => {
        rows = (await api<{ rows: TraceRow[] }>(`/api/trips/${trip.id}/trace`)).rows;
        return rows.length >= 6 && (rows.at(-1)?.[1] ?? 0) - (rows[0]?.[1] ?? 0) >= 20_000;
      },
      'the trip’s trace has grown',
      { timeoutMs: 30_000, everyMs: 200 },
    );
    const { page, refused } = await open('/fleet');
    const zoom = () =>
      page.evaluate(() => (window as unknown as { fleetMap: { getZoom(): number } }).fleetMap.getZoom());
    // The view the replay leaves, once the first fit has landed (it waits for the map's tiles).
    await page.waitForSelector('#app[data-first-view="settled"]');
    await page.waitForFunction(() => !(window as unknown as { fleetMap: { isMoving(): boolean } }).fleetMap.isMoving());
    const zoomBefore = await zoom();
    await page.fill('#search', trip.id);
    await page.waitForSelector('#search-results .result');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#replay:not([hidden])');
    const points = Number(await page.getAttribute('#replay', 'data-points'));
    expect(points).toBeGreaterThanOrEqual(rows.length);
    // Back to the start, paused, at 10x: the route is drawn light, nothing played yet.
    await page.click('#replay .play');
    await page.waitForFunction(() => document.getElementById('replay')?.dataset['playing'] === 'false');
    await page.$eval('#replay .scrub', (s) => {
      (s as HTMLInputElement).value = '0';
      s.dispatchEvent(new Event('input'));
    });
    await page.click('#replay [data-speed="20"]');
    await page.click('#replay [data-speed="10"]');
    expect(await page.getAttribute('#replay', 'data-speed')).toBe('10');
    const project = () =>
      page.evaluate(
        (pts) => {
          const map = (window as unknown as { fleetMap: { project(p: [number, number]): { x: number; y: number } } })
            .fleetMap;
          const m = (document.getElementById('map') as HTMLElement).getBoundingClientRect();
          return pts.map(([lng, lat]) => {
            const p = map.project([lng, lat]);
            return { x: p.x + m.left, y: p.y + m.top };
          });
        },
        rows.slice(1, -1).map((r) => [r[3], r[2]] as [number, number]),
      );
    // The pins and the car are DOM markers over the route: out of the way while its pixels are read.
    await page.addStyleTag({ content: '.maplibregl-marker { visibility: hidden }' });
    const ROUTE = [0xa9, 0xae, 0xb5];
    const PLAYED = [0x1b, 0x6e, 0xf3];
    const light = await mapPixels(page, [ROUTE], { points: await project(), radius: 4 });
    expect(light.at.filter(Boolean).length).toBeGreaterThanOrEqual(light.at.length * 0.8);

    // Played at 10x: the replay's clock runs ten times the page's.
    await page.click('#replay .play');
    // Read at animation frames, over 2 s: the clock moves once a frame, and a loaded machine's
    // frames are long, so a short window read between frames misjudges it.
    const speed = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          const el = document.getElementById('replay') as HTMLElement;
          let first: { t: number; at: number } | null = null;
          const tick = (at: number) => {
            const t = Number(el.dataset['t']);
            if (first === null) first = { t, at };
            else if (at - first.at >= 2000) {
              resolve((t - first.t) / (at - first.at));
              return;
            }
            requestAnimationFrame(tick);
          };
          requestAnimationFrame(tick);
        }),
    );
    expect(speed).toBeGreaterThan(7);
    expect(speed).toBeLessThan(11);
    // At the end, the recorded track is drawn in full, strong, where the API's fixes are.
    await page.waitForFunction(() => document.getElementById('replay')?.dataset['playing'] === 'false', undefined, {
      timeout: 60_000,
    });
    expect(Number(await page.getAttribute('#replay', 'data-index'))).toBe(points - 1);
    await page.waitForFunction(() => !(window as unknown as { fleetMap: { isMoving(): boolean } }).fleetMap.isMoving());
    const played = await mapPixels(page, [PLAYED], { points: await project(), radius: 4 });
    expect(played.at.filter(Boolean).length).toBeGreaterThanOrEqual(played.at.length * 0.8);
    expect(await page.$$('.maplibregl-marker.pin.start')).toHaveLength(1);
    expect(await page.$$('.maplibregl-marker.pin.end')).toHaveLength(1);
    expect(await page.textContent('#replay .replay-stats')).toMatch(/km|m · .* · avg .* km\/h/);
    // The pins explained: start and end always, where the rider got in when the trip got that far.
    const boarded = rows.some((r) => TRIP_STATES[r[7]] === 'on_trip');
    const legend = await page.textContent('#replay .replay-legend');
    expect(legend).toMatch(/start \d+:\d\d.*end \d+:\d\d/);
    const pickedUp = /rider picked up/.test(legend ?? '');
    if (boarded) expect(pickedUp).toBe(true); // (the trace may have grown since it was read here)
    expect(await page.locator('.maplibregl-marker.pin.pickup').count()).toBe(pickedUp ? 1 : 0);
    await page.screenshot({ path: join(ARTIFACTS, 'console-replay.png') });
    // Closing the replay brings the fleet back, where the operator was before it.
    await page.click('#replay .icon-button');
    expect(await zoom()).toBeCloseTo(zoomBefore, 5);
    await until(async () => (await mapPixels(page)).count > 0, 'the fleet is drawn again', {
      timeoutMs: 30_000,
      everyMs: 200,
    });
    // A live driver picked from the search during a replay closes it: never a live card beside it.
    for (const [q, shown] of [
      [trip.id, '#replay:not([hidden])'],
      [trip.driverId, '#driver:not([hidden])'],
    ] as const) {
      await page.fill('#search', q);
      await page.waitForSelector('#search-results .result');
      await page.keyboard.press('Enter');
      await page.waitForSelector(shown);
    }
    expect(await page.isHidden('#replay')).toBe(true);
    expect(await page.evaluate(() => document.getElementById('app')?.classList.contains('replaying'))).toBe(false);
    expect(refused).toEqual([]);
    await page.close();
  });

  it(
    'draws the drivers on a canvas of its own that follows the map and survives a lost context',
    { timeout: 90_000 },
    async () => {
      const { page } = await open('/fleet');
      // Clicking a driver opens its panel. The drivers move: a click that came after the one read
      // had moved on is made again on a fresh read (CI lost this test once to such a race).
      for (let attempt = 0; attempt < 3; attempt++) {
        const found = await mapPixels(page);
        expect(found.count).toBeGreaterThan(DRIVERS);
        await page.mouse.click(found.x, found.y);
        const opened = await page
          .waitForSelector('#driver:not([hidden])', { timeout: 5_000 })
          .then(() => true)
          .catch(() => false);
        if (opened) break;
      }
      await page.waitForSelector('#driver:not([hidden])');
      expect(await page.textContent('#driver .driver-id')).toMatch(/drv-\d+/);
      await page.click('#driver .icon-button');

      // The drivers are drawn over the map on a canvas of their own: when the map pans (an arrow
      // key pans it by 100 px), they follow it. The fleet is held still meanwhile (the simulator
      // paused), since at this zoom a car crosses pixels every second: only the map moves.
      sim.process.kill('SIGSTOP');
      try {
        let before = await mapPixels(page);
        for (let tries = 0; ; tries++) {
          const again = await mapPixels(page);
          if (again.x === before.x && again.y === before.y) break; // the cars have settled
          before = again;
          expect(tries, 'cars still moving with the simulator paused').toBeLessThan(50);
        }
        await page.focus('.maplibregl-canvas');
        await page.keyboard.press('ArrowRight');
        for (let tries = 0; ; tries++) {
          if ((await mapPixels(page, undefined, { near: { x: before.x - 100, y: before.y } })).near) break;
          expect(tries, 'a driver drawn 100 px left of where it was').toBeLessThan(50);
        }
      } finally {
        sim.process.kill('SIGCONT');
      }

      // The overlay loses its WebGL context (a GPU reset) and gets it back: it draws again by itself.
      const loseContext = (restore: boolean) =>
        page.evaluate((r) => {
          // A lost context hands out no extensions: the one that lost it is kept to restore it.
          const held = window as unknown as { loseContext?: WEBGL_lose_context | null | undefined };
          const gl = document.querySelector<HTMLCanvasElement>('canvas.fleet-overlay')?.getContext('webgl2');
          held.loseContext ??= gl?.getExtension('WEBGL_lose_context');
          if (!held.loseContext) throw new Error('no WEBGL_lose_context');
          if (r) held.loseContext.restoreContext();
          else held.loseContext.loseContext();
        }, restore);
      await loseContext(false);
      for (let tries = 0; (await mapPixels(page)).count > 0; tries++)
        expect(tries, 'drivers gone with the context').toBeLessThan(50);
      await loseContext(true);
      for (let tries = 0; (await mapPixels(page)).count <= DRIVERS; tries++)
        expect(tries, 'drivers drawn again after the context came back').toBeLessThan(50);
      await page.screenshot({ path: join(ARTIFACTS, 'console.png') });
      await page.close();

      const phone = await open('/fleet', { width: 390, height: 844 });
      await phone.page.waitForFunction(
        () => document.getElementById('density')?.dataset['state'] === 'shown',
        undefined,
        {
          timeout: 30_000,
        },
      );
      await phone.page.screenshot({ path: join(ARTIFACTS, 'console-phone.png') });
      await phone.page.close();
    },
  );

  it(
    'asks the fleet stream for the regions it shows, and shows a view too wide for that as density',
    { timeout: 120_000 },
    async () => {
      const page = await chromium.browser.newPage({ viewport: { width: 1280, height: 900 } });
      page.on('pageerror', (e) => pageErrors.push(`regions: ${e.message}`));
      const asked: string[] = [];
      page.on('request', (r) => {
        const url = new URL(r.url());
        if (url.pathname === '/api/fleet/events') asked.push(url.searchParams.get('regions') ?? '(none)');
      });
      await page.goto(`${broker.httpUrl}/fleet`);
      await allCounted(page);
      type MapLike = { getBounds(): { getWest(): number; getSouth(): number; getEast(): number; getNorth(): number } };
      const viewNow = async () => {
        const b = await page.evaluate(() => {
          const bounds = (window as unknown as { fleetMap: MapLike }).fleetMap.getBounds();
          return [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()] as const;
        });
        return viewRegions(b, 5, 64);
      };
      // The stream it holds names exactly the regions of its view.
      await until(async () => asked.at(-1) === (await viewNow())?.join(','), 'the stream follows the view', {
        timeoutMs: 30_000,
        everyMs: 200,
      });
      expect(asked.at(-1)?.split(',').length).toBeGreaterThan(0);

      // Zoomed out to a whole country: too many regions to stream, so none; the fleet is density.
      await page.evaluate(() =>
        (window as unknown as { fleetMap: { jumpTo(o: object): void } }).fleetMap.jumpTo({ zoom: 6 }),
      );
      await until(
        async () => (await page.evaluate(() => document.getElementById('app')?.dataset['regions'])) === 'wide',
        'a wide view',
        { timeoutMs: 30_000, everyMs: 200 },
      );
      await until(() => Promise.resolve(asked.at(-1) === ''), 'no regions asked', { timeoutMs: 30_000, everyMs: 200 });
      await until(async () => (await page.textContent('#known')) === '0', 'no driver listed', {
        timeoutMs: 30_000,
        everyMs: 200,
      });
      expect(await page.isVisible('#scope')).toBe(true);
      expect(await page.textContent('#scope')).toMatch(/Zoom in to see each driver/);

      // And back: the drivers of the view again.
      await page.evaluate(() =>
        (window as unknown as { fleetMap: { jumpTo(o: object): void } }).fleetMap.jumpTo({
          zoom: 12.5,
          center: [-76.61, 39.29],
        }),
      );
      await allCounted(page);
      expect(await page.isVisible('#scope')).toBe(false);
      await page.close();
    },
  );
});
