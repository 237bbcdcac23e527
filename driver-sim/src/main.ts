/**
 * The driver-sim command. The only file of the simulator that touches `process`.
 */
import { writeFile } from 'node:fs/promises';
import { parseCli, USAGE } from './cli';
import { arcCount, graphToGeoJson } from './roads/graph';
import { loadRoads } from './roads/load';
import { DEFAULT_SIMULATION, startSimulation } from './simulation';
import { driverTokens } from './tokens';

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
  const graph = await loadRoads(o.roads, o.seed);
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
    drivers: o.drivers,
    seed: o.seed,
    brokers: o.brokers,
    idPrefix: o.idPrefix,
    tokenFor,
    rampPerS: o.ramp,
    insecureTls: o.insecureTls,
    rate: { ...DEFAULT_SIMULATION.rate, minMoveM: o.minMoveM, turnDeg: o.turnDeg, maxIntervalS: o.maxIntervalS },
  });
  process.stderr.write(
    `driver-sim: ${o.drivers} drivers on ${graph.nodes.length} junctions, brokers ${o.brokers.join(', ')}\n`,
  );
  const tty = process.stderr.isTTY;
  let lines = 0;
  const progress = setInterval(() => {
    const s = sim.stats();
    const line = `connected ${s.connected}/${s.target} | ${s.publishedLastSecond} msg/s | sent ${s.published} | reconnects ${s.reconnects} | errors ${s.errors} | trips ${s.trips}`;
    // On a terminal, one line rewritten in place; in a log, a line every 10 s.
    if (tty) process.stderr.write(`\r${line}   `);
    else if (lines++ % 10 === 0) process.stderr.write(`${line}\n`);
  }, 1000);
  await new Promise<void>((resolve) => {
    const done = (): void => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (o.duration !== undefined) setTimeout(done, o.duration * 1000).unref();
  });
  clearInterval(progress);
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
