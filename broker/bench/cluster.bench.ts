/**
 * npm run bench:cluster — broker nodes sharing one Redis or a Redis Cluster, as processes on this
 * machine.
 *
 * 1. Throughput and latency for 1, 2 and 3 nodes on one Redis, and 1 and 3 nodes on a Redis Cluster
 *    of three shards: BENCH_DRIVERS drivers on raw TCP, each followed by a rider on WebSocket on
 *    *another* node (so every message crosses Redis), at each offered rate of BENCH_RATES; and one
 *    node without Redis (CLUSTER=off) on the same load, for the cost of being clustered (CPU per
 *    delivered fix, against the node alone). Appends the run to docs/results/cluster.jsonl.
 * 2. Failover: BENCH_FLEET simulated drivers (driver-sim, with its broker list) over three nodes;
 *    one node is SIGKILLed; prints when 50/90/99/100% of its drivers were back online and the
 *    highest rate of reconnections any node accepted in one second, against CONNECT_RATE_PER_S.
 */
import { randomBytes } from 'node:crypto';
import {
  type BrokerProcess,
  INDEX_REDIS_SETTINGS,
  startBrokerProcess,
  startRedis,
  startRedisCluster,
  startSimProcess,
  type TestRedis,
  type TestRedisCluster,
} from '@ridetrack/testkit';
import { machineLine } from '../../shared/bench/machine';
import { createMinter } from '../src/index';
import { Fleet, fleetCredentials, type Credentials } from './load';
import { recordRun, resultsFile } from '../../shared/bench/results';
import { cpuSeconds } from './proc-stats';

const DRIVERS = Number(process.env['BENCH_DRIVERS'] ?? 1000);
const RATES = (process.env['BENCH_RATES'] ?? '2000,5000,10000').split(',').map(Number);
const STEP_S = Number(process.env['BENCH_STEP_S'] ?? 5);
const FLEET = Number(process.env['BENCH_FLEET'] ?? 1500);
const CONNECT_RATE = Number(process.env['BENCH_CONNECT_RATE'] ?? 1000);
const secret = randomBytes(32).toString('hex');
const minter = createMinter(secret);

/** Where nodes share state: none (CLUSTER=off), one Redis, or a Redis Cluster. */
type Store = TestRedis | TestRedisCluster | null;

function storeEnv(store: Store): Record<string, string> {
  if (store === null) return { CLUSTER: 'off' };
  return 'url' in store ? { REDIS_URL: store.url } : { REDIS_CLUSTER_NODES: store.nodes };
}

async function startNodes(count: number, redis: Store, extra: Record<string, string> = {}) {
  const nodes: BrokerProcess[] = [];
  for (let i = 0; i < count; i++) {
    nodes.push(
      await startBrokerProcess({
        AUTH_MODE: 'jwt',
        JWT_SECRET: secret,
        NODE_ID: `bench-${i + 1}`,
        LOG_LEVEL: 'warn',
        PUBLISH_RATE_PER_S: '100',
        PUBLISH_BURST: '100',
        CONNECT_RATE_PER_S: String(CONNECT_RATE),
        CONNECT_BURST: String(CONNECT_RATE),
        ...storeEnv(redis),
        ...extra,
      }),
    );
  }
  return nodes;
}

interface Row {
  setup: string;
  rate: number;
  delivered: number;
  p50: number;
  p99: number;
  cpu: number;
}

async function throughput(label: string, count: number, redis: Store, creds: Credentials): Promise<Row[]> {
  if (redis !== null && 'url' in redis) await redis.command(['FLUSHALL']);
  const nodes = await startNodes(count, redis);
  const fleet = new Fleet(DRIVERS);
  const rows: Row[] = [];
  try {
    // Driver i on node i mod n; its rider on the next node: every delivery crosses nodes when n > 1.
    await fleet.connect(
      '127.0.0.1',
      (i) => nodes[i % count]?.mqttPort ?? 0,
      (i) => nodes[(i + 1) % count]?.httpPort ?? 0,
      creds,
    );
    for (const rate of RATES) {
      await fleet.offer(rate, 1);
      fleet.resetCounters();
      const cpu0 = nodes.reduce((s, n) => s + cpuSeconds(n.process.pid ?? 0), 0);
      const t0 = performance.now();
      await fleet.offer(rate, STEP_S);
      await new Promise((r) => setTimeout(r, 500));
      const seconds = (performance.now() - t0) / 1000;
      const { p50, p99 } = fleet.latencyPercentiles();
      const cpu = (nodes.reduce((s, n) => s + cpuSeconds(n.process.pid ?? 0), 0) - cpu0) / seconds;
      rows.push({ setup: label, rate, delivered: fleet.sent === 0 ? 0 : fleet.received / fleet.sent, p50, p99, cpu });
      console.log(`  ${label} @ ${rate}/s: delivered ${(rows.at(-1)?.delivered ?? 0) * 100}% p99 ${p99.toFixed(1)} ms`);
    }
  } finally {
    fleet.close();
    await Promise.all(nodes.map((n) => n.stop()));
  }
  return rows;
}

