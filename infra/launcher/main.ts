/**
 * `npm start`: the whole system on one machine with nothing configured. Starts a Redis for the
 * session if `redis-server` is installed (else the in-memory index), the broker in dev mode with a
 * fresh secret, and a simulated fleet in the demo city (or `--city extract.osm.pbf`); prints where
 * to look. Ctrl-C stops everything and waits for it, so no process is left behind.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BROKER_NODE_FLAGS } from '../test/broker-process';
import { INDEX_REDIS_SETTINGS, freePort } from '../test/redis-server';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const env = process.env;
const HOST = env['HOST'] ?? '127.0.0.1';
const DRIVERS = env['SIM_DRIVERS'] ?? '200';
/** `npm start -- --city extract.osm.pbf`: the broker imports it (once; cached) and the fleet drives in it. */
const CITY = resolve(
  parseArgs({ args: process.argv.slice(2), options: { city: { type: 'string' } } }).values.city ??
    env['CITY_FILE'] ??
    join(ROOT, 'infra/cities/baltimore/baltimore.osm.pbf'),
);
const children: { name: string; child: ChildProcess }[] = [];
let stopping = false;

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function track(name: string, child: ChildProcess): ChildProcess {
  children.push({ name, child });
  child.once('exit', (code, signal) => {
    if (stopping) return;
    // Exit 2 is a child's own refusal of its settings (a bad --city file), already said in one line.
    if (code === 2) return void stop(2);
    say(`ridetrack: ${name} exited (${signal ?? code}); stopping`);
    void stop(1);
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
  // The city first, before anything starts: imported (a progress bar, the first time only; later
  // starts find the cache) or refused with one line and exit 2.
  const imported = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'broker/src/main.ts'), '--import-city-only'],
    { cwd: ROOT, env: { ...env, AUTH_MODE: 'dev', CITY_FILE: CITY }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (imported.status === 2) process.exit(2);
  if (imported.status !== 0) throw new Error('importing the city failed');
  const secret = env['JWT_SECRET'] ?? randomBytes(32).toString('base64url');
  // The pages: built once (npm run build), served by the broker with the roads the fleet drives on.
  const webDir = join(ROOT, 'rider-web', 'dist');
  if (!existsSync(join(webDir, 'index.html'))) {
    say('ridetrack: building the web pages (once)');
    if (spawnSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' }).status !== 0)
      throw new Error('building the web pages failed');
  }
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
        CITY_FILE: CITY,
        ...(redisUrl === null ? {} : { REDIS_URL: redisUrl }),
        // One node: Redis holds the index; MQTT routing stays in the process (CLUSTER=auto to share it).
        CLUSTER: env['CLUSTER'] ?? 'off',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  // The broker's stdout: JSON log lines, and in dev mode its ready-made tokens. It imports the city
  // first (a progress bar on the terminal, the first time only); a file that is not a city stops it
  // with one line and exit 2, and the launcher with it.
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
  const { center } = (await (await fetch(`${base}/config.json`)).json()) as { center: [number, number] };
  const [lng, lat] = center.map((d) => d.toFixed(4));
  say(`  API                  ${base}/api/drivers/nearby?lat=${lat}&lng=${lng}  (operator token as Bearer)`);
  say(`  health and metrics   ${base}/healthz  ${base}/metrics`);
  say(`  simulated drivers    ${DRIVERS} in ${CITY.replace(`${ROOT}/`, '')}, ids drv-00001 ...`);
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
        '--city',
        CITY,
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
