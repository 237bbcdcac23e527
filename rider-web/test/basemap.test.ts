import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { distanceM, importCity, PALETTE, type City } from '@ridetrack/shared';
import { distanceToRoad, insideRing, pixelsAt, toLngLat } from './basemap-helpers';
import { ARTIFACTS, useBrokerProcess, useChromium, useSimProcess, WEB_DIR } from '@ridetrack/testkit';

/**
 * The offline basemap as a person sees it, in Debian's Chromium against the real broker and
 * simulator: water, parks and street labels drawn where the demo city has them, the OpenStreetMap
 * attribution visible on a phone and a desktop, and the simulated cars on its streets.
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const secret = randomBytes(32).toString('hex');
const DRIVERS = 12;
let city: City;
const consoleErrors: string[] = [];

const broker = useBrokerProcess({ AUTH_MODE: 'dev', JWT_SECRET: secret, WEB_DIR }, { timeoutMs: 60_000 });
useSimProcess(() => ['--drivers', String(DRIVERS), '--broker', broker.mqttUrl, '--ramp', '50'], {
  JWT_SECRET: secret,
});
const chromium = useChromium();

beforeAll(() => {
  const imported = importCity(readFileSync(join(ROOT, 'infra/cities/baltimore/baltimore.osm.pbf')), { basemap: true });
  if (!imported.ok) throw new Error(imported.reason);
  city = imported.value;
}, 60_000);

async function openIdle(
  path: string,
  viewport: { width: number; height: number },
  before?: (page: Page) => void,
): Promise<Page> {
  const page = await chromium.browser.newPage({ viewport });
  before?.(page);
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(`${path}: ${m.text()}`));
  page.on('pageerror', (e) => consoleErrors.push(`${path}: ${e.message}`));
  await page.goto(`${broker.httpUrl}${path}`);
  await page.waitForSelector('#map[data-map-idle="true"]', { timeout: 30_000 });
  return page;
}

const hex = (c: string): [number, number, number] =>
  [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)) as [number, number, number];
const near = (a: readonly number[], b: readonly number[], tolerance: number): boolean =>
  a.every((v, i) => Math.abs(v - (b[i] ?? 0)) <= tolerance);

/** Whether a point is in a polygon of the layer/kinds, at least `marginM` from its edges (away from anti-aliasing and shore roads). */
function within(lng: number, lat: number, layer: string, kinds: string[], marginM: number): boolean {
  return city.basemap.some((f) => {
    if (f.layer !== layer || !kinds.includes(f.kind) || f.type !== 'polygon') return false;
    const [outer, ...holes] = f.parts;
    if (!outer || !insideRing(lng, lat, outer) || holes.some((h) => insideRing(lng, lat, h))) return false;
    for (const ring of f.parts)
      for (let i = 0; i < ring.length; i += 2)
        if (distanceM({ lng: ring[i] ?? 0, lat: ring[i + 1] ?? 0 }, { lng, lat }) < marginM) return false;
    return true;
  });
}

