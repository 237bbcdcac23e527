import { z } from 'zod';

/** Every broker setting, read once from the environment by main.ts. infra/.env.example lists them. */
const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const schema = z
  .object({
    HOST: z.string().min(1).default('127.0.0.1'),
    MQTT_PORT: port.default(1883),
    HTTP_PORT: port.default(8080),
    MQTTS_PORT: port.default(8883),
    HTTPS_PORT: port.default(8443),
    TLS_CERT_FILE: z.string().min(1).optional(),
    TLS_KEY_FILE: z.string().min(1).optional(),
    AUTH_MODE: z.enum(['jwt', 'dev', 'open']).default('jwt'),
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    JWT_PUBLIC_KEY: z.string().min(1).optional(),
    JWT_ALGORITHMS: z.string().min(1).optional(),
    JWT_ISSUER: z.string().min(1).optional(),
    ALLOW_INSECURE_ON_PUBLIC: bool.default(false),
    MAX_PACKET_BYTES: z.coerce.number().int().min(128).max(268_435_455).default(8192),
    CONNECT_TIMEOUT_MS: positiveInt.default(10_000),
    PUBLISH_RATE_PER_S: z.coerce.number().positive().default(20),
    PUBLISH_BURST: positiveInt.default(40),
    INVALID_RATE_PER_S: z.coerce.number().positive().default(1),
    INVALID_BURST: positiveInt.default(10),
    SHED_QUEUED_BYTES: positiveInt.default(64 * 1024),
    MAX_QUEUED_BYTES: positiveInt.default(1024 * 1024),
    MAX_CONNECTIONS: positiveInt.default(100_000),
    MAX_EVENT_LOOP_LAG_MS: positiveInt.default(1000),
    RECONNECT_BAN_CONNECTS: positiveInt.default(30),
    RECONNECT_BAN_WINDOW_MS: positiveInt.default(10_000),
    RECONNECT_BAN_MS: positiveInt.default(30_000),
    MAX_SPEED_MPS: z.coerce.number().positive().default(83),
    SHUTDOWN_TIMEOUT_MS: positiveInt.default(5000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .superRefine((c, ctx) => {
    if (c.AUTH_MODE === 'jwt' && c.JWT_SECRET === undefined && c.JWT_PUBLIC_KEY === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SECRET'],
        message: 'AUTH_MODE=jwt needs JWT_SECRET or JWT_PUBLIC_KEY (or use AUTH_MODE=dev for local use)',
      });
    }
    if ((c.TLS_CERT_FILE === undefined) !== (c.TLS_KEY_FILE === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['TLS_CERT_FILE'], message: 'TLS_CERT_FILE and TLS_KEY_FILE go together' });
    }
    if (c.SHED_QUEUED_BYTES > c.MAX_QUEUED_BYTES) {
      ctx.addIssue({ code: 'custom', path: ['SHED_QUEUED_BYTES'], message: 'must not exceed MAX_QUEUED_BYTES' });
    }
  });

export type BrokerConfig = Readonly<z.output<typeof schema>>;

export class ConfigError extends Error {
  readonly code = 'RIDETRACK_BAD_CONFIG';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

/** Parses the environment into a frozen config; every problem is reported at once. */
export function loadConfig(env: Record<string, string | undefined>): BrokerConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(present);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`));
  }
  return Object.freeze(result.data);
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
