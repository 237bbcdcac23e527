import { parseArgs } from 'node:util';
import { z } from 'zod';
import { MIN_SECRET_CHARS } from '@ridetrack/shared';
import { DEFAULT_RATE } from './adaptive-rate';
import { DEFAULT_SIMULATION } from './simulation';

export const USAGE = `Usage: npm run sim -- [options]

Simulates a fleet of drivers publishing over MQTT exactly as driver apps do.

Options:
  --drivers <n>          drivers to simulate (default ${DEFAULT_SIMULATION.drivers})
  --broker <url>         broker URL; repeat for a list to fail over between
                         (default mqtt://127.0.0.1:1883; mqtts://, ws://, wss:// work too)
  --transport <t>        tcp, tls or ws: the default URL's scheme when --broker is not given
  --secret <s>           JWT secret to sign driver tokens with (or JWT_SECRET); without either,
                         the dev env file's, else none (a broker in open mode)
  --dev-env <file>       where npm start leaves the dev broker's address and secret
                         (default .ridetrack/dev.env); read when no secret is given
  --seed <n>             random seed: the same seed gives the same drives (default 1)
  --city <file>          the city to drive in: an OpenStreetMap extract (.osm.pbf or .osm XML,
                         as Geofabrik and BBBike publish, up to 64 MB) or GeoJSON road lines
                         with OSM tags (default: the demo city, infra/cities/baltimore); imported
                         once and cached in .ridetrack/cache (CITY_CACHE_DIR)
  --roads <file>         the same as --city (its older name)
  --duration <s>         stop after this many seconds (default: run until Ctrl-C)
  --ramp <n>             new connections per second (default ${DEFAULT_SIMULATION.rampPerS})
  --min-move-m <m>       publish after moving this far (default ${DEFAULT_RATE.minMoveM})
  --turn-deg <deg>       ... or turning this much (default ${DEFAULT_RATE.turnDeg})
  --max-interval-s <s>   ... or at least this often (default ${DEFAULT_RATE.maxIntervalS}; on a trip ${DEFAULT_RATE.onTripMaxIntervalS})
  --id-prefix <p>        driver ids are <p>00001, <p>00002, ... (default ${DEFAULT_SIMULATION.idPrefix}; sim- when
                         the dev env file is used, so npm start's own fleet keeps its ids)
  --insecure-tls         accept a self-signed broker certificate
  --source-ips <a,b,..>  open the drivers' TCP connections from these local addresses in turn
                         (one address reaches one broker port about 28,000 times)
  --export-roads <file>  write the road network as GeoJSON and exit
  --report <file>        write the run's report: report.html gives a page of charts and
                         report.json beside it; any other name, the JSON only
  --no-observer          do not subscribe to the fleet to measure delivery and latency
  --tunnels <share>      share of road arcs that are tunnels, with no GPS inside (0..0.5; default 0)
  --dropouts-per-hour <n>  random GPS losses per driver per hour, 5-30 s each (default 0)
  --rides-per-min <n>    simulated riders: ask for this many rides a minute at random points of
                         the city, get in when the car waits, ride to the end (default 0: none;
                         npm start runs one ride a minute per 40 drivers)
  --api <url>            the broker's HTTP address for the riders' trip requests (default: the
                         dev env file's; the riders' token is a service token signed with the secret)
  --scenario <file>      a scenario (JSON): fleet size over time, dropouts, network losses and
                         commands at given times (format in driver-sim/README.md); its fleet
                         replaces --drivers
  --help                 this text

Examples:
  npm run sim -- --drivers 500 --id-prefix load-     # against npm start's broker
  npm run sim -- --drivers 200 --duration 60 --report report.html
  npm run sim -- --city berlin-latest.osm.pbf --drivers 200 --duration 60
  npm run sim -- --broker mqtt://node1:1883 --broker mqtt://node2:1883 --ramp 50
  npm run sim -- --export-roads roads.geojson
  npm run sim -- --scenario driver-sim/scenarios/rush-hour.json --secret "$JWT_SECRET"
`;

const positive = (flag: string) =>
  z.coerce.number({ error: `--${flag} must be a number` }).positive(`--${flag} must be above 0`);
const urlScheme = /^(mqtt|mqtts|ws|wss|tcp|tls):\/\//;

const schema = z.object({
  drivers: z.coerce
    .number({ error: '--drivers must be a number' })
    .int('--drivers must be a whole number')
    .min(1, '--drivers must be at least 1')
    .max(200_000, '--drivers must be at most 200000'),
  broker: z.array(z.string().regex(urlScheme, '--broker must be a mqtt://, mqtts://, ws:// or wss:// URL')),
  transport: z.enum(['tcp', 'tls', 'ws'], { error: '--transport must be tcp, tls or ws' }).optional(),
  secret: z.string().optional(),
  seed: z.coerce.number({ error: '--seed must be a number' }).int('--seed must be a whole number'),
  city: z.string().min(1).optional(),
  duration: positive('duration').optional(),
  ramp: positive('ramp'),
  minMoveM: positive('min-move-m'),
  turnDeg: positive('turn-deg'),
  maxIntervalS: positive('max-interval-s'),
  idPrefix: z.string().regex(/^[A-Za-z0-9_.-]{1,20}$/, '--id-prefix must be 1-20 of A-Z a-z 0-9 _ . -'),
  insecureTls: z.boolean(),
  exportRoads: z.string().min(1).optional(),
  report: z.string().min(1).optional(),
  devEnv: z.string().min(1).optional(),
  noObserver: z.boolean(),
  tunnels: z.coerce
    .number({ error: '--tunnels must be a number' })
    .min(0, '--tunnels must be between 0 and 0.5')
    .max(0.5, '--tunnels must be between 0 and 0.5'),
  dropoutsPerHour: z.coerce
    .number({ error: '--dropouts-per-hour must be a number' })
    .min(0, '--dropouts-per-hour must be 0 or more')
    .max(3600, '--dropouts-per-hour must be at most 3600'),
  scenario: z.string().min(1).optional(),
  ridesPerMin: z.coerce
    .number({ error: '--rides-per-min must be a number' })
    .min(0, '--rides-per-min must be between 0 and 600')
    .max(600, '--rides-per-min must be between 0 and 600'),
  api: z
    .string()
    .regex(/^https?:\/\/[^/]+$/, '--api must be an http:// or https:// address with no path (http://127.0.0.1:8080)')
    .optional(),
  sourceIps: z
    .string()
    .regex(/^[0-9a-fA-F.:]+(,[0-9a-fA-F.:]+)*$/, '--source-ips must be IP addresses separated by commas')
    .optional(),
  help: z.boolean(),
});

