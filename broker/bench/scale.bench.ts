/**
 * npm run bench:scale — broker nodes on a Redis Cluster (three primaries, three replicas), as
 * processes on this machine, at 2, 4 and 8 nodes (BENCH_NODES): the same fleet and the same rate
 * each time, each driver followed by one rider on another node, and one operator console (the fleet
 * stream, every region) on the first node. Per fix: messages the nodes received through Redis (by
 * node, and summed), Redis commands and Redis CPU on each shard, broker CPU over all nodes (each
 * less what the same time with no fixes used, which is reported apart); and what the riders got
 * (delivered, p50, p99). The point is what stays flat as nodes are added.
 * Appends the run to docs/results/scale.jsonl. Settings: BENCH_DRIVERS (2000), BENCH_RATE (2000
 * fixes/s), BENCH_STEP_S (8).
 */
import { randomBytes } from 'node:crypto';
import { metricOf, openEvents, startBrokerProcess, startRedisCluster, type TestRedisCluster } from '@ridetrack/testkit';
import { machineLine } from '../../shared/bench/machine';
import { seededRng } from '@ridetrack/shared';
import { createMinter } from '../src/index';
import { Fleet, fleetCredentials } from './load';
import { recordRun, resultsFile } from '../../shared/bench/results';
import { cpuSeconds } from './proc-stats';

const NODES = (process.env['BENCH_NODES'] ?? '2,4,8').split(',').map(Number);
const DRIVERS = Number(process.env['BENCH_DRIVERS'] ?? 2000);
const RATE = Number(process.env['BENCH_RATE'] ?? 2000);
const STEP_S = Number(process.env['BENCH_STEP_S'] ?? 8);
const secret = randomBytes(32).toString('hex');
const minter = createMinter(secret);

// Drivers over a 30 x 30 km city (several regions at resolution 5), the same places every run.
const random = seededRng(2026);
const places = Array.from({ length: DRIVERS }, () => [39.15 + random() * 0.27, -76.8 + random() * 0.35] as const);

interface Row {
  nodes: number;
  fixes: number;
  receivedPerFix: number;
  receivedPerNodePerFixMax: number;
  consoleDriverMessages: number;
  commandsPerFix: number;
  commandsPerFixPerShard: number[];
  /** Commands per fix by name, all shards (busy window, idle not taken off). */
  commandsPerFixByName: Record<string, number>;
  redisCpuUsPerFix: number[];
  brokerCpuUsPerFix: number;
  brokerIdleCoresPerNode: number;
  redisIdleCoresPerShard: number[];
  delivered: number;
  p50: number;
  p99: number;
}

