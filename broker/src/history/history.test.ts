import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeLocation, type LocationFix } from '@ridetrack/shared';
import { closeAfterAll, connectTo, redisTargets } from '../../test/stores';
import { historyKeys } from '../store/keys';
import type { RedisClient } from '../store/redis-client';
import { MemoryHistory } from './memory-history';
import { OffHistory } from './off-history';
import { RedisHistory } from './redis-history';
import type { HistoryStore, TrackPoint } from './types';
import { openRedis, type RedisTarget } from '../store/redis-client';

const openHistoryRedis = (target: RedisTarget) => openRedis(target, { failFast: false, autoPipelining: true });

const T0 = 1_764_288_000_000;
const HOUR = 3_600_000;
const RETENTION = 24 * HOUR;

const opened = closeAfterAll();
/** A raw connection to each Redis backend, to look at the keys a store wrote. */
const raw = new Map(redisTargets().map(([name, target]) => [name, connectTo(target)] as const));
opened(...raw.values());

/** A fix as the gate accepts it, at whole 1e-7 degrees and 0.1 units so the packet keeps it exactly. */
function fix(i: number, over: Partial<LocationFix> = {}): LocationFix {
  return {
    seq: i,
    timestampMs: T0 + i * 1000 - 150,
    lat: (392_900_000 + i * 1000) / 1e7,
    lng: (-766_100_000 - i * 1000) / 1e7,
    headingDeg: (i * 10) % 360,
    speedMps: 8.5,
    accuracyM: 5,
    tripState: 'on_trip',
    simulated: true,
    ...over,
  };
}

const point = (driverId: string, i: number, receivedMs = T0 + i * 1000, over: Partial<LocationFix> = {}) =>
  ({ driverId, receivedMs, fix: fix(i, over) }) satisfies TrackPoint;

const prefixes = new Map<HistoryStore, { prefix: string; redis: RedisClient }>();
/** Memory, one Redis, and a Redis Cluster (each driver's stream and trips spread over its shards). */
const backends: [string, () => HistoryStore][] = [
  ['memory', () => new MemoryHistory(RETENTION, 64 * 1024 * 1024)],
  ...redisTargets().map(([name, target]): [string, () => HistoryStore] => [
    name,
    () => {
      const prefix = `test:${randomUUID()}:`;
      // As the broker opens it: a batch's writes pipelined per server.
      const store = new RedisHistory(openHistoryRedis(target), prefix, RETENTION);
      prefixes.set(store, { prefix, redis: raw.get(name) as RedisClient });
      return store;
    },
  ]),
];

