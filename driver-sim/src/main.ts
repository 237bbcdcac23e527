/**
 * The driver-sim command. The only file of the simulator that touches `process`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { arcCount, devEnvFrom, graphToGeoJson, isCredentialRefusal, progressBar, type DevEnv } from '@ridetrack/shared';
import { parseCli, USAGE } from './cli';
import { startObserver, type Observer } from './observer';
import { refusalText } from './refusal';
import { writeReport } from './report/files';
import { progressLine } from './report/progress';
import { addPoint, emptySeries, summarize } from './report/series';
import { summaryTable } from './report/table';
import { loadCityFile } from './roads/city-file';
import { parseScenario, peakDrivers, type Scenario } from './scenario';
import { playScenario } from './scenario-run';
import { DEFAULT_SIMULATION, startSimulation, type SimulationStats } from './simulation';
import { DEFAULT_DEMAND } from './demand';
import { DEFAULT_RIDERS, startRiders, type RiderProblem, type Riders } from './riders';
import { driverTokens, operatorToken, serviceToken } from './tokens';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
/** Socket errors that mean nothing answers at that address (yet). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EAI_AGAIN']);

const tty = process.stderr.isTTY;
let progressShown = false;
/** A line on stderr; on a terminal it first clears the progress line being rewritten in place. */
function say(line: string): void {
  process.stderr.write(`${tty && progressShown ? '\r\x1b[2K' : ''}${line}\n`);
  progressShown = false;
}

/** A path as short as it reads: relative to here when it lies below, else absolute. */
function shortPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel === '' || rel.startsWith('..') ? file : rel;
}

/** The dev broker's settings that npm start left, or nothing when there is no such file. */
function readDevEnv(file: string): Partial<DevEnv> {
  if (!existsSync(file)) return {};
  return devEnvFrom(parseEnv(readFileSync(file, 'utf8')));
}

/** The demo city that ships with ridetrack (infra/cities/baltimore/NOTICE.md). */
const DEMO_CITY = join(ROOT, 'infra/cities/baltimore/baltimore.osm.pbf');