async function run(count: number, cluster: TestRedisCluster, creds: Awaited<ReturnType<typeof fleetCredentials>>) {
  const nodes = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      startBrokerProcess({
        AUTH_MODE: 'jwt',
        JWT_SECRET: secret,
        NODE_ID: `scale-${i}`,
        LOG_LEVEL: 'warn',
        PUBLISH_RATE_PER_S: '100',
        PUBLISH_BURST: '100',
        REDIS_CLUSTER_NODES: cluster.nodes,
        REDIS_KEY_PREFIX: `s${count}:`,
      }),
    ),
  );
  const fleet = new Fleet(DRIVERS, (i) => places[i] ?? [39.29, -76.61]);
  let console0: { close(): void; events: { event: string }[] } | undefined;
  try {
    await fleet.connect(
      '127.0.0.1',
      (i) => nodes[i % count]?.mqttPort ?? 0,
      (i) => nodes[(i + 1) % count]?.httpPort ?? 0,
      creds,
    );
    const ops = await minter.mint({ role: 'operator', sub: 'bench' }, 3600);
    await fleet.offer(RATE, 2); // every driver indexed: the console's regions exist
    console0 = await openEvents(`http://127.0.0.1:${nodes[0]?.httpPort}/api/fleet/events`, {
      authorization: `Bearer ${ops}`,
    });
    await fleet.offer(RATE, 2);
    // The same time with no fixes first: what nodes and shards use anyway (timers, heartbeats,
    // janitors, the cluster bus), taken off the busy window's figures.
    const idleCpu0 = nodes.map((n) => cpuSeconds(n.process.pid ?? 0));
    const idleShards0 = await cluster.shardStats();
    const idleT0 = performance.now();
    await new Promise((r) => setTimeout(r, STEP_S * 1000));
    const idleShards1 = await cluster.shardStats();
    const idleCpu1 = nodes.map((n) => cpuSeconds(n.process.pid ?? 0));
    const idleS = (performance.now() - idleT0) / 1000;
    fleet.resetCounters();
    const routed0 = await Promise.all(nodes.map((n) => metricOf(n, 'ridetrack_routed_in_total', 'route="driver"')));
    const cpu0 = nodes.map((n) => cpuSeconds(n.process.pid ?? 0));
    await cluster.resetStats();
    const shards0 = await cluster.shardStats();
    const busyT0 = performance.now();
    await fleet.offer(RATE, STEP_S);
    await new Promise((r) => setTimeout(r, 500));
    const shards1 = await cluster.shardStats();
    // Calls per fix by command, summed over the shards (the idle window's few are not taken off).
    const calls = await cluster.commandCalls();
    const commandsPerFixByName = Object.fromEntries(
      [...calls].filter(([, n]) => n > 0).map(([name, n]) => [name, Number((n / fleet.sent).toFixed(3))]),
    );
    const cpu1 = nodes.map((n) => cpuSeconds(n.process.pid ?? 0));
    const busyS = (performance.now() - busyT0) / 1000;
    const scale = busyS / idleS;
    const routed1 = await Promise.all(nodes.map((n) => metricOf(n, 'ridetrack_routed_in_total', 'route="driver"')));
    const fixes = fleet.sent;
    const received = routed1.map((v, i) => v - (routed0[i] ?? 0));
    const perShard = [...shards1].map(([port, s]) => {
      const idle = {
        calls: (idleShards1.get(port)?.calls ?? 0) - (idleShards0.get(port)?.calls ?? 0),
        cpuS: (idleShards1.get(port)?.cpuS ?? 0) - (idleShards0.get(port)?.cpuS ?? 0),
      };
      return {
        calls: s.calls - (shards0.get(port)?.calls ?? 0) - idle.calls * scale,
        cpuS: s.cpuS - (shards0.get(port)?.cpuS ?? 0) - idle.cpuS * scale,
        idleCpuPerS: idle.cpuS / idleS,
      };
    });
    const idleBrokerCpu = idleCpu1.reduce((a, b, i) => a + b - (idleCpu0[i] ?? 0), 0);
    const { p50, p99 } = fleet.latencyPercentiles();
    const row: Row = {
      nodes: count,
      fixes,
      receivedPerFix: received.reduce((a, b) => a + b, 0) / fixes,
      receivedPerNodePerFixMax: Math.max(...received) / fixes,
      consoleDriverMessages: received[0] ?? 0,
      commandsPerFix: perShard.reduce((a, s) => a + s.calls, 0) / fixes,
      commandsPerFixPerShard: perShard.map((s) => s.calls / fixes),
      commandsPerFixByName,
      redisCpuUsPerFix: perShard.map((s) => (s.cpuS * 1e6) / fixes),
      brokerCpuUsPerFix: ((cpu1.reduce((a, b, i) => a + b - (cpu0[i] ?? 0), 0) - idleBrokerCpu * scale) * 1e6) / fixes,
      brokerIdleCoresPerNode: idleBrokerCpu / idleS / count,
      redisIdleCoresPerShard: perShard.map((s) => s.idleCpuPerS),
      delivered: fleet.received / fixes,
      p50,
      p99,
    };
    return row;
  } finally {
    console0?.close();
    fleet.close();
    await Promise.all(nodes.map((n) => n.stop()));
  }
}

const cluster = await startRedisCluster();
const rows: Row[] = [];
try {
  const creds = await fleetCredentials(minter, DRIVERS);
  for (const n of NODES) {
    rows.push(await run(n, cluster, creds));
    console.error(JSON.stringify(rows.at(-1)));
  }
} finally {
  await cluster.stop();
}
const f = (x: number, d = 2) => x.toFixed(d);
console.log(`machine: ${machineLine()}`);
console.log(
  `${DRIVERS} drivers over a 30 x 30 km city, ${RATE} fixes/s for ${STEP_S} s; each driver followed by a rider on the next node; one console (every region) on node 1; a Redis Cluster of 3 primaries + 3 replicas\n`,
);
console.log(
  '| nodes | fixes | messages received per fix (all nodes) | most on one node, per fix | Redis commands per fix (all shards) | per shard | Redis CPU µs per fix, per shard | broker CPU µs per fix (all nodes) | idle: cores per node / per shard | delivered | p50 ms | p99 ms |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows)
  console.log(
    `| ${r.nodes} | ${r.fixes} | ${f(r.receivedPerFix)} | ${f(r.receivedPerNodePerFixMax)} | ${f(r.commandsPerFix)} | ${r.commandsPerFixPerShard.map((x) => f(x)).join(' / ')} | ${r.redisCpuUsPerFix.map((x) => f(x, 1)).join(' / ')} | ${f(r.brokerCpuUsPerFix, 0)} | ${f(r.brokerIdleCoresPerNode, 3)} / ${r.redisIdleCoresPerShard.map((x) => f(x, 3)).join(', ')} | ${f(r.delivered * 100, 1)}% | ${f(r.p50, 1)} | ${f(r.p99, 1)} |`,
  );
recordRun('scale', { settings: { drivers: DRIVERS, rate: RATE, stepS: STEP_S, nodes: NODES }, figures: { rows } });
console.log(`\nrecorded in ${resultsFile('scale')}`);
