import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { settingsOf, useStarted, type Settings } from './hooks';
import { REPO_ROOT as ROOT } from './repo-root';

const SIM = join(ROOT, 'driver-sim/src/main.ts');
/** A folder with no dev env file in it. */
export const NO_DEV_ENV = join(tmpdir(), 'ridetrack-no-dev-env');

/** The simulator as its own process: its child process (a test may pause it) and how to stop it. */
export interface SimProcess {
  process: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * The simulator as its own process (`npm run sim`), for tests of the apps that watch it: a fleet
 * only, so without the observer its report would use, and blind to a dev env file a developer's
 * own `npm start` may have left in the repo (its secret would change the drivers' ids).
 */
export function startSimProcess(args: string[], env: Record<string, string> = {}): SimProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', SIM, '--no-observer', ...args], {
    cwd: ROOT,
    env: { ...process.env, RIDETRACK_DIR: NO_DEV_ENV, ...env },
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

/**
 * The simulator as a process, started before the block's tests and stopped after them (before the
 * broker it drives, when `useBrokerProcess` was called first). `args` and `env` may be functions,
 * read when it starts: the broker's address is known only then.
 */
export function useSimProcess(args: string[] | (() => string[]), env: Settings = {}): SimProcess {
  const sim = useStarted(
    () => Promise.resolve(startSimProcess(typeof args === 'function' ? args() : args, settingsOf(env))),
    (s) => s.stop(),
    'the simulator process of this block',
  );
  return {
    get process() {
      return sim().process;
    },
    stop: (signal) => sim().stop(signal),
  };
}

export const WEB_DIR = join(ROOT, 'rider-web', 'dist');
export const ARTIFACTS = join(ROOT, 'test-artifacts');
