/**
 * npm run bench:history — the trip history in Redis: what one recorded fix costs to write (Redis
 * CPU time per fix, at 10,000 fixes a second through the broker's recorder) and to keep (bytes per
 * fix), beside, in the same run and on the same fixes, the geo-index's writes (what every fix
 * already costs), the first script, and plain pipelined XADDs (one command per fix, no script); then how long a replay
 * of a one-hour trip takes to start: the trace route's answer, and the console in Chromium from the
 * operator's Enter to the first frame of the replay. Starts its own redis-server and a broker
 * process on free loopback ports. Settings: BENCH_RATE (10000 fixes/s), BENCH_SECONDS (20).
 * Appends the run to docs/results/history.jsonl.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { encodeLocation, seededRng, type LocationFix } from '@ridetrack/shared';
import {
  INDEX_REDIS_SETTINGS,
  launchChromium,
  startBrokerProcess,
  startRedis,
  type TestRedis,
  WEB_DIR,
} from '@ridetrack/testkit';
import { machineLine } from '../../shared/bench/machine';
import { recordRun, resultsFile } from '../../shared/bench/results';
import { Indexer } from '../src/geo/indexer';
import { RedisGeoIndex } from '../src/geo/redis-index';
import { TrackRecorder } from '../src/history/recorder';
import { RedisHistory } from '../src/history/redis-history';

/** The first script (2026-12-06): XADD with MINID and the accept time, Redis's own ID if refused, expiry. */
const APPEND_LUA = `
local prefix, minId, ttl = ARGV[1], ARGV[2], ARGV[3]
for i = 4, #ARGV, 4 do
  local key = prefix .. 'track:' .. ARGV[i]
  local added = redis.pcall('XADD', key, 'MINID', '~', minId, ARGV[i + 1] .. '-*', 'p', ARGV[i + 2])
  if type(added) == 'table' and added.err then
    redis.call('XADD', key, 'MINID', '~', minId, '*', 'p', ARGV[i + 2])
  end
  if ARGV[i + 3] == '1' then redis.call('PEXPIRE', key, ttl) end
end
return 0
`;

const RATE = Number(process.env['BENCH_RATE'] ?? 10_000);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 20);
/** Drivers at one fix a second each: the rate is the fleet's size. */
const DRIVERS = RATE;
const silent = pino({ level: 'silent' });
const random = seededRng(7);

interface Info {
  cpuS: number;
  memory: number;
  calls: number;
}

async function info(redis: Redis): Promise<Info> {
  const text = await redis.info('everything');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(text)?.[1] ?? 0);
  let calls = 0;
  for (const m of text.matchAll(/^cmdstat_\w+:calls=(\d+)/gm)) calls += Number(m[1]);
  return { cpuS: field('used_cpu_user') + field('used_cpu_sys'), memory: field('used_memory'), calls };
}

/** A fleet spread over a 30 km city, each car about 10 m further at each fix. */
function makeFleet(): { lat: number; lng: number; seq: number }[] {
  return Array.from({ length: DRIVERS }, () => ({
    lat: 39.15 + random() * 0.27,
    lng: -76.8 + random() * 0.35,
    seq: 0,
  }));
}

function nextFix(car: { lat: number; lng: number; seq: number }, nowMs: number): LocationFix {
  car.lat += (random() - 0.5) * 2e-4;
  car.lng += (random() - 0.5) * 2e-4;
  car.seq++;
  return {
    seq: car.seq,
    timestampMs: nowMs,
    lat: car.lat,
    lng: car.lng,
    headingDeg: 90,
    speedMps: 10,
    accuracyM: 5,
    tripState: 'on_trip',
    simulated: true,
  };
}

/**
 * Offers RATE fixes a second, paced every 10 ms, for SECONDS, to `offer`; `drain` is awaited at
 * the end. Returns the fixes offered and the real seconds it took.
 */
async function paced(
  offer: (driverId: string, fix: LocationFix) => void,
  drain: () => Promise<void>,
): Promise<{ fixes: number; seconds: number }> {
  const fleet = makeFleet();
  const start = performance.now();
  let sent = 0;
  const total = RATE * SECONDS;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * RATE));
    const now = Date.now();
    for (; sent < due; sent++) offer(`drv-${sent % DRIVERS}`, nextFix(fleet[sent % DRIVERS] as never, now));
    await new Promise((r) => setTimeout(r, 10));
  }
  await drain();
  return { fixes: total, seconds: (performance.now() - start) / 1000 };
}

