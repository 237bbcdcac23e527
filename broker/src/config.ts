import { z } from 'zod';
import { MIN_SECRET_CHARS } from '@ridetrack/shared';
import { parseClusterNodes, type RedisTarget } from './store/redis-client';

/** A number setting: what is not one (HTTP_PORT=abc) is refused as such, not as "NaN". */
const num = () => z.coerce.number({ error: (issue) => (Number.isNaN(issue.input) ? 'must be a number' : undefined) });
/** Every broker setting, read once from the environment by main.ts. infra/.env.example lists them. */
const port = num().int().min(0).max(65535);
const positiveInt = num().int().positive();
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const schema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  MQTT_PORT: port.default(1883),
  HTTP_PORT: port.default(8080),
  MQTTS_PORT: port.default(8883),
  HTTPS_PORT: port.default(8443),
  TLS_CERT_FILE: z.string().min(1).optional(),
  TLS_KEY_FILE: z.string().min(1).optional(),
  AUTH_MODE: z.enum(['jwt', 'dev', 'open']).default('jwt'),
  JWT_SECRET: z
    .string()
    .min(MIN_SECRET_CHARS, `must be at least ${MIN_SECRET_CHARS} characters (make one: openssl rand -base64 32)`)
    .optional(),
  JWT_PUBLIC_KEY: z.string().min(1).optional(),
  JWT_ALGORITHMS: z.string().min(1).optional(),
  JWT_ISSUER: z.string().min(1).optional(),
  ALLOW_INSECURE_ON_PUBLIC: bool.default(false),
  MAX_PACKET_BYTES: num().int().min(128).max(268_435_455).default(8192),
  CONNECT_TIMEOUT_MS: positiveInt.default(10_000),
  HTTP_HEADERS_TIMEOUT_MS: num().int().min(1000).max(120_000).default(10_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: num().int().min(1000).max(120_000).default(5000),
  PUBLISH_RATE_PER_S: num().positive().default(20),
  PUBLISH_BURST: positiveInt.default(40),
  INVALID_RATE_PER_S: num().positive().default(1),
  INVALID_BURST: positiveInt.default(10),
  SHED_QUEUED_BYTES: positiveInt.default(64 * 1024),
  MAX_QUEUED_BYTES: positiveInt.default(1024 * 1024),
  MAX_CONNECTIONS: positiveInt.default(100_000),
  MAX_INFLIGHT_INBOUND: positiveInt.default(100),
  CONNECT_RATE_PER_S: positiveInt.default(1000),
  CONNECT_BURST: positiveInt.default(2000),
  MAX_EVENT_LOOP_LAG_MS: positiveInt.default(1000),
  RECONNECT_BAN_CONNECTS: positiveInt.default(30),
  RECONNECT_BAN_WINDOW_MS: positiveInt.default(10_000),
  RECONNECT_BAN_MS: positiveInt.default(30_000),
  AUTH_FAILURE_BAN_COUNT: positiveInt.default(50),
  AUTH_FAILURE_WINDOW_MS: positiveInt.default(10_000),
  AUTH_FAILURE_BAN_MS: positiveInt.default(60_000),
  MAX_SPEED_MPS: num().positive().default(83),
  SHUTDOWN_TIMEOUT_MS: positiveInt.default(5000),
  EVENT_LOOP_RESOLUTION_MS: num().int().min(1).max(1000).default(20),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  BROKER_PROCESSES: num().int().min(1).max(256).default(1),
  REDIS_CLUSTER_NODES: z
    .string()
    .refine((v) => parseClusterNodes(v) !== null, 'must be host:port[,host:port...] of Redis Cluster nodes')
    .optional(),
  REDIS_PASSWORD: z.string().min(1).optional(),
  CLUSTER: z.enum(['auto', 'off']).default('auto'),
  CLUSTER_HEARTBEAT_MS: num().int().min(100).max(600_000).default(60_000),
  NODE_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 _ . -')
    .optional(),
  // No braces: they would make hash tags of the prefix in a Redis Cluster (store/keys.ts).
  REDIS_KEY_PREFIX: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[^{}]*$/, 'must not contain { or }')
    .default('rt:'),
  H3_RESOLUTION: num().int().min(0).max(15).default(9),
  GEO_REGION_RESOLUTION: num().int().min(3).max(5).default(5),
  STALE_AFTER_MS: positiveInt.default(30_000),
  INDEX_FLUSH_MS: positiveInt.default(50),
  JANITOR_INTERVAL_MS: positiveInt.default(5000),
  HISTORY: z.enum(['on', 'off']).default('on'),
  HISTORY_RETENTION_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 366)
    .default(168),
  HISTORY_MEMORY_MB: positiveInt.default(256),
  HISTORY_FLUSH_MS: positiveInt.default(250),
  DISPATCH_RADIUS_M: positiveInt.default(5000),
  TRIP_TTL_S: positiveInt.default(3600),
  DISPATCH_MAX_FIX_AGE_MS: positiveInt.default(20_000),
  TRIP_WAIT_S: num().int().min(0).max(3600).default(120),
  TRIP_DRIVER_OFFLINE_GRACE_MS: num().int().min(0).default(5000),
  TRIP_DRIVER_SILENT_MS: positiveInt.default(15_000),
  DRIVER_PROFILES_FILE: z.string().min(1).optional(),
  LONG_POLL_TIMEOUT_MS: num().int().min(1000).max(120_000).default(25_000),
  SSE_HEARTBEAT_MS: num().int().min(1000).max(120_000).default(15_000),
  SSE_MAX_BUFFERED_BYTES: num().int().min(1024).default(65_536),
  FLEET_MAX_BUFFERED_BYTES: z.coerce
    .number()
    .int()
    .min(65_536)
    .default(4 * 1024 * 1024),
  FLEET_MAX_REGIONS: num().int().min(1).max(4096).default(64),
  WEB_DIR: z.string().min(1).optional(),
  CITY_FILE: z.string().min(1).optional(),
  CITY_CACHE_DIR: z.string().min(1).optional(),
  CITY_MAX_MB: num().int().min(1).max(2048).default(64),
  MAP_STYLE_URL: z.url().optional(),
  SERVICE_AREA_NAME: z.string().min(1).max(80).default('Baltimore'),
  MAP_CENTER: z
    .string()
    .regex(/^-?\d+(\.\d+)?,-?\d+(\.\d+)?$/, 'must be lng,lat')
    .optional(),
  // Dev mode: where to write the secret, tokens and addresses as shell lines (npm start sets it).
  DEV_ENV_FILE: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Checks that span several settings; run on the raw input so they report even when a field is bad. */
