import { parseArgs } from 'node:util';
import { z } from 'zod';
import { isDriverId } from '@ridetrack/shared';

export const USAGE = `Usage: npm run watch -- <driver id>... | --all [options]

Prints each fix of the drivers named (or of the whole fleet) as one JSON line on stdout, and their
presence changes; decoded from the broker's binary packets. Ctrl-C stops.

Options:
  --all              every driver
  --broker <url>     the broker (default: $RIDETRACK_MQTT_URL, else the dev env file's, else
                     mqtt://127.0.0.1:1883)
  --token <jwt>      MQTT password (default: $OPERATOR_TOKEN, else the dev env file's operator
                     token; none for a broker in open mode)
  --dev-env <file>   npm start's dev env file (default .ridetrack/dev.env)
  --count <n>        stop after this many fixes
  --no-status        fixes only, no presence lines
  --help             this text

Examples:
  npm run watch -- drv-00001
  npm run watch -- drv-00001 drv-00002 --count 10
  npm run -s watch -- --all | jq -c 'select(.speedMps > 15)'   # -s: no npm banner in the JSON
`;

const schema = z.object({
  drivers: z.array(z.string().refine(isDriverId, 'a driver id is 1-64 of A-Z a-z 0-9 _ . -')),
  all: z.boolean(),
  broker: z
    .string()
    .regex(/^(mqtt|mqtts|ws|wss):\/\//, '--broker must be a mqtt://, mqtts://, ws:// or wss:// URL')
    .optional(),
  token: z.string().min(1).optional(),
  devEnv: z.string().min(1).optional(),
  count: z.coerce
    .number({ error: '--count must be a number' })
    .int('--count must be a whole number')
    .min(1, '--count must be at least 1')
    .optional(),
  noStatus: z.boolean(),
  help: z.boolean(),
});

export type WatchOptions = z.output<typeof schema>;

/** Parses the command line; a problem is one line naming the flag. */
export function parseWatchCli(
  argv: readonly string[],
): { ok: true; value: WatchOptions } | { ok: false; reason: string } {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: {
        all: { type: 'boolean' },
        broker: { type: 'string' },
        token: { type: 'string' },
        'dev-env': { type: 'string' },
        count: { type: 'string' },
        'no-status': { type: 'boolean' },
        help: { type: 'boolean' },
      },
    });
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
  const { values, positionals } = parsed;
  const result = schema.safeParse({
    drivers: positionals,
    all: values.all ?? false,
    broker: values.broker,
    token: values.token,
    devEnv: values['dev-env'],
    count: values.count,
    noStatus: values['no-status'] ?? false,
    help: values.help ?? false,
  });
  if (!result.success) return { ok: false, reason: result.error.issues.map((i) => i.message).join('; ') };
  const v = result.data;
  if (!v.help && v.all === v.drivers.length > 0)
    return { ok: false, reason: v.all ? 'give driver ids or --all, not both' : 'name a driver (drv-00001) or --all' };
  return { ok: true, value: v };
}
