/**
 * The driver-sim command. The only file of the simulator that touches `process`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arcCount, graphToGeoJson, progressBar } from '@ridetrack/shared';
import { parseCli, USAGE } from './cli';

import { loadCityFile } from './roads/city-file';
import { parseScenario, peakDrivers, type Scenario } from './scenario';
import { playScenario } from './scenario-run';
import { DEFAULT_SIMULATION, startSimulation } from './simulation';
import { driverTokens } from './tokens';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
/** The demo city that ships with ridetrack (infra/cities/baltimore/NOTICE.md). */
const DEMO_CITY = join(ROOT, 'infra/cities/baltimore/baltimore.osm.pbf');

async function main(): Promise<number> {
  const cli = parseCli(process.argv.slice(2), process.env);
  if (!cli.ok) {
    process.stderr.write(`driver-sim: ${cli.reason}\n\n${USAGE}`);
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
      process.stderr.write(
        `driver-sim: --scenario ${o.scenario}: ${err instanceof Error ? err.message : String(err)}\n`,
      );
      return 2;
    }
    const parsed = parseScenario(json);
    if (!parsed.ok) {
      process.stderr.write(`driver-sim: --scenario ${o.scenario}: ${parsed.reason}\n`);
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
    process.stderr.write(`wrote ${graph.nodes.length} junctions, ${arcCount(graph)} arcs to ${o.exportRoads}\n`);
    return 0;
  }
  const tokenFor = o.secret === undefined ? () => Promise.resolve(undefined) : driverTokens(o.secret, 24 * 3600);
  const startedMs = Date.now();
  const sim = startSimulation({
    ...DEFAULT_SIMULATION,
    graph,
    drivers: scenario === null ? o.drivers : peakDrivers(scenario),
    initialActive: scenario?.fleet[0]?.drivers ?? o.drivers,
    dropouts: scenario?.dropouts ?? {
      ...DEFAULT_SIMULATION.dropouts,
      tunnelShare: o.tunnels,
      perHour: o.dropoutsPerHour,
    },
    seed: o.seed,
    brokers: o.brokers,
    idPrefix: o.idPrefix,
    tokenFor,
    rampPerS: o.ramp,
    insecureTls: o.insecureTls,
    ...(o.sourceIps === undefined ? {} : { sourceAddresses: o.sourceIps.split(',') }),
    rate: { ...DEFAULT_SIMULATION.rate, minMoveM: o.minMoveM, turnDeg: o.turnDeg, maxIntervalS: o.maxIntervalS },
  });
  process.stderr.write(
    `driver-sim: ${o.drivers} drivers on ${graph.nodes.length} junctions, brokers ${o.brokers.join(', ')}\n`,
  );
  const play = scenario === null ? null : playScenario(sim, scenario, (line) => process.stderr.write(`${line}\n`));
  const durationS = o.duration ?? scenario?.durationS;
  const tty = process.stderr.isTTY;
  let lines = 0;
  const progress = setInterval(() => {
    const s = sim.stats();
    const line = `connected ${s.connected}/${s.active} | ${s.publishedLastSecond} msg/s | no GPS ${s.gpsBlind} | sent ${s.published} | reconnects ${s.reconnects} | errors ${s.errors} | trips ${s.trips}`;
    // On a terminal, one line rewritten in place; in a log, a line every 10 s.
    if (tty) process.stderr.write(`\r${line}   `);
    else if (lines++ % 10 === 0) process.stderr.write(`${line}\n`);
  }, 1000);
  await new Promise<void>((resolve) => {
    const done = (): void => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (durationS !== undefined) setTimeout(done, durationS * 1000).unref();
  });
  clearInterval(progress);
  play?.stop();
  await sim.close();
  const s = sim.stats();
  const summary = {
    ...s,
    durationS: Math.round((Date.now() - startedMs) / 100) / 10,
    brokers: o.brokers,
    seed: o.seed,
  };
  process.stderr.write(`${tty ? '\n' : ''}driver-sim: done: ${JSON.stringify(summary)}\n`);
  if (o.report !== undefined) await writeFile(o.report, `${JSON.stringify(summary, null, 2)}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`driver-sim: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
