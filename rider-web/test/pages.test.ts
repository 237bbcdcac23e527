import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ARTIFACTS, useBrokerProcess, useChromium, useSimProcess, WEB_DIR } from '@ridetrack/testkit';

/**
 * The pages in Debian's Chromium (playwright-core), against the real broker and simulator processes
 * on free ports. Screenshots go to test-artifacts/ (not committed) for a person to look at.
 */
const secret = randomBytes(32).toString('hex');
const DRIVERS = 12;
const broker = useBrokerProcess({ AUTH_MODE: 'dev', JWT_SECRET: secret, WEB_DIR }, { timeoutMs: 60_000 });
useSimProcess(() => ['--drivers', String(DRIVERS), '--broker', broker.mqttUrl, '--ramp', '50'], {
  JWT_SECRET: secret,
});
const chromium = useChromium();

/** A page and what it logged as errors (console errors and uncaught exceptions), its own only. */
async function open(
  path: string,
  viewport = { width: 412, height: 860 },
  before?: (page: Page) => Promise<void>,
): Promise<{ page: Page; errors: string[] }> {
  // A phone screen unless said otherwise; service workers off, so page.route sees every request
  // (a worker's own fetches bypass it).
  const page = await chromium.browser.newPage({ viewport, serviceWorkers: 'block' });
  const errors: string[] = [];
  page.on('console', (m) => {
    // Chromium itself logs the requests the fallback tests refuse (a WebSocket closed by the
    // "proxy", aborted streams); that is the network, not the page, which shows it.
    if (m.type() === 'error' && !/ERR_CONNECTION_REFUSED|ERR_FAILED|WebSocket/.test(m.text()))
      errors.push(`${path}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`${path}: ${e.message}`));
  await before?.(page);
  await page.goto(`${broker.httpUrl}${path}`);
  await page.waitForSelector('canvas.maplibregl-canvas', { state: 'attached' });
  return { page, errors };
}

async function carPosition(page: Page): Promise<string> {
  return page.$eval('[data-testid="car"]', (el) => (el as HTMLElement).style.transform);
}

async function fleetOnline(): Promise<void> {
  for (;;) {
    const health = (await (await fetch(`${broker.httpUrl}/healthz`)).json()) as { driversOnline: number };
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
  const { token: ops } = (await (await fetch(`${broker.httpUrl}/api/dev/token?role=operator`)).json()) as {
    token: string;
  };
  const { center } = (await (await fetch(`${broker.httpUrl}/config.json`)).json()) as { center: [number, number] };
  for (let tries = 0; ; tries++) {
    const res = await fetch(`${broker.httpUrl}/api/trips`, {
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
    const { page, errors } = await open(`/#token=${token}`, undefined, async (p) => {
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
    expect(errors).toEqual([]);
  });
});

describe('pages', () => {
  // Sets up what it checks: both pages opened here, each seen working (the car moving over the
  // WebSocket, the fleet listed), so an empty list means "ran and logged nothing", not "never ran".
  it('log no console errors while they work: the rider page and the operator page', { timeout: 90_000 }, async () => {
    await fleetOnline();
    const rider = await open(`/#token=${await bookRide()}`);
    await rider.page.waitForSelector('[data-testid="car"]:not([hidden])');
    await rider.page.waitForFunction(isLive, undefined, { timeout: 20_000 });
    expect(await rider.page.textContent('#connection')).not.toMatch(/SSE|long polling/);
    // Live and fresh: nothing about the connection on the rider's screen.
    expect(await rider.page.isVisible('#connection')).toBe(false);
    expect(await rider.page.isVisible('#freshness')).toBe(false);
    await carMoves(rider.page);

    const fleet = await open('/fleet', { width: 1440, height: 900 });
    await fleet.page.waitForFunction(
      () => Number(document.getElementById('known')?.textContent ?? '0') > 0,
      undefined,
      {
        timeout: 20_000,
      },
    );

    await Promise.all([rider.page.close(), fleet.page.close()]);
    expect([...rider.errors, ...fleet.errors]).toEqual([]);
  });
});