function crossFieldProblems(env: Record<string, string>): string[] {
  const problems: string[] = [];
  const mode = env['AUTH_MODE'] ?? 'jwt';
  if (mode === 'jwt' && env['JWT_SECRET'] === undefined && env['JWT_PUBLIC_KEY'] === undefined) {
    problems.push('JWT_SECRET: AUTH_MODE=jwt needs JWT_SECRET or JWT_PUBLIC_KEY (or use AUTH_MODE=dev for local use)');
  }
  if (env['DEV_ENV_FILE'] !== undefined && mode !== 'dev') {
    problems.push('DEV_ENV_FILE: only in AUTH_MODE=dev (it holds the dev secret and tokens)');
  }
  if ((env['TLS_CERT_FILE'] === undefined) !== (env['TLS_KEY_FILE'] === undefined)) {
    problems.push('TLS_CERT_FILE: TLS_CERT_FILE and TLS_KEY_FILE go together');
  }
  if (env['REDIS_URL'] !== undefined && env['REDIS_CLUSTER_NODES'] !== undefined) {
    problems.push('REDIS_CLUSTER_NODES: set REDIS_URL (one Redis) or REDIS_CLUSTER_NODES (a Redis Cluster), not both');
  }
  if (
    Number(env['BROKER_PROCESSES'] ?? 1) > 1 &&
    ((env['REDIS_URL'] === undefined && env['REDIS_CLUSTER_NODES'] === undefined) || env['CLUSTER'] === 'off')
  ) {
    problems.push(
      'BROKER_PROCESSES: several processes are several nodes: they need REDIS_URL or REDIS_CLUSTER_NODES (and CLUSTER=auto) to share state',
    );
  }
  if (env['REDIS_PASSWORD'] !== undefined && env['REDIS_CLUSTER_NODES'] === undefined) {
    problems.push('REDIS_PASSWORD: only with REDIS_CLUSTER_NODES (a single Redis takes it in REDIS_URL)');
  }
  const shed = Number(env['SHED_QUEUED_BYTES'] ?? 64 * 1024);
  const max = Number(env['MAX_QUEUED_BYTES'] ?? 1024 * 1024);
  if (shed > max) problems.push('SHED_QUEUED_BYTES: must not exceed MAX_QUEUED_BYTES');
  return problems;
}

export type BrokerConfig = Readonly<z.output<typeof schema>>;

export class ConfigError extends Error {
  readonly code = 'RIDETRACK_BAD_CONFIG';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

/**
 * Open mode is for local experiments and third-party MQTT test suites, so ridetrack's per-client
 * policies for a fleet (publish rate, packet size, reconnect ban) are off in it unless set
 * explicitly: a suite's bursts and large payloads are not a misbehaving driver. What MQTT itself
 * requires is checked the same in every mode.
 */
const OPEN_MODE_DEFAULTS: Readonly<Record<string, string>> = {
  MAX_PACKET_BYTES: '268435455', // the largest packet MQTT can frame, as Mosquitto's default
  PUBLISH_RATE_PER_S: '1000000',
  PUBLISH_BURST: '1000000',
  RECONNECT_BAN_CONNECTS: '1000000',
};

/** Parses the environment into a frozen config; every problem is reported at once. */
export function loadConfig(env: Record<string, string | undefined>): BrokerConfig {
  const given = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  );
  const present = given['AUTH_MODE'] === 'open' ? { ...OPEN_MODE_DEFAULTS, ...given } : given;
  const result = schema.safeParse(present);
  const problems = [
    ...(result.success ? [] : result.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`)),
    ...crossFieldProblems(present),
  ];
  if (!result.success || problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(result.data);
}

/** The shared store the settings name: a Redis, a Redis Cluster, or none (everything in this process). */
export function redisTargetOf(config: BrokerConfig): RedisTarget | undefined {
  if (config.REDIS_CLUSTER_NODES !== undefined)
    return {
      kind: 'cluster',
      nodes: parseClusterNodes(config.REDIS_CLUSTER_NODES) ?? [],
      password: config.REDIS_PASSWORD,
    };
  if (config.REDIS_URL !== undefined) return { kind: 'single', url: config.REDIS_URL };
  return undefined;
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
