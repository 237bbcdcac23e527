/**
 * The broker process: reads the environment once, starts the broker, stops it on SIGINT/SIGTERM.
 * The only file of the broker that touches `process`.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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
  const city = await loadCity(config);
  // `--import-city-only`: fill the cache and stop (the Dockerfile does this at build time).
  if (process.argv.includes('--import-city-only')) {
    await city?.close();
    process.exit(0);
  }
  const log = pino({ level: config.LOG_LEVEL });
  const devSecret = config.AUTH_MODE === 'dev' ? (config.JWT_SECRET ?? randomSecret()) : undefined;
  const secret = config.JWT_SECRET ?? devSecret;
  const minter = secret === undefined ? null : createMinter(secret, config.JWT_ISSUER);
  const broker = await startBroker(await optionsFromConfig(config, devSecret), { log, minter, city });
  const host = config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
  const devEnvFile = config.DEV_ENV_FILE;
  if (devSecret !== undefined) {
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
    if (devEnvFile !== undefined) rmSync(devEnvFile, { force: true });
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
