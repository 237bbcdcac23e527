/**
 * npm run bench:broker — N drivers publishing over TCP, each watched by one rider over WebSocket.
 * ridetrack (authenticated, validated), stock Aedes and Mosquitto on the same load, in one run.
 * Prints the knee (highest offered rate with every message delivered and p99 under 50 ms),
 * latency at 5,000 msg/s, delivery and p99 at twice the knee, broker CPU, and memory per idle
 * connection, with ratios. Settings: BENCH_DRIVERS (1000), BENCH_STEP_S (5), BENCH_IDLE (5000; 0
 * skips the idle measurement), BENCH_TARGETS (ridetrack,aedes,mosquitto), BENCH_LADDER (the offered
 * rates, comma-separated), BENCH_PROFILE (a folder: ridetrack writes a CPU profile there as it stops).
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMinter, randomSecret } from '../src/index';
import { MOSQUITTO_INSTALL, mosquittoInstalled } from '@ridetrack/testkit';
import { machineLine } from '../../shared/bench/machine';
import { recordRun } from '../../shared/bench/results';
import { Fleet, fleetCredentials, idleConnections, type Credentials } from './load';
import { startMosquitto, startRidetrack, startStockAedes, type Target } from './targets';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const DRIVERS = Number(process.env['BENCH_DRIVERS'] ?? 1000);
const STEP_S = Number(process.env['BENCH_STEP_S'] ?? 5);
const IDLE = Number(process.env['BENCH_IDLE'] ?? 5000);
const TARGETS = (process.env['BENCH_TARGETS'] ?? 'ridetrack,aedes,mosquitto').split(',');
const LADDER = (process.env['BENCH_LADDER'] ?? '1000,2000,3000,5000,7000,10000,14000,20000,28000,40000')
  .split(',')
  .map(Number);
const P99_LIMIT_MS = 50;

interface Step {
  rate: number;
  delivered: number;
  p50: number;
  p99: number;
  brokerCpu: number;
  generatorCpu: number;
}

interface Result {
  name: string;
  steps: Step[];
  knee: number;
  atDoubleKnee: Step | undefined;
  idle: IdleCost;
}

const secret = randomSecret();
const minter = createMinter(secret);

async function credentialsFor(name: string): Promise<Credentials> {
  if (name !== 'ridetrack') return { driver: () => undefined, rider: () => undefined };
  return fleetCredentials(minter, DRIVERS);
}

function start(name: string): Promise<Target> {
  if (name === 'ridetrack') return startRidetrack(secret, ROOT);
  if (name === 'aedes') return startStockAedes(ROOT);
  return startMosquitto();
}

async function measure(target: Target, fleet: Fleet, rate: number): Promise<Step> {
  await fleet.offer(rate, 1); // warm-up at the new rate
  fleet.resetCounters();
  const cpu0 = target.cpuSeconds();
  const gen0 = process.cpuUsage();
  const t0 = performance.now();
  await fleet.offer(rate, STEP_S);
  await new Promise((r) => setTimeout(r, 500)); // let what is in flight arrive
  const seconds = (performance.now() - t0) / 1000;
  const gen = process.cpuUsage(gen0);
  const { p50, p99 } = fleet.latencyPercentiles();
  return {
    rate,
    delivered: fleet.sent === 0 ? 0 : fleet.received / fleet.sent,
    p50,
    p99,
    brokerCpu: (target.cpuSeconds() - cpu0) / seconds,
    generatorCpu: (gen.user + gen.system) / 1e6 / seconds,
  };
}

const ok = (s: Step): boolean => s.delivered >= 0.999 && s.p99 < P99_LIMIT_MS;

async function withFleet<T>(name: string, creds: Credentials, run: (t: Target, f: Fleet) => Promise<T>): Promise<T> {
  const target = await start(name);
  const fleet = new Fleet(DRIVERS);
  try {
    await fleet.connect('127.0.0.1', target.mqttPort, target.wsPort, creds);
    return await run(target, fleet);
  } finally {
    fleet.close();
    await target.stop();
  }
}

interface IdleCost {
  /** RSS per idle connection. */
  rss: number;
  /** JavaScript heap and memory its objects hold outside it, per idle connection (Node brokers). */
  js: number;
}

/**
 * What an idle connection costs (NaN when BENCH_IDLE is 0): the slope between two equal batches of
 * idle connections, memory settled after each. A baseline read before any connection was not usable:
 * a Node broker's RSS keeps falling for tens of seconds after start-up (the garbage of loading its
 * code), which made the figure come out negative in some runs. RSS moves by kilobytes per
 * connection from run to run even so, and when V8 gives memory back between the batches it falls:
 * then it is not measured. The JavaScript figure, read after a full collection, does not move so.
 */
