/**
 * The dev environment file that `npm start` leaves for a shell (`source .ridetrack/dev.env`), the
 * simulator and the watch command: where the broker listens, its dev secret and ready-made tokens.
 * Written by the broker in dev mode, read by the tools; the variable names live here only.
 */
export interface DevEnv {
  httpUrl: string;
  mqttUrl: string;
  wsUrl: string;
  mqttHost: string;
  mqttPort: number;
  /** The broker's HS256 secret: whoever holds it signs any token. */
  secret: string;
  driverToken: string;
  riderToken: string;
  operatorToken: string;
  serviceToken: string;
}

/** Each field's variable, and the comment written above it. */
export const DEV_ENV_VARS: Readonly<Record<keyof DevEnv, { name: string; about: string }>> = {
  httpUrl: { name: 'RIDETRACK_HTTP_URL', about: 'pages, API, /healthz, /metrics' },
  mqttUrl: { name: 'RIDETRACK_MQTT_URL', about: 'MQTT over TCP' },
  wsUrl: { name: 'RIDETRACK_WS_URL', about: 'MQTT over WebSocket' },
  mqttHost: { name: 'RIDETRACK_MQTT_HOST', about: 'for mosquitto_sub -h' },
  mqttPort: { name: 'RIDETRACK_MQTT_PORT', about: 'for mosquitto_sub -p' },
  secret: { name: 'JWT_SECRET', about: "the broker's dev secret (HS256); npm run sim signs driver tokens with it" },
  driverToken: { name: 'DRIVER_TOKEN', about: 'driver drv-00001 (its MQTT client id must be drv-00001)' },
  riderToken: { name: 'RIDER_TOKEN', about: 'a rider who may follow drv-00001' },
  operatorToken: { name: 'OPERATOR_TOKEN', about: 'an operator: the whole fleet, read only (HTTP Bearer, MQTT)' },
  serviceToken: { name: 'SERVICE_TOKEN', about: 'a backend service: dispatch, trips' },
};

/** A value in single quotes for a POSIX shell, which takes everything inside literally. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The file's text: a header comment, then one `export NAME='value'` line per field. */
export function formatDevEnv(env: DevEnv, header: readonly string[]): string {
  const lines = header.map((h) => `# ${h}`);
  for (const key of Object.keys(DEV_ENV_VARS) as (keyof DevEnv)[]) {
    const { name, about } = DEV_ENV_VARS[key];
    lines.push(`# ${about}`, `export ${name}=${shellQuote(String(env[key]))}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The fields found among parsed variables (for example Node's `util.parseEnv` of the file). */
export function devEnvFrom(vars: Readonly<Record<string, string | undefined>>): Partial<DevEnv> {
  const found: Partial<Record<keyof DevEnv, string | number>> = {};
  for (const key of Object.keys(DEV_ENV_VARS) as (keyof DevEnv)[]) {
    const value = vars[DEV_ENV_VARS[key].name];
    if (value === undefined || value === '') continue;
    if (key === 'mqttPort') {
      const port = Number(value);
      if (Number.isInteger(port) && port > 0 && port < 65536) found[key] = port;
    } else found[key] = value;
  }
  return found as Partial<DevEnv>;
}
