import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';

/** A throwaway redis-server on a free loopback port, with no persistence, for tests and benchmarks. */
export interface TestRedis {
  url: string;
  port: number;
  process: ChildProcess;
  /** Runs one command with redis-cli; resolves with its output, trimmed. */
  command(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts redis-server; `port` lets a test restart one where it was. With `configFile`, that file's
 * settings apply (only the port and data folder are set here); without, no persistence. `settings`
 * come last (for example `['--hash-max-listpack-value', '160']`).
 */
export async function startRedis(
  port?: number,
  configFile?: string,
  extra: readonly string[] = [],
): Promise<TestRedis> {
  // A free port can be taken by another test between being found and being bound: a server that
  // exits as it starts is tried again on another port (when the caller did not name one).
  for (let attempt = 1; ; attempt++) {
    try {
      return await startRedisOn(port ?? (await freePort()), configFile, extra);
    } catch (err) {
      if (port !== undefined || attempt >= START_ATTEMPTS) throw err;
    }
  }
}

/** Tries at starting a server on a port found free. */
export const START_ATTEMPTS = 3;

async function startRedisOn(p: number, configFile: string | undefined, extra: readonly string[]): Promise<TestRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'ridetrack-redis-'));
  const settings =
    configFile === undefined
      ? ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]
      : [configFile, '--port', String(p), '--dir', dir];
  const child = spawn('redis-server', [...settings, ...extra], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Ready to accept connections')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out.slice(-500)}`)));
    });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `redis://127.0.0.1:${p}`,
    port: p,
    process: child,
    command: (args) =>
      new Promise((resolve, reject) => {
        execFile('redis-cli', ['-p', String(p), ...args], (err, stdout) => {
          if (err === null) resolve(stdout.trim());
          else reject(new Error(`redis-cli ${args.join(' ')}: ${err.message}`));
        });
      }),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
