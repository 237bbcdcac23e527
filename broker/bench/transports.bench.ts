import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { encodeLocation, locationTopic, type LocationFix } from '@ridetrack/shared';
import { type BrokerProcess, startBrokerProcess } from '@ridetrack/testkit';
import { createMinter } from '../src/index';
import { publishFrame } from '../src/ingress/frames';
import { machineLine } from '../../shared/bench/machine';
import { recordRun, resultsFile } from '../../shared/bench/results';
import {
  countingAgent,
  longPollRider,
  sseRider,
  shortPollRider,
  wsRider,
  type Rider,
  type TransportName,
  type Wire,
} from './transport-riders';
import { cpuSeconds, rssBytes } from './proc-stats';

/**
 * `npm run bench:transports`: the same workload for each way a rider can follow a driver. N drivers
 * publish once a second over MQTT; N riders each follow one driver over one transport; per
 * transport, a fresh broker process. Prints latency from the driver's publish to the rider's
 * receipt, bytes on the wire per delivered update each way (headers included, counted on the
 * sockets), requests per update, broker CPU and memory per rider. Appends the run to
 * docs/results/transports.jsonl; `npm run bench:charts` draws its chart.
 *
 * BENCH_RIDERS (1000), BENCH_SECONDS (60), BENCH_SHORT_POLL_MS (1000), BENCH_TRANSPORTS (all).
 */
const env = (k: string, fallback: number) => Number(process.env[k] ?? fallback);
const N = env('BENCH_RIDERS', 1000);
const SECONDS = env('BENCH_SECONDS', 60);
const SHORT_POLL_MS = env('BENCH_SHORT_POLL_MS', 1000);
const WARMUP_S = 5;
const ORDER: TransportName[] = ['websocket', 'sse', 'long-poll', 'short-poll'];
const TRANSPORTS = (process.env['BENCH_TRANSPORTS']?.split(',') ?? ORDER) as TransportName[];

const secret = randomBytes(32).toString('hex');
const minter = createMinter(secret);
const driverId = (i: number) => `tb${i}`;

/** Drivers on raw TCP, each publishing its next fix once a second, spread evenly over the second. */
class Drivers {
  private readonly sockets: Socket[] = [];
  private readonly seqs: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  published = 0;

  async connect(port: number): Promise<void> {
    for (let i = 0; i < N; i++) {
      const socket = connect({ host: '127.0.0.1', port, noDelay: true });
      socket.on('error', () => undefined);
      await once(socket, 'connect');
      const password = Buffer.from(await minter.mint({ role: 'driver', sub: driverId(i) }, 86_400));
      socket.write(
        mqttPacket.generate({
          cmd: 'connect',
          protocolId: 'MQTT',
          protocolVersion: 4,
          clean: true,
          clientId: driverId(i),
          keepalive: 0,
          username: 'bench',
          password,
        }),
      );
      const [ack] = (await once(socket, 'data')) as [Buffer];
      if (ack[0] !== 0x20 || ack[3] !== 0) throw new Error(`driver ${i} refused`);
      socket.on('data', () => undefined);
      this.sockets.push(socket);
      this.seqs.push(0);
    }
  }

  start(): void {
    const slots = 50;
    let tick = 0;
    this.timer = setInterval(() => {
      const slot = tick++ % slots;
      for (let i = slot; i < N; i += slots) this.publish(i);
    }, 1000 / slots);
  }

  private publish(i: number): void {
    const seq = (this.seqs[i] ?? 0) + 1;
    this.seqs[i] = seq;
    const fix: LocationFix = {
      seq,
      timestampMs: Date.now(),
      lat: 39.29 + i * 1e-4 + seq * 1e-6,
      lng: -76.61,
      headingDeg: 0,
      speedMps: 8,
      accuracyM: 5,
      tripState: 'on_trip',
      simulated: true,
    };
    const frame = publishFrame({
      topic: locationTopic(driverId(i)),
      payload: encodeLocation(fix),
      qos: 0,
      retain: false,
      packetId: 0,
    });
    this.sockets[i]?.write(frame);
    this.published++;
  }

