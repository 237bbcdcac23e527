/**
 * npm run bench:web — frame times in headless Chromium (Debian's, software GL): the rider page
 * animating one car (beside a few drivers, then beside the whole fleet), and the operator map with
 * 5,000 live drivers (BENCH_FLEET). Starts the broker (dev mode) and the simulators as processes
 * on free ports. Also prints the pages' gzipped sizes and the bytes Chromium actually fetched for
 * the rider page (Brotli where the build wrote it). Appends the run to docs/results/web.jsonl.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page, Response } from 'playwright-core';
import { launchChromium, startBrokerProcess, startSimProcess, WEB_DIR } from '@ridetrack/testkit';
import { machineLine } from '../../shared/bench/machine';
import { recordRun, resultsFile } from '../../shared/bench/results';

const FLEET = Number(process.env['BENCH_FLEET'] ?? 5000);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10);

/**
 * Frame-to-frame intervals over `seconds`, from requestAnimationFrame, and the main thread's long
 * tasks (over 50 ms) in the same window: long frames with no long task are the compositor or the
 * CPU being shared, not the page's own work.
 */
async function frameTimes(
  page: Page,
  seconds: number,
): Promise<{ p50: number; p95: number; p99: number; frames: number; longTasks: number; longTaskMs: number }> {
  // A source string, not a function: the TypeScript loader would add helpers the page does not have.
  const { deltas, longTasks } = await page.evaluate<{
    deltas: number[];
    longTasks: number[];
  }>(`new Promise((resolve) => {
    const out = [];
    const longTasks = [];
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) longTasks.push(e.duration);
    });
    observer.observe({ type: 'longtask' });
    let last = performance.now();
    const end = last + ${seconds * 1000};
    function tick(t) {
      out.push(t - last);
      last = t;
      if (t < end) requestAnimationFrame(tick);
      else {
        observer.disconnect();
        resolve({ deltas: out, longTasks });
      }
    }
    requestAnimationFrame(tick);
  })`);
  deltas.sort((a, b) => a - b);
  const q = (x: number): number => deltas[Math.min(deltas.length - 1, Math.floor(x * deltas.length))] ?? Number.NaN;
  return {
    p50: q(0.5),
    p95: q(0.95),
    p99: q(0.99),
    frames: deltas.length,
    longTasks: longTasks.length,
    longTaskMs: longTasks.reduce((a, b) => a + b, 0),
  };
}

/**
 * Bytes on the wire (headers and encoded bodies) of every response a page received, by kind, and
 * the built files (/assets/) it fetched.
 */
function wireBytes(page: Page): () => Promise<{ totals: Map<string, number>; assets: string[] }> {
  const pending: Promise<[string, number]>[] = [];
  const assets = new Set<string>();
  const kind = (r: Response): string => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith('/map/')) return 'basemap (style, tiles, glyphs)';
    if (/\.(js|css|html)$/.test(path) || path === '/') return 'code (HTML, JS, CSS, worker)';
    return 'other (config, API)';
  };
  // Playwright reports no body size for a worker's script (it is fetched by the worker's own
  // target); its body is the file the server sent, in the coding it said.
  const body = async (r: Response, reported: number): Promise<number> => {
    const path = new URL(r.url()).pathname;
    if (reported > 0 || !path.startsWith('/assets/')) return reported;
    const coding = (await r.allHeaders())['content-encoding'];
    const suffix = coding === 'br' ? '.br' : coding === 'gzip' ? '.gz' : '';
    return statSync(join(WEB_DIR, `${path}${suffix}`)).size;
  };
  const onResponse = (r: Response): void => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith('/assets/')) assets.add(path.slice('/assets/'.length));
    pending.push(
      r
        .request()
        .sizes()
        .then(async (s): Promise<[string, number]> => [
          kind(r),
          s.responseHeadersSize + (await body(r, s.responseBodySize)),
        ]),
    );
  };
  page.on('response', onResponse);
  return async () => {
    page.off('response', onResponse);
    const totals = new Map<string, number>();
    for (const [k, n] of await Promise.all(pending)) totals.set(k, (totals.get(k) ?? 0) + n);
    return { totals, assets: [...assets] };
  };
}

const secret = randomBytes(32).toString('hex');
const broker = await startBrokerProcess({
  AUTH_MODE: 'dev',
  JWT_SECRET: secret,
  WEB_DIR,
  PUBLISH_RATE_PER_S: '100',
  MAX_EVENT_LOOP_LAG_MS: '60000',
});
const base = `http://127.0.0.1:${broker.httpPort}`;
/** The rider page is measured first beside a few drivers (a rider's phone does not host the fleet), then beside all of them. */
const FEW = 20;
const startFleet = (drivers: number, prefix: string) =>
  startSimProcess(
    [
      '--drivers',
      String(drivers),
      '--id-prefix',
      prefix,
      '--broker',
      `mqtt://127.0.0.1:${broker.mqttPort}`,
      '--ramp',
      '2000',
    ],
    { JWT_SECRET: secret },
  );
