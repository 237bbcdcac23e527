import { randomUUID } from 'node:crypto';
import { freePort, until } from '@ridetrack/testkit';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { closeAfterAll, connectTo, redisTargets } from '../../test/stores';
import type { RedisClient } from '../store/redis-client';
import { MemoryTripStore } from './memory-trip-store';
import { openTripStore } from './open-trip-store';
import { RedisTripStore } from './redis-trip-store';
import type { Trip } from './trip';
import { TripStoreUnavailableError, type TripStore } from './trip-store';

const opened = closeAfterAll();

/**
 * Two broker nodes' views of one store: in memory, one process's store (a memory store is never
 * shared); in Redis and a Redis Cluster, two stores on connections of their own with one key
 * prefix, as two nodes have. `raw` reads and writes the keys beside them (null in memory).
 */
interface Nodes {
  a: TripStore;
  b: TripStore;
  raw: RedisClient | null;
  prefix: string;
}

const backends: [string, () => Nodes][] = [
  [
    'memory',
    () => {
      const store = new MemoryTripStore();
      return { a: store, b: store, raw: null, prefix: '' };
    },
  ],
  ...redisTargets().map(([name, target]): [string, () => Nodes] => [
    name,
    () => {
      const prefix = `test:${randomUUID()}:`;
      const [ca, cb, raw] = [connectTo(target), connectTo(target), connectTo(target)];
      const nodes = { a: new RedisTripStore(ca, prefix), b: new RedisTripStore(cb, prefix), raw, prefix };
      opened(nodes.a, nodes.b, raw);
      return nodes;
    },
  ]),
];

function tripOf(id: string, over: Partial<Trip> = {}): Trip {
  return {
    id,
    driverId: 'drv-1',
    riderId: 'rider-1',
    pickup: { lat: 39.29, lng: -76.61 },
    dropoff: { lat: 39.3, lng: -76.6 },
    state: 'assigned',
    createdMs: 1_764_288_000_000,
    driver: { name: 'Ana', car: 'Blue Corolla', plate: 'RT 101' },
    waitS: 120,
    tried: [],
    drivenM: 0,
    version: 1,
    ...over,
  };
}

