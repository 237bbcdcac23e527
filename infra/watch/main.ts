/**
 * `npm run watch -- drv-00001`: a driver's fixes as JSON lines, decoded, for a person at a terminal
 * or for jq. By default it talks to the broker `npm start` runs, with the operator token of its
 * dev env file. Messages about the connection go to stderr; stdout holds only the JSON lines.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import mqtt from 'mqtt';
import { connackText, devEnvFrom, FLEET_LOCATIONS, FLEET_STATUS, locationTopic, statusTopic } from '@ridetrack/shared';
import { parseWatchCli, USAGE } from './cli';
import { watchLine } from './lines';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

function say(line: string): void {
  process.stderr.write(`watch: ${line}\n`);
}

// A reader that stops early (`| head`) closes the pipe: that ends the watch, quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => process.exit(err.code === 'EPIPE' ? 0 : 1));

async function main(): Promise<number> {
  const cli = parseWatchCli(process.argv.slice(2));
  if (!cli.ok) {
    say(`${cli.reason} (npm run watch -- --help)`);
    return 2;
  }
  const o = cli.value;
  if (o.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const file = o.devEnv ?? join(process.env['RIDETRACK_DIR'] ?? join(ROOT, '.ridetrack'), 'dev.env');
  const dev = existsSync(file) ? devEnvFrom(parseEnv(readFileSync(file, 'utf8'))) : {};
  const url = o.broker ?? process.env['RIDETRACK_MQTT_URL'] ?? dev.mqttUrl ?? 'mqtt://127.0.0.1:1883';
  const token = o.token ?? process.env['OPERATOR_TOKEN'] ?? dev.operatorToken;
  const filters = o.all
    ? [FLEET_LOCATIONS, ...(o.noStatus ? [] : [FLEET_STATUS])]
    : o.drivers.flatMap((id) => [locationTopic(id), ...(o.noStatus ? [] : [statusTopic(id)])]);

  let fixes = 0;
  let connected = false;
  const client = mqtt.connect(url, {
    // Empty: the broker assigns one (an operator's own ids are `operator:{sub}:…`, docs/protocol.md).
    clientId: '',
    ...(token === undefined ? {} : { username: 'watch', password: token }),
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 1000,
    connectTimeout: 10_000,
  });
  const done = new Promise<number>((resolve) => {
    let stopped = false;
    const finish = (code: number): void => {
      // Messages of the packet already read still arrive: none is printed after the end.
      stopped = true;
      client.end(true);
      resolve(code);
    };
    client.on('connect', () => {
      if (!connected) say(`${o.all ? 'the whole fleet' : o.drivers.join(', ')} on ${url} (Ctrl-C stops)`);
      connected = true;
      client.subscribe(filters, { qos: 0 }, (err, granted) => {
        const refused = granted?.filter((g) => g.qos === 128).map((g) => g.topic) ?? [];
        if (err !== null || refused.length > 0) {
          say(
            `the broker refused the subscription to ${refused.join(', ') || filters.join(', ')}: this token may not read it (an operator token reads every driver)`,
          );
          finish(1);
        }
      });
    });
    client.on('error', (err) => {
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'number') {
        say(
          `${url} refused the connection: ${connackText(code)} (CONNACK ${code})${
            token === undefined
              ? ': no token given (--token, $OPERATOR_TOKEN, or npm start’s dev env file)'
              : ': token refused'
          }`,
        );
        finish(1);
      } else if (!connected) {
        say(
          `cannot reach ${url} (${typeof code === 'string' ? code : err.message}). Is the broker running? (npm start)`,
        );
        finish(1);
      }
    });
    client.on('message', (topic, payload, packet) => {
      if (stopped) return;
      const line = watchLine(topic, payload, packet.retain, Date.now());
      if (line === null) return;
      process.stdout.write(`${JSON.stringify(line)}\n`);
      if (line.type === 'fix' && o.count !== undefined && ++fixes >= o.count) finish(0);
    });
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => finish(0));
  });
  return done;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    say(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
