import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { devEnvFrom } from '@ridetrack/shared';
import { until, useBrokerProcess } from '@ridetrack/testkit';

/** `npm run sim` beside `npm start`: the dev broker's address and secret come from its dev env file. */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(join(tmpdir(), 'ridetrack-sim-dev-'));
const broker = useBrokerProcess({ AUTH_MODE: 'dev', DEV_ENV_FILE: join(dir, 'dev.env') });
beforeAll(async () => {
  await until(() => existsSync(join(dir, 'dev.env')), 'the dev env file');
});

async function sim(env: Record<string, string | undefined>): Promise<{ code: number | null; stderr: string }> {
  // No --broker, no --secret: all it knows is the folder npm start uses.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'driver-sim/src/main.ts'), '--drivers', '3', '--duration', '4'],
    {
      cwd: ROOT,
      env: { ...process.env, RIDETRACK_DIR: dir, JWT_SECRET: undefined, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'close')) as [number | null]; // 'close': its output is all read
  return { code, stderr };
}

describe('the simulator beside npm start', () => {
  it.each([
    ['with no secret', () => ({})],
    [
      'in a shell that sourced the dev env file',
      () => ({ JWT_SECRET: devEnvFrom(parseEnv(readFileSync(join(dir, 'dev.env'), 'utf8'))).secret }),
    ],
    [
      // npm start's RIDETRACK_DIR elsewhere: the file is not where the simulator looks, its variables are.
      'in a shell that sourced a dev env file it cannot find',
      () => ({
        ...parseEnv(readFileSync(join(dir, 'dev.env'), 'utf8')),
        RIDETRACK_DIR: mkdtempSync(join(tmpdir(), 'ridetrack-sim-elsewhere-')),
      }),
    ],
  ])('%s connects to its broker with its secret, under ids of its own', { timeout: 60_000 }, async (_what, env) => {
    const { code, stderr } = await sim(env());
    expect(code).toBe(0);
    expect(stderr).toMatch(
      new RegExp(`3 drivers \\(sim-00001 …\\) on \\d+ junctions → mqtt://127\\.0\\.0\\.1:${broker.mqttPort};`),
    );
    expect(stderr).toMatch(/peakOnline +3 /);
    expect(stderr).toMatch(/refused +0 /);
  });
});
