import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { closeAfterAll, connectTo, redisTargets } from '../../../test/stores';
import { isCluster, openRedis } from '../../store/redis-client';
import { PublishBatch } from './publish-batch';

const opened = closeAfterAll();

describe.each(redisTargets())('PublishBatch (%s)', (_name, target) => {
  it('publishes a turn of 60 drivers with one script call per shard, each message once and in order', async () => {
    const pub = connectTo(target);
    const sub = openRedis(target, { failFast: false, shardedSubscribers: true });
    opened(pub, sub);
    // Both ready before anything is sent: the slot table, on a cluster; and a subscriber that
    // subscribes while still connecting can have ioredis's ready check (INFO) refused.
    await Promise.all([pub.ping(), sub.ping()]);
    const sharded = isCluster(pub);
    const channels = Array.from({ length: 60 }, (_, i) => `test:${randomUUID()}:d:{drv-${i}}`);
    const got = new Map<string, string[]>();
    const arrived = (ch: Buffer, m: Buffer): void => {
      const list = got.get(ch.toString()) ?? [];
      list.push(m.toString());
      got.set(ch.toString(), list);
    };
    sub.on(sharded ? 'smessageBuffer' : 'messageBuffer', arrived);
    for (const ch of channels) await (sharded ? sub.ssubscribe(ch) : sub.subscribe(ch));
    const errors: Error[] = [];
    const batch = new PublishBatch(pub, (err) => errors.push(err));
    const scripts = vi.spyOn(pub as unknown as { rtPublishMany: () => Promise<number> }, 'rtPublishMany');
    const single = vi.spyOn(pub, sharded ? 'spublish' : 'publish');
    for (const ch of channels) batch.add(ch, Buffer.from(`${ch}#1`));
    for (const ch of channels) batch.add(ch, Buffer.from(`${ch}#2`));
    await vi.waitFor(() => expect([...got.values()].flat()).toHaveLength(120), { timeout: 5000 });
    for (const ch of channels) expect(got.get(ch)).toEqual([`${ch}#1`, `${ch}#2`]);
    expect(errors).toEqual([]);
    expect(single).not.toHaveBeenCalled();
    expect(scripts).toHaveBeenCalledTimes(sharded ? 3 : 1);
  });
});
