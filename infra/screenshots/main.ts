/**
 * `npm run screenshots`: the README's pictures, made from a real run. Starts the system exactly as
 * `npm start` does (the launcher itself, on free ports, in a folder of its own; arguments after
 * `--` go to it), waits for the fleet, then in Debian's Chromium requests a ride on the rider page
 * and opens the operator map, at phone and desktop sizes, and writes PNGs to docs/images/.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { devEnvFrom } from '@ridetrack/shared';
import { launchChromium, until } from '@ridetrack/testkit';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = process.env['SCREENSHOTS_DIR'] ?? join(ROOT, 'docs', 'images');
const DRIVERS = Number(process.env['SIM_DRIVERS'] ?? '200');
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1440, height: 900 };
/** After the page says it is ready: map tiles, labels and the car's glide settle. */
const SETTLE_MS = 2500;

function say(line: string): void {
  process.stderr.write(`screenshots: ${line}\n`);
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(SETTLE_MS);
  const file = join(OUT, `${name}.png`);
  await page.screenshot({ path: file });
  say(`${relative(process.cwd(), file)} (${Math.round(statSync(file).size / 1024)} KB)`);
}

/** The rider page with a ride requested: the pickup set mid-map, a destination, the assigned car on its way. */
async function rider(browser: Browser, base: string, viewport: typeof PHONE, name: string): Promise<void> {
  const page = await browser.newPage({ viewport });
  await page.goto(`${base}/`);
  await page.waitForSelector('body[data-map="loaded"]', { timeout: 30_000 });
  const map = await page.locator('#map').boundingBox();
  if (map === null) throw new Error('the rider page has no map');
  // The pickup: the map's middle, above the panel along the bottom on a phone; it snaps to a street.
  await page.mouse.click(map.x + map.width / 2, map.y + map.height * 0.4);
  await page.waitForSelector('[data-testid="pickup"]:not([hidden]) .dot');
  // Where to: a little up and to the right of the pickup.
  await page.click('#destination');
  await page.mouse.click(map.x + map.width * 0.7, map.y + map.height * 0.2);
  await page.waitForSelector('[data-testid="dropoff"]:not([hidden]) .dot');
  await page.waitForSelector('#request:not([hidden]):not([disabled])');
  await page.click('#request');
  await page.waitForSelector('[data-testid="car"]', { state: 'visible', timeout: 20_000 });
  await page.waitForFunction(() => (document.getElementById('connection')?.textContent ?? '').startsWith('live'));
  const before = await page.$eval('[data-testid="car"]', (el) => (el as HTMLElement).style.transform);
  await page.waitForFunction(
    (b) => document.querySelector<HTMLElement>('[data-testid="car"]')?.style.transform !== b,
    before,
    { timeout: 20_000 },
  );
  await shoot(page, name);
  await page.close();
}

/** The operator map with the fleet on it. */
async function fleet(browser: Browser, base: string, viewport: typeof PHONE, name: string): Promise<void> {
  const page = await browser.newPage({ viewport });
  await page.goto(`${base}/fleet`);
  await page.waitForSelector('canvas.maplibregl-canvas');
  await page.waitForFunction(
    (n) => {
      const count = document.getElementById('count');
      return count === null || Number(count.textContent) >= n;
    },
    Math.floor(DRIVERS * 0.9),
    { timeout: 30_000 },
  );
  await shoot(page, name);
  await page.close();
}

async function main(): Promise<number> {
  mkdirSync(OUT, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'ridetrack-screenshots-'));
  say(`starting the system (npm start) in ${dir}`);
  const launcher = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'infra/launcher/main.ts'), ...process.argv.slice(2)],
    {
      cwd: ROOT,
      env: { ...process.env, HTTP_PORT: '0', MQTT_PORT: '0', SIM_DRIVERS: String(DRIVERS), RIDETRACK_DIR: dir },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const exited = once(launcher, 'exit');
  let browser: Browser | null = null;
  try {
    const envFile = join(dir, 'dev.env');
    await until(() => existsSync(envFile) || launcher.exitCode !== null, 'npm start', {
      timeoutMs: 120_000,
      everyMs: 200,
    });
    if (launcher.exitCode !== null) throw new Error('npm start stopped; see its message above');
    const base = devEnvFrom(parseEnv(readFileSync(envFile, 'utf8'))).httpUrl ?? '';
    await until(
      async () => {
        const health = (await (await fetch(`${base}/healthz`)).json()) as { driversOnline?: number };
        return (health.driversOnline ?? 0) >= DRIVERS;
      },
      `${DRIVERS} drivers online`,
      { timeoutMs: 60_000, everyMs: 250 },
    );
    browser = await launchChromium();
    await rider(browser, base, PHONE, 'rider-phone');
    await rider(browser, base, DESKTOP, 'rider-desktop');
    await fleet(browser, base, PHONE, 'fleet-phone');
    await fleet(browser, base, DESKTOP, 'fleet-desktop');
    return 0;
  } finally {
    await browser?.close();
    if (launcher.exitCode === null) launcher.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    say(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
