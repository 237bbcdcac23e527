import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type BrokerProcess, until, withBrokerProcess } from '@ridetrack/testkit';

/** The driver-sim command playing a scenario file against the real broker process. */
const SIM = join(dirname(fileURLToPath(import.meta.url)), '../src/main.ts');
const secret = randomBytes(32).toString('hex');

const online = async (b: BrokerProcess) =>
  ((await (await fetch(`http://127.0.0.1:${b.httpPort}/healthz`)).json()) as { driversOnline: number }).driversOnline;

describe('scenario files', () => {
  it('change the fleet size over time, cut networks, run commands, and report it all', { timeout: 90_000 }, () =>
    withBrokerProcess({ AUTH_MODE: 'jwt', JWT_SECRET: secret }, async (b) => {
      const dir = mkdtempSync(join(tmpdir(), 'ridetrack-scenario-'));
      const marker = join(dir, 'ran');
      const report = join(dir, 'report.json');
      const scenario = join(dir, 'scenario.json');
      writeFileSync(
        scenario,
        JSON.stringify({
          durationS: 14,
          fleet: [
            { at: 0, drivers: 10 },
            { at: 4, drivers: 20 },
            { at: 9, drivers: 5 },
          ],
          dropouts: { tunnelShare: 0.3, perHour: 0 },
          events: [
            // In the 20-driver phase, so that exactly 10 online stays visible from 0 s to 4 s.
            { at: 5, networkDropout: { share: 0.5, seconds: 1.5 } },
            { at: 3, exec: [process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')`] },
          ],
        }),
      );
      const sim = spawn(
        process.execPath,
        ['--import', 'tsx', SIM, '--scenario', scenario, '--broker', b.mqttUrl, '--report', report],
        { env: { ...process.env, JWT_SECRET: secret }, stdio: 'ignore' },
      );
      const exited = once(sim, 'exit');
      await until(async () => (await online(b)) === 10, '10 drivers');
      await until(async () => (await online(b)) === 20, '20 drivers');
      await until(async () => (await online(b)) === 5, '5 drivers');
      const [code] = (await exited) as [number];
      expect(code).toBe(0);
      expect(existsSync(marker)).toBe(true);
      const { summary, series } = JSON.parse(readFileSync(report, 'utf8')) as {
        summary: Record<string, number>;
        series: { active: number[] };
      };
      expect(series.active.at(-1)).toBe(5);
      expect(summary['online']).toBe(5); // the drivers sent off duty are no longer counted online
      expect(summary['dropouts']).toBeGreaterThanOrEqual(1); // network dropouts of connected drivers
      expect(summary['reconnects']).toBeGreaterThanOrEqual(1); // ... who came back afterwards
      expect(summary['noGpsDriverSeconds']).toBeGreaterThan(0); // tunnels: no fix inside
      expect(summary['published']).toBeGreaterThan(0);
    }),
  );

  it('a bad scenario file is a usage error naming what is wrong', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ridetrack-scenario-'));
    const scenario = join(dir, 'bad.json');
    writeFileSync(scenario, JSON.stringify({ fleet: [{ at: 0, drivers: -3 }] }));
    const sim = spawn(process.execPath, ['--import', 'tsx', SIM, '--scenario', scenario], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    sim.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code] = (await once(sim, 'close')) as [number]; // 'close': its output is all read
    expect(code).toBe(2);
    expect(stderr).toContain('fleet.0.drivers');
  });
});
