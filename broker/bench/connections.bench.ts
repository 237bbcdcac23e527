/**
 * npm run bench:connections — many concurrent driver connections on this one machine: a broker
 * started with BROKER_PROCESSES workers (one command; each worker a node) on a Redis Cluster of
 * three primaries, BENCH_DRIVERS drivers (100,000) publishing one fix every BENCH_PERIOD_MS
 * (8,000: 12,500 fixes/s) and BENCH_RIDERS riders (10,000) each following one of them, from
 * load-generator processes (connections-load.ts) using source addresses 127.0.0.2-127.0.0.9 (one
 * address reaches one port at most 28,000 times). Reports connections held, memory per connection
 * (the workers' resident memory less what they used before any client came), what the riders got
 * (delivered, p50, p99 from the fixes' own timestamps) for the fixes sent in BENCH_WINDOW_S (40) that
 * arrive within BENCH_DRAIN_S (10) of its end, and the CPU used over the window by the
 * brokers, Redis and the generators. Connecting stops at BENCH_CONNECT_DEADLINE_S (600): a machine
 * that cannot connect them all is measured with what it holds, and says so (connectionsAsked).
 * Appends the run to docs/results/connections.jsonl.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { get } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBrokerProcess, startRedisCluster } from '@ridetrack/testkit';
import { machineLine } from '../../shared/bench/machine';
import { recordRun, resultsFile } from '../../shared/bench/results';
import { cpuSeconds, rssBytes } from './proc-stats';

const HERE = dirname(fileURLToPath(import.meta.url));
const DRIVERS = Number(process.env['BENCH_DRIVERS'] ?? 100_000);
const RIDERS = Number(process.env['BENCH_RIDERS'] ?? 10_000);
const PERIOD_MS = Number(process.env['BENCH_PERIOD_MS'] ?? 8000);
const WORKERS = Number(process.env['BENCH_WORKERS'] ?? 7);
const GENERATORS = Number(process.env['BENCH_GENERATORS'] ?? 7);
const WINDOW_S = Number(process.env['BENCH_WINDOW_S'] ?? 40);
const CONNECT_PER_S = Number(process.env['BENCH_CONNECT_PER_S'] ?? 2500);
const HISTORY = process.env['BENCH_HISTORY'] ?? 'on';
const DRAIN_S = Number(process.env['BENCH_DRAIN_S'] ?? 10);
/** Connecting stops after this; the run is measured and recorded with what connected (a figure, too). */
const CONNECT_DEADLINE_S = Number(process.env['BENCH_CONNECT_DEADLINE_S'] ?? 600);
const SOURCES = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`);
const secret = randomBytes(32).toString('hex');

/** The primary's worker processes. */
function workerPids(primary: number): number[] {
  return execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(primary)], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes('broker/src/main.ts'))
    .map((l) => Number.parseInt(l.trim(), 10))
    .filter((n) => n > 0);
}

/**
 * Connections each worker holds, from /healthz over new connections until every worker answered.
 * An overloaded worker may answer late, not at all, or with an empty body (seen at 51,000
 * connections): such an answer is skipped, never thrown from a callback, where it would end the
 * bench without stopping its processes.
 */
async function connectionsHeld(port: number): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (let i = 0; i < WORKERS * 20 && seen.size < WORKERS; i++) {
    const h = await new Promise<{ node: string; connections: number } | null>((resolve) => {
      const req = get(`http://127.0.0.1:${port}/healthz`, { agent: false, timeout: 10_000 }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => {
          try {
            resolve(JSON.parse(body) as { node: string; connections: number });
          } catch {
            resolve(null);
          }
        });
        res.on('error', () => resolve(null));
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(null));
    });
    if (h !== null) seen.set(h.node, h.connections);
  }
  return seen;
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