interface Row {
  /** Its name in the results file. */
  key: string;
  what: string;
  fixesPerS: number;
  cpuUsPerFix: number;
  redisLoad: number;
  callsPerFix: number;
  bytesPerFix: number | null;
}

async function measure(
  redis: TestRedis,
  [key, what]: [string, string],
  run: (client: Redis) => Promise<{ fixes: number; seconds: number }>,
  keepsFixes: boolean,
): Promise<Row> {
  const client = new Redis(redis.url);
  await client.flushall();
  const before = await info(client);
  const { fixes, seconds } = await run(client);
  const after = await info(client);
  await client.quit();
  const cpuS = after.cpuS - before.cpuS;
  return {
    key,
    what,
    fixesPerS: fixes / seconds,
    cpuUsPerFix: (cpuS * 1e6) / fixes,
    redisLoad: cpuS / seconds,
    callsPerFix: (after.calls - before.calls - 1) / fixes, // less the first INFO
    bytesPerFix: keepsFixes ? (after.memory - before.memory) / fixes : null,
  };
}

const redis = await startRedis(undefined, undefined, INDEX_REDIS_SETTINGS);
const rows: Row[] = [];
const steady = { bytesPerFix: Number.NaN };
try {
  rows.push(
    await measure(
      redis,
      [
        'recorder',
        'history: the recorder, one script call per shard and batch (XADD with MINID ~, expiry), one stream per driver (what ridetrack does)',
      ],
      async () => {
        const store = new RedisHistory(new Redis(redis.url), 'bench:', 7 * 24 * 3_600_000);
        const counters = { recorded() {}, failed() {}, dropped() {}, setPending() {} };
        const recorder = new TrackRecorder(
          store,
          { flushIntervalMs: 250, maxPending: 10_000_000 },
          counters,
          silent,
          Date.now,
        );
        const out = await paced(
          (id, fix) => recorder.offer(id, fix),
          () => recorder.close(),
        );
        await store.close();
        return out;
      },
      true,
    ),
  );
  rows.push(
    await measure(
      redis,
      ['luaScript', 'the first script: the same writes, keys made in the script, a refused ID retried there'],
      async (client) => {
        const scripted = client as Redis & { benchAppend(...args: (string | number | Buffer)[]): Promise<number> };
        scripted.defineCommand('benchAppend', { numberOfKeys: 0, lua: APPEND_LUA });
        const expirySet = new Set<string>();
        let batch: [string, LocationFix][] = [];
        const flush = async () => {
          const b = batch;
          batch = [];
          const minId = String(Date.now() - 7 * 24 * 3_600_000);
          for (let i = 0; i < b.length; i += 256) {
            const args: (string | number | Buffer)[] = ['bench:', minId, 7 * 24 * 3_600_000];
            for (const [id, fix] of b.slice(i, i + 256)) {
              args.push(id, fix.timestampMs, Buffer.from(encodeLocation(fix)), expirySet.has(id) ? 0 : 1);
              expirySet.add(id);
            }
            await scripted.benchAppend(...args);
          }
        };
        const timer = setInterval(() => void flush(), 250);
        return paced(
          (id, fix) => batch.push([id, fix]),
          async () => {
            clearInterval(timer);
            await flush();
          },
        );
      },
      true,
    ),
  );
  rows.push(
    await measure(
      redis,
      ['plainXadd', 'baseline: plain XADD per fix, pipelined every 250 ms (no trimming, no expiry)'],
      async (client) => {
        let batch: [string, LocationFix][] = [];
        const flush = async () => {
          const b = batch;
          batch = [];
          const p = client.pipeline();
          for (const [id, fix] of b) p.xadd(`bench:x:${id}`, '*', 'p', Buffer.from(encodeLocation(fix)));
          await p.exec();
        };
        const timer = setInterval(() => void flush(), 250);
        const out = await paced(
          (id, fix) => batch.push([id, fix]),
          async () => {
            clearInterval(timer);
            await flush();
          },
        );
        return out;
      },
      true,
    ),
  );
  rows.push(
    await measure(
      redis,
      ['geoIndex', 'baseline: the geo-index writes of the same fixes (every fix pays these already)'],
      async () => {
        const index = new RedisGeoIndex(new Redis(redis.url), 'bench:', 9, 5, 30_000, 64);
        const counters = { indexed() {}, failed() {}, setUp() {}, setPending() {} };
        const indexer = new Indexer(index, { flushIntervalMs: 50 }, counters, silent, Date.now);
        const out = await paced(
          (id, fix) => indexer.offer(id, fix),
          () => indexer.close(),
        );
        await index.close();
        return out;
      },
      false,
    ),
  );
  // Steady state: one driver's day in its stream, the per-fix cost once the key's own is spread thin.
  const client = new Redis(redis.url);
  await client.flushall();
  const day = new RedisHistory(new Redis(redis.url), 'bench:', 7 * 24 * 3_600_000);
  const car = makeFleet()[0] as { lat: number; lng: number; seq: number };
  const t0 = Date.now() - 86_400_000;
  for (let i = 0; i < 86_400; i += 1000)
    await day.append(
      Array.from({ length: 1000 }, (_, k) => ({
        driverId: 'drv-day',
        receivedMs: t0 + (i + k) * 1000,
        fix: nextFix(car, t0 + (i + k) * 1000),
      })),
      Date.now(),
    );
  steady.bytesPerFix = Number(await client.call('MEMORY', 'USAGE', 'bench:track:drv-day', 'SAMPLES', '0')) / 86_400;
  await day.close();
  await client.quit();
} finally {
  await redis.stop();
}

