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
  const p = port ?? (await freePort());
  const dir = await mkdtemp(join(tmpdir(), 'ridetrack-redis-'));
  const settings =
    configFile === undefined
      ? ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir]
      : [configFile, '--port', String(p), '--dir', dir];
  const child = spawn('redis-server', [...settings, ...extra], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out.slice(-500)}`)));
  });
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
