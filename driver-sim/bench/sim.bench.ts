/**
 * npm run bench:sim — the most drivers one simulator process keeps publishing at one fix per second
 * and at one per 4 s, each driver with its own MQTT connection to a real broker process (open mode,
 * so the broker's token checks do not limit the simulator). Prints CPU and memory per simulated
 * driver. A level is kept when at least 95% of the intended fixes went out and the process used
 * under one core. Settings: BENCH_LEVELS (1000,2500,5000,10000,20000), BENCH_WINDOW_S (20),
 * BENCH_INTERVALS (1,4); BENCH_SINK=mosquitto measures against Mosquitto instead of ridetrack's
 * broker (for fleets past this machine's broker knee: the simulator is what is measured), and
 * BENCH_SOURCE_IPS=127.0.0.2,127.0.0.3 spreads the connections over source addresses (about 28,000
 * loopback connections fit one). The npm script raises the open-file limit (one per connection).
 * Appends the run to docs/results/sim.jsonl.
 */
import { startBrokerProcess, startMosquittoProcess } from '@ridetrack/testkit';
import { machineLine } from '../../shared/bench/machine';
import { recordRun, resultsFile } from '../../shared/bench/results';
import { seededRng } from '@ridetrack/shared';
import { builtInCity } from '../src/roads/city';
import { DEFAULT_SIMULATION, startSimulation } from '../src/simulation';

const LEVELS = (process.env['BENCH_LEVELS'] ?? '1000,2500,5000,10000,20000').split(',').map(Number);
const WINDOW_S = Number(process.env['BENCH_WINDOW_S'] ?? 20);
const INTERVALS = (process.env['BENCH_INTERVALS'] ?? '1,4').split(',').map(Number);
const SINK = process.env['BENCH_SINK'] ?? 'ridetrack';
const SOURCE_IPS = process.env['BENCH_SOURCE_IPS']?.split(',');
const graph = builtInCity(seededRng(1));

interface Row {
  intervalS: number;
  drivers: number;
  connected: number;
  sentShare: number;
  cpuCores: number;
  rssPerDriverKb: number;
  cpuUsPerFix: number;
}

