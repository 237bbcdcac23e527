/**
 * npm run bench:rider — the rider's pickup screen as a rider on a slow phone network gets it, in
 * Debian's Chromium (software GL), against the real broker and simulator on loopback:
 *
 * 1. Load: network emulated at 1.6 Mbps down, 750 kbps up, 150 ms round trip, a 390x844 screen,
 *    cold cache, the ride token in the address: the first car on screen and the full map (MapLibre
 *    idle, tiles drawn), from navigation; then a repeat visit (service worker) on the same network.
 * 2. Motion: the car's screen position every frame for BENCH_SECONDS at zoom 16 while it drives:
 *    the share of frames it moved on, the largest move in one frame. Same-run baseline: the fixes
 *    the page received, replayed at 60 fps through main's ease-out glide and through motion.ts.
 * 3. ETA: trips whose car is more than two minutes out; the ETA shown when it first reads two
 *    minutes or less, against the time the car actually reached the pickup. Same-run baseline:
 *    main's estimate (straight line at the car's speed, at least 5 m/s) at the same moment.
 *
 * Appends the run to docs/results/rider.jsonl.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import {
  decodeLocation,
  distanceM,
  importCity,
  type LatLng,
  type LocationFix,
  type RiderTrip,
} from '@ridetrack/shared';
import { launchChromium, startBrokerProcess, startSimProcess, WEB_DIR } from '@ridetrack/testkit';
import { machineLine } from '../../shared/bench/machine';
import { recordRun, resultsFile } from '../../shared/bench/results';
import { glidePosition, glideTo, type Glide } from '../src/markers';
import { addFix, drawnAt, startMotion, step, type Motion } from '../src/ride/motion';
import { worldOf } from '../src/ride/projection';
import { watchCarFrames } from '../test/car-frames';
import { riderRecord, riderTable, type RiderResults } from './rider-figures';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10);
const ETA_TRIPS = Number(process.env['BENCH_ETA_TRIPS'] ?? 12);
const NETWORK = { offline: false, latency: 150, downloadThroughput: 1_600_000 / 8, uploadThroughput: 750_000 / 8 };
const ZOOM = 16;
/** Simulated drivers on the demo city. */
const DRIVERS = 10;

const secret = randomBytes(32).toString('hex');
const broker = await startBrokerProcess({
  AUTH_MODE: 'dev',
  JWT_SECRET: secret,
  WEB_DIR,
  TRIP_WAIT_S: '3',
  DISPATCH_RADIUS_M: '8000',
});
const base = `http://127.0.0.1:${broker.httpPort}`;
const sim = startSimProcess(
  ['--drivers', String(DRIVERS), '--broker', `mqtt://127.0.0.1:${broker.mqttPort}`, '--ramp', '50'],
  {
    JWT_SECRET: secret,
  },
);
const ops = ((await (await fetch(`${base}/api/dev/token?role=operator`)).json()) as { token: string }).token;
const auth = { authorization: `Bearer ${ops}`, 'content-type': 'application/json' };
/** The demo city's junctions, which the broker and the simulator both drive. */
const imported = importCity(readFileSync(join(import.meta.dirname, '../../infra/cities/baltimore/baltimore.osm.pbf')), {
  basemap: false,
});
if (!imported.ok) throw new Error(imported.reason);
const graph = imported.value.graph;
const junctions: LatLng[] = graph.nodes.filter((_n, i) => (graph.out[i]?.length ?? 0) > 2);
const [centerLng, centerLat] = imported.value.center;
let seed = 7;
const random = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;

