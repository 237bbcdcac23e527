/**
 * npm run bench:web — frame times in headless Chromium (Debian's, software GL): the rider page
 * animating one car, and the operator map with 5,000 live drivers (BENCH_FLEET). Starts the broker
 * (dev mode) and the simulator as processes on free ports. Also prints the pages' gzipped sizes.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { launchChromium } from '../../infra/test/browser';
import { startBrokerProcess } from '../../infra/test/broker-process';
import { exportRoads, startSimProcess, WEB_DIR } from '../../infra/test/sim-process';
import { machineLine } from '../../shared/bench/machine';

const FLEET = Number(process.env['BENCH_FLEET'] ?? 5000);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10);

/** Frame-to-frame intervals over `seconds`, from requestAnimationFrame. */
async function frameTimes(
  page: Page,
  seconds: number,
): Promise<{ p50: number; p95: number; p99: number; frames: number }> {
  // A source string, not a function: the TypeScript loader would add helpers the page does not have.
  const deltas = await page.evaluate<number[]>(`new Promise((resolve) => {
    const out = [];
    let last = performance.now();
    const end = last + ${seconds * 1000};
    function tick(t) {
      out.push(t - last);
      last = t;
      if (t < end) requestAnimationFrame(tick);
      else resolve(out);
    }
    requestAnimationFrame(tick);
  })`);
  deltas.sort((a, b) => a - b);
  const q = (x: number): number => deltas[Math.min(deltas.length - 1, Math.floor(x * deltas.length))] ?? Number.NaN;
  return { p50: q(0.5), p95: q(0.95), p99: q(0.99), frames: deltas.length };
}

const secret = randomBytes(32).toString('hex');
const roads = join(mkdtempSync(join(tmpdir(), 'ridetrack-bench-web-')), 'roads.geojson');
exportRoads(roads);
const broker = await startBrokerProcess({
  AUTH_MODE: 'dev',
  JWT_SECRET: secret,
  WEB_DIR,
  ROADS_FILE: roads,
  PUBLISH_RATE_PER_S: '100',
  MAX_EVENT_LOOP_LAG_MS: '60000',
});
const base = `http://127.0.0.1:${broker.httpPort}`;
const sim = startSimProcess(
  ['--drivers', String(FLEET), '--broker', `mqtt://127.0.0.1:${broker.mqttPort}`, '--ramp', '2000'],
  { JWT_SECRET: secret },
);
const browser = await launchChromium();
try {
  for (;;) {
    const h = (await (await fetch(`${base}/healthz`)).json()) as { driversOnline: number };
    if (h.driversOnline >= FLEET) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const rider = await browser.newPage({ viewport: { width: 412, height: 860 } });
  await rider.goto(`${base}/`);
  await rider.waitForSelector('canvas.maplibregl-canvas');
  await rider.click('#map', { position: { x: 206, y: 300 } });
  await rider.click('#request');
  await rider.waitForSelector('[data-testid="car"]', { state: 'visible' });
  const oneCar = await frameTimes(rider, SECONDS);
  await rider.close();

  const fleet = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await fleet.goto(`${base}/fleet`);
  await fleet.waitForFunction((n) => Number(document.getElementById('count')?.textContent ?? 0) >= n * 0.95, FLEET, {
    timeout: 120_000,
  });
  const many = await frameTimes(fleet, SECONDS);
  await fleet.close();

  const assets = join(WEB_DIR, 'assets');
  const gz = (f: string): number => gzipSync(readFileSync(join(assets, f))).byteLength;
  const files = readdirSync(assets);
  // The shared chunk and CSS (both named style-*), and MapLibre's worker, which every map page loads.
  const shared = files.filter((f) => f.startsWith('style-') || f.startsWith('maplibre-gl-worker-'));
  const riderBytes =
    [...shared, ...files.filter((f) => f.startsWith('rider-'))].reduce((n, f) => n + gz(f), 0) +
    gzipSync(readFileSync(join(WEB_DIR, 'index.html'))).byteLength;

  console.log(`machine: ${machineLine()}; Debian chromium headless, software GL (SwiftShader)`);
  console.log(`${SECONDS} s of requestAnimationFrame intervals per view`);
  console.log('');
  console.log('| view | frames | frame time p50 | p95 | p99 |');
  console.log('| --- | --- | --- | --- | --- |');
  const row = (name: string, r: typeof oneCar) =>
    console.log(`| ${name} | ${r.frames} | ${r.p50.toFixed(1)} ms | ${r.p95.toFixed(1)} ms | ${r.p99.toFixed(1)} ms |`);
  row('rider page, one car animating', oneCar);
  row(`operator map, ${FLEET.toLocaleString('en-US')} drivers live`, many);
  console.log('');
  console.log(
    `rider page, gzipped: ${(riderBytes / 1024).toFixed(1)} KB (HTML, its script, the shared chunk, CSS and MapLibre's worker)`,
  );
} finally {
  await browser.close();
  await sim.stop();
  await broker.stop();
}
