import type {} from '@ridetrack/testkit';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { checkIndexEncodings } from './open-index';

const redis = new Redis(inject('redisUrl'));
afterAll(async () => {
  await redis.quit();
});

function capture() {
  const lines: { msg: string; setting?: string; value?: number }[] = [];
  const log = pino({}, { write: (s: string) => lines.push(JSON.parse(s) as (typeof lines)[number]) });
  return { log, lines };
}

describe('checkIndexEncodings', () => {
  it("warns, with the fix, when Redis would keep the cells' hashes in the larger encoding", async () => {
    // The tests' Redis runs with Redis's default, 64.
    const { log, lines } = capture();
    await checkIndexEncodings(redis, log);
    expect(lines.map((l) => [l.setting, l.value])).toEqual([['hash-max-listpack-value', 64]]);
    expect(lines[0]?.msg).toContain('CONFIG SET hash-max-listpack-value 160');
  });

  it('says nothing when Redis has the setting of infra/redis/redis.conf', async () => {
    const settings = new Redis(inject('redisUrl'));
    // Affects only how the shared test Redis encodes small hashes, never what they hold.
    await settings.config('SET', 'hash-max-listpack-value', '160');
    try {
      const { log, lines } = capture();
      await checkIndexEncodings(redis, log);
      expect(lines).toEqual([]);
    } finally {
      await settings.config('SET', 'hash-max-listpack-value', '64');
      await settings.quit();
    }
  });
});
