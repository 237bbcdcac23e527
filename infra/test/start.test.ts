import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { decodeLocation } from '@ridetrack/shared';
import { freePort } from './redis-server';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start', () => {
  it(
    'runs broker, index and fleet; a rider follows its driver; Ctrl-C leaves no process behind',
    { timeout: 90_000 },
    async () => {
      const [http, mqttPort] = [await freePort(), await freePort()];
      const launcher = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'infra/launcher/main.ts')], {
        cwd: ROOT,
        env: { ...process.env, HTTP_PORT: String(http), MQTT_PORT: String(mqttPort), SIM_DRIVERS: '20' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      launcher.stdout.on('data', (d: Buffer) => (out += d.toString()));
      launcher.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const token = (who: string): string => new RegExp(`${who}[^\\n]*:\\n\\s+(\\S+)`).exec(out)?.[1] ?? '';
      while (!/ridetrack: processes /.test(out) || token('operator') === '') {
        if (launcher.exitCode !== null) throw new Error(`launcher exited: ${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const pids = [...(/ridetrack: processes (.*)/.exec(out)?.[1] ?? '').matchAll(/(\d+)/g)].map((m) => Number(m[1]));
      expect(pids.length).toBeGreaterThanOrEqual(2);

      // The fleet comes online and into the index.
      const base = `http://127.0.0.1:${http}`;
      const ops = { headers: { authorization: `Bearer ${token('operator')}` } };
      for (;;) {
        const cells = (await (await fetch(`${base}/api/cells?bbox=-76.8,39.1,-76.4,39.5&res=6`, ops)).json()) as {
          total?: number;
        };
        if (cells.total === 20) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      // A rider follows drv-00001 (the dev rider token watches it) and receives its fixes.
      const rider = await mqtt.connectAsync(`ws://127.0.0.1:${http}/mqtt`, {
        clientId: 'rider:rider-1:smoke',
        username: 'rider',
        password: token('rider \\(watches drv-00001\\)'),
        reconnectPeriod: 0,
      });
      const fix = new Promise<Buffer>((resolve) => rider.once('message', (_t, payload) => resolve(payload)));
      await rider.subscribeAsync('d/drv-00001/l');
      expect(decodeLocation(await fix)).toMatchObject({ ok: true, value: { simulated: true } });
      await rider.endAsync();

      launcher.kill('SIGINT');
      const [code] = (await once(launcher, 'exit')) as [number];
      expect(code).toBe(0);
      expect(pids.filter(alive)).toEqual([]);
    },
  );
});