async function health(n: BrokerProcess): Promise<{ driversOnline: number }> {
  return (await (await fetch(`http://127.0.0.1:${n.httpPort}/healthz`)).json()) as { driversOnline: number };
}

async function failover(redis: TestRedis) {
  await redis.command(['FLUSHALL']);
  const nodes = await startNodes(3, redis);
  const [a, b, c] = nodes as [BrokerProcess, BrokerProcess, BrokerProcess];
  const sim = startSimProcess(
    [
      '--drivers',
      String(FLEET),
      '--ramp',
      '500',
      ...nodes.flatMap((n) => ['--broker', `mqtt://127.0.0.1:${n.mqttPort}`]),
    ],
    { JWT_SECRET: secret },
  );
  try {
    for (;;) {
      const total = (await Promise.all(nodes.map(health))).reduce((s, h) => s + h.driversOnline, 0);
      if (total === FLEET) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 3000));
    const onA = (await health(a)).driversOnline;
    const base = FLEET - onA;
    const killedAt = performance.now();
    await a.stop('SIGKILL');
    const marks = new Map<number, number>();
    let last = (await health(b)).driversOnline + (await health(c)).driversOnline;
    let lastAt = performance.now();
    let peakPerS = 0;
    while (performance.now() - killedAt < 30_000) {
      await new Promise((r) => setTimeout(r, 100));
      const now = (await health(b)).driversOnline + (await health(c)).driversOnline;
      const at = performance.now();
      peakPerS = Math.max(peakPerS, ((now - last) / (at - lastAt)) * 1000);
      last = now;
      lastAt = at;
      const back = (now - base) / onA;
      for (const share of [0.5, 0.9, 0.99, 1]) if (back >= share && !marks.has(share)) marks.set(share, at - killedAt);
      if (marks.has(1)) break;
    }
    return { onA, marks, peakPerS };
  } finally {
    await sim.stop();
    await Promise.all(nodes.map((n) => n.stop()));
  }
}

const redis = await startRedis(undefined, undefined, INDEX_REDIS_SETTINGS);
const redisCluster = await startRedisCluster();
try {
  const creds = await fleetCredentials(minter, DRIVERS);
  const rows: Row[] = [];
  rows.push(...(await throughput('1 node, no Redis routing', 1, null, creds)));
  for (const n of [1, 2, 3]) rows.push(...(await throughput(`${n} node${n > 1 ? 's' : ''} on Redis`, n, redis, creds)));
  for (const n of [1, 3])
    rows.push(
      ...(await throughput(`${n} node${n > 1 ? 's' : ''} on a Redis Cluster (3 shards)`, n, redisCluster, creds)),
    );
  const f = await failover(redis);

  console.log(`\n${machineLine()}`);
  console.log(
    `${DRIVERS} drivers, each followed by one rider on another node (when there is one); ${STEP_S} s per step\n`,
  );
  console.log('| setup | offered msg/s | delivered | p50 ms | p99 ms | broker CPU (cores, all nodes) |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const r of rows)
    console.log(
      `| ${r.setup} | ${r.rate} | ${(r.delivered * 100).toFixed(1)}% | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.cpu.toFixed(2)} |`,
    );
  const ms = (share: number) => {
    const v = f.marks.get(share);
    return v === undefined ? 'not within 30 s' : `${(v / 1000).toFixed(1)} s`;
  };
  console.log(
    `\nFailover: ${FLEET} simulated drivers on 3 nodes; node 1 (${f.onA} drivers) SIGKILLed.` +
      `\nBack online: 50% ${ms(0.5)}, 90% ${ms(0.9)}, 99% ${ms(0.99)}, 100% ${ms(1)}.` +
      `\nHighest reconnection rate seen (both surviving nodes): ${f.peakPerS.toFixed(0)}/s; ceiling CONNECT_RATE_PER_S=${CONNECT_RATE} per node.`,
  );
  const alone = rows.filter((r) => r.setup.startsWith('1 node, no Redis'));
  const perFix = (r: Row) => (r.cpu * 1e6) / (r.rate * r.delivered || 1);
  for (const r of rows.filter((x) => x.setup.startsWith('1 node on'))) {
    const base = alone.find((a) => a.rate === r.rate);
    if (base !== undefined)
      console.log(
        `${r.setup} @ ${r.rate}/s: CPU per delivered fix ${perFix(r).toFixed(0)} µs, ${(perFix(r) / perFix(base)).toFixed(2)}x a node alone (${perFix(base).toFixed(0)} µs)`,
      );
  }
  recordRun('cluster', {
    settings: { drivers: DRIVERS, rates: RATES, stepS: STEP_S, fleet: FLEET, connectRate: CONNECT_RATE },
    figures: { rows, failover: { onA: f.onA, backMs: Object.fromEntries(f.marks), peakPerS: f.peakPerS } },
  });
  console.log(`recorded in ${resultsFile('cluster')}`);
} finally {
  await redis.stop();
  await redisCluster.stop();
}
