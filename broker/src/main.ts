/**
 * The broker process: reads the environment once, starts the broker, stops it on SIGINT/SIGTERM.
 * The only file of the broker that touches `process`.
 */
import cluster from 'node:cluster';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { progressBar } from '@ridetrack/shared';
import { createMinter, randomSecret } from './auth/tokens';
import { startBroker } from './broker';
import { ConfigError, loadConfig } from './config';
import { devEnvText, devTokens } from './dev-tokens';
import { loadCityMap, type CityMap } from './map/city-map';
import { optionsFromConfig } from './options';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
/** The demo city that ships with ridetrack (infra/cities/baltimore/NOTICE.md). */
const DEMO_CITY = join(ROOT, 'infra/cities/baltimore/baltimore.osm.pbf');

/** The city from CITY_FILE (the demo city when unset, none for "none"); exits 2 with one line when it is not a city. */
async function loadCity(config: ReturnType<typeof loadConfig>): Promise<CityMap | null> {
  const file = config.CITY_FILE ?? DEMO_CITY;
  if (file === 'none') return null;
  const bar = progressBar(process.stderr, `ridetrack broker: importing ${basename(file)}`);
  const city = await loadCityMap(file, {
    cacheDir: config.CITY_CACHE_DIR ?? join(ROOT, '.ridetrack/cache'),
    maxBytes: config.CITY_MAX_MB * 1024 * 1024,
    onProgress: bar.update,
  });
  bar.done();
  if (!city.ok) {
    process.stderr.write(`ridetrack broker: CITY_FILE ${file}: ${city.message}\n`);
    process.exit(2);
  }
  return city.value;
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      // One problem, one line; several, one line each.
      const text =
        err.problems.length === 1
          ? (err.problems[0] ?? '')
          : `invalid configuration:\n  ${err.problems.join('\n  ')}\n`;
      process.stderr.write(`ridetrack broker: ${text.trimEnd()} (settings: infra/.env.example)\n`);
      process.exit(2);
    }
    throw err;
  }
  if (config.BROKER_PROCESSES > 1 && cluster.isPrimary) {
    superviseWorkers(config);
    return;
  }
  const city = await loadCity(config);
  // `--import-city-only`: fill the cache and stop (the Dockerfile does this at build time).
  if (process.argv.includes('--import-city-only')) {
    await city?.close();
    process.exit(0);
  }
  const log = pino({ level: config.LOG_LEVEL });
  // A worker of several (BROKER_PROCESSES): the first one speaks for them in dev mode.
  const firstWorker = cluster.isPrimary || process.env['RIDETRACK_WORKER'] === '0';
  const devSecret = config.AUTH_MODE === 'dev' ? (config.JWT_SECRET ?? randomSecret()) : undefined;
  const secret = config.JWT_SECRET ?? devSecret;
  const minter = secret === undefined ? null : createMinter(secret, config.JWT_ISSUER);
  const broker = await startBroker(await optionsFromConfig(config, devSecret), { log, minter, city });
  const host = config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
  const devEnvFile = config.DEV_ENV_FILE;
  if (devSecret !== undefined && firstWorker) {
    const ttlS = 24 * 3600;
    const tokens = await devTokens(createMinter(devSecret), ttlS);
    if (devEnvFile === undefined) {
      const lines = [
        `  driver (client id drv-00001):\n    ${tokens.driver}`,
        `  rider (watches drv-00001):\n    ${tokens.rider}`,
        `  operator:\n    ${tokens.operator}`,
        `  service:\n    ${tokens.service}`,
      ];
      process.stdout.write(`\nDev mode: tokens valid for 24 h (use as the MQTT password):\n${lines.join('\n')}\n\n`);
    } else {
      const where = { host, mqttPort: broker.ports.mqtt, httpPort: broker.ports.http };
      writePrivateFile(devEnvFile, devEnvText(where, devSecret, tokens, ttlS, Date.now()));
    }
  }
  log.info(
    {
      mqtt: `mqtt://${host}:${broker.ports.mqtt}`,
      ws: `ws://${host}:${broker.ports.http}/mqtt`,
      metrics: `http://${host}:${broker.ports.http}/metrics`,
      ...(devEnvFile === undefined ? {} : { devEnvFile }),
    },
    'ridetrack broker ready',
  );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    // The secret dies with this process: a file left behind would only mislead the tools.
    if (devEnvFile !== undefined && firstWorker) rmSync(devEnvFile, { force: true });
    broker
      .close()
      .then(() => city?.close())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => stop('SIGHUP')); // its terminal closed
}

/**
 * BROKER_PROCESSES=n: this process forks n workers with Node's cluster module and supervises them.
 * Each worker is a whole broker node (its own NODE_ID, `{NODE_ID}-w{i}`, sharing the cluster's
 * Redis); they share the listening ports, and this process accepts connections and hands them to
 * the workers in turn, so each worker holds its share of the sockets: more connections than one
 * process's open-file limit allows. A worker that dies is started again; SIGTERM stops them all.
 */
function superviseWorkers(config: ReturnType<typeof loadConfig>): void {
  const base =
    config.NODE_ID ??
    `${hostname()}-${randomSecret()
      .slice(0, 8)
      .replace(/[^A-Za-z0-9]/g, 'x')}`;
  // One dev secret for every worker, so that a token minted by one is good on all.
  const secret = config.AUTH_MODE === 'dev' ? (config.JWT_SECRET ?? randomSecret()) : config.JWT_SECRET;
  let stopping = false;
  let alive = 0;
  const fork = (i: number): void => {
    alive++;
    const worker = cluster.fork({
      NODE_ID: `${base}-w${i}`,
      RIDETRACK_WORKER: String(i),
      ...(secret === undefined ? {} : { JWT_SECRET: secret }),
    });
    worker.once('exit', (code, signal) => {
      alive--;
      if (stopping) {
        if (alive === 0) process.exit(0);
        return;
      }
      process.stderr.write(`ridetrack broker: worker ${i} ended (code ${code}, signal ${signal}); starting it again\n`);
      setTimeout(() => fork(i), 1000).unref();
    });
  };
  for (let i = 0; i < config.BROKER_PROCESSES; i++) fork(i);
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('SIGHUP', stop);
}

/** Writes a file only its owner can read (0600), whole or not at all (a rename). */
function writePrivateFile(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, text, { mode: 0o600 });
  renameSync(partial, file);
}

main().catch((err: unknown) => {
  process.stderr.write(`ridetrack broker: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