async function main(): Promise<number> {
  const cli = parseCli(process.argv.slice(2), process.env);
  if (!cli.ok) {
    say(`driver-sim: ${cli.reason}`);
    if (cli.usage) say('Usage: npm run sim -- --help');
    return 2;
  }
  const o = cli.value;
  if (o.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  let scenario: Scenario | null = null;
  if (o.scenario !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(o.scenario, 'utf8'));
    } catch (err) {
      say(`driver-sim: --scenario ${o.scenario}: ${err instanceof Error ? err.message : String(err)}`);
      return 2;
    }
    const parsed = parseScenario(json);
    if (!parsed.ok) {
      say(`driver-sim: --scenario ${o.scenario}: ${parsed.reason}`);
      return 2;
    }
    scenario = parsed.value;
  }
  const cityFile = o.city ?? DEMO_CITY;
  const bar = progressBar(process.stderr, `driver-sim: importing ${basename(cityFile)}`);
  const loaded = await loadCityFile(cityFile, {
    cacheDir: process.env['CITY_CACHE_DIR'] ?? join(ROOT, '.ridetrack/cache'),
    ...(process.env['CITY_MAX_MB'] ? { maxBytes: Number(process.env['CITY_MAX_MB']) * 1024 * 1024 } : {}),
    onProgress: bar.update,
  });
  bar.done();
  if (!loaded.ok) {
    process.stderr.write(`driver-sim: --city ${cityFile}: ${loaded.message}\n`);
    return 2;
  }
  const { graph } = loaded.value;
  if (o.exportRoads !== undefined) {
    await writeFile(o.exportRoads, JSON.stringify(graphToGeoJson(graph)));
    say(`wrote ${graph.nodes.length} junctions, ${arcCount(graph)} arcs to ${o.exportRoads}`);
    return 0;
  }

  // The dev broker that npm start runs, when no secret is given or the one given is its own (a shell
  // that sourced its dev env file): its secret, its address, and ids of our own so as not to take
  // over the drivers it already runs.
  let { secret, brokers, idPrefix } = o;
  let secretFrom: string | null = o.secretFrom;
  const devFile = o.devEnv ?? join(process.env['RIDETRACK_DIR'] ?? join(ROOT, '.ridetrack'), 'dev.env');
  // The file, or the same variables from a shell that sourced it (wherever it lies): its broker
  // address marks them; a JWT_SECRET alone is any broker's secret, not npm start's.
  const fromFile = readDevEnv(devFile);
  const sourced = devEnvFrom(process.env);
  const dev = fromFile.secret !== undefined ? fromFile : sourced.mqttUrl !== undefined ? sourced : {};
  if (dev.secret !== undefined && (secret === undefined || secret === dev.secret)) {
    if (secret === undefined) {
      secret = dev.secret;
      secretFrom = shortPath(devFile);
    }
    if (!o.brokerGiven && dev.mqttUrl !== undefined) brokers = [dev.mqttUrl];
    if (!o.idPrefixGiven) idPrefix = 'sim-';
  }
  const url = brokers[0] ?? '';
  const drivers = scenario === null ? o.drivers : peakDrivers(scenario);
  // The simulated riders ask the broker's HTTP API: the address given, else npm start's.
  const apiUrl = o.api ?? (dev.secret !== undefined && dev.secret === secret ? dev.httpUrl : undefined);
  if (o.ridesPerMin > 0 && apiUrl === undefined) {
    say(`driver-sim: --rides-per-min needs --api <the broker's http:// address> (npm start's dev env file gives it)`);
    return 2;
  }
  say(
    `driver-sim: ${drivers.toLocaleString('en-US')} drivers (${idPrefix}00001 …) on ${graph.nodes.length} junctions → ${brokers.join(', ')}; ${
      secretFrom === null ? 'no tokens (open mode)' : `tokens signed with the secret from ${secretFrom}`
    }`,
  );

  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  process.once('SIGINT', () => finish(0));
  process.once('SIGTERM', () => finish(0));
  process.once('SIGHUP', () => finish(0));
  // Set from callbacks: an object, so the reads below are not narrowed to the initial value.
  const run = { refused: false };
  const onRefused = (who: string, returnCode: number): void => {
    if (!isCredentialRefusal(returnCode) || run.refused) return;
    // Every driver's token is made the same way: one refused means all are.
    run.refused = true;
    say(`driver-sim: ${refusalText(returnCode, who, url, secretFrom)}`);
    finish(1);
  };
  let unreachableSaid = false;
  let everConnected = false;
  const onConnectError = (code: string): void => {
    if (unreachableSaid || everConnected || !UNREACHABLE.has(code)) return;
    unreachableSaid = true;
    say(
      `driver-sim: cannot reach ${url} (${code}); retrying with backoff. Is the broker running? (npm start runs one)`,
    );
  };

  // The run's length counts from here, even while the broker cannot be reached yet.
  const durationS = o.duration ?? scenario?.durationS;
  if (durationS !== undefined) setTimeout(() => finish(0), durationS * 1000).unref();
  // The observer subscribes before the first fix is sent, so delivered counts every fix.
  const startedMs = Date.now();
  let observer: Observer | null = null;
  if (!o.noObserver) {
    const token = secret === undefined ? undefined : await operatorToken(secret, `${idPrefix}observer`, 24 * 3600);
    let ready: () => void = () => undefined;
    const subscribed = new Promise<number>((resolve) => (ready = () => resolve(-1)));
    observer = startObserver(
      {
        url,
        token,
        // The observer's token is an operator's with sub `${idPrefix}observer` (docs/protocol.md, client ids).
        clientId: `operator:${idPrefix}observer:${process.pid}`,
        idPrefix,
        sinceMs: startedMs,
        insecureTls: o.insecureTls,
      },
      {
        onReady: () => {
          everConnected = true;
          ready();
        },
        onRefused: (code) => onRefused('the simulator', code),
        onError: onConnectError,
      },
      Date.now,
    );
    const first = await Promise.race([subscribed, finished]);
    if (first !== -1) {
      // Stopped (a refusal, a signal, the duration) before the broker was ever reached.
      await observer.close();
      if (!run.refused) say(`driver-sim: stopped; ${url} was never reached`);
      return run.refused ? first : 1;
    }
  }

  const tokenFor = secret === undefined ? () => Promise.resolve(undefined) : driverTokens(secret, 24 * 3600);
  const sim = startSimulation({
    ...DEFAULT_SIMULATION,
    graph,
    drivers,
    initialActive: scenario?.fleet[0]?.drivers ?? o.drivers,
    dropouts: scenario?.dropouts ?? {
      ...DEFAULT_SIMULATION.dropouts,
      tunnelShare: o.tunnels,
      perHour: o.dropoutsPerHour,
    },
    seed: o.seed,
    brokers,
    idPrefix,
    tokenFor,
    rampPerS: o.ramp,
    insecureTls: o.insecureTls,
    ...(o.sourceIps === undefined ? {} : { sourceAddresses: o.sourceIps.split(',') }),
    rate: { ...DEFAULT_SIMULATION.rate, minMoveM: o.minMoveM, turnDeg: o.turnDeg, maxIntervalS: o.maxIntervalS },
    onRefused: (id, code) => onRefused(`driver ${id}`, code),
    onConnectError: (_id, code) => onConnectError(code),
  });
  const play = scenario === null ? null : playScenario(sim, scenario, say);
  let riders: Riders | null = null;
  if (o.ridesPerMin > 0 && apiUrl !== undefined) {
    const token = secret === undefined ? undefined : await serviceToken(secret, `${idPrefix}riders`, 24 * 3600);
    say(`driver-sim: simulated riders ask for ${o.ridesPerMin} rides a minute through ${apiUrl}`);
    riders = startRiders(
      {
        ...DEFAULT_DEMAND,
        ...DEFAULT_RIDERS,
        ridesPerMin: o.ridesPerMin,
        apiUrl: apiUrl.replace(/\/$/, ''),
        token,
        graph,
        seed: o.seed,
        // Demand never holds more than half the fleet: a person's own request still finds a car.
        maxOpen: Math.max(1, Math.floor(drivers / 2)),
      },
      { onProblem: (p) => say(`driver-sim: simulated riders: ${riderProblemText(p, apiUrl)}`) },
    );
  }

  // One point a second for the report, and the progress line: rewritten in place on a terminal,
  // every 10 s in a log.
  const series = emptySeries(1);
  let before: SimulationStats = sim.stats();
  let seconds = 0;
  const progress = setInterval(() => {
    const now = sim.stats();
    if (now.connected > 0) everConnected = true;
    addPoint(series, (Date.now() - startedMs) / 1000, before, now, observer?.takeInterval() ?? null);
    before = now;
    const line = progressLine(now, { minMoveM: o.minMoveM, maxIntervalS: o.maxIntervalS });
    if (tty) {
      process.stderr.write(`\r\x1b[2K${line}`);
      progressShown = true;
    } else if (seconds % 10 === 0) say(line);
    seconds++;
  }, 1000);

  const code = await finished;
  clearInterval(progress);
  play?.stop();
  await riders?.close();
  const onlineAtEnd = sim.stats().connected;
  await sim.close();
  const stats = { ...sim.stats(), connected: onlineAtEnd };
  const runS = (Date.now() - startedMs) / 1000;
  const watching = observer;
  if (watching !== null) {
    // What was sent just before the end may still be on its way back: give it up to 2 s.
    const deadline = Date.now() + 2000;
    while (!run.refused && watching.total().delivered < stats.published && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    await watching.close();
  }
  if (run.refused) return code;
  // The last, partial second: the series then adds up to the totals.
  addPoint(series, runS, before, stats, watching?.takeInterval() ?? null);
  const delivery = watching?.total() ?? null;
  const summary = summarize(stats, series, delivery, runS, DEFAULT_SIMULATION.tickMs / 1000);
  say('');
  if (riders !== null) {
    const r = riders.stats();
    say(
      `driver-sim: simulated riders: ${r.requested} rides dispatched, ${r.boarded} riders got in, ${r.completed} completed, ${r.cancelled} ended otherwise, ${r.noDriver} found no free car`,
    );
  }
  process.stderr.write(summaryTable(summary, `driver-sim: done after ${runS.toFixed(1)} s`));
  if (o.report !== undefined) {
    const written = await writeReport(o.report, {
      startedAt: new Date(startedMs).toISOString(),
      brokers,
      seed: o.seed,
      roads: relative(ROOT, cityFile),
      idPrefix,
      summary,
      series,
    });
    say(`driver-sim: report written to ${written.join(' and ')}`);
  }
  return code;
}

function riderProblemText(p: RiderProblem, apiUrl: string): string {
  return p.kind === 'refused'
    ? `the broker at ${apiUrl} refused their service token (HTTP ${p.status}); they stop asking. ${p.message}`
    : `cannot reach ${apiUrl} (${p.message}); they keep trying`;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    say(`driver-sim: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
