import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';

export interface MosquittoProcess {
  mqttPort: number;
  wsPort: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** What to run when Mosquitto is missing (Debian's package). */
export const MOSQUITTO_INSTALL = 'apt-get update && apt-get install -y --no-install-recommends mosquitto';

/** Whether Debian's `mosquitto` broker can be started here. */
export function mosquittoInstalled(): boolean {
  const probe = spawnSync('mosquitto', ['-h'], { stdio: 'ignore' });
  return (probe.error as NodeJS.ErrnoException | undefined)?.code !== 'ENOENT';
}

/**
 * Debian's Mosquitto with a TCP and a WebSocket listener on loopback, anonymous, for benchmarks:
 * the reference broker, or a sink that is not the bottleneck. `maxFiles` raises its open-file limit
 * (a connection each) where the machine allows it.
 */
export async function startMosquittoProcess(options: { maxFiles?: number } = {}): Promise<MosquittoProcess> {
  if (!mosquittoInstalled()) throw new Error(`mosquitto is not installed; as root: ${MOSQUITTO_INSTALL}`);
  const [mqttPort, wsPort] = [await freePort(), await freePort()];
  const dir = await mkdtemp(join(tmpdir(), 'ridetrack-mosquitto-'));
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(
    conf,
    [
      'allow_anonymous true',
      'log_dest none',
      'persistence false',
      'max_connections -1',
      `listener ${mqttPort}`,
      `listener ${wsPort} 127.0.0.1`,
      'protocol websockets',
      '',
    ].join('\n'),
  );
  const child =
    options.maxFiles === undefined
      ? spawn('mosquitto', ['-c', conf], { stdio: 'ignore' })
      : spawn('sh', ['-c', `ulimit -n ${options.maxFiles} 2>/dev/null; exec mosquitto -c "$0"`, conf], {
          stdio: 'ignore',
        });
  // Mosquitto prints nothing when ready; poll its port.
  for (let i = 0; i < 100; i++) {
    const taken = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(true));
      s.listen(mqttPort, '127.0.0.1', () => s.close(() => resolve(false)));
    });
    if (taken) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    mqttPort,
    wsPort,
    process: child,
    stop: () => killed(child),
  };
}

/** Kills a child process (SIGKILL) and resolves once it has exited. */
export function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
