import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { closeAfterAll, connectTo, redisTargets } from '../../../test/stores';
import { isCluster } from '../../store/redis-client';
import { LastPositionStore, type RetainedPacket } from './last-position-store';

const opened = closeAfterAll();

async function collect(stream: AsyncIterable<RetainedPacket>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const p of stream) out.set(p.topic, p.payload.toString());
  return out;
}

describe.each(redisTargets())('LastPositionStore (%s)', (_name, target) => {
  it('writes a flush of last positions with one call per shard, read back whole by another node, deletions included', async () => {
    const conn = connectTo(target);
    const other = connectTo(target);
    opened(conn, other);
    await Promise.all([conn.ping(), other.ping()]); // the slot tables and primaries, on a cluster
    const store = new LastPositionStore(conn, (err) => {
      throw err;
    });
    const reader = new LastPositionStore(other, (err) => {
      throw err;
    });
    const root = `test/${randomUUID()}`;
    const topic = (i: number): string => `${root}/d${i}/l`;
    const write = isCluster(conn) ? vi.spyOn(conn, 'set') : vi.spyOn(conn, 'hset');
    for (let i = 0; i < 40; i++)
      await store.storeRetained({
        cmd: 'publish',
        topic: topic(i),
        payload: Buffer.from(`p${i}`),
        qos: 0,
        retain: true,
      });
    await store.flush();
    const all = await collect(reader.createRetainedStreamCombi([`${root}/+/l`]));
    expect(all.size).toBe(40);
    for (let i = 0; i < 40; i++) expect(all.get(topic(i))).toBe(`p${i}`);
    // The same through other filters: `#`, an exact topic beside a wildcard (given once), `+` twice.
    expect((await collect(reader.createRetainedStreamCombi([`${root}/#`]))).size).toBe(40);
    expect((await collect(reader.createRetainedStreamCombi([topic(3), `${root}/+/l`]))).size).toBe(40);
    expect(await collect(reader.createRetainedStreamCombi([topic(3)]))).toEqual(new Map([[topic(3), 'p3']]));
    // One hash write on a single Redis; on a cluster, the scripts wrote (no SET per topic).
    expect(write).toHaveBeenCalledTimes(isCluster(conn) ? 0 : 1);
    for (let i = 0; i < 40; i += 2)
      await store.storeRetained({ cmd: 'publish', topic: topic(i), payload: Buffer.alloc(0), qos: 0, retain: true });
    await store.flush();
    const left = await collect(reader.createRetainedStreamCombi([`${root}/+/l`]));
    expect([...left.keys()].sort()).toEqual(Array.from({ length: 20 }, (_, k) => topic(2 * k + 1)).sort());
  });
});
