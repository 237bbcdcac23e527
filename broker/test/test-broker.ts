import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { inject } from 'vitest';
import type { Claims } from '@ridetrack/shared';
import { type Settings, useStarted } from '@ridetrack/testkit';
import {
  createMinter,
  loadConfig,
  optionsFromConfig,
  randomSecret,
  startBroker,
  type RunningBroker,
} from '../src/index';

/**
 * The broker in the test's own process, and the stores under it: every broker test file starts
 * and stops them through these, never with a block of its own.
 */

export interface TestBroker {
  broker: RunningBroker;
  tcpUrl: string;
  wsUrl: string;
  httpUrl: string;
  token(claims: Claims, ttlS?: number): Promise<string>;
  secret: string;
}

// A Redis or Redis Cluster of a block's own: the kit's, re-exported so broker tests import one module.
export { useRedis, useRedisCluster } from '@ridetrack/testkit';

/** A real broker on ephemeral ports, silent, with JWT auth and a secret the test can mint with. */
export async function startTestBroker(env: Record<string, string> = {}): Promise<TestBroker> {
  const secret = randomSecret();
  const config = loadConfig({
    AUTH_MODE: 'jwt',
    JWT_SECRET: secret,
    MQTT_PORT: '0',
    HTTP_PORT: '0',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const minter = createMinter(secret);
  const broker = await startBroker(await optionsFromConfig(config), { log: pino({ level: 'silent' }), minter });
  return {
    broker,
    secret,
    tcpUrl: `mqtt://127.0.0.1:${broker.ports.mqtt}`,
    wsUrl: `ws://127.0.0.1:${broker.ports.http}/mqtt`,
    httpUrl: `http://127.0.0.1:${broker.ports.http}`,
    token: (claims, ttlS = 3600) => minter.mint(claims, ttlS),
  };
}

/**
 * A broker started before the file's (or the describe block's) tests and closed after them. Read
 * its fields inside tests and hooks only. `env` may be a function, read when the broker starts (for
 * settings known only then, such as the URL of a Redis `useRedis` started first). Hooks registered
 * after this one run before it on the way out (vitest runs after-hooks as a stack), so a file's
 * clients close before the broker does.
 */
export function useTestBroker(env: Settings = {}): TestBroker {
  const started = useStarted(
    () => startTestBroker(typeof env === 'function' ? env() : env),
    (t) => t.broker.close(),
    'the test broker',
  );
  return {
    get broker() {
      return started().broker;
    },
    get tcpUrl() {
      return started().tcpUrl;
    },
    get wsUrl() {
      return started().wsUrl;
    },
    get httpUrl() {
      return started().httpUrl;
    },
    get secret() {
      return started().secret;
    },
    token: (claims, ttlS) => started().token(claims, ttlS),
  };
}

/**
 * A broker for one test with settings of its own: started, given to `use`, and closed however
 * `use` ends (a failed expectation too, so a failing test leaves no broker listening).
 */
export async function withTestBroker<T>(env: Record<string, string>, use: (t: TestBroker) => Promise<T>): Promise<T> {
  const t = await startTestBroker(env);
  try {
    return await use(t);
  } finally {
    await t.broker.close();
  }
}

/** Where a broker test keeps its index, trips, history and cluster state. */
export type StoreBackend = [name: 'memory' | 'redis' | 'cluster', env: () => Record<string, string>];

/**
 * The stores a broker test runs over, for `describe.each`: memory (nothing configured), the run's
 * shared Redis and, with `cluster`, its shared Redis Cluster (both started by the global setup),
 * each under a key prefix of the block's own (`label`, then a random id).
 */
export function storeBackends(label: string, options: { cluster?: boolean } = {}): StoreBackend[] {
  const prefix = () => `${label}:${randomUUID()}:`;
  const backends: StoreBackend[] = [
    ['memory', () => ({})],
    ['redis', () => ({ REDIS_URL: inject('redisUrl'), REDIS_KEY_PREFIX: prefix() })],
  ];
  if (options.cluster === true)
    backends.push([
      'cluster',
      () => ({ REDIS_CLUSTER_NODES: inject('redisClusterNodes'), REDIS_KEY_PREFIX: prefix() }),
    ]);
  return backends;
}