describe('the basemap in Chromium', () => {
  it.each([
    // On a phone the panel covers the harbour at the opening zoom (14): one step out shows it.
    ['a phone', { width: 390, height: 844 }, 13],
    ['a desktop', { width: 1440, height: 900 }, 14],
  ])(
    'draws water, parks and street labels where the city has them, on %s',
    { timeout: 90_000 },
    async (name, viewport, zoom) => {
      const glyphs: number[] = [];
      const p = await openIdle('/', viewport, (page) =>
        page.on('response', (r) => r.url().includes('/map/glyphs/') && glyphs.push(r.status())),
      );
      if (zoom !== 14) {
        await p.focus('.maplibregl-canvas');
        await p.keyboard.press('Minus'); // MapLibre's keyboard zoom: one level out
        await p.waitForSelector(`#map[data-map-idle="true"][data-map-zoom="${zoom.toFixed(2)}"]`, { timeout: 30_000 });
      }
      const config = (await (await fetch(`${broker.httpUrl}/config.json`)).json()) as { center: [number, number] };
      const box = (await p.locator('#map').boundingBox()) ?? { x: 0, y: 0, ...viewport };
      // The rider page opens at zoom 14 on the city's centre: a grid of sample points over the
      // screen, each labelled by the city's own polygons (well inside water or a park, or neither).
      const samples: { x: number; y: number; expect: 'water' | 'park' | 'land' }[] = [];
      for (let x = 6; x < viewport.width; x += 12)
        for (let y = 6; y < viewport.height; y += 12) {
          const [lng, lat] = toLngLat(x, y, config.center, zoom, box);
          if (within(lng, lat, 'water', ['water', 'sea'], 25)) samples.push({ x, y, expect: 'water' });
          else if (within(lng, lat, 'landuse', ['park'], 25)) samples.push({ x, y, expect: 'park' });
          else if (
            !within(lng, lat, 'water', ['water', 'sea'], 0) &&
            !within(lng, lat, 'landuse', ['park', 'wood', 'grass', 'pitch', 'cemetery'], 0)
          )
            samples.push({ x, y, expect: 'land' });
        }
      const png64 = (await p.screenshot({ path: join(ARTIFACTS, `basemap-${name.replace(' ', '-')}.png`) })).toString(
        'base64',
      );
      const colours = await p.evaluate(pixelsAt, { png64, points: samples });
      const share = (kind: string, colour: string, tolerance = 6): { of: number; share: number } => {
        const seen = samples.flatMap((s, i) => {
          const c = colours[i];
          return s.expect === kind && c ? [c] : [];
        });
        const hits = seen.filter((c) => near(c, hex(colour), tolerance)).length;
        return { of: seen.length, share: hits / Math.max(1, seen.length) };
      };
      const water = share('water', PALETTE.water);
      const park = share('park', PALETTE.park);
      const landAsWater = share('land', PALETTE.water);
      expect(water.of, 'water in view').toBeGreaterThan(20);
      expect(park.of, 'parks in view').toBeGreaterThan(20);
      // Water is water-blue where the city has water (bridges and piers cross a few points)...
      expect(water.share).toBeGreaterThan(0.85);
      // ...parks are green where it has parks (paths, labels and a few buildings cross them)...
      expect(park.share).toBeGreaterThan(0.6);
      // ...and nowhere else is water-blue.
      expect(landAsWater.share).toBeLessThan(0.02);

      // Street names: glyphs were fetched, and text in the label colour is drawn.
      expect(glyphs.length).toBeGreaterThan(0);
      expect(glyphs.every((s) => s === 200)).toBe(true);
      const labelPixels = await p.evaluate(
        (a) => {
          return new Promise<number>((resolve) => {
            const img = new Image();
            img.onload = () => {
              const c = document.createElement('canvas');
              c.width = img.width;
              c.height = img.height;
              const ctx = c.getContext('2d') as CanvasRenderingContext2D;
              ctx.drawImage(img, 0, 0);
              const d = ctx.getImageData(0, 0, img.width, img.height).data;
              let n = 0;
              for (let i = 0; i < d.length; i += 4)
                if (
                  Math.abs((d[i] ?? 0) - a.rgb[0]) < 14 &&
                  Math.abs((d[i + 1] ?? 0) - a.rgb[1]) < 14 &&
                  Math.abs((d[i + 2] ?? 0) - a.rgb[2]) < 14
                )
                  n++;
              resolve(n);
            };
            img.src = `data:image/png;base64,${a.png64}`;
          });
        },
        { png64, rgb: hex(PALETTE.label) },
      );
      // Thousands of text pixels on a screen of street names; none at all without glyphs.
      expect(labelPixels).toBeGreaterThan(150);
      await p.close();
    },
  );

  it.each([
    ['/', { width: 390, height: 844 }],
    ['/', { width: 1440, height: 900 }],
    ['/fleet', { width: 390, height: 844 }],
    ['/fleet', { width: 1440, height: 900 }],
  ])(
    'shows "© OpenStreetMap contributors" on %s at %j, open and not covered',
    { timeout: 60_000 },
    async (path, viewport) => {
      const page = await openIdle(path, viewport);
      const attribution = page.locator('.maplibregl-ctrl-attrib');
      await expect(attribution.isVisible()).resolves.toBe(true);
      expect(await attribution.textContent()).toContain('© OpenStreetMap contributors');
      expect(await attribution.getAttribute('class')).not.toMatch(/compact/);
      // Nothing lies over it: the element at the middle of its text is the attribution itself.
      const covered = await page.evaluate(() => {
        const el = document.querySelector('.maplibregl-ctrl-attrib-inner a, .maplibregl-ctrl-attrib-inner');
        const r = el?.getBoundingClientRect();
        if (!el || !r) return 'missing';
        const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        const inside = r.right <= window.innerWidth && r.bottom <= window.innerHeight && r.left >= 0 && r.top >= 0;
        return top !== null && el.contains(top) && inside ? 'visible' : `covered by ${top?.className ?? '?'}`;
      });
      expect(covered).toBe('visible');
      await page.close();
    },
  );

  it(
    'has the simulated cars on the streets: every fix is within GPS noise of a road of the city',
    { timeout: 60_000 },
    async () => {
      const token = ((await (await fetch(`${broker.httpUrl}/api/dev/token?role=operator`)).json()) as { token: string })
        .token;
      const [lng, lat] = city.center;
      let drivers: { lat: number; lng: number }[] = [];
      for (let tries = 0; drivers.length < DRIVERS; tries++) {
        expect(tries, 'drivers in the index').toBeLessThan(200);
        const res = await fetch(`${broker.httpUrl}/api/drivers/nearby?lat=${lat}&lng=${lng}&radius_m=20000&limit=100`, {
          headers: { authorization: `Bearer ${token}` },
        });
        drivers = ((await res.json()) as { drivers?: { lat: number; lng: number }[] }).drivers ?? [];
        if (drivers.length < DRIVERS) await new Promise((r) => setTimeout(r, 250));
      }
      for (const d of drivers) expect(distanceToRoad(city, d)).toBeLessThan(20); // 4 m GPS noise, a few sigma
    },
  );

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
