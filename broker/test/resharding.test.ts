import { randomUUID } from 'node:crypto';
import { type TestRedis, useRedisCluster } from '@ridetrack/testkit';
import calculateSlot from 'cluster-key-slot';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { type LocationFix } from '@ridetrack/shared';
import { RedisHistory } from '../src/history/redis-history';
import { LastPositionStore } from '../src/mqtt/backends/last-position-store';
import { PublishBatch } from '../src/mqtt/backends/publish-batch';
import { retainedKey } from '../src/mqtt/backends/retained-keys';
import { historyKeys } from '../src/store/keys';
import { isCluster, openRedis, parseClusterNodes, type RedisClient } from '../src/store/redis-client';

/**
 * The batched writes of a clustered node (decision 0009) while a slot moves, as in a resharding:
 * each writer groups a batch by its client's slot table and sends one script per primary, so a
 * table that is out of date sends a key to a primary that no longer serves it. Redis refuses that
 * script, and the writer must then write the batch one command at a time, each routed (and
 * redirected) on its own: nothing lost, nothing written to the wrong server. A cluster of its own,
 * since a slot is moved for good.
 */
const redis = useRedisCluster();
const clients: RedisClient[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.quit().catch(() => undefined)));
});

function client(options: { shardedSubscribers?: boolean; autoPipelining?: boolean } = {}): RedisClient {
  const c = openRedis(
    { kind: 'cluster', nodes: parseClusterNodes(redis.cluster.nodes) ?? [] },
    { failFast: false, ...options },
  );
  clients.push(c);
  return c;
}

const primaries = async (): Promise<TestRedis[]> => {
  const out: TestRedis[] = [];
  for (const s of redis.cluster.servers)
    if ((await s.command(['ROLE']).catch(() => '')).startsWith('master')) out.push(s);
  return out;
};

/** Moves an empty slot to another primary, as `redis-cli --cluster reshard` does, and waits until every server agrees. */
async function moveSlot(slot: number): Promise<void> {
  const from = await redis.cluster.primaryOf(slot);
  const all = await primaries();
  const to = all.find((s) => s !== from) as TestRedis;
  const id = (s: TestRedis) => s.command(['CLUSTER', 'MYID']);
  const [fromId, toId] = [await id(from), await id(to)];
  await to.command(['CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', fromId]);
  await from.command(['CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', toId]);
  await to.command(['CLUSTER', 'SETSLOT', String(slot), 'NODE', toId]);
  await from.command(['CLUSTER', 'SETSLOT', String(slot), 'NODE', toId]);
  for (const s of all) if (s !== from && s !== to) await s.command(['CLUSTER', 'SETSLOT', String(slot), 'NODE', toId]);
  // Every server, replicas included, sees the slot on its new primary.
  await vi.waitFor(
    async () => {
      for (const s of redis.cluster.servers) {
        const line = (await s.command(['CLUSTER', 'NODES'])).split('\n').find((l) => l.startsWith(toId)) ?? '';
        expect(owns(line, slot)).toBe(true);
      }
    },
    { timeout: 10_000, interval: 100 },
  );
  await redis.cluster.settled();
}

/** Whether a CLUSTER NODES line lists the slot among its node's ranges. */
function owns(line: string, slot: number): boolean {
  return line
    .split(' ')
    .slice(8)
    .some((r) => {
      const [lo, hi] = r.split('-').map(Number);
      return lo !== undefined && slot >= lo && slot <= (hi ?? lo);
    });
}

/**
 * Two keys the client's table puts on one primary, in different slots; the first one's slot is
 * then moved away while the client's table still has it where it was (as between a resharding and
 * the client's next refresh).
 */
async function splitPair(c: RedisClient, keyOf: (i: number) => string): Promise<[number, number]> {
  if (!isCluster(c)) throw new Error('not a cluster client');
  const nodeOf = (i: number) => c.slots[calculateSlot(keyOf(i))]?.[0];
  for (let i = 0; i < 1000; i++)
    for (let j = i + 1; j < i + 50; j++) {
      if (calculateSlot(keyOf(i)) === calculateSlot(keyOf(j)) || nodeOf(i) !== nodeOf(j) || nodeOf(i) === undefined)
        continue;
      const slot = calculateSlot(keyOf(i));
      const before = c.slots[slot];
      await moveSlot(slot);
      if (before !== undefined) c.slots[slot] = before;
      return [i, j];
    }
  throw new Error('no two keys on one primary');
}

