import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startRedis } from '@ridetrack/testkit';

const INFRA = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('infra/redis/redis.conf', () => {
  it('starts redis-server with the settings ridetrack relies on', { timeout: 20_000 }, async () => {
    const redis = await startRedis(undefined, join(INFRA, 'redis/redis.conf'));
    try {
      expect(await redis.command(['PING'])).toBe('PONG');
      expect(await redis.command(['CONFIG', 'GET', 'maxmemory-policy'])).toContain('noeviction');
      expect(await redis.command(['CONFIG', 'GET', 'appendonly'])).toContain('yes');
      expect(await redis.command(['CONFIG', 'GET', 'hash-max-listpack-value'])).toContain('160');
      expect(await redis.command(['CONFIG', 'GET', 'client-output-buffer-limit'])).toContain(
        'pubsub 268435456 67108864 60',
      );
    } finally {
      await redis.stop();
    }
  });
});
