/**
 * The broker process: reads the environment once, starts the broker, stops it on SIGINT/SIGTERM.
 * The only file of the broker that touches `process`.
 */
import { pino } from 'pino';
import { createMinter, randomSecret } from './auth/tokens';
import { startBroker } from './broker';
import { ConfigError, loadConfig } from './config';
import { devTokens } from './dev-tokens';
import { optionsFromConfig } from './options';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`ridetrack broker: ${err.message}\n(see infra/.env.example)\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = pino({ level: config.LOG_LEVEL });
  const devSecret = config.AUTH_MODE === 'dev' ? (config.JWT_SECRET ?? randomSecret()) : undefined;
  const secret = config.JWT_SECRET ?? devSecret;
  const minter = secret === undefined ? null : createMinter(secret, config.JWT_ISSUER);
  const broker = await startBroker(await optionsFromConfig(config, devSecret), { log, minter });
  const host = config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST;
  log.info(
    {
      mqtt: `mqtt://${host}:${broker.ports.mqtt}`,
      ws: `ws://${host}:${broker.ports.http}/mqtt`,
      metrics: `http://${host}:${broker.ports.http}/metrics`,
    },
    'ridetrack broker ready',
  );
  if (devSecret !== undefined) {
    const tokens = await devTokens(createMinter(devSecret), 24 * 3600);
    const lines = Object.entries(tokens).map(([who, token]) => `  ${who}:\n    ${token}`);
    process.stdout.write(`\nDev mode: tokens valid for 24 h (use as the MQTT password):\n${lines.join('\n')}\n\n`);
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    broker.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`ridetrack broker: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