async function level(drivers: number, intervalS: number): Promise<Row> {
  const broker =
    SINK === 'mosquitto'
      ? await startMosquittoProcess({ maxFiles: 400_000 })
      : await startBrokerProcess({
          AUTH_MODE: 'open',
          MAX_EVENT_LOOP_LAG_MS: '60000',
          RECONNECT_BAN_CONNECTS: '1000000',
          CONNECT_RATE_PER_S: '100000',
          CONNECT_BURST: '100000',
        });
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const rss0 = process.memoryUsage().rss;
  const sim = startSimulation({
    ...DEFAULT_SIMULATION,
    graph,
    drivers,
    seed: 1,
    brokers: [`mqtt://127.0.0.1:${broker.mqttPort}`],
    tokenFor: () => Promise.resolve(undefined),
    rampPerS: 2000,
    ...(SOURCE_IPS === undefined ? {} : { sourceAddresses: SOURCE_IPS }),
    // One fix per interval: every car publishes on its heartbeat only. The simulation ticks once a
    // second and Node fires a late tick's successor early, so the threshold sits half a tick below
    // the interval: it is crossed on the right tick whatever the jitter.
    rate: {
      minMoveM: 1e9,
      turnDeg: 360,
      maxIntervalS: intervalS - 0.5,
      minIntervalS: 0,
      onTripMinMoveM: 1e9,
      onTripMaxIntervalS: intervalS - 0.5,
    },
  });
  const deadline = Date.now() + 180_000;
  while (sim.stats().connected < drivers && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  await new Promise((r) => setTimeout(r, intervalS * 1000 + 1000)); // one full interval to settle
  // Every car publishes inside the simulation tick, so the window runs from just after one tick to
  // just after a later one, a whole number of intervals apart: no round is half in the window. A
  // simulator that cannot keep up stretches the wall time the ticks take, which the rate shows.
  const afterTick = async (ticks: number): Promise<void> => {
    while (sim.stats().ticks < ticks) await new Promise((r) => setTimeout(r, 5));
  };
  const tick0 = sim.stats().ticks + 1;
  await afterTick(tick0);
  const sent0 = sim.stats().published;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await afterTick(tick0 + Math.round(WINDOW_S / intervalS) * intervalS);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const sent = sim.stats().published - sent0;
  const connected = sim.stats().connected;
  gc?.();
  const rss = process.memoryUsage().rss;
  await sim.close();
  await broker.stop();
  const cpuS = (cpu.user + cpu.system) / 1e6;
  return {
    intervalS,
    drivers,
    connected,
    sentShare: sent / ((drivers * seconds) / intervalS),
    cpuCores: cpuS / seconds,
    rssPerDriverKb: (rss - rss0) / drivers / 1024,
    cpuUsPerFix: (cpuS / Math.max(1, sent)) * 1e6,
  };
}

const rows: Row[] = [];
for (const intervalS of INTERVALS) {
  for (const drivers of LEVELS) {
    const row = await level(drivers, intervalS);
    rows.push(row);
    console.error(
      `  1 fix / ${intervalS} s, ${drivers} drivers: connected ${row.connected}, sent ${(row.sentShare * 100).toFixed(1)}%, CPU ${(row.cpuCores * 100).toFixed(0)}% of a core, ${row.rssPerDriverKb.toFixed(1)} KB/driver`,
    );
    if (row.sentShare < 0.95 || row.cpuCores >= 1 || row.connected < drivers) break;
  }
}
const kept = (i: number) =>
  rows.filter((r) => r.intervalS === i && r.sentShare >= 0.95 && r.cpuCores < 1 && r.connected === r.drivers).at(-1);
console.log(`machine: ${machineLine()}`);
console.log(
  `simulator and ${SINK === 'mosquitto' ? 'Mosquitto' : 'the ridetrack broker'} are separate processes on the same machine; ${WINDOW_S} s per level; built-in city${SOURCE_IPS === undefined ? '' : `; source addresses ${SOURCE_IPS.join(', ')}`}`,
);
console.log('');
console.log(
  '| fix interval | drivers | connected | fixes sent / intended | simulator CPU (cores) | CPU per fix | memory per driver |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  console.log(
    `| ${r.intervalS} s | ${r.drivers.toLocaleString('en-US')} | ${r.connected.toLocaleString('en-US')} | ${(r.sentShare * 100).toFixed(1)}% | ${r.cpuCores.toFixed(2)} | ${Math.round(r.cpuUsPerFix)} µs | ${r.rssPerDriverKb.toFixed(1)} KB |`,
  );
}
console.log('');
console.log(
  `most drivers kept at 1 fix/s: ${kept(1)?.drivers.toLocaleString('en-US') ?? 'none'}; at 1 fix/4 s: ${kept(4)?.drivers.toLocaleString('en-US') ?? 'none'} (highest level measured: ${Math.max(...LEVELS).toLocaleString('en-US')})`,
);

// The run as data: every level, and per fix interval the most drivers kept with their CPU and memory.
const perInterval = (f: (r: Row) => number) =>
  Object.fromEntries(
    INTERVALS.flatMap((i) => {
      const r = kept(i);
      return r === undefined ? [] : [[`at${i}s`, f(r)]];
    }),
  );
recordRun('sim', {
  settings: {
    levels: LEVELS,
    windowS: WINDOW_S,
    intervalsS: INTERVALS,
    sink: SINK,
    sourceIps: SOURCE_IPS ?? null,
    keptWhen: 'sent >= 95%, CPU < 1 core, every driver connected',
  },
  figures: {
    mostDriversKept: perInterval((r) => r.drivers),
    cpuCores: perInterval((r) => r.cpuCores),
    cpuUsPerFix: perInterval((r) => r.cpuUsPerFix),
    rssPerDriverKb: perInterval((r) => r.rssPerDriverKb),
    highestLevelTried: Math.max(...rows.map((r) => r.drivers)),
    levels: rows,
  },
  // #5: 50,000 drivers at one fix per 4 s from one process.
  targets: { 'mostDriversKept.at4s': 50_000 },
  atLeast: ['mostDriversKept.at4s'],
});
console.log(`recorded in ${resultsFile('sim')}`);
