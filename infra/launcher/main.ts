/**
 * `npm start`: the whole system on one machine with nothing configured. Starts a Redis for the
 * session if `redis-server` is installed (else the in-memory index), the broker in dev mode with a
 * fresh secret, and a simulated fleet in the demo city (or `--city extract.osm.pbf`, imported once
 * and cached, with a progress bar; a file that is not a city gets one line and exit 2). The
 * terminal gets a few lines: what
 * started, where, and how to stop; everything else goes to a log file. The dev secret and tokens
 * go to a file of shell lines (`source .ridetrack/dev.env`). Ctrl-C, SIGTERM or SIGHUP stop
 * everything in order and wait for it; a second Ctrl-C kills what is left.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, styleText } from 'node:util';
import { startBrokerChild } from './broker';
import { Children, type Child } from './children';
import { redisInstalled, startSessionRedis } from './redis';
import { pagesBuildReason } from './pages-build';
import { openRunLog } from './run-log';
import { plain, runningLines, type IndexBackend, type Paint } from './screen';
import { loadSettings, type LauncherSettings } from './settings';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
/** How long each process gets to stop after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 8000;

process.stdout.on('error', () => undefined); // a closed terminal (SIGHUP) must not crash the stop
const color = process.stdout.isTTY && process.env['NO_COLOR'] === undefined;
const STYLES = { title: 'bold', label: 'dim', url: 'cyan', dim: 'gray', error: 'red' } as const;
const paint: Paint = color ? (kind, text) => styleText(STYLES[kind], text) : plain;

let statusShown = false;
/** A line for the person; on a terminal it replaces the start-up status line. */
function say(line: string): void {
  process.stdout.write(`${statusShown ? '\r\x1b[2K' : ''}${line}\n`);
  statusShown = false;
}

/** An error line, on stderr. */
function warn(line: string): void {
  if (statusShown) process.stdout.write('\r\x1b[2K');
  statusShown = false;
  process.stderr.write(`${line}\n`);
}

/** What is starting now: on a terminal one line rewritten in place, elsewhere (a log) a line each. */
function status(text: string): void {
  if (!process.stdout.isTTY) {
    process.stdout.write(`  ${text}…\n`);
    return;
  }
  process.stdout.write(`\r\x1b[2K  ${paint('dim', `${text}…`)}`);
  statusShown = true;
}

