/**
 * `npm start`: the whole system on one machine with nothing configured. Starts a Redis for the
 * session if `redis-server` is installed (else the in-memory index), the broker in dev mode with a
 * fresh secret, and a simulated fleet on the built-in city; prints where to look. Ctrl-C stops
 * everything and waits for it, so no process is left behind.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BROKER_NODE_FLAGS } from '../test/broker-process';
import { INDEX_REDIS_SETTINGS, freePort } from '../test/redis-server';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const env = process.env;
const HOST = env['HOST'] ?? '127.0.0.1';
const DRIVERS = env['SIM_DRIVERS'] ?? '200';
const children: { name: string; child: ChildProcess }[] = [];
let stopping = false;

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function track(name: string, child: ChildProcess): ChildProcess {
  children.push({ name, child });
  child.once('exit', (code, signal) => {
    if (!stopping) {
      say(`ridetrack: ${name} exited (${signal ?? code}); stopping`);
      void stop(1);
    }
  });
  return child;
}

async function stop(code: number): Promise<never> {
  stopping = true;
  // The fleet first, then the broker, then Redis: each gets SIGTERM and a few seconds.
  for (const { child } of [...children].reverse()) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
      await once(child, 'exit');
      clearTimeout(timer);
    }
  }
  process.exit(code);
}

async function startRedis(): Promise<string | null> {
  if (env['REDIS_URL'] !== undefined) return env['REDIS_URL'];
  if (spawnSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' }).status !== 0) return null;
  const port = await freePort();
  const dir = join(ROOT, '.tmp', 'redis');
  mkdirSync(dir, { recursive: true });
  const redis = track(
    'redis-server',
    spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '60 1000',
        '--appendonly',
        'no',
        ...INDEX_REDIS_SETTINGS,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    ),
  );
  await new Promise<void>((resolve, reject) => {
    let out = '';
    redis.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) resolve();
    });
    redis.once('exit', () => reject(new Error(`redis-server did not start: ${out.slice(-300)}`)));
  });
  return `redis://127.0.0.1:${port}`;
}

async function main(): Promise<void> {
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  const secret = env['JWT_SECRET'] ?? randomBytes(32).toString('base64url');
  // The pages: built once (npm run build), served by the broker with the roads the fleet drives on.
  const webDir = join(ROOT, 'rider-web', 'dist');
  if (!existsSync(join(webDir, 'index.html'))) {
    say('ridetrack: building the web pages (once)');
    if (spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' }).status !== 0)
      throw new Error('building the web pages failed');
  }
  const roadsFile = join(ROOT, '.tmp', 'roads.geojson');
  mkdirSync(dirname(roadsFile), { recursive: true });
  const exported = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'driver-sim/src/main.ts'), '--export-roads', roadsFile],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (exported.status !== 0) throw new Error('exporting the road network failed');
  const redisUrl = await startRedis();
  say(
    redisUrl === null
      ? 'ridetrack: redis-server not installed; the geo-index is kept in memory'
      : `ridetrack: geo-index in Redis at ${redisUrl}`,
  );

  const broker = track(
    'broker',
    spawn(process.execPath, [...BROKER_NODE_FLAGS, '--import', 'tsx', join(ROOT, 'broker/src/main.ts')], {
      cwd: ROOT,
      env: {
        ...env,
        AUTH_MODE: 'dev',
        JWT_SECRET: secret,
        HOST,
        WEB_DIR: webDir,
        ROADS_FILE: roadsFile,
        ...(redisUrl === null ? {} : { REDIS_URL: redisUrl }),
        // One node: Redis holds the index; MQTT routing stays in the process (CLUSTER=auto to share it).
        CLUSTER: env['CLUSTER'] ?? 'off',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  // The broker's stdout: JSON log lines, and in dev mode its ready-made tokens.
  const ports = await new Promise<{ mqtt: number; http: number }>((resolve) => {
    createInterface({ input: broker.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (line.startsWith('{')) {
        const entry = JSON.parse(line) as { msg?: string; level?: number; ports?: { mqtt: number; http: number } };
        if (entry.msg === 'broker listening' && entry.ports) resolve(entry.ports);
        else if ((entry.level ?? 0) >= 40) say(line); // warnings and errors
        return;
      }
      say(line);
    });
  });
  const base = `http://${HOST}:${ports.http}`;
  say('');
  say(`ridetrack is running (broker pid ${broker.pid ?? '?'})`);
  say(`  rider page           ${base}/`);
  say(`  operator map         ${base}/fleet`);
  say(`  MQTT over TCP        mqtt://${HOST}:${ports.mqtt}`);
  say(`  MQTT over WebSocket  ws://${HOST}:${ports.http}/mqtt`);
  say(`  API                  ${base}/api/drivers/nearby?lat=39.29&lng=-76.61  (operator token as Bearer)`);
  say(`  health and metrics   ${base}/healthz  ${base}/metrics`);
  say(`  simulated drivers    ${DRIVERS} on the built-in city, ids drv-00001 ...`);
  say('Ctrl-C stops everything.');

  track(
    'driver-sim',
    spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'driver-sim/src/main.ts'),
        '--drivers',
        DRIVERS,
        '--broker',
        `mqtt://${HOST}:${ports.mqtt}`,
        '--ramp',
        '100',
      ],
      {
        cwd: ROOT,
        env: { ...env, JWT_SECRET: secret },
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    ),
  );
  say(`ridetrack: processes ${children.map(({ name, child }) => `${name} ${child.pid ?? '?'}`).join(', ')}`);
}

main().catch((err: unknown) => {
  say(`ridetrack: ${err instanceof Error ? err.message : String(err)}`);
  void stop(1);
});
