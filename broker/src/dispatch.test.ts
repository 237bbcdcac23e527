import { randomUUID } from 'node:crypto';
import { latLngToCell } from 'h3-js';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  decodeTripMessage,
  distanceM,
  type DriverStatus,
  type LatLng,
  type TripMessage,
  type TripState,
} from '@ridetrack/shared';
import { closeAfterAll, connectTo, redisTargets } from '../test/stores';
import { at, streetGrid } from '../test/street-grid';
import { createMinter, createVerifier, randomSecret } from './auth/tokens';
import { Dispatch, type DispatchOptions } from './dispatch';
import { MemoryGeoIndex } from './geo/memory-index';
import { RedisGeoIndex } from './geo/redis-index';
import type { DriverState, GeoIndex } from './geo/types';
import { roadRouter } from './routing/road-router';
import { straightLineRouter, withFallback } from './routing/router';
import { MemoryTripStore } from './trips/memory-trip-store';
import { profileDirectory } from './trips/profiles';
import { RedisTripStore } from './trips/redis-trip-store';
import type { Trip } from './trips/trip';
import { TripBook } from './trips/trip-book';
import type { TripStore } from './trips/trip-store';

const RES = 9;
const STALE_MS = 60_000;
const OPTIONS: DispatchOptions = { searchRadiusM: 2000, candidates: 8, tripTtlS: 600, maxFixAgeMs: 10_000, waitS: 90 };

/**
 * Streets: a 3 x 3 grid of junctions 100 m apart, two-way at 10 m/s, except the middle row, Main
 * St, one-way eastbound at 20 m/s. So a car just past a pickup on Main St is near it but must
 * drive round the block, and one farther back reaches it first.
 */
const router = withFallback(roadRouter(streetGrid()), straightLineRouter());

const opened = closeAfterAll();

/** The stores of one broker node: its geo-index and its trip store. */
interface Stores {
  index: GeoIndex;
  store: TripStore;
}

/**
 * Two broker nodes' stores over one shared backend: in memory, one process's (memory is never
 * shared between nodes); in Redis and a Redis Cluster, each node on connections of its own under
 * one key prefix.
 */
const backends: [string, (now: () => number) => [Stores, Stores]][] = [
  [
    'memory',
    () => {
      const stores = { index: new MemoryGeoIndex(RES, 5, STALE_MS, 64), store: new MemoryTripStore() };
      return [stores, stores];
    },
  ],
  ...redisTargets().map(([name, target]): [string, (now: () => number) => [Stores, Stores]] => [
    name,
    (now) => {
      const prefix = `dispatch:${randomUUID()}:`;
      const node = (): Stores => {
        const stores = {
          index: new RedisGeoIndex(connectTo(target), prefix, RES, 5, STALE_MS, 64, now),
          store: new RedisTripStore(connectTo(target), prefix),
        };
        opened(stores.index, stores.store);
        return stores;
      };
      return [node(), node()];
    },
  ]),
];