async function idleCost(name: string): Promise<IdleCost> {
  if (IDLE === 0) return { rss: Number.NaN, js: Number.NaN };
  const idleTarget = await start(name);
  const operatorToken = name === 'ridetrack' ? await minter.mint({ role: 'operator', sub: 'bench' }, 3600) : undefined;
  const half = Math.max(1, Math.floor(IDLE / 2));
  const js = async (): Promise<number> => (idleTarget.jsBytes ? idleTarget.jsBytes() : Number.NaN);
  const closeFirst = await idleConnections(
    '127.0.0.1',
    idleTarget.mqttPort,
    half,
    operatorToken,
    'operator:bench:idleA',
  );
  const rss1 = await settledRss(idleTarget);
  const js1 = await js();
  const closeSecond = await idleConnections(
    '127.0.0.1',
    idleTarget.mqttPort,
    half,
    operatorToken,
    'operator:bench:idleB',
  );
  const rss2 = await settledRss(idleTarget);
  const js2 = await js();
  closeFirst();
  closeSecond();
  await idleTarget.stop();
  if (rss2 <= rss1) {
    // V8 gave memory back between the batches: the slope would be negative, which is no figure.
    console.error(`  ${name}: RSS fell between the two batches of idle connections; RSS per connection not measured`);
    return { rss: Number.NaN, js: (js2 - js1) / half };
  }
  return { rss: (rss2 - rss1) / half, js: (js2 - js1) / half };
}

/**
 * Right after handshakes, RSS is mostly garbage V8 has not collected; its memory reducer runs once
 * allocation stops. Samples for 40 s and takes the lowest.
 */
async function settledRss(target: Target): Promise<number> {
  let settled = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 8; i++) {
    await new Promise((r) => setTimeout(r, 5000));
    settled = Math.min(settled, target.rssBytes());
  }
  return settled;
}

async function benchTarget(name: string): Promise<Result> {
  const creds = await credentialsFor(name);
  const idle = await idleCost(name);

  const steps = await withFleet(name, creds, async (target, fleet) => {
    const out: Step[] = [];
    for (const rate of LADDER) {
      const step = await measure(target, fleet, rate);
      out.push(step);
      console.error(
        `  ${name} ${rate} msg/s: delivered ${(step.delivered * 100).toFixed(2)}%, p50 ${step.p50.toFixed(2)} ms, p99 ${step.p99.toFixed(2)} ms, broker CPU ${(step.brokerCpu * 100).toFixed(0)}%, generator CPU ${(step.generatorCpu * 100).toFixed(0)}%`,
      );
      if (!ok(step)) break;
    }
    return out;
  });
  const knee = steps.filter(ok).at(-1)?.rate ?? 0;
  const atDoubleKnee =
    knee === 0
      ? undefined
      : await withFleet(name, creds, async (target, fleet) => {
          const step = await measure(target, fleet, knee * 2);
          console.error(
            `  ${name} at 2x knee ${knee * 2} msg/s: delivered ${(step.delivered * 100).toFixed(2)}%, p99 ${step.p99.toFixed(1)} ms, broker CPU ${(step.brokerCpu * 100).toFixed(0)}%, generator CPU ${(step.generatorCpu * 100).toFixed(0)}%`,
          );
          return step;
        });
  return { name, steps, knee, atDoubleKnee, idle };
}

const fmtMs = (ms: number | undefined): string =>
  ms === undefined || Number.isNaN(ms) ? 'n/a' : ms < 10 ? ms.toFixed(2) : ms.toFixed(0);
const pct = (x: number | undefined): string => (x === undefined ? 'n/a' : `${(x * 100).toFixed(1)}%`);
const bytes = (b: number): string => (Number.isNaN(b) ? 'not measured' : Math.round(b).toLocaleString('en-US'));
const ratio = (a: number, b: number): string =>
  Number.isNaN(a) || Number.isNaN(b) ? 'n/a' : `${(a / Math.max(1, b)).toFixed(2)}x`;

if (TARGETS.includes('mosquitto') && !mosquittoInstalled()) {
  // Found before minutes of measuring the others, not after.
  console.error(`bench:broker: Mosquitto, the reference broker, is not installed. As root: ${MOSQUITTO_INSTALL}`);
  console.error('Or leave it out: BENCH_TARGETS=ridetrack,aedes npm run bench:broker');
  process.exit(1);
}

const results: Result[] = [];
for (const name of TARGETS) {
  console.error(`measuring ${name} ...`);
  results.push(await benchTarget(name));
}