  close(): void {
    clearInterval(this.timer);
    for (const s of this.sockets) s.destroy();
  }
}

interface Result {
  transport: TransportName;
  p50: number;
  p95: number;
  p99: number;
  delivered: number;
  deliveredShare: number;
  bytesDownPerUpdate: number;
  bytesUpPerUpdate: number;
  requestsPerUpdate: number;
  serverCpuS: number;
  serverMemPerRiderKB: number;
  clientCpuS: number;
}

const percentile = (sorted: Float64Array, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

function wireTotals(wire: Wire): { read: number; written: number } {
  let read = 0;
  let written = 0;
  for (const s of wire.sockets) {
    read += s.bytesRead;
    written += s.bytesWritten;
  }
  return { read, written };
}

async function runTransport(transport: TransportName): Promise<Result> {
  const broker: BrokerProcess = await startBrokerProcess({
    AUTH_MODE: 'jwt',
    JWT_SECRET: secret,
    MAX_CONNECTIONS: String(4 * N + 100),
    LOG_LEVEL: 'warn',
  });
  const pid = broker.process.pid ?? 0;
  const drivers = new Drivers();
  await drivers.connect(broker.mqttPort);
  drivers.start();
  await new Promise((r) => setTimeout(r, 3000));
  const baselineRss = rssBytes(pid);

  const wire: Wire = { sockets: [], requests: 0, errors: new Map() };
  const agent = countingAgent(wire);
  // Latency and delivery count fixes published in the window; bytes and requests per update divide
  // by what arrived in it.
  let windowStart = Infinity;
  let windowEnd = Infinity;
  let receiving = false;
  let received = 0;
  const latencies = new Float64Array(N * (SECONDS + 5) * 2);
  let count = 0;
  const onFix = (fix: LocationFix): void => {
    if (receiving) received++;
    if (fix.timestampMs < windowStart || fix.timestampMs >= windowEnd) return;
    if (count < latencies.length) latencies[count++] = Date.now() - fix.timestampMs;
  };
  const riders: Rider[] = [];
  for (let start = 0; start < N; start += 100) {
    const batch = Array.from({ length: Math.min(100, N - start) }, async (_, k) => {
      const i = start + k;
      const token = await minter.mint(
        { role: 'rider', sub: `rider${i}`, drivers: [driverId(i)], exp: Math.floor(Date.now() / 1000) + 86_400 },
        86_400,
      );
      const target = { host: '127.0.0.1', httpPort: broker.httpPort, driverId: driverId(i), token };
      switch (transport) {
        case 'websocket':
          return wsRider(target, wire, onFix);
        case 'sse':
          return sseRider(target, wire, agent, onFix);
        case 'long-poll':
          return longPollRider(target, wire, agent, onFix);
        case 'short-poll':
          return shortPollRider(target, wire, agent, SHORT_POLL_MS, onFix);
      }
    });
    riders.push(...(await Promise.all(batch)));
  }
  await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
  const withRidersRss = rssBytes(pid);

  const bytesAtStart = wireTotals(wire);
  const requestsAtStart = wire.requests;
  const cpuAtStart = cpuSeconds(pid);
  const clientAtStart = process.cpuUsage();
  const publishedAtStart = drivers.published;
  windowStart = Date.now();
  receiving = true;
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  receiving = false;
  windowEnd = Date.now();
  const bytesAtEnd = wireTotals(wire);
  const requests = wire.requests - requestsAtStart;
  const publishedInWindow = drivers.published - publishedAtStart;
  const cpuAtEnd = cpuSeconds(pid);
  const client = process.cpuUsage(clientAtStart);
  // Fixes published near the end are still on their way; give them a moment, then stop counting.
  await new Promise((r) => setTimeout(r, SHORT_POLL_MS + 500));

  if (wire.errors.size > 0) console.error(`  ${transport} request errors: ${JSON.stringify([...wire.errors])}`);
  for (const r of riders) r.close();
  agent.destroy();
  drivers.close();
  await broker.stop();

  const sorted = latencies.slice(0, count).sort();
  const delivered = count;
  return {
    transport,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    delivered,
    deliveredShare: delivered / Math.max(1, publishedInWindow),
    bytesDownPerUpdate: (bytesAtEnd.read - bytesAtStart.read) / Math.max(1, received),
    bytesUpPerUpdate: (bytesAtEnd.written - bytesAtStart.written) / Math.max(1, received),
    requestsPerUpdate: requests / Math.max(1, received),
    serverCpuS: cpuAtEnd - cpuAtStart,
    serverMemPerRiderKB: (withRidersRss - baselineRss) / N / 1024,
    clientCpuS: (client.user + client.system) / 1e6,
  };
}

const LABELS: Record<TransportName, string> = {
  websocket: 'MQTT over WebSocket',
  sse: 'Server-Sent Events',
  'long-poll': 'Long polling',
  'short-poll': `Short polling (${SHORT_POLL_MS / 1000} s)`,
};

function table(results: Result[]): string {
  const rows = results.map((r) =>
    [
      LABELS[r.transport],
      `${r.p50.toFixed(0)} / ${r.p95.toFixed(0)} / ${r.p99.toFixed(0)}`,
      `${(r.deliveredShare * 100).toFixed(1)}%`,
      r.bytesDownPerUpdate.toFixed(0),
      r.bytesUpPerUpdate.toFixed(0),
      r.requestsPerUpdate.toFixed(2),
      r.serverCpuS.toFixed(1),
      r.serverMemPerRiderKB.toFixed(1),
      r.clientCpuS.toFixed(1),
    ].join(' | '),
  );
  return [
    '| Transport | Latency p50 / p95 / p99 (ms) | Updates delivered | Bytes down per update | Bytes up per update | Requests per update | Broker CPU (s) | Broker memory per rider (KB) | Bench client CPU (s) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r} |`),
  ].join('\n');
}

const results: Result[] = [];
for (const transport of TRANSPORTS) {
  process.stdout.write(`${transport}: ${N} riders, ${SECONDS} s… `);
  const result = await runTransport(transport);
  results.push(result);
  console.log(`p50 ${result.p50.toFixed(0)} ms, p99 ${result.p99.toFixed(0)} ms`);
}
console.log(`\n${N} drivers at 1 fix/s, ${N} riders, ${SECONDS} s per transport; ${machineLine()}\n`);
console.log(table(results));
// The run as data: each figure by transport, every transport the others' same-run baseline.
const byTransport = (f: (r: Result) => number) => Object.fromEntries(results.map((r) => [r.transport, f(r)]));
recordRun('transports', {
  settings: {
    riders: N,
    seconds: SECONDS,
    warmupS: WARMUP_S,
    shortPollMs: SHORT_POLL_MS,
    transports: TRANSPORTS,
    labels: Object.fromEntries(TRANSPORTS.map((t) => [t, LABELS[t]])),
  },
  figures: {
    p50Ms: byTransport((r) => r.p50),
    p95Ms: byTransport((r) => r.p95),
    p99Ms: byTransport((r) => r.p99),
    deliveredShare: byTransport((r) => r.deliveredShare),
    delivered: byTransport((r) => r.delivered),
    bytesDownPerUpdate: byTransport((r) => r.bytesDownPerUpdate),
    bytesUpPerUpdate: byTransport((r) => r.bytesUpPerUpdate),
    requestsPerUpdate: byTransport((r) => r.requestsPerUpdate),
    brokerCpuS: byTransport((r) => r.serverCpuS),
    brokerKbPerRider: byTransport((r) => r.serverMemPerRiderKB),
    clientCpuS: byTransport((r) => r.clientCpuS),
  },
});
console.log(`\nrecorded in ${resultsFile('transports')}; npm run bench:charts draws its chart`);