describe.each(backends)('history store (%s backend)', (name, make) => {
  const fresh = (): HistoryStore => {
    const store = make();
    opened(store);
    return store;
  };

  it('gives back a driver’s fixes in the order accepted, with their accept times, others left out', async () => {
    const h = fresh();
    // Two drivers interleaved, over three batches.
    const all = Array.from({ length: 30 }, (_, i) => point(i % 2 === 0 ? 'drv-a' : 'drv-b', i));
    await h.append(all.slice(0, 7), T0 + 7000);
    await h.append(all.slice(7, 20), T0 + 20_000);
    await h.append(all.slice(20), T0 + 30_000);
    const a = await h.track('drv-a', 0, T0 + HOUR, 1000, T0 + 30_000);
    expect(a).toEqual(all.filter((p) => p.driverId === 'drv-a'));
    expect(await h.track('drv-c', 0, T0 + HOUR, 1000, T0 + 30_000)).toEqual([]);
  });

  it('reads a time range, both ends included, and at most `limit` fixes from its start', async () => {
    const h = fresh();
    const all = Array.from({ length: 20 }, (_, i) => point('drv-r', i));
    await h.append(all, T0 + 20_000);
    const range = await h.track('drv-r', T0 + 5000, T0 + 9000, 1000, T0 + 20_000);
    expect(range.map((p) => p.fix.seq)).toEqual([5, 6, 7, 8, 9]);
    const limited = await h.track('drv-r', T0 + 5000, T0 + 19_000, 3, T0 + 20_000);
    expect(limited.map((p) => p.fix.seq)).toEqual([5, 6, 7]);
  });

  it('keeps two fixes accepted in the same millisecond, in order', async () => {
    const h = fresh();
    await h.append([point('drv-s', 1, T0), point('drv-s', 2, T0), point('drv-s', 3, T0 + 1)], T0 + 1);
    expect((await h.track('drv-s', T0, T0 + 1, 10, T0 + 1)).map((p) => p.fix.seq)).toEqual([1, 2, 3]);
  });

  it('records a fix stamped before the driver’s last one (another node’s clock) after it, at that time', async () => {
    const h = fresh();
    await h.append([point('drv-k', 1, T0 + 5000)], T0 + 5000);
    await h.append([point('drv-k', 2, T0 + 4000), point('drv-k', 3, T0 + 6000)], T0 + 6000);
    const got = await h.track('drv-k', 0, T0 + 10_000, 10, T0 + 10_000);
    expect(got.map((p) => [p.fix.seq, p.receivedMs])).toEqual([
      [1, T0 + 5000],
      [2, T0 + 5000],
      [3, T0 + 6000],
    ]);
  });

  it('keeps fixes for the retention and no longer', async () => {
    const h = fresh();
    // 300 old fixes, then a day later 300 new ones.
    const old = Array.from({ length: 300 }, (_, i) => point('drv-old', i, T0 + i * 100));
    await h.append(old, T0 + 30_000);
    const later = T0 + RETENTION + 60_000;
    const fresh2 = Array.from({ length: 300 }, (_, i) => point('drv-old', 1000 + i, later + i * 100));
    await h.append(fresh2, later + 30_000);
    const kept = await h.track('drv-old', 0, later + HOUR, 10_000, later + 30_000);
    expect(kept.map((p) => p.fix.seq)).toEqual(fresh2.map((p) => p.fix.seq));
    await h.sweep(later + 30_000);
    if (h instanceof MemoryHistory) {
      // The old fixes' memory is given back, not just hidden: 300 fixes fill four and a bit chunks.
      expect(h.bytes).toBeLessThanOrEqual(6 * 64 * 32);
    } else {
      const { prefix, redis } = prefixes.get(h) as { prefix: string; redis: RedisClient };
      const key = historyKeys(prefix).track('drv-old');
      // MINID ~ trims whole stream nodes (100 entries): most of the old ones are gone already.
      expect(await redis.xlen(key)).toBeLessThan(450);
      const ttl = await redis.pttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(RETENTION + 60_000);
    }
  });

  it('forgets a driver that fell silent for longer than the retention', async () => {
    const h = fresh();
    await h.append([point('drv-quiet', 1)], T0 + 1000);
    await h.sweep(T0 + RETENTION + 2000);
    expect(await h.track('drv-quiet', 0, T0 + 2 * RETENTION, 10, T0 + RETENTION + 2000)).toEqual([]);
  });

  it('records trips: start once, end, newest first per driver, kept for the retention', async () => {
    const h = fresh();
    await h.tripStarted({ tripId: 't-1', driverId: 'drv-t', riderId: 'rider-1', startMs: T0 }, T0);
    // The same start heard again (from another node) does not change it.
    await h.tripStarted({ tripId: 't-1', driverId: 'drv-t', riderId: 'rider-x', startMs: T0 + 5 }, T0 + 5);
    await h.tripEnded('t-1', T0 + 600_000, T0 + 600_000);
    await h.tripStarted({ tripId: 't-2', driverId: 'drv-t', riderId: null, startMs: T0 + HOUR }, T0 + HOUR);
    await h.tripEnded('t-unknown', T0 + HOUR, T0 + HOUR);
    const now = T0 + HOUR + 1;
    expect(await h.trip('t-1', now)).toEqual({
      tripId: 't-1',
      driverId: 'drv-t',
      riderId: 'rider-1',
      startMs: T0,
      endMs: T0 + 600_000,
    });
    expect(await h.trip('t-unknown', now)).toBeNull();
    expect((await h.tripsOf('drv-t', 10, now)).map((t) => [t.tripId, t.endMs])).toEqual([
      ['t-2', null],
      ['t-1', T0 + 600_000],
    ]);
    expect((await h.tripsOf('drv-t', 1, now)).map((t) => t.tripId)).toEqual(['t-2']);
    // A day after the first trip started, only the second is kept.
    const dayLater = T0 + RETENTION + 1000;
    await h.sweep(dayLater);
    expect(await h.trip('t-1', dayLater)).toBeNull();
    expect((await h.tripsOf('drv-t', 10, dayLater)).map((t) => t.tripId)).toEqual(['t-2']);
    if (name !== 'memory') {
      const { prefix, redis } = prefixes.get(h) as { prefix: string; redis: RedisClient };
      const ttl = await redis.pttl(historyKeys(prefix).trip('t-2'));
      expect(ttl).toBeGreaterThan(RETENTION - 60_000); // its retention, counted from its start
    }
  });
});

