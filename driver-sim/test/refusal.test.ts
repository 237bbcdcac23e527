import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NO_DEV_ENV, useBrokerProcess } from '@ridetrack/testkit';

/** The simulator against a real broker that refuses it, and with a secret no broker would take. */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const SIM = join(ROOT, 'driver-sim/src/main.ts');
const broker = useBrokerProcess({ AUTH_MODE: 'jwt', JWT_SECRET: randomBytes(32).toString('hex') });

async function run(
  command: string,
  args: string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, RIDETRACK_DIR: NO_DEV_ENV, JWT_SECRET: undefined, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'close')) as [number | null]; // 'close': its output is all read
  return { code, stderr };
}

const sim = (args: string[], env: Record<string, string | undefined> = {}) =>
  run(process.execPath, ['--import', 'tsx', SIM, '--drivers', '3', '--broker', broker.mqttUrl, ...args], env);

describe('a simulator the broker refuses', () => {
  it.each([
    [
      'with the wrong secret',
      [],
      { JWT_SECRET: randomBytes(32).toString('hex') },
      /token refused; it was signed with the secret from JWT_SECRET/,
    ],
    ['with no secret', [], {}, /no token sent, and this broker wants one/],
    ['with no secret, drivers only', ['--no-observer'], {}, /refused driver drv-0000\d: .*no token sent/],
  ])("%s says why, in the broker's words, and exits 1", { timeout: 30_000 }, async (_what, args, env, why) => {
    const { code, stderr } = await sim(args, env);
    expect(code).toBe(1);
    expect(stderr).toMatch(/bad user name or password \(CONNACK 4\)/);
    expect(stderr).toMatch(why);
    expect(stderr).not.toMatch(/errors \d/); // no bare error count, no closing table
  });
});

describe('a short JWT_SECRET', () => {
  it(
    'is one line naming the variable and the rule, from the simulator, with no usage text',
    { timeout: 30_000 },
    async () => {
      const { code, stderr } = await sim([], { JWT_SECRET: 'short' });
      expect(code).toBe(2);
      expect(stderr).toBe("driver-sim: JWT_SECRET must be at least 32 characters, like the broker's (it has 5)\n");
    },
  );

  it('is one line from the broker too', { timeout: 30_000 }, async () => {
    const { code, stderr } = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'broker/src/main.ts')], {
      AUTH_MODE: 'dev',
      JWT_SECRET: 'short',
      MQTT_PORT: '0',
      HTTP_PORT: '0',
    });
    expect(code).toBe(2);
    expect(stderr).toBe(
      'ridetrack broker: JWT_SECRET: must be at least 32 characters (make one: openssl rand -base64 32) (settings: infra/.env.example)\n',
    );
  });
});