describe.each(backends)('trip store (%s)', (name, make) => {
  it('holds a driver for one trip at a time; only that trip lifts the hold', async () => {
    const { a, b } = make();
    expect(await a.hold('drv-1', 'trip-a', 10_000)).toBe(true);
    expect(await b.hold('drv-1', 'trip-b', 10_000)).toBe(false);
    await b.release('drv-1', 'trip-b'); // not its trip: no effect
    expect(await b.hold('drv-1', 'trip-b', 10_000)).toBe(false);
    await a.release('drv-1', 'trip-a');
    expect(await b.hold('drv-1', 'trip-b', 10_000)).toBe(true);
    // Another driver is another hold.
    expect(await a.hold('drv-2', 'trip-a', 10_000)).toBe(true);
  });

  it('gives a driver to exactly one of many trips asking at once, from two nodes', async () => {
    const { a, b } = make();
    for (let round = 0; round < 5; round++) {
      const driverId = `drv-race-${round}`;
      const asks = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).hold(driverId, `trip-${i}`, 10_000));
      expect((await Promise.all(asks)).filter(Boolean)).toHaveLength(1);
    }
  });

  it('lets a hold lapse after its time to live', async () => {
    const { a, b } = make();
    expect(await a.hold('drv-lapse', 'trip-a', 200)).toBe(true);
    expect(await b.hold('drv-lapse', 'trip-b', 10_000)).toBe(false);
    await until(() => b.hold('drv-lapse', 'trip-b', 10_000), 'the hold to lapse', { everyMs: 20, timeoutMs: 5000 });
  });

  it('keeps a trip as saved, as a copy, and knows no other', async () => {
    const { a, b } = make();
    const trip = tripOf('t-keep');
    await a.save(trip, 10_000);
    trip.state = 'cancelled'; // the caller's object, not the stored trip
    expect(await b.load('t-keep')).toEqual(tripOf('t-keep'));
    expect(await b.load('t-other')).toBeNull();
  });

  it('replaces a trip only over the version the writer read, and only one of two racing writers', async () => {
    const { a, b } = make();
    await a.save(tripOf('t-cas'), 10_000);
    const read = await b.load('t-cas');
    expect(read?.version).toBe(1);
    // Two nodes both read version 1; each writes its change over it: one wins.
    const waiting = { ...tripOf('t-cas'), state: 'waiting' as const, version: 2 };
    const cancelled = { ...tripOf('t-cas'), state: 'cancelled' as const, version: 2 };
    const won = await Promise.all([a.replace(waiting, 1), b.replace(cancelled, 1)]);
    expect(won.filter(Boolean)).toHaveLength(1);
    expect(await a.load('t-cas')).toEqual(won[0] ? waiting : cancelled);
    // The loser's version is stale now: refused, and the stored trip unchanged.
    expect(await b.replace({ ...cancelled, version: 3 }, 1)).toBe(false);
    expect((await a.load('t-cas'))?.version).toBe(2);
    // A trip never stored (or expired) is not created by a replace.
    expect(await a.replace(tripOf('t-none', { version: 2 }), 1)).toBe(false);
    expect(await a.load('t-none')).toBeNull();
  });

  it("lets a trip lapse after its time to live, which a replace keeps (never a trip's life extended)", async () => {
    const { a, b } = make();
    await a.save(tripOf('t-lapse'), 400);
    expect(await b.replace({ ...tripOf('t-lapse'), state: 'waiting', version: 2 }, 1)).toBe(true);
    expect((await a.load('t-lapse'))?.state).toBe('waiting');
    await until(async () => (await a.load('t-lapse')) === null, 'the trip to lapse', { everyMs: 20, timeoutMs: 5000 });
    expect(await b.replace({ ...tripOf('t-lapse'), version: 3 }, 2)).toBe(false);
  });

  it.skipIf(name === 'memory')(
    'reads and writes the key layout of earlier releases (nodes of both share Redis)',
    async () => {
      const { a, raw, prefix } = make();
      const redis = raw as RedisClient;
      // A trip and a hold as a node of the previous release wrote them.
      await redis.set(`${prefix}trip:t-old`, JSON.stringify(tripOf('t-old')), 'PX', 10_000);
      await redis.set(`${prefix}hold:drv-old`, 't-old', 'PX', 10_000);
      expect(await a.load('t-old')).toEqual(tripOf('t-old'));
      expect(await a.hold('drv-old', 't-new', 10_000)).toBe(false);
      await a.release('drv-old', 't-old');
      expect(await redis.exists(`${prefix}hold:drv-old`)).toBe(0);
      // And what this one writes, the previous release reads.
      await a.save(tripOf('t-new'), 10_000);
      expect(JSON.parse((await redis.get(`${prefix}trip:t-new`)) ?? 'null')).toEqual(tripOf('t-new'));
      expect(await redis.pttl(`${prefix}trip:t-new`)).toBeGreaterThan(9_000);
      expect(await a.hold('drv-new', 't-new', 10_000)).toBe(true);
      expect(await redis.get(`${prefix}hold:drv-new`)).toBe('t-new');
    },
  );
});

describe('trip store without its Redis', () => {
  it('opens all the same, and says the store is away on every call (the routes answer 503)', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`; // nothing listens there
    const store = await openTripStore(
      { redis: { kind: 'single', url }, keyPrefix: 'away:' },
      pino({ level: 'silent' }),
      Date.now,
    );
    opened(store);
    expect(store.backend).toBe('redis');
    for (const call of [
      () => store.hold('drv-1', 't-1', 1000),
      () => store.release('drv-1', 't-1'),
      () => store.save(tripOf('t-1'), 1000),
      () => store.load('t-1'),
      () => store.replace(tripOf('t-1', { version: 2 }), 1),
    ])
      await expect(call()).rejects.toBeInstanceOf(TripStoreUnavailableError);
  });

  it('is in memory, in this process, with no Redis configured', async () => {
    const store = await openTripStore({ keyPrefix: '' }, pino({ level: 'silent' }), Date.now);
    expect(store.backend).toBe('memory');
  });
});
