import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../infra/test/browser';
import { startBrokerProcess, type BrokerProcess } from '../../infra/test/broker-process';
import { ARTIFACTS, startSimProcess, WEB_DIR } from '../../infra/test/sim-process';

/**
 * The pages in Debian's Chromium (playwright-core), against the real broker and simulator processes
 * on free ports. Screenshots go to test-artifacts/ (not committed) for a person to look at.
 */
const secret = randomBytes(32).toString('hex');
const DRIVERS = 12;
let broker: BrokerProcess;
let sim: ReturnType<typeof startSimProcess>;
let browser: Browser;
let base: string;
const consoleErrors: string[] = [];

const brokerEnv = (ports?: { mqtt: number; http: number }) => ({
  AUTH_MODE: 'dev',
  JWT_SECRET: secret,
  WEB_DIR,
  ...(ports ? { MQTT_PORT: String(ports.mqtt), HTTP_PORT: String(ports.http) } : {}),
});

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  broker = await startBrokerProcess(brokerEnv());
  base = `http://127.0.0.1:${broker.httpPort}`;
  sim = startSimProcess(
    ['--drivers', String(DRIVERS), '--broker', `mqtt://127.0.0.1:${broker.mqttPort}`, '--ramp', '50'],
    { JWT_SECRET: secret },
  );
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser.close();
  await sim.stop();
  await broker.stop();
});

