import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../testkit/src/ports';
import { INDEX_REDIS_SETTINGS } from '../testkit/src/process-settings';
import type { Children } from './children';

export interface SessionRedis {
  url: string;
  port: number;
  /** "7.0.15", from the server's start-up line. */
  version: string;
}

/** True when `redis-server` is on the PATH. */
export function redisInstalled(): boolean {
  return spawnSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' }).status === 0;
}

/**
 * A redis-server for this session on a free loopback port (working files in `dir`), run as one of
 * the launcher's children; resolves once it accepts connections. It starts empty and saves
 * nothing: a session's trips would otherwise outlive it, and the drivers they held (for up to
 * TRIP_TTL_S) could not be dispatched after the next `npm start` ("no cars available").
 */
export async function startSessionRedis(children: Children, dir: string): Promise<SessionRedis> {
  const port = await freePort();
  mkdirSync(dir, { recursive: true });
  // What versions before this one saved.
  rmSync(join(dir, 'dump.rdb'), { force: true });
  let version = '';
  let warning = '';
  let ready: () => void = () => undefined;
  const accepting = new Promise<void>((resolve) => (ready = resolve));
  const child = children.start(
    'redis',
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      ...INDEX_REDIS_SETTINGS,
    ],
    {},
    {
      stdout: (line) => {
        version ||= /Redis version=([\d.]+)/.exec(line)?.[1] ?? '';
        // Redis logs to stdout; " # " marks its warnings, where a failure to start says why.
        if (line.includes(' # ')) warning = line.slice(line.indexOf(' # ') + 3);
        if (line.includes('Ready to accept connections')) ready();
      },
    },
  );
  const exited = new Promise<never>((_, reject) =>
    child.process.once('exit', () =>
      reject(new Error(`redis-server did not start: ${warning || (child.lastErrors.at(-1) ?? 'see the log')}`)),
    ),
  );
  exited.catch(() => undefined); // once running, a later exit is the launcher's to report
  await Promise.race([accepting, exited]);
  return { url: `redis://127.0.0.1:${port}`, port, version };
}
