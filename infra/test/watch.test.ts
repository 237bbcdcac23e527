import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeLocation, devEnvFrom, type DevEnv, type LocationFix } from '@ridetrack/shared';
import { until, useBrokerProcess, useSimProcess } from '@ridetrack/testkit';

/**
 * `npm run watch` against the real broker and simulator, with the dev env file npm start leaves:
 * each line is a fix the broker delivered, decoded, the same as a subscriber of the test's own.
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(join(tmpdir(), 'ridetrack-watch-'));
const seen = new Map<number, LocationFix>();
let subscriber: mqtt.MqttClient | undefined;
let dev: Partial<DevEnv>;

useBrokerProcess({ AUTH_MODE: 'dev', DEV_ENV_FILE: join(dir, 'dev.env') });
beforeAll(async () => {
  await until(() => existsSync(join(dir, 'dev.env')), 'the dev env file'); // written once the broker listens
  dev = devEnvFrom(parseEnv(readFileSync(join(dir, 'dev.env'), 'utf8')));
  const client = await mqtt.connectAsync(dev.mqttUrl ?? '', {
    clientId: 'operator:ops-1:watch-test',
    username: 'ops',
    password: dev.operatorToken ?? '',
  });
  subscriber = client;
  client.on('message', (_t, payload) => {
    const fix = decodeLocation(payload);
    if (fix.ok) seen.set(fix.value.seq, fix.value);
  });
  await client.subscribeAsync('d/drv-00001/l');
}, 60_000);
afterAll(async () => {
  await subscriber?.endAsync();
});
// Started once the subscriber listens, stopped before it and the broker (hooks unwind as a stack).
useSimProcess(
  () => ['--drivers', '3', '--broker', dev.mqttUrl ?? '', '--ramp', '50'],
  () => ({ JWT_SECRET: dev.secret ?? '' }),
);

async function watch(
  args: string[],
): Promise<{ code: number | null; lines: Record<string, unknown>[]; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'infra/watch/main.ts'), ...args], {
    cwd: ROOT,
    // Only the dev env file says where the broker is and which token to use.
    env: { ...process.env, RIDETRACK_DIR: dir, OPERATOR_TOKEN: undefined, RIDETRACK_MQTT_URL: undefined },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'close')) as [number | null]; // 'close': its output is all read
  return {
    code,
    lines: out
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>),
    stderr,
  };
}

describe('npm run watch', () => {
  it(
    'prints a driver’s fixes as JSON lines, decoded as the broker delivered them, and its presence',
    { timeout: 60_000 },
    async () => {
      const { code, lines, stderr } = await watch(['drv-00001', '--count', '2']);
      expect(code).toBe(0);
      expect(stderr).toMatch(/^watch: drv-00001 on mqtt:\/\/127\.0\.0\.1:\d+ \(Ctrl-C stops\)\n$/);
      const fixes = lines.filter((l) => l['type'] === 'fix');
      expect(fixes).toHaveLength(2);
      expect(lines.some((l) => l['type'] === 'presence' && l['driver'] === 'drv-00001' && l['online'] === true)).toBe(
        true,
      );
      for (const line of fixes) {
        expect(line).toMatchObject({ driver: 'drv-00001', simulated: true });
        // The same fix the test's own subscriber decoded.
        await until(() => seen.has(line['seq'] as number), `fix ${String(line['seq'])} at the test subscriber`);
        const mine = seen.get(line['seq'] as number);
        expect(line['lat']).toBeCloseTo(mine?.lat ?? 0, 6);
        expect(line['lng']).toBeCloseTo(mine?.lng ?? 0, 6);
        expect(line['time']).toBe(new Date(mine?.timestampMs ?? 0).toISOString());
      }
    },
  );

  it('--all prints the whole fleet’s fixes, and nothing else with --no-status', { timeout: 60_000 }, async () => {
    const { code, lines } = await watch(['--all', '--no-status', '--count', '6']);
    expect(code).toBe(0);
    expect(lines).toHaveLength(6);
    expect(lines.every((l) => l['type'] === 'fix' && typeof l['lat'] === 'number')).toBe(true);
    expect(new Set(lines.map((l) => l['driver'])).size).toBeGreaterThan(1);
  });

  it('says why the broker refused it, and exits 1', { timeout: 30_000 }, async () => {
    const { code, stderr } = await watch(['drv-00001', '--token', 'not-a-token']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/refused the connection: bad user name or password \(CONNACK 4\): token refused/);
  });
});
