/**
 * npm run fuzz — throws hostile packets and HTTP requests at a real broker process, over TCP and
 * WebSocket, and watches it: the process must live, its memory stay bounded, /healthz answer, and
 * no request stall its event loop. Prints the counts and appends them to docs/results/fuzz.jsonl.
 *
 * Settings: FUZZ_PACKETS (1,000,000), FUZZ_HTTP (30,000 requests), FUZZ_SEED (random),
 * FUZZ_CONCURRENCY (48 connections at once), FUZZ_DRIVERS (1,000 drivers online for the stall
 * measurements). The broker runs in jwt mode with its per-client limits raised (publish rate,
 * reconnect and auth-failure bans): the limits are tested elsewhere; here they would only stop
 * the fuzzer early. Everything else is the broker as shipped.
 */
import fc from 'fast-check';
import mqtt from 'mqtt';
import { encodeLocation, locationTopic } from '@ridetrack/shared';
import { createMinter, randomSecret } from '../src/index';
import { machineLine } from '../../shared/bench/machine';
import { recordRun } from '../../shared/bench/results';
import { type BrokerProcess, metricOf, scrape, startBrokerProcess } from '@ridetrack/testkit';
import { caseGenerator, runCase, type Outcome } from './fuzz-cases';
import { fuzzRequests, send } from './fuzz-http';
import { rssBytes } from './proc-stats';

const env = process.env;
const PACKETS = Number(env['FUZZ_PACKETS'] ?? 1_000_000);
const HTTP_REQUESTS = Number(env['FUZZ_HTTP'] ?? 30_000);
const SEED = Number(env['FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const CONCURRENCY = Number(env['FUZZ_CONCURRENCY'] ?? 48);
const DRIVERS = Number(env['FUZZ_DRIVERS'] ?? 1000);
const STALL_LIMIT_MS = 20;
/** The broker samples its event-loop delay this often here; a reading is the stall plus up to this. */
const LOOP_RESOLUTION_MS = 1;

const secret = randomSecret();
const minter = createMinter(secret);

/** The broker's own event-loop lag since the last read (prom-client resets it on each scrape), ms. */
async function loopLagMaxMs(broker: BrokerProcess): Promise<number> {
  return (await metricOf(broker, 'nodejs_eventloop_lag_max_seconds')) * 1000;
}

/** Garbage collections (minor and major) so far that took longer than 10 ms, from one scrape. */
async function slowCollections(broker: BrokerProcess): Promise<number> {
  const read = await scrape(broker);
  return read('nodejs_gc_duration_seconds_count') - read('nodejs_gc_duration_seconds_bucket', 'le="0.01"');
}

/** Watches the broker process every 500 ms while the fuzzer runs. */
function watch(broker: BrokerProcess) {
  const pid = broker.process.pid ?? 0;
  const state = { alive: true, rssStart: rssBytes(pid), rssPeak: 0, healthFailures: 0, healthChecks: 0 };
  const timer = setInterval(() => {
    if (broker.process.exitCode !== null || broker.process.signalCode !== null) {
      state.alive = false;
      return;
    }
    state.rssPeak = Math.max(state.rssPeak, rssBytes(pid));
    state.healthChecks++;
    const abort = AbortSignal.timeout(2000);
    fetch(`http://127.0.0.1:${broker.httpPort}/healthz`, { signal: abort })
      .then((r) => {
        if (r.status !== 200 && r.status !== 503) state.healthFailures++;
        return r.arrayBuffer();
      })
      .catch(() => state.healthFailures++);
  }, 500);
  return { state, stop: () => clearInterval(timer) };
}

async function packetPhase(broker: BrokerProcess) {
  const tokens = {
    driver: memo((id: string) => minter.mint({ role: 'driver', sub: id }, 3600)),
    rider: await minter.mint({ role: 'rider', sub: 'fuzz-rider', drivers: ['drv-fz1'], exp: now() + 3600 }, 3600),
  };
  for (let i = 0; i < 50; i++) await tokens.driver(`drv-fz${i}`);
  const next = caseGenerator(SEED, { driver: (id) => tokens.driver.known(id), rider: tokens.rider });
  const outcomes: Record<Outcome, number> = {
    closed_by_broker: 0,
    left_open: 0,
    refused_upgrade: 0,
    connect_failed: 0,
  };
  const sent = { cases: 0, packets: 0, bytes: 0, tcp: 0, ws: 0 };
  // RSS and heap at each quarter of the run: bounded memory levels off, a leak keeps climbing.
  const quarters: { packets: number; rssBytes: number; heapBytes: number }[] = [];
  let nextQuarter = PACKETS / 4;
  const started = Date.now();
  let lastReport = started;
  while (sent.packets < PACKETS) {
    const batch = next(2000);
    let at = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let c = batch[at++]; c !== undefined; c = batch[at++]) {
          outcomes[await runCase(c, { mqtt: broker.mqttPort, http: broker.httpPort }, 150)]++;
          sent.cases++;
          sent.packets += c.packets;
          sent.bytes += c.bytes;
          sent[c.transport]++;
        }
      }),
    );
    if (sent.packets >= nextQuarter) {
      nextQuarter += PACKETS / 4;
      quarters.push({
        packets: sent.packets,
        rssBytes: rssBytes(broker.process.pid ?? 0),
        heapBytes: await metricOf(broker, 'nodejs_heap_size_used_bytes'),
      });
    }
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now();
      const rate = Math.round(sent.packets / ((lastReport - started) / 1000));
      process.stdout.write(
        `  ${sent.packets.toLocaleString()} packets in ${sent.cases.toLocaleString()} connections (${rate}/s)\n`,
      );
    }
    if (broker.process.exitCode !== null || broker.process.signalCode !== null) break;
  }
  return { sent, outcomes, quarters, seconds: (Date.now() - started) / 1000 };
}

