import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { BROKER_NODE_FLAGS, killed, startMosquittoProcess } from '@ridetrack/testkit';
import { cpuSeconds, rssBytes } from './proc-stats';

/** A broker under test, in its own process so its CPU and memory are its own. */
export interface Target {
  name: string;
  mqttPort: number;
  wsPort: number;
  /** CPU seconds (user + system) the process has used so far. */
  cpuSeconds(): number;
  rssBytes(): number;
  /** Heap used plus memory outside the heap, after a full collection; Node brokers only. */
  jsBytes?(): Promise<number>;
  stop(): Promise<void>;
}

function procStats(pid: number) {
  return { cpuSeconds: () => cpuSeconds(pid), rssBytes: () => rssBytes(pid) };
}

const stopper = (child: ChildProcess) => () => killed(child);

/** Node options of a Node broker under test: its memory can be read (memory-probe.ts). */
const probe = (root: string): string[] => ['--import', join(root, 'broker/bench/memory-probe.ts')];

/** Asks a broker loaded with the memory probe for its JavaScript memory. */
function jsBytes(child: ChildProcess): () => Promise<number> {
  return async () => {
    const answer = firstJsonLine(child, 'memory');
    child.kill('SIGUSR2');
    const { memory } = (await answer) as { memory: { heapUsed: number; external: number } };
    return memory.heapUsed + memory.external;
  };
}

/** Waits for the first stdout line that parses as JSON with the given key. */
function firstJsonLine(child: ChildProcess, key: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    if (child.stdout === null) {
      reject(new Error('no stdout'));
      return;
    }
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        if (key in parsed) resolve(parsed);
      } catch {
        // not a JSON line
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
  });
}

/** BENCH_PROFILE=dir: ridetrack's broker writes a V8 CPU profile there as it stops (for a look, not a figure). */
const profile = (): string[] => {
  const dir = process.env['BENCH_PROFILE'];
  return dir === undefined || dir === '' ? [] : ['--cpu-prof', `--cpu-prof-dir=${dir}`];
};

/** ridetrack's broker, authenticated and validating, as `npm run broker` runs it. */
export async function startRidetrack(secret: string, root: string): Promise<Target> {
  const child = spawn(
    process.execPath,
    [...BROKER_NODE_FLAGS, ...profile(), '--import', 'tsx', ...probe(root), join(root, 'broker/src/main.ts')],
    {
      env: {
        ...process.env,
        AUTH_MODE: 'jwt',
        JWT_SECRET: secret,
        MQTT_PORT: '0',
        HTTP_PORT: '0',
        LOG_LEVEL: 'info',
        PUBLISH_RATE_PER_S: '200',
        PUBLISH_BURST: '400',
        MAX_CONNECTIONS: '1000000',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
      cwd: root,
    },
  );
  const line = await firstJsonLine(child, 'ports');
  const ports = line['ports'] as { mqtt: number; http: number };
  return {
    name: 'ridetrack',
    mqttPort: ports.mqtt,
    wsPort: ports.http,
    ...procStats(child.pid ?? 0),
    jsBytes: jsBytes(child),
    // A profile is written only by a process that exits by itself.
    stop: profile().length === 0 ? stopper(child) : () => stoppedGently(child),
  };
}

function stoppedGently(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Stock Aedes 1.x with no hooks. */
export async function startStockAedes(root: string): Promise<Target> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', ...probe(root), join(root, 'broker/bench/stock-aedes.ts')],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      cwd: root,
    },
  );
  const ports = (await firstJsonLine(child, 'mqttPort')) as { mqttPort: number; wsPort: number };
  return {
    name: 'stock Aedes',
    ...ports,
    ...procStats(child.pid ?? 0),
    jsBytes: jsBytes(child),
    stop: stopper(child),
  };
}

/** Debian's Mosquitto with a TCP and a WebSocket listener on loopback, anonymous. */
export async function startMosquitto(): Promise<Target> {
  const m = await startMosquittoProcess();
  return {
    name: 'Mosquitto',
    mqttPort: m.mqttPort,
    wsPort: m.wsPort,
    ...procStats(m.process.pid ?? 0),
    stop: () => m.stop(),
  };
}