console.log(`machine: ${machineLine()}`);
console.log(
  `load: ${DRIVERS} drivers over TCP, one WebSocket rider each, ${STEP_S} s per step; knee = highest rate with >= 99.9% delivered and p99 < ${P99_LIMIT_MS} ms`,
);
console.log('');
console.log(
  '| broker | knee (msg/s) | p50 / p99 at 5,000 msg/s (ms) | broker CPU at 5,000 msg/s | delivered / p99 at 2x knee | idle connection: RSS / JS heap (bytes) |',
);
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of results) {
  const at5k = r.steps.find((s) => s.rate === 5000);
  console.log(
    `| ${r.name} | ${r.knee.toLocaleString('en-US')} | ${fmtMs(at5k?.p50)} / ${fmtMs(at5k?.p99)} | ${pct(at5k?.brokerCpu)} | ${pct(r.atDoubleKnee?.delivered)} / ${fmtMs(r.atDoubleKnee?.p99)} | ${bytes(r.idle.rss)} / ${bytes(r.idle.js)} |`,
  );
}
const rt = results.find((r) => r.name === 'ridetrack');
if (rt) {
  for (const other of results.filter((r) => r !== rt)) {
    console.log(
      `ridetrack / ${other.name}: knee ${(rt.knee / Math.max(1, other.knee)).toFixed(2)}x, idle memory ${ratio(rt.idle.rss, other.idle.rss)} (RSS), ${ratio(rt.idle.js, other.idle.js)} (JS heap)`,
    );
  }
}
console.log('');
console.log('| broker | offered msg/s | delivered | p50 ms | p99 ms | broker CPU | generator CPU |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const r of results) {
  const rows = r.atDoubleKnee === undefined ? r.steps : [...r.steps, r.atDoubleKnee];
  for (const s of rows)
    console.log(
      `| ${r.name} | ${s === r.atDoubleKnee ? `${s.rate} (2x knee, fresh fleet)` : s.rate} | ${pct(s.delivered)} | ${fmtMs(s.p50)} | ${fmtMs(s.p99)} | ${pct(s.brokerCpu)} | ${pct(s.generatorCpu)} |`,
    );
}

// The run as data (docs/results/broker.jsonl): every step of every broker, the knees and ratios.
const cpuPerMessageUs = (r: Result): number | null => {
  const at = r.steps.find((s) => s.rate === 5000);
  return at === undefined ? null : (at.brokerCpu / at.rate) * 1e6;
};
const mosquitto = results.find((r) => r.name === 'mosquitto');
// A ladder of one step (an idle-memory check: BENCH_LADDER=1000) measures no knee: its only step is not one.
const kneeOf = (r: Result | undefined): number | null => (r === undefined || LADDER.length < 2 ? null : r.knee);
const rtKnee = kneeOf(rt);
const mosquittoKnee = kneeOf(mosquitto);
const record = recordRun('broker', {
  settings: { drivers: DRIVERS, stepS: STEP_S, idle: IDLE, ladder: LADDER, p99LimitMs: P99_LIMIT_MS },
  figures: {
    knee: rtKnee,
    kneeVsMosquitto: rtKnee !== null && mosquittoKnee !== null ? rtKnee / Math.max(1, mosquittoKnee) : null,
    cpuPerMessageUs: rt === undefined ? null : cpuPerMessageUs(rt),
    deliveredAtDoubleKnee: rtKnee === null ? null : (rt?.atDoubleKnee?.delivered ?? null),
    p99AtDoubleKneeMs: rtKnee === null ? null : (rt?.atDoubleKnee?.p99 ?? null),
    idleRssBytes: rt === undefined || Number.isNaN(rt.idle.rss) ? null : rt.idle.rss,
    idleHeapBytes: rt === undefined || Number.isNaN(rt.idle.js) ? null : rt.idle.js,
    steps: results.flatMap((r) =>
      [...r.steps, ...(r.atDoubleKnee === undefined ? [] : [{ ...r.atDoubleKnee, doubleKnee: true }])].map((s) => ({
        broker: r.name,
        ...s,
      })),
    ),
  },
  baselines: Object.fromEntries(
    results
      .filter((r) => r.name !== 'ridetrack')
      .map((r) => [
        r.name,
        {
          knee: kneeOf(r),
          cpuPerMessageUs: cpuPerMessageUs(r),
          deliveredAtDoubleKnee: kneeOf(r) === null ? null : (r.atDoubleKnee?.delivered ?? null),
          idleRssBytes: Number.isNaN(r.idle.rss) ? null : r.idle.rss,
        },
      ]),
  ),
  targets: { kneeVsMosquitto: 0.75, deliveredAtDoubleKnee: 0.9, p99AtDoubleKneeMs: 1000, idleHeapBytes: 3000 },
});
console.log(`\nrecorded in docs/results/broker.jsonl (${record.commit})`);