async function httpPhase(broker: BrokerProcess) {
  const tokens = {
    operator: await minter.mint({ role: 'operator', sub: 'fuzz-ops' }, 3600),
    rider: await minter.mint({ role: 'rider', sub: 'fuzz-rider', drivers: ['drv-fz1'], exp: now() + 3600 }, 3600),
  };
  const requests = fc.sample(fuzzRequests(tokens), { numRuns: HTTP_REQUESTS, seed: SEED });
  const byStatus = new Map<number, number>();
  const serverErrors: string[] = [];
  let at = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let r = requests[at++]; r !== undefined; r = requests[at++]) {
        const status = await send(`http://127.0.0.1:${broker.httpPort}`, r, 300);
        byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
        if (status >= 500 && status !== 503 && serverErrors.length < 10)
          serverErrors.push(`${status} ${r.method} ${r.path}`);
      }
    }),
  );
  return { byStatus: Object.fromEntries([...byStatus].sort((a, b) => a[0] - b[0])), serverErrors };
}

/** The worst stall of the broker's event loop around each costly request, with drivers online. */
async function stallPhase(broker: BrokerProcess) {
  const drivers: mqtt.MqttClient[] = [];
  for (let i = 0; i < DRIVERS; i++) {
    const id = `drv-st${i}`;
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.mqttPort}`, {
      clientId: id,
      username: 'token',
      password: await minter.mint({ role: 'driver', sub: id }, 3600),
      reconnectPeriod: 0,
    });
    const fix = {
      seq: 1,
      timestampMs: Date.now(),
      lat: 39.27 + ((i * 7919) % 1000) / 20_000,
      lng: -76.62 + ((i * 104_729) % 1000) / 12_000,
      headingDeg: 0,
      speedMps: 5,
      accuracyM: 5,
      tripState: 'available' as const,
      simulated: true,
    };
    c.publish(locationTopic(id), Buffer.from(encodeLocation(fix)));
    drivers.push(c);
  }
  await new Promise((r) => setTimeout(r, 1500)); // the indexer's flush
  const ops = { authorization: `Bearer ${await minter.mint({ role: 'operator', sub: 'fuzz-ops' }, 3600)}` };
  const base = `http://127.0.0.1:${broker.httpPort}`;
  const routes: [string, string][] = [
    ['GET /livez (floor)', '/livez'],
    ['nearby 2 km, limit 10, dense', '/api/drivers/nearby?lat=39.29&lng=-76.6&radius_m=2000&limit=10'],
    ['nearby 50 km, limit 500, dense', '/api/drivers/nearby?lat=39.29&lng=-76.6&radius_m=50000&limit=500'],
    ['nearby 50 km, limit 500, empty area', '/api/drivers/nearby?lat=45.0&lng=-100.0&radius_m=50000&limit=500'],
    ['cells: the largest box allowed', '/api/cells?bbox=-77.0,39.0,-76.2,39.6&res=7'],
    ['cells: a 4-square-degree box (refused)', '/api/cells?bbox=-78,38,-76,40&res=7'],
    ['cells: the city at res 9', '/api/cells?bbox=-76.7,39.2,-76.5,39.35&res=9'],
  ];
  const stalls: Record<string, { maxMs: number; status: number; slowCollections: number }> = {};
  for (const [name, path] of routes) {
    await loopLagMaxMs(broker); // resets the broker's maximum
    const collectionsBefore = await slowCollections(broker);
    let maxMs = 0;
    let status = 0;
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${base}${path}`, { headers: ops });
      status = res.status;
      await res.arrayBuffer();
      // The histogram records whole sampling intervals: the stall is the reading less one of them.
      maxMs = Math.max(maxMs, (await loopLagMaxMs(broker)) - LOOP_RESOLUTION_MS);
    }
    // Garbage collections over 10 ms meanwhile (the broker's, any cause): what a stall may be instead of the route.
    const slow = (await slowCollections(broker)) - collectionsBefore;
    stalls[name] = { maxMs: Math.round(maxMs * 10) / 10, status, slowCollections: slow };
  }
  await Promise.all(drivers.map((c) => c.endAsync(true)));
  return stalls;
}

async function main(): Promise<void> {
  process.stdout.write(
    `ridetrack fuzz: seed ${SEED}, ${PACKETS.toLocaleString()} packets, ${HTTP_REQUESTS.toLocaleString()} HTTP requests\n`,
  );
  process.stdout.write(`machine: ${machineLine()}\n`);
  const broker = await startBrokerProcess({
    AUTH_MODE: 'jwt',
    JWT_SECRET: secret,
    CONNECT_RATE_PER_S: '1000000',
    CONNECT_BURST: '1000000',
    AUTH_FAILURE_BAN_COUNT: '100000000',
    RECONNECT_BAN_CONNECTS: '100000000',
    PUBLISH_RATE_PER_S: '1000000',
    PUBLISH_BURST: '1000000',
    INVALID_BURST: '1000000',
    EVENT_LOOP_RESOLUTION_MS: String(LOOP_RESOLUTION_MS),
  });
  const watcher = watch(broker);
  process.stdout.write('packets over TCP and WebSocket…\n');
  const packets = await packetPhase(broker);
  process.stdout.write('HTTP requests…\n');
  const http = await httpPhase(broker);
  process.stdout.write('event-loop stalls by route…\n');
  const stalls = await stallPhase(broker);
  watcher.stop();
  const alive = broker.process.exitCode === null && broker.process.signalCode === null && watcher.state.alive;
  const rssEnd = alive ? rssBytes(broker.process.pid ?? 0) : 0;
  await broker.stop();

  const mb = (b: number) => `${Math.round(b / 2 ** 20)} MB`;
  const out = [
    '',
    `  process alive at the end      ${alive ? 'yes (0 crashes)' : 'NO: the broker died'}`,
    `  packets                       ${packets.sent.packets.toLocaleString()} in ${packets.sent.cases.toLocaleString()} connections (${packets.sent.tcp.toLocaleString()} TCP, ${packets.sent.ws.toLocaleString()} WebSocket), ${mb(packets.sent.bytes)}, ${Math.round(packets.seconds)} s`,
    `  connections                   ${Object.entries(packets.outcomes)
      .map(([k, v]) => `${k.replaceAll('_', ' ')} ${v.toLocaleString()}`)
      .join(', ')}`,
    `  HTTP requests by status       ${Object.entries(http.byStatus)
      .map(([k, v]) => `${k === '0' ? 'held/cut' : k} ${v}`)
      .join(', ')}`,
    `  HTTP 5xx other than 503       ${http.serverErrors.length === 0 ? 'none' : http.serverErrors.join('; ')}`,
    `  /healthz                      ${watcher.state.healthChecks} checks, ${watcher.state.healthFailures} failed to answer`,
    `  RSS                           start ${mb(watcher.state.rssStart)}, peak ${mb(watcher.state.rssPeak)}, end ${mb(rssEnd)}`,
    `  by quarter of the packets      ${packets.quarters.map((q) => `${Math.round(q.packets / 1000)}k: RSS ${mb(q.rssBytes)}, heap ${mb(q.heapBytes)}`).join('; ')}`,
    `  event-loop stall by route     (limit ${STALL_LIMIT_MS} ms; the broker's own monitor sampling every ${LOOP_RESOLUTION_MS} ms)`,
    ...Object.entries(stalls).map(
      ([name, s]) =>
        `    ${name.padEnd(42)} ${String(s.maxMs).padStart(6)} ms   (HTTP ${s.status}; collections over 10 ms meanwhile: ${s.slowCollections})`,
    ),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  recordRun('fuzz', {
    settings: { packets: PACKETS, http: HTTP_REQUESTS, seed: SEED, concurrency: CONCURRENCY, drivers: DRIVERS },
    figures: {
      crashes: alive ? 0 : 1,
      packets: packets.sent.packets,
      connections: packets.sent.cases,
      outcomes: packets.outcomes,
      seconds: Math.round(packets.seconds),
      http: http.byStatus,
      serverErrors: http.serverErrors.length,
      healthChecks: watcher.state.healthChecks,
      healthFailures: watcher.state.healthFailures,
      rssStartBytes: watcher.state.rssStart,
      rssPeakBytes: watcher.state.rssPeak,
      rssEndBytes: rssEnd,
      quarters: packets.quarters,
      worstStallMs: Math.max(
        ...Object.entries(stalls)
          .filter(([k]) => !k.includes('floor'))
          .map(([, s]) => s.maxMs),
      ),
      stallsMs: Object.fromEntries(Object.entries(stalls).map(([k, s]) => [k, s.maxMs])),
      slowCollections: Object.fromEntries(Object.entries(stalls).map(([k, s]) => [k, s.slowCollections])),
    },
    targets: { crashes: 0, worstStallMs: STALL_LIMIT_MS },
  });
  process.stdout.write(`\nrecorded in docs/results/fuzz.jsonl\n`);
  process.exit(alive && http.serverErrors.length === 0 ? 0 : 1);
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

/** Tokens minted once per id: minting is async, cases are made synchronously. */
function memo(mint: (id: string) => Promise<string>) {
  const known = new Map<string, string>();
  const f = async (id: string): Promise<string> => {
    const token = known.get(id) ?? (await mint(id));
    known.set(id, token);
    return token;
  };
  return Object.assign(f, { known: (id: string): string => known.get(id) ?? '' });
}

await main();