export type CliOptions = z.output<typeof schema> & {
  brokers: string[];
  /** Where the secret came from: the flag, the environment, or neither (the caller may look further). */
  secretFrom: '--secret' | 'JWT_SECRET' | null;
  /** True when --broker or --transport chose the broker. */
  brokerGiven: boolean;
  idPrefixGiven: boolean;
};

/** A refused command line: the reason, and whether the usage would help (a flag, not a variable). */
export type CliProblem = { ok: false; reason: string; usage: boolean };

const DEFAULT_URL = {
  tcp: 'mqtt://127.0.0.1:1883',
  tls: 'mqtts://127.0.0.1:8883',
  ws: 'ws://127.0.0.1:8080/mqtt',
} as const;

/** Parses the command line (and JWT_SECRET from the environment). Bad input is a usage error naming the flag. */
export function parseCli(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): { ok: true; value: CliOptions } | CliProblem {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        drivers: { type: 'string' },
        broker: { type: 'string', multiple: true },
        transport: { type: 'string' },
        secret: { type: 'string' },
        seed: { type: 'string' },
        city: { type: 'string' },
        roads: { type: 'string' },
        duration: { type: 'string' },
        ramp: { type: 'string' },
        'min-move-m': { type: 'string' },
        'turn-deg': { type: 'string' },
        'max-interval-s': { type: 'string' },
        'id-prefix': { type: 'string' },
        'insecure-tls': { type: 'boolean' },
        'export-roads': { type: 'string' },
        report: { type: 'string' },
        'dev-env': { type: 'string' },
        'no-observer': { type: 'boolean' },
        tunnels: { type: 'string' },
        'dropouts-per-hour': { type: 'string' },
        scenario: { type: 'string' },
        'source-ips': { type: 'string' },
        'rides-per-min': { type: 'string' },
        api: { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err), usage: true };
  }
  const secretFrom = values['secret'] !== undefined ? '--secret' : env['JWT_SECRET'] ? 'JWT_SECRET' : null;
  const secret =
    secretFrom === '--secret' ? (values['secret'] as string) : secretFrom === null ? undefined : env['JWT_SECRET'];
  if (secret !== undefined && secret.length < MIN_SECRET_CHARS) {
    // The broker refuses such a secret, so tokens signed with it could never be accepted.
    return {
      ok: false,
      reason: `${secretFrom ?? '--secret'} must be at least ${MIN_SECRET_CHARS} characters, like the broker's (it has ${secret.length})`,
      usage: false,
    };
  }
  const parsed = schema.safeParse({
    drivers: values['drivers'] ?? DEFAULT_SIMULATION.drivers,
    broker: values['broker'] ?? [],
    transport: values['transport'],
    secret,
    seed: values['seed'] ?? DEFAULT_SIMULATION.seed,
    city: values['city'] ?? values['roads'],
    duration: values['duration'],
    ramp: values['ramp'] ?? DEFAULT_SIMULATION.rampPerS,
    minMoveM: values['min-move-m'] ?? DEFAULT_RATE.minMoveM,
    turnDeg: values['turn-deg'] ?? DEFAULT_RATE.turnDeg,
    maxIntervalS: values['max-interval-s'] ?? DEFAULT_RATE.maxIntervalS,
    idPrefix: values['id-prefix'] ?? DEFAULT_SIMULATION.idPrefix,
    insecureTls: values['insecure-tls'] ?? false,
    exportRoads: values['export-roads'],
    report: values['report'],
    devEnv: values['dev-env'],
    noObserver: values['no-observer'] ?? false,
    tunnels: values['tunnels'] ?? 0,
    dropoutsPerHour: values['dropouts-per-hour'] ?? 0,
    scenario: values['scenario'],
    sourceIps: values['source-ips'],
    ridesPerMin: values['rides-per-min'] ?? 0,
    api: values['api'],
    help: values['help'] ?? false,
  });
  if (!parsed.success) return { ok: false, reason: parsed.error.issues.map((i) => i.message).join('; '), usage: true };
  const v = parsed.data;
  const brokers =
    v.broker.length > 0
      ? v.broker.map((u) => u.replace(/^tcp:/, 'mqtt:').replace(/^tls:/, 'mqtts:'))
      : [DEFAULT_URL[v.transport ?? 'tcp']];
  return {
    ok: true,
    value: {
      ...v,
      brokers,
      secretFrom,
      brokerGiven: v.broker.length > 0 || v.transport !== undefined,
      idPrefixGiven: values['id-prefix'] !== undefined,
    },
  };
}
