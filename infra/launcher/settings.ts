import { join, resolve } from 'node:path';
import { z } from 'zod';
import { MIN_SECRET_CHARS } from '@ridetrack/shared';

/** `npm start`'s own settings (infra/README.md); the broker's other settings pass through to it. */
const schema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  HTTP_PORT: z.coerce
    .number({ error: (issue) => (Number.isNaN(issue.input) ? 'must be a number' : undefined) })
    .int()
    .min(0)
    .max(65535)
    .default(8080),
  MQTT_PORT: z.coerce
    .number({ error: (issue) => (Number.isNaN(issue.input) ? 'must be a number' : undefined) })
    .int()
    .min(0)
    .max(65535)
    .default(1883),
  SIM_DRIVERS: z.coerce
    .number({ error: 'SIM_DRIVERS must be a number' })
    .int('SIM_DRIVERS must be a whole number')
    .min(0, 'SIM_DRIVERS must be 0 or more')
    .max(200_000, 'SIM_DRIVERS must be at most 200000')
    .default(200),
  SIM_RIDES_PER_MIN: z.coerce
    .number({ error: 'SIM_RIDES_PER_MIN must be a number' })
    .min(0, 'SIM_RIDES_PER_MIN must be between 0 and 600')
    .max(600, 'SIM_RIDES_PER_MIN must be between 0 and 600')
    .optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'REDIS_URL must be a redis:// or rediss:// URL')
    .optional(),
  JWT_SECRET: z
    .string()
    .min(
      MIN_SECRET_CHARS,
      `JWT_SECRET must be at least ${MIN_SECRET_CHARS} characters (or unset it: npm start makes a fresh one each time)`,
    )
    .optional(),
  RIDETRACK_DIR: z.string().min(1).optional(),
  CITY_FILE: z.string().min(1).optional(),
});

export interface LauncherSettings {
  host: string;
  httpPort: number;
  mqttPort: number;
  drivers: number;
  /** Rides the simulated riders ask for a minute (SIM_RIDES_PER_MIN; default one per 30 drivers). */
  ridesPerMin: number;
  redisUrl: string | undefined;
  secret: string | undefined;
  /** Where the dev env file, the logs and the session's Redis data go. */
  stateDir: string;
  /** The city extract the broker maps and the fleet drives in (`--city`, CITY_FILE, else the demo city). */
  city: string;
}

/** Reads the settings once; every problem is one line naming its variable. */
export function loadSettings(
  env: Record<string, string | undefined>,
  root: string,
  /** `--city <file>` from the command line, which wins over CITY_FILE. */
  cityArg?: string,
): { ok: true; value: LauncherSettings } | { ok: false; problems: string[] } {
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(given);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const name = String(i.path[0] ?? '');
      return i.message.startsWith(name) ? i.message : `${name}: ${i.message}`;
    });
    return { ok: false, problems };
  }
  const v = parsed.data;
  return {
    ok: true,
    value: {
      host: v.HOST,
      httpPort: v.HTTP_PORT,
      mqttPort: v.MQTT_PORT,
      drivers: v.SIM_DRIVERS,
      // About one car in five on a trip at a time in the demo city (rides of 1-4 km take about 7
      // minutes from dispatch to drop-off: one ride a minute per 40 drivers kept 17.5% busy).
      ridesPerMin: v.SIM_RIDES_PER_MIN ?? v.SIM_DRIVERS / 30,
      redisUrl: v.REDIS_URL,
      secret: v.JWT_SECRET,
      stateDir: v.RIDETRACK_DIR ?? join(root, '.ridetrack'),
      city: resolve(cityArg ?? v.CITY_FILE ?? join(root, 'infra/cities/baltimore/baltimore.osm.pbf')),
    },
  };
}
