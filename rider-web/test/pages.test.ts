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
  const page = await browser.newPage({ viewport }); // a phone screen unless said otherwise
  page.on('console', (m) => {
    // Chromium itself logs a refused WebSocket while the broker is down in the restart test, and
    // the requests the fallback tests block; that is the network, not the page, which shows it.
    if (m.type() === 'error' && !/ERR_CONNECTION_REFUSED|ERR_FAILED|WebSocket/.test(m.text()))
      consoleErrors.push(`${path}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`${path}: ${e.message}`));
  await before?.(page);
  await page.goto(`${base}${path}`);
  await page.waitForSelector('canvas.maplibregl-canvas');
  return page;
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

/** Sets a pickup on the page and requests a ride; resolves when the car is on the map. */
async function requestRide(page: Page): Promise<number> {
  await page.click('#map', { position: { x: 206, y: 300 } });
  await page.waitForSelector('#request:not([disabled])');
  const requested = Date.now();
  await page.click('#request');
  await page.waitForSelector('[data-testid="car"]', { state: 'visible' });
  return Date.now() - requested;
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

describe('rider page', () => {
  it(
    'requests a ride; the car appears, moves, says how fresh it is, and greys out when the driver stops',
    { timeout: 120_000 },
    async () => {
      // Wait until the fleet is in the index, so a driver can be assigned.
      await fleetOnline();
      await new Promise((r) => setTimeout(r, 500));
      const page = await open('/');
      expect(await requestRide(page)).toBeLessThan(2000 + 1500); // assignment, then the retained fix at once
      await page.waitForFunction(isLive);
      expect(await page.getAttribute('#connection', 'data-transport')).toBe('websocket');
      await page.waitForFunction(() => /updated/.test(document.getElementById('freshness')?.textContent ?? ''));
      await carMoves(page);
      await page.screenshot({ path: join(ARTIFACTS, 'rider.png') });

      // The broker restarts under the page: it reconnects by itself and the car moves again.
      const ports = { mqtt: broker.mqttPort, http: broker.httpPort };
      await broker.stop('SIGKILL');
      await page.waitForFunction(() => !(document.getElementById('connection')?.textContent ?? '').startsWith('live'));
      broker = await startBrokerProcess(brokerEnv(ports));
      await page.waitForFunction(isLive, undefined, { timeout: 30_000 });
      await carMoves(page, 30_000);

      // The drivers stop: the car is greyed out, never shown as live.
      await sim.stop();
      await page.waitForSelector('[data-testid="car"].stale', { timeout: 15_000 });
      expect(await page.textContent('#freshness')).toMatch(/offline/);
      await page.screenshot({ path: join(ARTIFACTS, 'rider-offline.png') });
      await page.close();
      sim = startSimProcess(
        ['--drivers', String(DRIVERS), '--broker', `mqtt://127.0.0.1:${broker.mqttPort}`, '--ramp', '50'],
        { JWT_SECRET: secret },
      );
    },
  );
});

describe('rider page on a network that blocks WebSocket', () => {
  it.each([
    ['sse', 'WebSocket is refused', false],
    ['long-poll', 'WebSocket and Server-Sent Events are refused', true],
  ])('falls back to %s when %s, and the car moves', { timeout: 90_000 }, async (expected, _why, blockSse) => {
    await fleetOnline();
    const page = await open('/', undefined, async (p) => {
      // A proxy that accepts the upgrade and closes it at once, as some corporate proxies do.
      await p.routeWebSocket(/\/mqtt$/, (ws) => {
        void ws.close();
      });
      if (blockSse) await p.route(/\/events(\?|$)/, (route) => route.abort());
    });
    await requestRide(page);
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

describe('pages', () => {
  it('logged no console errors on any page', () => {
    expect(consoleErrors).toEqual([]);
  });
});
