import { describe, expect, it } from 'vitest';
import { devEnvFrom, formatDevEnv, shellQuote, type DevEnv } from './dev-env';

const env: DevEnv = {
  httpUrl: 'http://127.0.0.1:8080',
  mqttUrl: 'mqtt://127.0.0.1:1883',
  wsUrl: 'ws://127.0.0.1:8080/mqtt',
  mqttHost: '127.0.0.1',
  mqttPort: 1883,
  secret: 'x'.repeat(43),
  driverToken: 'eyJ.driver.sig',
  riderToken: 'eyJ.rider.sig',
  operatorToken: 'eyJ.operator.sig',
  serviceToken: 'eyJ.service.sig',
};

/** The subset of shell parsing the file relies on: `export NAME='literal'` lines and comments. */
function readBack(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^export ([A-Z_]+)='([^']*)'$/.exec(line);
    if (m !== null) vars[m[1] ?? ''] = m[2] ?? '';
    else if (line !== '' && !line.startsWith('# ')) throw new Error(`unexpected line ${line}`);
  }
  return vars;
}

describe('dev env file', () => {
  it('holds one export line per field, each after its comment, and reads back into the same fields', () => {
    const text = formatDevEnv(env, ['written by a test']);
    expect(text.startsWith('# written by a test\n')).toBe(true);
    expect(text).toContain(
      "# an operator: the whole fleet, read only (HTTP Bearer, MQTT)\nexport OPERATOR_TOKEN='eyJ.operator.sig'\n",
    );
    expect(devEnvFrom(readBack(text))).toEqual(env);
  });

  it('keeps only what it knows, and a port only when it is one', () => {
    expect(devEnvFrom({ JWT_SECRET: 's', RIDETRACK_MQTT_PORT: 'nope', OTHER: 'x' })).toEqual({ secret: 's' });
  });

  it('quotes for the shell: inside single quotes all is literal, and a quote is closed, escaped and reopened', () => {
    expect(shellQuote('$HOME `x`')).toBe("'$HOME `x`'");
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`);
  });
});