const cluster = await startRedisCluster({ replicas: 0 });
const broker = await startBrokerProcess({
  AUTH_MODE: 'jwt',
  JWT_SECRET: secret,
  NODE_ID: 'many',
  LOG_LEVEL: 'warn',
  BROKER_PROCESSES: String(WORKERS),
  MAX_CONNECTIONS: String(Math.ceil(((DRIVERS + RIDERS) / WORKERS) * 1.15)),
  CONNECT_RATE_PER_S: String(CONNECT_PER_S),
  CONNECT_BURST: String(CONNECT_PER_S),
  REDIS_CLUSTER_NODES: cluster.nodes,
  HISTORY,
});
const generators: ChildProcess[] = [];
try {
  for (let tries = 0; workerPids(broker.process.pid ?? 0).length < WORKERS; tries++) {
    if (tries > 600) throw new Error('workers did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  await connectionsHeld(broker.httpPort);
  const pids = workerPids(broker.process.pid ?? 0);
  const baseRss = pids.reduce((s, p) => s + rssBytes(p), 0);
  const t0 = performance.now();
  const connected: {
    drivers: number;
    riders: number;
    refused: number;
    refusedBy: Record<string, number>;
    pastDeadline: boolean;
  }[] = [];
  const connectDeadlineMs = Date.now() + CONNECT_DEADLINE_S * 1000;
  const perGen = Math.ceil(DRIVERS / GENERATORS);
  const ridersPerGen = Math.ceil(RIDERS / GENERATORS);
  for (let g = 0; g < GENERATORS; g++) {
    const child = fork(join(HERE, 'connections-load.ts'), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
    generators.push(child);
    child.send({
      secret,
      port: broker.mqttPort,
      drivers: [g * perGen, Math.min(DRIVERS, (g + 1) * perGen)],
      riders: [g * ridersPerGen, Math.min(RIDERS, (g + 1) * ridersPerGen)],
      followEvery: Math.max(1, Math.floor(DRIVERS / RIDERS)),
      totalRiders: RIDERS,
      sourceAddresses: SOURCES,
      periodMs: PERIOD_MS,
      connectPerS: CONNECT_PER_S / GENERATORS,
      connectDeadlineMs,
      lat0: 39.2,
      lng0: -76.7,
    });
  }
  await Promise.all(
    generators.map(async (child) => {
      for (;;) {
        const [m] = (await once(child, 'message')) as [{ kind: string; message?: string }];
        if (m.kind === 'connected') {
          connected.push(m as unknown as (typeof connected)[number]);
          return;
        }
        if (m.kind === 'error') throw new Error(m.message);
      }
    }),
  );
  const connectS = (performance.now() - t0) / 1000;
  const held = await connectionsHeld(broker.httpPort);
  console.error(
    `connected in ${connectS.toFixed(0)} s: ${JSON.stringify(connected)}; held ${JSON.stringify([...held])}`,
  );
  // Two periods for every driver's first fixes and their index writes, then the window.
  await new Promise((r) => setTimeout(r, PERIOD_MS * 2));
  const redisPids = cluster.servers.map((s) => s.process.pid ?? 0);
  const cpu0 = {
    broker: pids.reduce((s, p) => s + cpuSeconds(p), 0),
    redis: redisPids.reduce((s, p) => s + cpuSeconds(p), 0),
    load: generators.reduce((s, c) => s + cpuSeconds(c.pid ?? 0), 0),
    perWorker: pids.map((p) => cpuSeconds(p)),
  };
  for (const c of generators) c.send({ kind: 'measure' });
  const w0 = performance.now();
  await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
  // The window's CPU, then the reports, each after a drain: a fix sent in the window and delivered
  // within DRAIN_S of its end counts (and its latency with it); one not there by then is lost.
  const seconds = (performance.now() - w0) / 1000;
  const cpu = {
    broker: (pids.reduce((s, p) => s + cpuSeconds(p), 0) - cpu0.broker) / seconds,
    redis: (redisPids.reduce((s, p) => s + cpuSeconds(p), 0) - cpu0.redis) / seconds,
    load: (generators.reduce((s, c) => s + cpuSeconds(c.pid ?? 0), 0) - cpu0.load) / seconds,
  };
  const perWorkerCores = pids.map((p, i) => (cpuSeconds(p) - (cpu0.perWorker[i] ?? 0)) / seconds);
  const reports = await Promise.all(
    generators.map(async (c) => {
      c.send({ kind: 'report', drainMs: DRAIN_S * 1000 });
      for (;;) {
        const [m] = (await once(c, 'message')) as [{ kind: string }];
        if (m.kind === 'report')
          return m as unknown as {
            sent: number;
            sentFollowed: number;
            received: number;
            latencies: number[];
            closed: number;
            closedBefore: number;
          };
      }
    }),
  );
  const rss = pids.reduce((s, p) => s + rssBytes(p), 0);
  const connections = [...held.values()].reduce((a, b) => a + b, 0);
  const sent = reports.reduce((s, r) => s + r.sent, 0);
  const expected = reports.reduce((s, r) => s + r.sentFollowed, 0);
  const received = reports.reduce((s, r) => s + r.received, 0);
  const latencies = reports.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const figures = {
    connectSeconds: connectS,
    connections,
    connectionsAsked: DRIVERS + RIDERS,
    connectStoppedAtDeadline: connected.some((c) => c.pastDeadline),
    perWorker: Object.fromEntries(held),
    refused: connected.reduce((s, c) => s + c.refused, 0),
    refusedBy: connected.reduce<Record<string, number>>((by, c) => {
      for (const [why, n] of Object.entries(c.refusedBy)) by[why] = (by[why] ?? 0) + n;
      return by;
    }, {}),
    closedBeforeWindow: reports.reduce((s, r) => s + r.closedBefore, 0),
    closedDuringWindow: reports.reduce((s, r) => s + r.closed, 0),
    fixesPerS: sent / seconds,
    delivered: expected === 0 ? 0 : received / expected,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    brokerRssBytes: rss,
    bytesPerConnection: (rss - baseRss) / Math.max(1, connections),
    cores: cpu,
    perWorkerCores,
    loadAverage: loadavg(),
  };
  console.log(`machine: ${machineLine()}`);
  console.log(
    `${DRIVERS} drivers (one fix every ${PERIOD_MS} ms) and ${RIDERS} riders, from ${GENERATORS} generator processes; broker: ${WORKERS} processes (BROKER_PROCESSES) on a Redis Cluster of 3 primaries; HISTORY=${HISTORY}; window ${WINDOW_S} s\n`,
  );
  console.log(JSON.stringify(figures, null, 2));
  recordRun('connections', {
    settings: {
      drivers: DRIVERS,
      riders: RIDERS,
      periodMs: PERIOD_MS,
      workers: WORKERS,
      generators: GENERATORS,
      windowS: WINDOW_S,
      drainS: DRAIN_S,
      connectDeadlineS: CONNECT_DEADLINE_S,
      history: HISTORY,
    },
    figures,
  });
  console.log(`\nrecorded in ${resultsFile('connections')}`);
} finally {
  for (const c of generators) c.send({ kind: 'stop' });
  await Promise.all(generators.map((c) => (c.exitCode === null ? once(c, 'exit') : Promise.resolve())));
  await broker.stop();
  await cluster.stop();
}
