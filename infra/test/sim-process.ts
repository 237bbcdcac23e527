import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const SIM = join(ROOT, 'driver-sim/src/main.ts');

/** The simulator as its own process (`npm run sim`), for tests of the apps that watch it. */
export function startSimProcess(
  args: string[],
  env: Record<string, string> = {},
): { process: ChildProcess; stop(signal?: NodeJS.Signals): Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', SIM, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  return {
    process: child,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await once(child, 'exit');
    },
  };
}

export const WEB_DIR = join(ROOT, 'rider-web', 'dist');
export const ARTIFACTS = join(ROOT, 'test-artifacts');