describe.each(backends)('dispatch (%s stores)', (_name, open) => {
  let clock: number;
  const now = () => clock;
  const secret = randomSecret();
  const online = new Map<string, boolean>();
  let stores: [Stores, Stores];
  beforeEach(() => {
    clock = Date.now();
    online.clear();
    stores = open(now);
  });

  /** One broker node's dispatch over its stores, recording what it tells drivers and riders. */
  function node(which: 0 | 1 = 0, signs = true) {
    const { index, store } = stores[which];
    const told: (TripMessage & { driverId: string })[] = [];
    const endedSessions: string[] = [];
    const started: Trip[] = [];
    const book = new TripBook({
      store,
      tellDriver: (driverId, message) => {
        const m = decodeTripMessage(message);
        if (!m.ok) throw new Error(`dispatch told ${driverId} a bad trip message: ${m.reason}`);
        told.push({ driverId, ...m.value });
      },
      endRiderSessions: (tripId) => endedSessions.push(tripId),
      now,
    });
    const dispatch = new Dispatch(
      {
        index,
        store,
        book,
        minter: signs ? createMinter(secret) : null,
        presenceOf: (driverId): Promise<DriverStatus | null> =>
          Promise.resolve(online.has(driverId) ? { online: online.get(driverId) === true, ts: clock - 60_000 } : null),
        router,
        profiles: profileDirectory(),
        now,
        started: (trip) => started.push(trip),
      },
      OPTIONS,
    );
    return { dispatch, book, store, told, endedSessions, started };
  }

  /** A driver's fix in the index (`ageMs` old), and its presence (online unless said otherwise). */
  async function driver(
    driverId: string,
    p: LatLng,
    over: { tripState?: TripState; ageMs?: number; online?: boolean } = {},
  ): Promise<void> {
    const updatedMs = clock - (over.ageMs ?? 1000);
    const state: DriverState = {
      driverId,
      ...p,
      headingDeg: 90,
      speedMps: 0,
      accuracyM: 5,
      tripState: over.tripState ?? 'available',
      seq: 1,
      fixTimestampMs: updatedMs,
      simulated: false,
      updatedMs,
      cell: latLngToCell(p.lat, p.lng, RES),
    };
    await stores[0].index.upsert([state]);
    online.set(driverId, over.online ?? true);
  }

  const isFree = async (driverId: string) => {
    const probe = `t-probe-${randomUUID()}`;
    const free = await stores[1].store.hold(driverId, probe, 10_000);
    if (free) await stores[1].store.release(driverId, probe);
    return free;
  };

  it("assigns the driver quickest to the pickup by the router's time, holds it, stores the trip and tells the driver", async () => {
    // 35 m from the pickup but past it on a one-way street (round the block: about 48 s), against
    // 60 m behind it and straight on (3 s).
    await driver('drv-behind', at(100, 95));
    await driver('drv-ahead', at(100, 0));
    const n = node();
    // Dropped 8 m off Main St: the pickup moves to the street.
    const out = await n.dispatch.request(at(108, 60), 'rider-1', at(200, 200));
    if (!out.ok) throw new Error(`not assigned: ${out.reason}`);
    const { trip } = out;
    expect(trip.driverId).toBe('drv-ahead');
    expect(distanceM(trip.pickup, at(100, 60))).toBeLessThan(0.5);
    expect(trip).toMatchObject({ riderId: 'rider-1', dropoff: at(200, 200), state: 'assigned', tried: [], version: 1 });
    expect(trip.driver.name.length).toBeGreaterThan(0);
    // Stored where every node reads it; the driver held for it; this node watches it.
    expect(await stores[1].store.load(trip.id)).toEqual(trip);
    expect(await isFree('drv-ahead')).toBe(false);
    expect(await isFree('drv-behind')).toBe(true);
    expect(n.started).toEqual([trip]);
    expect(n.told).toEqual([
      {
        driverId: 'drv-ahead',
        trip: trip.id,
        state: 'assigned',
        pickup: trip.pickup,
        dropoff: at(200, 200),
        rider: 'rider-1',
        waitS: OPTIONS.waitS,
        ts: clock,
      },
    ]);
    // The rider's token follows this driver on this trip, for the trip's lifetime.
    const claims = await (await createVerifier({ secret })).verify(out.riderToken);
    expect(claims).toMatchObject({
      ok: true,
      value: { role: 'rider', sub: 'rider-1', drivers: ['drv-ahead'], trip: trip.id },
    });
    const exp = claims.ok && claims.value.role === 'rider' ? claims.value.exp : 0;
    expect(exp - Math.floor(Date.now() / 1000)).toBeGreaterThan(OPTIONS.tripTtlS - 10);
  });

  it('offers a trip only to a driver available, online, heard from lately and within reach', async () => {
    await driver('drv-offline', at(100, 40), { online: false });
    await driver('drv-no-presence', at(100, 45));
    online.delete('drv-no-presence');
    await driver('drv-old-fix', at(100, 30), { ageMs: OPTIONS.maxFixAgeMs + 1000 });
    await driver('drv-busy', at(100, 20), { tripState: 'on_trip' });
    await driver('drv-far', at(100, -3000));
    const n = node();
    expect(await n.dispatch.request(at(100, 60), 'rider-1')).toEqual({ ok: false, reason: 'no_driver_available' });
    expect(n.told).toEqual([]);
    // Nobody was held for the trip that was not made.
    for (const id of ['drv-offline', 'drv-no-presence', 'drv-old-fix', 'drv-busy', 'drv-far'])
      expect(await isFree(id)).toBe(true);
    // A driver that is all of these, though the slowest to get there, gets it.
    await driver('drv-ok', at(200, 200));
    const out = await n.dispatch.request(at(100, 60), 'rider-1');
    expect(out.ok && out.trip.driverId).toBe('drv-ok');
  });

  it('never gives one driver to two riders asking at once on two nodes', async () => {
    await driver('drv-only', at(100, 0));
    const [a, b] = [node(0), node(1)];
    const outs = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? a : b).dispatch.request(at(100, 60), `rider-${i}`)),
    );
    expect(outs.map((o) => (o.ok ? 'assigned' : o.reason)).sort()).toEqual([
      'assigned',
      ...Array<string>(7).fill('no_driver_available'),
    ]);
    expect([...a.told, ...b.told]).toHaveLength(1);
  });

  it('passes over a driver another trip holds, to the next quickest', async () => {
    await driver('drv-ahead', at(100, 0));
    await driver('drv-behind', at(100, 95));
    expect(await stores[1].store.hold('drv-ahead', 't-elsewhere', 10_000)).toBe(true);
    const out = await node().dispatch.request(at(100, 60), 'rider-1');
    expect(out.ok && out.trip.driverId).toBe('drv-behind');
  });

  it('refuses without a token signer, holding nobody', async () => {
    await driver('drv-ahead', at(100, 0));
    const n = node(0, false);
    expect(await n.dispatch.request(at(100, 60), 'rider-1')).toEqual({ ok: false, reason: 'no_token_signer' });
    expect(await isFree('drv-ahead')).toBe(true);
    expect(n.told).toEqual([]);
  });

  it('hands a trip whose driver is lost to the next best driver, never one the ride had, then cancels it', async () => {
    await driver('drv-ahead', at(100, 0));
    await driver('drv-behind', at(100, 95));
    const n = node();
    const first = await n.dispatch.request(at(100, 60), 'rider-1', at(200, 200));
    if (!first.ok) throw new Error(first.reason);
    expect(first.trip.driverId).toBe('drv-ahead');

    clock += 5000;
    const closed = await n.dispatch.reassign(first.trip, 'offline');
    const next = n.started[1];
    if (closed === null || next === undefined) throw new Error('not reassigned');
    expect(closed).toMatchObject({ state: 'reassigned', lost: 'offline', endedMs: clock, replacedBy: next.id });
    expect(closed.version).toBe(2);
    expect(await stores[1].store.load(first.trip.id)).toEqual(closed);
    expect(next).toMatchObject({
      driverId: 'drv-behind',
      riderId: 'rider-1',
      pickup: first.trip.pickup,
      dropoff: at(200, 200),
      replaces: first.trip.id,
      tried: ['drv-ahead'],
      state: 'assigned',
    });
    expect(await stores[1].store.load(next.id)).toEqual(next);
    // The lost driver is let go and told; the rider's sessions on the old trip end.
    expect(await isFree('drv-ahead')).toBe(true);
    expect(await isFree('drv-behind')).toBe(false);
    expect(n.told.slice(1).map((m) => [m.driverId, m.trip, m.state])).toEqual([
      ['drv-ahead', first.trip.id, 'cancelled'],
      ['drv-behind', next.id, 'assigned'],
    ]);
    expect(n.endedSessions).toEqual([first.trip.id]);
    // The rider follows the trip that replaced it.
    const token = await n.dispatch.riderToken(next);
    expect(await (await createVerifier({ secret })).verify(token ?? '')).toMatchObject({
      value: { drivers: ['drv-behind'], trip: next.id },
    });

    // Lost again, with nobody left the ride has not had (drv-ahead is free and online): cancelled.
    const cancelled = await n.dispatch.reassign(next, 'silent');
    expect(cancelled).toMatchObject({ state: 'cancelled', endReason: 'no_driver', lost: 'silent' });
    expect(n.started).toHaveLength(2);
    expect(await isFree('drv-behind')).toBe(true);
    expect(await isFree('drv-ahead')).toBe(true);
  });

  it('stores the replacement before the old trip names it, so a rider reading the handover can load it', async () => {
    await driver('drv-ahead', at(100, 0));
    await driver('drv-behind', at(100, 95));
    const n = node();
    const first = await n.dispatch.request(at(100, 60), 'rider-1');
    if (!first.ok) throw new Error(first.reason);
    // What another node serving the rider reads at the instant the old trip is rewritten.
    const store = stores[0].store;
    const replace = store.replace.bind(store);
    const seen: (Trip | null)[] = [];
    store.replace = async (trip, expected) => {
      if (trip.replacedBy !== undefined) seen.push(await stores[1].store.load(trip.replacedBy));
      return replace(trip, expected);
    };
    const closed = await n.dispatch.reassign(first.trip, 'offline');
    expect(closed?.replacedBy).toBeDefined();
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ id: closed?.replacedBy, driverId: 'drv-behind', state: 'assigned' });
  });

  it('leaves a trip another node changed first as it is, and lets go of the driver it found for it', async () => {
    await driver('drv-ahead', at(100, 0));
    await driver('drv-behind', at(100, 95));
    const [a, b] = [node(0), node(1)];
    const first = await a.dispatch.request(at(100, 60), 'rider-1');
    if (!first.ok) throw new Error(first.reason);
    // The other node records the driver's arrival: version 2. This node still holds version 1.
    const arrived = await b.book.change(first.trip.id, () => ({ state: 'waiting' as const, arrivedMs: clock }));
    expect(arrived.ok).toBe(true);
    expect(await a.dispatch.reassign(first.trip, 'offline')).toBeNull();
    expect(await stores[1].store.load(first.trip.id)).toMatchObject({ driverId: 'drv-ahead', state: 'waiting' });
    expect(await isFree('drv-behind')).toBe(true);
    expect(await isFree('drv-ahead')).toBe(false);
    expect(a.started).toHaveLength(1);
    expect(a.told.map((m) => m.driverId)).toEqual(['drv-ahead']);
  });

  it('does not reassign a trip with its rider aboard, or one that is over', async () => {
    await driver('drv-ahead', at(100, 0));
    await driver('drv-behind', at(100, 95));
    const n = node();
    const first = await n.dispatch.request(at(100, 60), 'rider-1');
    if (!first.ok) throw new Error(first.reason);
    for (const state of ['on_trip', 'completed', 'cancelled', 'reassigned'] as const) {
      expect(await n.dispatch.reassign({ ...first.trip, state }, 'offline')).toBeNull();
    }
    expect(await stores[1].store.load(first.trip.id)).toEqual(first.trip);
    expect(await isFree('drv-behind')).toBe(true);
  });

  it('lists the drivers that could take a ride, nearest first, leaving out those asked to', async () => {
    await driver('drv-1', at(100, 50));
    await driver('drv-2', at(100, 0));
    await driver('drv-3', at(0, 0));
    await driver('drv-busy', at(100, 55), { tripState: 'on_trip' });
    const { dispatch } = node();
    const ids = async (limit: number, exclude?: string[]) =>
      (await dispatch.available(at(100, 60), limit, exclude)).map((d) => d.driverId);
    expect(await ids(5)).toEqual(['drv-1', 'drv-2', 'drv-3']);
    expect(await ids(2)).toEqual(['drv-1', 'drv-2']);
    expect(await ids(2, ['drv-1'])).toEqual(['drv-2', 'drv-3']);
  });

  it('moves a point to its street only when one is near', () => {
    const { dispatch } = node();
    expect(distanceM(dispatch.onStreet(at(108, 60)), at(100, 60))).toBeLessThan(0.5);
    expect(distanceM(dispatch.onStreet(at(340, 60)), at(200, 60))).toBeLessThan(0.5);
    // 300 m from any street: the router would snap it (up to 500 m); dispatch leaves it be.
    expect(dispatch.onStreet(at(500, 60))).toEqual(at(500, 60));
  });
});
