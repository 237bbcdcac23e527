/**
 * What `npm start` shows a person, as plain lines: a few steps while it starts, then where
 * everything is and how to stop it. Pure, so it is tested as text; colour is the caller's choice.
 */
export type Paint = (kind: 'title' | 'label' | 'url' | 'dim' | 'error', text: string) => string;

export const plain: Paint = (_kind, text) => text;

export type IndexBackend =
  { kind: 'session-redis'; version: string; port: number } | { kind: 'redis'; url: string } | { kind: 'memory' };

export interface Running {
  httpUrl: string;
  mqttUrl: string;
  wsUrl: string;
  index: IndexBackend;
  drivers: number;
  /** Rides the simulated riders ask for a minute. */
  ridesPerMin: number;
  /** The dev env file and the log, as the person should type them. */
  devEnvFile: string;
  logFile: string;
}

export function indexText(index: IndexBackend): string {
  switch (index.kind) {
    case 'session-redis':
      return `Redis ${index.version} on port ${index.port}, started for this session`;
    case 'redis':
      return `Redis at ${index.url} (REDIS_URL)`;
    case 'memory':
      return "in the broker's memory (redis-server is not installed)";
  }
}

function driverIds(count: number): string {
  if (count === 0) return 'none (SIM_DRIVERS=0)';
  const last = `drv-${String(count).padStart(5, '0')}`;
  return count === 1 ? '1 simulated: drv-00001' : `${count.toLocaleString('en-US')} simulated, drv-00001 … ${last}`;
}

function ridersText(drivers: number, ridesPerMin: number): string {
  if (drivers === 0 || ridesPerMin === 0) return 'none (SIM_RIDES_PER_MIN=0)';
  if (ridesPerMin < 1) return `simulated, asking for a ride every ${Math.round(1 / ridesPerMin)} minutes`;
  const n = Number(ridesPerMin.toFixed(1));
  return `simulated, asking for ${n} ride${n === 1 ? '' : 's'} a minute`;
}

/** The block shown once everything runs. */
export function runningLines(r: Running, paint: Paint): string[] {
  const row = (label: string, value: string) => `  ${paint('label', label.padEnd(14))}${value}`;
  return [
    '',
    paint('title', 'ridetrack is running'),
    row('Rider page', paint('url', `${r.httpUrl}/`)),
    row('Operator map', paint('url', `${r.httpUrl}/fleet`)),
    row('MQTT', `${paint('url', r.mqttUrl)}  ${paint('dim', `WebSocket ${r.wsUrl}`)}`),
    row('Geo-index', indexText(r.index)),
    row('Drivers', driverIds(r.drivers)),
    row('Riders', ridersText(r.drivers, r.ridesPerMin)),
    row('Tokens', `source ${r.devEnvFile}  ${paint('dim', 'gives $OPERATOR_TOKEN, $RIDER_TOKEN, $JWT_SECRET …')}`),
    row('Log', r.logFile),
    '',
    row('Watch a car', `source ${r.devEnvFile} && npm run watch -- drv-00001`),
    row('Stop', 'Ctrl-C (stops the drivers, the broker and Redis)'),
    '',
  ];
}