const online = async (n: number): Promise<void> => {
  for (;;) {
    const h = (await (await fetch(`${base}/healthz`)).json()) as { driversOnline: number };
    if (h.driversOnline >= n) return;
    await new Promise((r) => setTimeout(r, 500));
  }
};
const sims = [startFleet(FEW, 'drv-')];
const browser = await launchChromium();
try {
  await online(FEW);
  const rider = await browser.newPage({ viewport: { width: 412, height: 860 } });
  const riderWire = wireBytes(rider);
  await rider.goto(`${base}/`);
  await rider.waitForSelector('canvas.maplibregl-canvas');
  await rider.click('#map', { position: { x: 206, y: 300 } });
  await rider.click('#destination');
  await rider.click('#map', { position: { x: 300, y: 180 } });
  await rider.click('#request');
  await rider.waitForSelector('[data-testid="car"]', { state: 'visible' });
  const riderTransferred = await riderWire();
  const oneCarQuiet = await frameTimes(rider, SECONDS);
  sims.push(startFleet(FLEET - FEW, 'bulk-'));
  await online(FLEET);
  const oneCar = await frameTimes(rider, SECONDS);
  await rider.close();

  const fleet = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  fleet.on('pageerror', (e) => console.error(`operator page: ${e.message}`));
  fleet.on('console', (m) => {
    if (m.type() === 'error') console.error(`operator page: ${m.text()}`);
  });
  await fleet.goto(`${base}/fleet`);
  await fleet
    .waitForFunction((n) => Number(document.getElementById('count')?.textContent ?? 0) >= n * 0.95, FLEET, {
      timeout: 120_000,
    })
    .catch(async (err: unknown) => {
      console.error(`operator page shows ${await fleet.textContent('#count')} of ${FLEET} drivers`);
      throw err;
    });
  // The density hexagons on, as an operator sees the fleet first.
  await fleet.waitForFunction(() => document.getElementById('density')?.dataset['state'] === 'shown', undefined, {
    timeout: 60_000,
  });
  // And the map settled: the console fits the fleet once at start, and the tiles of the new zoom
  // are laid out then (one long task, once); what is measured is the console as it runs.
  await fleet.waitForFunction(
    `(() => { const m = window.fleetMap; return m !== undefined && m.loaded() && m.areTilesLoaded() && !m.isMoving(); })()`,
  );
  const hexagons = (await fleet.textContent('#hexcount')) ?? '';
  const many = await frameTimes(fleet, SECONDS);
  await fleet.close();

  // What the rider page loaded up to the car on the map (its HTML, scripts, chunks loaded on
  // demand, CSS, MapLibre's worker), each file gzipped: the figure #6 sets a target for.
  const gz = (path: string): number => gzipSync(readFileSync(path), { level: 9 }).byteLength;
  const riderBytes =
    riderTransferred.assets.reduce((n, f) => n + gz(join(WEB_DIR, 'assets', f)), 0) + gz(join(WEB_DIR, 'index.html'));

  console.log(`machine: ${machineLine()}; Debian chromium headless, software GL (SwiftShader)`);
  console.log(`${SECONDS} s of requestAnimationFrame intervals per view`);
  console.log('');
  console.log('| view | frames | frame time p50 | p95 | p99 | main-thread long tasks |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  const row = (name: string, r: typeof oneCar) =>
    console.log(
      `| ${name} | ${r.frames} | ${r.p50.toFixed(1)} ms | ${r.p95.toFixed(1)} ms | ${r.p99.toFixed(1)} ms | ${r.longTasks} (${Math.round(r.longTaskMs)} ms) |`,
    );
  row(`rider page, one car animating (${FEW} drivers live)`, oneCarQuiet);
  row(`rider page, one car animating, ${FLEET.toLocaleString('en-US')} drivers live on the same cores`, oneCar);
  row(`operator console, ${FLEET.toLocaleString('en-US')} drivers live, hexagons on (${hexagons})`, many);
  console.log('');
  console.log(
    `rider page, gzipped (level 9): ${(riderBytes / 1024).toFixed(1)} KB (the HTML and the ${riderTransferred.assets.length} files it fetched up to the car: scripts, chunks, CSS, MapLibre's worker)`,
  );
  console.log('');
  console.log('rider page as Chromium fetched it, up to the car on the map (headers included):');
  for (const [k, n] of [...riderTransferred.totals].sort()) console.log(`  ${k}: ${(n / 1024).toFixed(1)} KB`);
  const frameMs = (r: typeof oneCar) => ({ p50: r.p50, p95: r.p95, p99: r.p99 });
  recordRun('web', {
    settings: { fleet: FLEET, fewDrivers: FEW, seconds: SECONDS, gl: 'software (SwiftShader)' },
    figures: {
      riderFrameMs: frameMs(oneCarQuiet),
      riderLongTasks: oneCarQuiet.longTasks,
      riderWithFleetFrameMs: frameMs(oneCar),
      riderWithFleetLongTasks: oneCar.longTasks,
      operatorFrameMs: frameMs(many),
      operatorLongTasks: many.longTasks,
      riderCodeGzipKb: riderBytes / 1024,
      riderFetchedKb: Object.fromEntries([...riderTransferred.totals].map(([k, n]) => [k.split(' ')[0], n / 1024])),
      riderAssets: riderTransferred.assets,
      views: { rider: oneCarQuiet, riderWithFleet: oneCar, operator: { ...many, hexagons } },
    },
    // #6: 16 ms a frame with one car, 33 ms with 5,000 drivers, the rider page under 350 KB gzipped.
    targets: { riderFrameMs: 16, operatorFrameMs: 33, riderCodeGzipKb: 350 },
  });
  console.log(`\nrecorded in ${resultsFile('web')}`);
} finally {
  await browser.close();
  await Promise.all(sims.map((sim) => sim.stop()));
  await broker.stop();
}