// ---- replay start of a one-hour trip ---------------------------------------------------------
const replayRedis = await startRedis(undefined, undefined, INDEX_REDIS_SETTINGS);
const broker = await startBrokerProcess({
  AUTH_MODE: 'dev',
  JWT_SECRET: randomBytes(32).toString('hex'),
  WEB_DIR,
  REDIS_URL: replayRedis.url,
  REDIS_KEY_PREFIX: 'bench:',
  CLUSTER: 'off',
});
const base = `http://127.0.0.1:${broker.httpPort}`;
const replay: { apiMs: number[]; pageMs: number[]; bytes: number; fixes: number } = {
  apiMs: [],
  pageMs: [],
  bytes: 0,
  fixes: 0,
};
try {
  // One driver's hour on a trip at one fix a second, across the city and back, as the recorder writes it.
  const store = new RedisHistory(new Redis(replayRedis.url), 'bench:', 7 * 24 * 3_600_000);
  const startMs = Date.now() - 3_700_000;
  const points = Array.from({ length: 3600 }, (_, i) => {
    const phase = (i / 3600) * 2 * Math.PI;
    const fix: LocationFix = {
      seq: i,
      timestampMs: startMs + i * 1000,
      lat: 39.29 + 0.02 * Math.sin(phase),
      lng: -76.61 + 0.03 * Math.sin(phase / 2),
      headingDeg: 45,
      speedMps: 9.5,
      accuracyM: 6,
      tripState: i < 300 ? 'to_pickup' : 'on_trip',
      simulated: true,
    };
    return { driverId: 'drv-hour', receivedMs: startMs + i * 1000 + 80, fix };
  });
  for (let i = 0; i < points.length; i += 500) await store.append(points.slice(i, i + 500), Date.now());
  await store.tripStarted({ tripId: 't-hour', driverId: 'drv-hour', riderId: 'rider-1', startMs }, Date.now());
  await store.tripEnded('t-hour', startMs + 3_600_000);
  await store.close();
  const token = ((await (await fetch(`${base}/api/dev/token?role=operator`)).json()) as { token: string }).token;
  for (let i = 0; i < 21; i++) {
    const t0 = performance.now();
    const r = await fetch(`${base}/api/trips/t-hour/trace`, { headers: { authorization: `Bearer ${token}` } });
    const body = await r.text();
    if (i > 0) replay.apiMs.push(performance.now() - t0); // the first warms up
    replay.bytes = Buffer.byteLength(body);
    replay.fixes = (JSON.parse(body) as { rows: unknown[] }).rows.length;
  }
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(`${base}/fleet`);
    await page.waitForSelector('canvas.fleet-overlay');
    for (let i = 0; i < 6; i++) {
      await page.fill('#search', 't-hour');
      await page.waitForSelector('#search-results .result');
      // From the key press to the first frame of the replay drawn (the trace fetched, parsed, packed
      // for the GPU, the map fitted, the car placed), timed in the page.
      // A source string: this bench has no DOM types, and the page needs no helper of the loader's.
      const ms = await page.evaluate<number>(`new Promise((resolve) => {
        const el = document.getElementById('replay');
        delete el.dataset.t;
        const t0 = performance.now();
        const observer = new MutationObserver(() => {
          if (el.dataset.t === undefined) return;
          observer.disconnect();
          requestAnimationFrame(() => resolve(performance.now() - t0));
        });
        observer.observe(el, { attributes: true });
        document.getElementById('search').dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
      })`);
      if (i > 0) replay.pageMs.push(ms);
      await page.click('#replay .icon-button');
      await page.waitForSelector('#replay', { state: 'hidden' });
    }
  } finally {
    await browser.close();
  }
} finally {
  await broker.stop();
  await replayRedis.stop();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const max = (xs: number[]) => Math.max(...xs);
const redisVersion =
  (await import('node:child_process')).execSync('redis-server --version').toString().trim().split(' ')[2] ?? '';
console.log(`machine: ${machineLine()}; redis ${redisVersion}`);
console.log(
  `${RATE.toLocaleString('en-US')} fixes/s from ${DRIVERS.toLocaleString('en-US')} drivers (one a second each) for ${SECONDS} s`,
);
console.log('');
console.log(
  '| writer | fixes/s reached | Redis CPU per fix | Redis CPU load | Redis calls per fix | Redis bytes per fix kept |',
);
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of rows)
  console.log(
    `| ${r.what} | ${Math.round(r.fixesPerS).toLocaleString('en-US')} | ${r.cpuUsPerFix.toFixed(2)} µs | ${(r.redisLoad * 100).toFixed(1)}% of a core | ${r.callsPerFix.toFixed(4)} | ${r.bytesPerFix === null ? '—' : `${r.bytesPerFix.toFixed(1)} B`} |`,
  );