async function open(
  path: string,
  viewport = { width: 412, height: 860 },
  before?: (page: Page) => Promise<void>,
): Promise<Page> {
  // Service workers off: page.route must see every request (a worker's own fetches bypass it).
  // A phone screen unless said otherwise; service workers off, so page.route sees every request.
  const page = await browser.newPage({ viewport, serviceWorkers: 'block' });
  page.on('console', (m) => {
    // Chromium itself logs a refused WebSocket while the broker is down in the restart test, and
    // the requests the fallback tests block; that is the network, not the page, which shows it.
    if (m.type() === 'error' && !/ERR_CONNECTION_REFUSED|ERR_FAILED|WebSocket/.test(m.text()))
      consoleErrors.push(`${path}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`${path}: ${e.message}`));
  await before?.(page);
  await page.goto(`${base}${path}`);
  await page.waitForSelector('canvas.maplibregl-canvas', { state: 'attached' });
  return page;
}

/**
 * In the page: decodes a PNG screenshot of the map and counts the pixels within a few levels of
 * the live drivers' colours (available, to pickup, on trip); returns the one nearest the map's
 * middle, in page pixels, and whether one lies within 3 px of `near`.
 */
function liveDriverPixels(arg: {
  png64: string;
  near?: { x: number; y: number } | undefined;
}): Promise<{ count: number; x: number; y: number; near: boolean }> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onerror = () => reject(new Error('screenshot does not decode'));
    img.onload = () => {
      const canvas = document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext('2d');
      if (ctx === null) {
        reject(new Error('no 2d context'));
        return;
      }
      ctx.drawImage(img, 0, 0);
      const { data } = ctx.getImageData(0, 0, img.width, img.height);
      const colours = [
        [0x1e, 0x8e, 0x3e],
        [0xf2, 0x99, 0x00],
        [0x1b, 0x6e, 0xf3],
      ];
      const box = document.getElementById('map')?.getBoundingClientRect();
      let count = 0;
      let at = { x: -1, y: -1 };
      let best = Number.POSITIVE_INFINITY;
      let near = false;
      for (let i = 0; i < data.length; i += 4) {
        const hit = colours.some(
          ([r = 0, g = 0, b = 0]) =>
            Math.abs((data[i] ?? 0) - r) < 8 &&
            Math.abs((data[i + 1] ?? 0) - g) < 8 &&
            Math.abs((data[i + 2] ?? 0) - b) < 8,
        );
        if (!hit) continue;
        count++;
        const p = i / 4;
        const px = p % img.width;
        const py = Math.floor(p / img.width);
        const x = px + (box?.left ?? 0);
        const y = py + (box?.top ?? 0);
        // The one returned is the nearest the middle: a pan of 100 px keeps it on the map and
        // clear of the panels along its edges.
        const fromMiddle = Math.hypot(px - img.width / 2, py - img.height / 2);
        if (fromMiddle < best) {
          best = fromMiddle;
          at = { x, y };
        }
        if (arg.near && Math.abs(x - arg.near.x) <= 3 && Math.abs(y - arg.near.y) <= 3) near = true;
      }
      resolve({ count, ...at, near });
    };
    img.src = `data:image/png;base64,${arg.png64}`;
  });
}

async function carPosition(page: Page): Promise<string> {
  return page.$eval('[data-testid="car"]', (el) => (el as HTMLElement).style.transform);
}

async function fleetOnline(): Promise<void> {
  for (;;) {
    const health = (await (await fetch(`${base}/healthz`)).json()) as { driversOnline: number };
    if (health.driversOnline === DRIVERS) break;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Books a ride near the middle of the city as the ride app's backend does, and returns the rider
 * token. Dispatch answers 409 until a driver is both online and in the index with a fresh,
 * `available` fix: drivers connect before their first fix is accepted (a restarted simulator's
 * cars reappear far from their last fixes, which the broker refuses as impossible jumps until they
 * re-anchor), so "every driver online" is not yet "a driver can be booked". It asks again until one
 * can, rather than taking the first 409 for an answer.
 */
async function bookRide(): Promise<string> {
  const { token: ops } = (await (await fetch(`${base}/api/dev/token?role=operator`)).json()) as { token: string };
  const { center } = (await (await fetch(`${base}/config.json`)).json()) as { center: [number, number] };
  for (let tries = 0; ; tries++) {
    const res = await fetch(`${base}/api/trips`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ops}`, 'content-type': 'application/json' },
      body: JSON.stringify({ pickup: { lat: center[1], lng: center[0] } }),
    });
    if (res.status === 201) return ((await res.json()) as { riderToken: string }).riderToken;
    expect(res.status).toBe(409);
    expect(tries, 'no driver could be booked').toBeLessThan(150);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const isLive = () => (document.getElementById('connection')?.textContent ?? '').startsWith('live');

async function carMoves(page: Page, timeout = 20_000): Promise<void> {
  const before = await carPosition(page);
  await page.waitForFunction(
    (b) => (document.querySelector('[data-testid="car"]') as HTMLElement).style.transform !== b,
    before,
    { timeout },
  );
}

describe('rider page on a network that blocks WebSocket', () => {
  it.each([
    ['sse', 'WebSocket is refused', false],
    ['long-poll', 'WebSocket and Server-Sent Events are refused', true],
  ])('falls back to %s when %s, and the car moves', { timeout: 90_000 }, async (expected, _why, blockSse) => {
    await fleetOnline();
    const token = await bookRide();
    const page = await open(`/#token=${token}`, undefined, async (p) => {
      // A proxy that accepts the upgrade and closes it at once, as some corporate proxies do.
      await p.routeWebSocket(/\/mqtt$/, (ws) => {
        void ws.close();
      });
      if (blockSse) await p.route(/\/events(\?|$)/, (route) => route.abort());
    });
    await page.waitForSelector('[data-testid="car"]:not([hidden])');
    await page.waitForFunction((t) => document.getElementById('connection')?.dataset['transport'] === t, expected, {
      timeout: 20_000,
    });
    await page.waitForFunction(isLive, undefined, { timeout: 20_000 });
    expect(await page.textContent('#connection')).toMatch(expected === 'sse' ? /SSE/ : /long polling/);
    await carMoves(page);
    await page.screenshot({ path: join(ARTIFACTS, `rider-${expected}.png`) });
    await page.close();
  });
});

describe('operator map', () => {
  it('shows every driver and a hexagon layer whose counts match the index', { timeout: 90_000 }, async () => {
    const page = await open('/fleet', { width: 1280, height: 900 }); // an operator's desk
    await page.waitForFunction((n) => document.getElementById('count')?.textContent === String(n), DRIVERS, {
      timeout: 30_000,
    });
    await page.waitForFunction(
      (n) => (document.getElementById('hexcount')?.textContent ?? '').startsWith(`${n} in `),
      DRIVERS,
      { timeout: 30_000 },
    );
    const hexes = Number(/in (\d+) hexagons/.exec((await page.textContent('#hexcount')) ?? '')?.[1]);
    expect(hexes).toBeGreaterThan(0);

    // The drivers are drawn (a WebGL layer of our own): the map shows pixels in the trip states'
    // colours, and clicking one of them opens that driver's details.
    const shot = await page.locator('#map').screenshot();
    const found = await page.evaluate(liveDriverPixels, { png64: shot.toString('base64') });
    expect(found.count).toBeGreaterThan(DRIVERS);
    await page.mouse.click(found.x, found.y);
    await page.waitForSelector('.maplibregl-popup');
    expect(await page.textContent('.maplibregl-popup')).toMatch(/drv-\d+/);
    await page.keyboard.press('Escape');

    // The drivers are drawn over the map on a canvas of their own: when the map pans (an arrow
    // key pans it by 100 px), they follow it. The fleet is held still meanwhile (the simulator
    // paused), since at this zoom a car crosses pixels every second: only the map moves.
    const shoot = async (near?: { x: number; y: number }) =>
      page.evaluate(liveDriverPixels, { png64: (await page.locator('#map').screenshot()).toString('base64'), near });
    sim.process.kill('SIGSTOP');
    try {
      let before = await shoot();
      for (let tries = 0; ; tries++) {
        const again = await shoot();
        if (again.x === before.x && again.y === before.y) break; // the cars have settled
        before = again;
        expect(tries, 'cars still moving with the simulator paused').toBeLessThan(50);
      }
      await page.focus('.maplibregl-canvas');
      await page.keyboard.press('ArrowRight');
      for (let tries = 0; ; tries++) {
        if ((await shoot({ x: before.x - 100, y: before.y })).near) break;
        expect(tries, 'a driver drawn 100 px left of where it was').toBeLessThan(50);
      }
    } finally {
      sim.process.kill('SIGCONT');
    }

    // The overlay loses its WebGL context (a GPU reset) and gets it back: it draws again by itself.
    const drawn = async () =>
      (await page.evaluate(liveDriverPixels, { png64: (await page.locator('#map').screenshot()).toString('base64') }))
        .count;
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
    for (let tries = 0; (await drawn()) > 0; tries++) expect(tries, 'drivers gone with the context').toBeLessThan(50);
    await loseContext(true);
    for (let tries = 0; (await drawn()) <= DRIVERS; tries++)
      expect(tries, 'drivers drawn again after the context came back').toBeLessThan(50);
    await page.screenshot({ path: join(ARTIFACTS, 'fleet.png') });
    await page.close();
  });

  it('logged no console errors on any page', () => {
    expect(consoleErrors).toEqual([]);
  });
});
