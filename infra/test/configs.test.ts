import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from './redis-server';

const INFRA = join(dirname(fileURLToPath(import.meta.url)), '..');

const cli = (port: number, ...args: string[]) =>
  new Promise<string>((resolve, reject) => {
    execFile('redis-cli', ['-p', String(port), ...args], (err, out) => {
      if (err === null) resolve(out.trim());
      else reject(new Error(`redis-cli: ${err.message}`));
    });
  });

describe('infra/redis/redis.conf', () => {
  it('starts redis-server with the settings ridetrack relies on', { timeout: 20_000 }, async () => {
    const port = await freePort();
    const dir = await mkdtemp(join(tmpdir(), 'ridetrack-conf-'));
    const redis = spawn('redis-server', [join(INFRA, 'redis/redis.conf'), '--port', String(port), '--dir', dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        redis.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('Ready to accept connections')) resolve();
        });
        redis.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out.slice(-400)}`)));
      });
      expect(await cli(port, 'PING')).toBe('PONG');
      expect(await cli(port, 'CONFIG', 'GET', 'maxmemory-policy')).toContain('noeviction');
      expect(await cli(port, 'CONFIG', 'GET', 'appendonly')).toContain('yes');
      expect(await cli(port, 'CONFIG', 'GET', 'client-output-buffer-limit')).toContain('pubsub 268435456 67108864 60');
    } finally {
      redis.kill('SIGKILL');
      await once(redis, 'exit');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