console.log('');
console.log(
  `steady state, one driver's day (86,400 fixes) in its stream: ${steady.bytesPerFix.toFixed(1)} B per fix (MEMORY USAGE)`,
);
console.log(
  `one-hour trip (${replay.fixes} fixes, ${(replay.bytes / 1024).toFixed(0)} KB of JSON): GET /api/trips/:id/trace median ${median(replay.apiMs).toFixed(1)} ms (max ${max(replay.apiMs).toFixed(1)} ms of ${replay.apiMs.length}); console, Enter to the replay's first frame: median ${median(replay.pageMs).toFixed(0)} ms (max ${max(replay.pageMs).toFixed(0)} ms of ${replay.pageMs.length})`,
);

// The run as data: the recorder's figures, the other writers' as same-run baselines under the same names.
const writerFigures = (r: Row) => ({
  fixesPerS: r.fixesPerS,
  cpuUsPerFix: r.cpuUsPerFix,
  redisLoadCores: r.redisLoad,
  callsPerFix: r.callsPerFix,
  bytesPerFix: r.bytesPerFix,
});
const recorder = rows.find((r) => r.key === 'recorder');
recordRun('history', {
  settings: { rate: RATE, seconds: SECONDS, drivers: DRIVERS, redis: redisVersion, replays: replay.pageMs.length },
  figures: {
    ...(recorder === undefined ? {} : writerFigures(recorder)),
    steadyBytesPerFix: steady.bytesPerFix,
    traceApiMs: { median: median(replay.apiMs), max: max(replay.apiMs) },
    replayFirstFrameMs: { median: median(replay.pageMs), max: max(replay.pageMs) },
    traceKb: replay.bytes / 1024,
    traceFixes: replay.fixes,
  },
  baselines: Object.fromEntries(rows.filter((r) => r !== recorder).map((r) => [r.key, writerFigures(r)])),
});
console.log(`\nrecorded in ${resultsFile('history')}`);