describe('batched writes while a slot moves (Redis Cluster)', () => {
  it('publishes every message of a batch whose slot moved, one by one, to its subscribers', async () => {
    const pub = client();
    await pub.ping();
    const base = `test:${randomUUID()}:d:`;
    const channel = (i: number) => `${base}{drv-${i}}`;
    const [a, b] = await splitPair(pub, channel);
    const sub = client({ shardedSubscribers: true });
    await sub.ping();
    const got: string[] = [];
    sub.on('smessageBuffer', (_ch: Buffer, m: Buffer) => got.push(m.toString()));
    await sub.ssubscribe(channel(a));
    await sub.ssubscribe(channel(b));
    const errors: Error[] = [];
    const batch = new PublishBatch(pub, (err) => errors.push(err));
    const scripts = vi.spyOn(pub as unknown as { rtPublishMany: () => Promise<number> }, 'rtPublishMany');
    // The moved channel first (the script is sent where it was, and redirected), then last.
    batch.add(channel(a), Buffer.from('a1'));
    batch.add(channel(b), Buffer.from('b1'));
    batch.flush();
    await vi.waitFor(() => expect(got.sort()).toEqual(['a1', 'b1']), { timeout: 5000 });
    batch.add(channel(b), Buffer.from('b2'));
    batch.add(channel(a), Buffer.from('a2'));
    batch.flush();
    await vi.waitFor(() => expect(got.sort()).toEqual(['a1', 'a2', 'b1', 'b2']), { timeout: 5000 });
    expect(scripts).toHaveBeenCalled();
    expect(errors).toEqual([]);
  });

  it('stores every last position of a batch whose slot moved, read back by another node', async () => {
    const conn = client();
    await conn.ping();
    const root = `test/${randomUUID()}`;
    const topic = (i: number) => `${root}/d${i}/l`;
    const [a, b] = await splitPair(conn, (i) => retainedKey(topic(i)));
    const errors: Error[] = [];
    const store = new LastPositionStore(conn, (err) => errors.push(err));
    const single = vi.spyOn(conn, 'set');
    for (const i of [a, b])
      await store.storeRetained({
        cmd: 'publish',
        topic: topic(i),
        payload: Buffer.from(`p${i}`),
        qos: 0,
        retain: true,
      });
    await store.flush();
    // The script, routed by the moved key, was redirected to its new primary, which wrote it and
    // refused the other: only that one was written again on its own.
    expect(single).toHaveBeenCalledTimes(1);
    expect(single.mock.calls[0]?.[0]).toBe(retainedKey(topic(b)));
    const other = client();
    await other.ping();
    const reader = new LastPositionStore(other, (err) => errors.push(err));
    const read = new Map<string, string>();
    for await (const p of reader.createRetainedStreamCombi([`${root}/+/l`])) read.set(p.topic, p.payload.toString());
    expect(read).toEqual(
      new Map([
        [topic(a), `p${a}`],
        [topic(b), `p${b}`],
      ]),
    );
    expect(errors).toEqual([]);
  });

  it('records every fix of a batch whose slot moved in its driver’s history', async () => {
    const conn = client({ autoPipelining: true });
    await conn.ping();
    const prefix = `test:${randomUUID()}:`;
    const keys = historyKeys(prefix);
    const [a, b] = await splitPair(conn, (i) => keys.track(`drv-${i}`));
    const history = new RedisHistory(conn, prefix, 3_600_000);
    const T0 = Date.now();
    const fix = (seq: number): LocationFix => ({
      seq,
      timestampMs: T0,
      lat: 39.28,
      lng: -76.6,
      headingDeg: 0,
      speedMps: 5,
      accuracyM: 5,
      tripState: 'available',
      simulated: true,
    });
    await history.append(
      [
        { driverId: `drv-${a}`, receivedMs: T0, fix: fix(1) },
        { driverId: `drv-${b}`, receivedMs: T0, fix: fix(2) },
      ],
      T0,
    );
    expect((await history.track(`drv-${a}`, 0, T0 + 1000, 10, T0)).map((p) => p.fix.seq)).toEqual([1]);
    expect((await history.track(`drv-${b}`, 0, T0 + 1000, 10, T0)).map((p) => p.fix.seq)).toEqual([2]);
  });
});