/** A path as a person would type it here: relative when below the current folder. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}

/** Resolves with an exit code when it could not start at all; else the processes run on. */
async function main(): Promise<number | undefined> {
  let cityArg: string | undefined;
  try {
    cityArg = parseArgs({ args: process.argv.slice(2), options: { city: { type: 'string' } } }).values.city;
  } catch (err) {
    warn(`ridetrack: ${err instanceof Error ? err.message : String(err)} (npm start -- --city extract.osm.pbf)`);
    return 2;
  }
  const loaded = loadSettings(process.env, ROOT, cityArg);
  if (!loaded.ok) {
    for (const problem of loaded.problems) warn(`ridetrack: ${problem}`);
    return 2;
  }
  const s = loaded.value;
  // The folder holds the dev secret: this user's alone.
  mkdirSync(s.stateDir, { recursive: true, mode: 0o700 });
  const log = openRunLog(join(s.stateDir, 'logs'), new Date());
  const logShown = shown(log.path);
  let stopping = false;

  /** Stops everything in order; a second call (a second Ctrl-C) kills what is left. */
  let firstSignalMs = 0;
  let forced = false;
  const stop = async (code: number, why: string): Promise<never> => {
    // One Ctrl-C can arrive twice: from the terminal, and forwarded by npm (which runs us). A second
    // within half a second is that echo, not a person asking to force.
    if (stopping && why !== 'error' && Date.now() - firstSignalMs < 500) return new Promise<never>(() => undefined);
    if (stopping) {
      forced = true;
      say(paint('error', 'ridetrack: forced to stop'));
      await children.killAll();
      log.close();
      process.exit(130);
    }
    stopping = true;
    firstSignalMs = Date.now();
    log.write('launcher', `stopping: ${why}`);
    if (why !== 'error') say(paint('dim', `\nridetrack: stopping (${why}; Ctrl-C again to force)`));
    await children.stopAll(STOP_GRACE_MS);
    if (forced) return new Promise<never>(() => undefined); // the forced stop ends the process
    if (why !== 'error') say('ridetrack: stopped');
    log.close();
    process.exit(code);
  };
  const failed = (child: Child, code: number | null, signal: NodeJS.Signals | null): void => {
    const last = child.lastErrors.at(-1)?.replace(/^(ridetrack broker|driver-sim): /, '') ?? 'no message';
    const hint = /EADDRINUSE/.test(last) ? ' (another npm start? set HTTP_PORT and MQTT_PORT to free ports)' : '';
    warn(
      paint('error', `ridetrack: the ${child.name} stopped (${signal ?? `exit code ${code ?? '?'}`}): ${last}${hint}`),
    );
    warn(`ridetrack: stopping everything; details in ${logShown}`);
    void stop(1, 'error');
  };
  const children = new Children(log, failed);
  process.on('exit', () => children.killAllNow()); // whatever happens, nothing is left behind
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.on(signal, () => void stop(0, signal === 'SIGINT' ? 'Ctrl-C' : signal));

  // The city first, before anything starts: imported with a progress bar on the terminal (the first
  // time only; later starts read the cache), or refused with one line from the broker and exit 2.
  const imported = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'broker/src/main.ts'), '--import-city-only'],
    {
      cwd: ROOT,
      env: { ...process.env, AUTH_MODE: 'dev', CITY_FILE: s.city, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  if (imported.status === 2) return 2;
  if (imported.status !== 0) {
    warn(
      paint('error', `ridetrack: importing the city ${shown(s.city)} failed (exit ${imported.status ?? 'by signal'})`),
    );
    return 1;
  }
  say(`${paint('title', 'ridetrack')} ${paint('dim', '· starting')}`);
  try {
    await startAll(s, children, logShown);
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    log.write('launcher', `failed: ${text}`);
    warn(paint('error', `ridetrack: ${text}`));
    warn(`ridetrack: details in ${logShown}`);
    await stop(1, 'error');
  }
  return undefined;
}

/** Everything, in order: pages, index, broker, fleet; then where to find it all. */
async function startAll(s: LauncherSettings, children: Children, logShown: string): Promise<void> {
  const node = process.execPath;

  // The pages: built (npm run build) on the first start and whenever their sources changed since.
  const rebuild = pagesBuildReason(ROOT);
  if (rebuild !== undefined) {
    status(`building the web pages (${rebuild}; under a minute)`);
    const built = await children.run('build', 'npm', ['run', 'build', '--silent'], { cwd: ROOT });
    if (built.code !== 0) throw new Error(`building the web pages failed: ${built.lastErrors.at(-1) ?? 'see the log'}`);
  }

  status('starting the geo-index');
  let index: IndexBackend = { kind: 'memory' };
  let redisUrl = s.redisUrl;
  if (redisUrl !== undefined) index = { kind: 'redis', url: redisUrl };
  else if (redisInstalled()) {
    const redis = await startSessionRedis(children, join(s.stateDir, 'redis'));
    redisUrl = redis.url;
    index = { kind: 'session-redis', version: redis.version, port: redis.port };
  }

  status('starting the broker');
  // The broker in dev mode; it writes the dev env file (secret, tokens, addresses) when ready.
  const devEnvFile = join(s.stateDir, 'dev.env');
  const env = {
    ...process.env,
    AUTH_MODE: 'dev',
    ...(s.secret === undefined ? {} : { JWT_SECRET: s.secret }),
    HOST: s.host,
    HTTP_PORT: String(s.httpPort),
    MQTT_PORT: String(s.mqttPort),
    WEB_DIR: join(ROOT, 'rider-web', 'dist'),
    CITY_FILE: s.city,
    DEV_ENV_FILE: devEnvFile,
    ...(redisUrl === undefined ? {} : { REDIS_URL: redisUrl }),
    // One node: Redis holds the index; MQTT routing stays in the process (CLUSTER=auto to share it).
    CLUSTER: process.env['CLUSTER'] ?? 'off',
    LOG_LEVEL: 'info',
  };
  const ports = await startBrokerChild(children, { node, root: ROOT }, env, (level, text) =>
    say(paint(level === 'error' ? 'error' : 'dim', `ridetrack: broker ${level}: ${text} (details in ${logShown})`)),
  );

  const host = s.host.includes(':') ? `[${s.host}]` : s.host;
  if (s.drivers > 0) {
    children.start(
      'simulator',
      node,
      [
        '--import',
        'tsx',
        join(ROOT, 'driver-sim/src/main.ts'),
        '--drivers',
        String(s.drivers),
        '--broker',
        `mqtt://${s.host}:${ports.mqtt}`,
        '--ramp',
        '100',
        '--no-observer',
        '--id-prefix',
        'drv-',
        '--dev-env',
        devEnvFile,
        '--city',
        s.city,
        '--rides-per-min',
        String(s.ridesPerMin),
        '--api',
        `http://${host}:${ports.http}`,
      ],
      { cwd: ROOT, env: { ...process.env, JWT_SECRET: undefined, RIDETRACK_DIR: s.stateDir } },
    );
  }
  for (const line of runningLines(
    {
      httpUrl: `http://${host}:${ports.http}`,
      mqttUrl: `mqtt://${host}:${ports.mqtt}`,
      wsUrl: `ws://${host}:${ports.http}/mqtt`,
      index,
      drivers: s.drivers,
      ridesPerMin: s.ridesPerMin,
      devEnvFile: shown(devEnvFile),
      logFile: logShown,
    },
    paint,
  ))
    say(line);
}

main().then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`ridetrack: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