describe.each(redisTargets())('history store in Redis shared by nodes (%s)', (name, target) => {
  it('keeps a driver’s track in order when another node, its clock ahead, wrote to it last', async () => {
    const prefix = `test:${randomUUID()}:`;
    const redis = raw.get(name) as RedisClient;
    const h = new RedisHistory(openHistoryRedis(target), prefix, RETENTION);
    opened(h);
    const key = historyKeys(prefix).track('drv-n');
    await h.append([point('drv-n', 1, T0 + 5000)], T0 + 5000);
    // The driver moved to another node, whose clock is 1.5 s ahead: its fix is stamped T0 + 6500.
    await redis.xadd(key, `${T0 + 6500}-*`, 'p', Buffer.from(encodeLocation(fix(2))));
    // Back on this node: two fixes, the first stamped before that one, the second after it.
    await h.append([point('drv-n', 3, T0 + 6000), point('drv-n', 4, T0 + 7000)], T0 + 7000);
    const got = await h.track('drv-n', 0, T0 + 10_000, 10, T0 + 10_000);
    expect(got.map((p) => [p.fix.seq, p.receivedMs])).toEqual([
      [1, T0 + 5000],
      [2, T0 + 6500],
      [3, T0 + 6500],
      [4, T0 + 7000],
    ]);
  });
});

describe('history store (off: live-only mode)', () => {
  it('keeps nothing', async () => {
    const h: HistoryStore = new OffHistory();
    await h.append([point('drv-a', 1)], T0 + 1000);
    await h.tripStarted({ tripId: 't-1', driverId: 'drv-a', riderId: 'r', startMs: T0 }, T0);
    expect(await h.track('drv-a', 0, T0 + HOUR, 10, T0 + 1000)).toEqual([]);
    expect(await h.trip('t-1', T0 + 1000)).toBeNull();
    expect(await h.tripsOf('drv-a', 10, T0 + 1000)).toEqual([]);
  });
});

describe('memory history budget', () => {
  it('drops the oldest full chunks, whoever’s they are, to stay within its memory budget', async () => {
    const budget = 10 * 64 * 32; // ten chunks
    const h = new MemoryHistory(RETENTION, budget);
    // drv-1 fills eight chunks first, then drv-2 eight more.
    for (const [id, base] of [
      ['drv-1', 0],
      ['drv-2', 1000],
    ] as const) {
      const points = Array.from({ length: 8 * 64 }, (_, i) => point(id, base + i, T0 + (base + i) * 100));
      await h.append(points, T0 + (base + 8 * 64) * 100);
    }
    expect(h.bytes).toBeLessThanOrEqual(budget);
    const now = T0 + 2000 * 100;
    const one = await h.track('drv-1', 0, now, 10_000, now);
    const two = await h.track('drv-2', 0, now, 10_000, now);
    expect(two).toHaveLength(8 * 64); // the newest driver's fixes are all there
    expect(one.length).toBe(2 * 64); // the oldest six of drv-1's chunks went
    expect(one[0]?.fix.seq).toBe(6 * 64); // and they were the oldest
  });
});