async function book(
  pickup: LatLng,
  dropoff: LatLng,
): Promise<{ trip: { id: string; driverId: string }; riderToken: string }> {
  for (let tries = 0; ; tries++) {
    const res = await fetch(`${base}/api/trips`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ pickup, dropoff }),
    });
    if (res.status === 201) return (await res.json()) as { trip: { id: string; driverId: string }; riderToken: string };
    if (tries > 600) throw new Error(`no driver to book: ${res.status}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function trip(id: string): Promise<RiderTrip> {
  return (await (await fetch(`${base}/api/trips/${id}`, { headers: auth })).json()) as RiderTrip;
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};

const browser = await launchChromium();
const results: Record<string, unknown> = {};
try {
  // --- 1. Load, cold and repeat, on the emulated phone network. ---
  const ride = await book(pick(junctions), pick(junctions));
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', NETWORK);
  const marks = async () => {
    await page.waitForFunction(() => performance.getEntriesByName('ride:map-idle').length > 0, undefined, {
      timeout: 120_000,
    });
    return page.evaluate(() => ({
      firstCarMs: performance.getEntriesByName('ride:first-car')[0]?.startTime ?? Number.NaN,
      fullMapMs: performance.getEntriesByName('ride:map-idle')[0]?.startTime ?? Number.NaN,
    }));
  };
  await page.goto(`${base}/#token=${ride.riderToken}`);
  const cold = await marks();
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 120_000 });
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await page.reload();
  const repeat = await marks();
  await context.close();
  results['load'] = { cold, repeat, network: NETWORK };

  // --- 2. Motion at zoom 16. ---
  const moving = await book(await farPickup(), pick(junctions));
  const view = await browser.newPage({ viewport: { width: 390, height: 844 }, serviceWorkers: 'block' });
  await view.goto(`${base}/?zoom=${ZOOM}#token=${moving.riderToken}`);
  await view.waitForSelector('body[data-map="loaded"]', { timeout: 60_000 });
  await view.waitForFunction(
    () => ((window as unknown as { __ride: { trip(): RiderTrip | null } }).__ride.trip()?.car?.speedMps ?? 0) > 3,
    undefined,
    { timeout: 120_000 },
  );
  // The fixes the page gets, as it gets them, for the same-run replay.
  const heard: { atMs: number; fix: LocationFix }[] = [];
  const listener = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.mqttPort}`, {
    // A rider's client id belongs to its identity; an empty one (clean session) is assigned by the broker.
    clientId: '',
    username: 'rider',
    password: moving.riderToken,
    reconnectPeriod: 0,
  });
  listener.on('message', (_t, payload) => {
    const fix = decodeLocation(payload);
    if (fix.ok) heard.push({ atMs: Date.now(), fix: fix.value });
  });
  await listener.subscribeAsync(`d/${moving.trip.driverId}/l`);
  const frames = await watchCarFrames(view, SECONDS * 1000);
  await listener.endAsync();
  await view.close();
  const inPage = {
    frames: frames.length,
    fps: frames.length / SECONDS,
    movedShare: frames.filter((f) => f.d > 0.001).length / frames.length,
    maxJumpPx: Math.max(...frames.map((f) => f.d)),
  };
  results['motion'] = { inPage, replay: replay(heard) };

  // --- 3. ETA two minutes out against the actual arrival. ---
  results['eta'] = await etaErrors();
} finally {
  await browser.close();
  await sim.stop();
  await broker.stop();
}

/** The fixes replayed at 60 fps through main's glide and through motion.ts: share of frames moved, largest jump (px at zoom 16). */
function replay(heard: { atMs: number; fix: LocationFix }[]) {
  const px = (p: LatLng) => {
    const w = worldOf(p);
    return { x: w.x * 2 ** ZOOM, y: w.y * 2 ** ZOOM };
  };
  const run = (next: (tMs: number, arrived: { atMs: number; fix: LocationFix }[]) => LatLng | null) => {
    const first = heard[0];
    const last = heard.at(-1);
    if (first === undefined || last === undefined) return null;
    let prev: { x: number; y: number } | null = null;
    let moved = 0;
    let n = 0;
    let max = 0;
    let k = 0;
    for (let t = first.atMs; t <= last.atMs + 1000; t += 1000 / 60) {
      const arrived: { atMs: number; fix: LocationFix }[] = [];
      while (k < heard.length && (heard[k]?.atMs ?? Infinity) <= t)
        arrived.push(heard[k++] as { atMs: number; fix: LocationFix });
      const p = next(t, arrived);
      if (p === null) continue;
      const q = px(p);
      if (prev !== null) {
        const d = Math.hypot(q.x - prev.x, q.y - prev.y);
        n++;
        if (d > 0.001) moved++;
        max = Math.max(max, d);
      }
      prev = q;
    }
    return { frames: n, movedShare: moved / Math.max(1, n), maxJumpPx: max };
  };
  let glide: Glide | null = null;
  let lastAt = 0;
  let interval = 2000;
  const glideRun = run((t, arrived) => {
    for (const a of arrived) {
      if (lastAt > 0) interval = Math.min(5000, Math.max(500, a.atMs - lastAt));
      lastAt = a.atMs;
      glide = glideTo(glide === null ? null : glidePosition(glide, t), a.fix, t, interval);
    }
    return glide === null ? null : glidePosition(glide, t);
  });
  let motion: Motion | null = null;
  const motionRun = run((t, arrived) => {
    for (const a of arrived) {
      const f = { lat: a.fix.lat, lng: a.fix.lng, headingDeg: a.fix.headingDeg, speedMps: a.fix.speedMps, atMs: t };
      motion = motion === null ? startMotion(f, 3000) : addFix(motion, f, 3000);
    }
    if (motion === null) return null;
    motion = step(motion, t);
    return drawnAt(motion);
  });
  return { fixes: heard.length, mainGlide: glideRun, motion: motionRun };
}

/** The junction farthest from every available car: a pickup some minutes' drive away. */
async function farPickup(): Promise<LatLng> {
  const res = await fetch(
    `${base}/api/drivers/nearby?lat=${centerLat}&lng=${centerLng}&radius_m=8000&limit=100&status=available`,
    {
      headers: auth,
    },
  );
  const cars = ((await res.json()) as { drivers: LatLng[] }).drivers;
  const candidates = Array.from({ length: 80 }, () => pick(junctions));
  const gap = (j: LatLng) => Math.min(...cars.map((c) => distanceM(c, j)));
  return candidates.sort((a, b) => gap(b) - gap(a))[0] ?? pick(junctions);
}

interface Watched {
  /** The ETA first read more than two minutes: the trip counts. */
  far: boolean;
  prediction: { atMs: number; predictedS: number; baselineS: number } | null;
}

async function etaErrors() {
  const samples: { predictedS: number; actualS: number; error: number; baselineError: number }[] = [];
  const open = new Map<string, Watched>();
  const deadline = Date.now() + 20 * 60_000;
  let lastBook = 0;
  while (samples.length < ETA_TRIPS && Date.now() < deadline) {
    if (open.size < 3 && Date.now() - lastBook > 5000) {
      lastBook = Date.now();
      const pickup = await farPickup();
      const dropoff = junctions.find((j) => distanceM(j, pickup) > 150 && distanceM(j, pickup) < 400) ?? pickup;
      const res = await fetch(`${base}/api/trips`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ pickup, dropoff }),
      });
      if (res.status === 201)
        open.set(((await res.json()) as { trip: { id: string } }).trip.id, { far: false, prediction: null });
    }
    for (const [id, w] of [...open]) {
      const t = await trip(id);
      if (t.stage !== 'assigned') {
        open.delete(id);
        const p = w.prediction;
        if (p !== null && t.arrivedMs !== null) {
          const actualS = (t.arrivedMs - p.atMs) / 1000;
          samples.push({
            predictedS: p.predictedS,
            actualS,
            error: (p.predictedS - actualS) / actualS,
            baselineError: (p.baselineS - actualS) / actualS,
          });
        }
        continue;
      }
      if (t.eta === null || t.car === null) continue;
      if (!w.far) {
        // Only cars more than two minutes out when first seen count; others are let go.
        if (t.eta.durationS <= 130) open.delete(id);
        else w.far = true;
        continue;
      }
      if (w.prediction === null && t.eta.durationS <= 120) {
        const d = distanceM(t.car, t.pickup);
        w.prediction = {
          atMs: t.serverMs,
          predictedS: t.eta.durationS,
          baselineS: Math.max(60, d / Math.max(t.car.speedMps ?? 0, 5)),
        };
      }
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  const abs = (xs: number[]) => xs.map(Math.abs);
  return {
    trips: samples.length,
    medianAbsError: quantile(abs(samples.map((s) => s.error)), 0.5),
    p90AbsError: quantile(abs(samples.map((s) => s.error)), 0.9),
    baselineMedianAbsError: quantile(abs(samples.map((s) => s.baselineError)), 0.5),
    baselineP90AbsError: quantile(abs(samples.map((s) => s.baselineError)), 0.9),
    samples,
  };
}

const run = results as unknown as RiderResults;
console.log(`machine: ${machineLine()}; Debian chromium headless, software GL (SwiftShader)`);
console.log('');
for (const line of riderTable(run)) console.log(line);
recordRun('rider', {
  settings: {
    seconds: SECONDS,
    etaTrips: ETA_TRIPS,
    zoom: ZOOM,
    network: NETWORK,
    city: 'demo (Baltimore)',
    drivers: DRIVERS,
  },
  ...riderRecord(run),
});
console.log(`\nrecorded in ${resultsFile('rider')}`);
