import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { cellToLatLng, cellToParent, gridDisk, latLngToCell } from 'h3-js';
import { afterAll, describe, expect, it } from 'vitest';
import { distanceM, TRIP_STATES, type TripState } from '@ridetrack/shared';
import { closeAfterAll, connectTo, redisTargets } from '../../test/stores';
import { isCluster, type RedisClient } from '../store/redis-client';
import { MemoryGeoIndex } from './memory-index';
import { RedisGeoIndex } from './redis-index';
import type { Box } from './box-cells';
import type { DriverState, GeoIndex, NearbyDriver, NearbyQuery } from './types';

const RES = 9;
const REGION_RES = 5;
const STALE_MS = 30_000;
const T0 = 1_764_288_000_000;

const opened = closeAfterAll();

/** Memory, one Redis, and a Redis Cluster of three shards: the same suite over each. */
const backends: [string, () => GeoIndex][] = [
  ['memory', () => new MemoryGeoIndex(RES, REGION_RES, STALE_MS, 64)],
  ...redisTargets().map(([name, target]): [string, () => GeoIndex] => [
    name,
    () => new RedisGeoIndex(connectTo(target), `test:${randomUUID()}:`, RES, REGION_RES, STALE_MS, 64),
  ]),
];

function state(
  driverId: string,
  lat: number,
  lng: number,
  updatedMs = T0,
  tripState: TripState = 'available',
): DriverState {
  return {
    driverId,
    lat,
    lng,
    headingDeg: 90,
    speedMps: 8.5,
    accuracyM: 5,
    tripState,
    seq: Math.floor(updatedMs / 1000) % 1e6,
    fixTimestampMs: updatedMs - 100,
    simulated: false,
    updatedMs,
    cell: latLngToCell(lat, lng, RES),
  };
}

/** The ids a nearby query must return: every driver ranked by exact distance, ties by id. */
function bruteForce(fleet: readonly DriverState[], q: NearbyQuery): string[] {
  return fleet
    .filter((d) => q.tripState === undefined || d.tripState === q.tripState)
    .map((d) => ({ id: d.driverId, d: distanceM(q, d) }))
    .filter((x) => x.d <= q.radiusM)
    .sort((a, b) => a.d - b.d || (a.id < b.id ? -1 : 1))
    .slice(0, q.limit)
    .map((x) => x.id);
}

/** A cell and a neighbour of it in another region. */
/** The smallest box holding the centres of these cells: they belong to it, and cells of other tests' areas do not. */
function boxOf(cells: readonly string[]): Box {
  const centres = cells.map((c) => cellToLatLng(c));
  const lats = centres.map(([lat]) => lat);
  const lngs = centres.map(([, lng]) => lng);
  return [Math.min(...lngs), Math.min(...lats), Math.max(...lngs), Math.max(...lats)];
}

function acrossRegions(start: string): [string, string] {
  for (let k = 1; k < 200; k++) {
    for (const cell of gridDisk(start, k)) {
      if (cellToParent(cell, REGION_RES) === cellToParent(start, REGION_RES)) continue;
      const near = gridDisk(cell, 1).find((c) => cellToParent(c, REGION_RES) === cellToParent(start, REGION_RES));
      if (near !== undefined) return [near, cell];
    }
  }
  throw new Error('no region boundary near');
}

async function ids(found: Promise<NearbyDriver[]>): Promise<string[]> {
  return (await found).map((d) => d.driverId);
}

describe.each(backends)('geo-index (%s backend)', (_name, make) => {
  const index = make();
  opened(index);

  it('stores a driver in the known H3 cell with its full state', async () => {
    await index.upsert([state('ka-1', 37.3615593, -122.0553238)]);
    const stored = await index.get('ka-1', T0 + 1);
    expect(stored).toEqual(state('ka-1', 37.3615593, -122.0553238));
    // Known answers: the h3-js README's point, whose res-7 cell it gives as 87283472bffffff; at the
    // index resolution (9) h3-js puts it in 89283470d93ffff.
    expect(latLngToCell(37.3615593, -122.0553238, 7)).toBe('87283472bffffff');
    expect(stored?.cell).toBe('89283470d93ffff');
  });

  it('keeps a driver in exactly one cell after every step of a random walk', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: -400, max: 400 }), fc.integer({ min: -400, max: 400 })), {
          minLength: 5,
          maxLength: 25,
        }),
        async (steps) => {
          // Each run walks in its own area (0.3 degrees apart), away from earlier walkers.
          const id = `walker-${run}`;
          let lat = 20 + 0.3 * run++;
          let lng = -76.61;
          let t = T0 + 1000;
          const visited = new Set<string>();
          for (const [dLat, dLng] of steps) {
            lat += dLat * 1e-5;
            lng += dLng * 1e-5;
            t += 1000;
            const s = state(id, lat, lng, t);
            visited.add(s.cell);
            await index.upsert([s]);
            const around = [...visited].flatMap((c) => gridDisk(c, 1));
            const counts = await index.countBox(boxOf(around), RES, t);
            expect(counts).toEqual([{ cell: s.cell, count: 1 }]);
          }
        },
      ),
      { numRuns: 15 },
    );
  });

  it('ignores an update older than the one it holds', async () => {
    await index.upsert([state('order-1', 39.3, -76.6, T0 + 2000)]);
    await index.upsert([state('order-1', 39.31, -76.6, T0 + 1000)]);
    expect((await index.get('order-1', T0 + 2001))?.lat).toBe(39.3);
  });

  it('drops a stale driver from every query at the deadline, and the janitor removes it', async () => {
    const s = state('stale-1', 10.5, 10.5, T0);
    await index.upsert([s]);
    const q = { lat: 10.5, lng: 10.5, radiusM: 1000, limit: 5 };
    expect((await index.nearby(q, T0 + STALE_MS - 1)).map((d) => d.driverId)).toEqual(['stale-1']);
    expect(await index.get('stale-1', T0 + STALE_MS - 1)).not.toBeNull();
    expect(await index.nearby(q, T0 + STALE_MS)).toEqual([]);
    expect(await index.get('stale-1', T0 + STALE_MS)).toBeNull();
    expect(await index.countBox(boxOf([s.cell]), RES, T0 + STALE_MS)).toEqual([]);
    expect(await index.sweep(T0 + STALE_MS + 1)).toBeGreaterThanOrEqual(1);
    // Gone, not just hidden: asked as of a time when it was live, the index no longer has it.
    expect(await index.get('stale-1', T0 + 1)).toBeNull();
    expect(await index.countBox(boxOf([s.cell]), RES, T0 + 1)).toEqual([]);
    expect(await index.nearby(q, T0 + 1)).toEqual([]);
  });

  /**
   * Drivers on a grid of `step` x 1e-7 degrees over a box from (lat0, lng0) (integers on the wire's
   * 1e-7 degree grid, so every backend holds exactly the same values), then random queries inside
   * `queryBox`, each answered as brute force answers it.
   */
  async function matchesBruteForce(c: {
    prefix: string;
    drivers: number;
    lat0: number;
    lng0: number;
    latSteps: number;
    lngSteps: number;
    step: number;
    queryBox: [number, number, number, number];
    radiusM: [number, number];
    maxLimit: number;
    queries: number;
    seeds: [number, number];
  }): Promise<void> {
    const rng = fc.sample(
      fc.tuple(
        fc.integer({ min: 0, max: c.latSteps }),
        fc.integer({ min: 0, max: c.lngSteps }),
        fc.constantFrom(...TRIP_STATES),
      ),
      { seed: c.seeds[0], numRuns: c.drivers },
    );
    const fleet = rng.map(([a, b, trip], i) =>
      state(`${c.prefix}-${i}`, (c.lat0 + a * c.step) / 1e7, (c.lng0 + b * c.step) / 1e7, T0 + 5000, trip),
    );
    await index.upsert(fleet);
    const [minLat, maxLat, minLng, maxLng] = c.queryBox;
    const queries = fc.sample(
      fc.record({
        lat: fc.double({ min: minLat, max: maxLat, noNaN: true }),
        lng: fc.double({ min: minLng, max: maxLng, noNaN: true }),
        radiusM: fc.integer({ min: c.radiusM[0], max: c.radiusM[1] }),
        limit: fc.integer({ min: 1, max: c.maxLimit }),
        tripState: fc.option(fc.constantFrom(...TRIP_STATES), { nil: undefined }),
      }),
      { seed: c.seeds[1], numRuns: c.queries },
    );
    for (const q of queries) expect(await ids(index.nearby(q, T0 + 6000))).toEqual(bruteForce(fleet, q));
  }

  it('finds the same drivers as brute force, in the same order', async () => {
    await matchesBruteForce({
      prefix: 'bf',
      drivers: 1500,
      lat0: -339_000_000,
      lng0: 184_000_000,
      latSteps: 900_000,
      lngSteps: 1_100_000,
      step: 1,
      queryBox: [-33.92, -33.79, 18.38, 18.53],
      radiusM: [50, 6000],
      maxLimit: 40,
      queries: 40,
      seeds: [42, 7],
    });
  });

  it('finds the same drivers as brute force where the search stops after the first rings', async () => {
    // A busy district (about 100 drivers a square kilometre, a dozen a cell): the limit is met
    // within the first rings, its farthest driver anywhere from tens of metres to beyond the first
    // rings' reach, so the early stop and its bound are what is tested.
    await matchesBruteForce({
      prefix: 'dense',
      drivers: 3000,
      lat0: 407_500_000,
      lng0: -739_900_000,
      latSteps: 50_000,
      lngSteps: 65_000,
      step: 10,
      queryBox: [40.755, 40.795, -73.985, -73.93],
      radiusM: [100, 3000],
      maxLimit: 60,
      queries: 60,
      seeds: [11, 13],
    });
  });

  it('counts live drivers per cell, rolled up to a coarser resolution', async () => {
    const a = state('cnt-a', 51.5, -0.12, T0 + 100);
    const b = state('cnt-b', 51.5001, -0.1201, T0 + 100);
    const far = state('cnt-c', 51.53, -0.05, T0 + 100);
    await index.upsert([a, b, far]);
    const cells = [...new Set([a.cell, b.cell, far.cell])];
    const at9 = await index.countBox(boxOf(cells), 9, T0 + 200);
    expect(at9.reduce((n, c) => n + c.count, 0)).toBe(3);
    const at6 = await index.countBox(boxOf(cells), 6, T0 + 200);
    expect(at6.reduce((n, c) => n + c.count, 0)).toBe(3);
    expect(at6.every((c) => c.cell.startsWith('86'))).toBe(true);
  });

  it('reads a driver that crossed into another region once, where it is now', async () => {
    // Two neighbouring res-9 cells on either side of a region boundary.
    const [inside, outside] = acrossRegions(latLngToCell(-34.6, -58.4, RES));
    const [latA, lngA] = cellToLatLng(inside);
    const [latB, lngB] = cellToLatLng(outside);
    let t = T0 + 10_000;
    for (const [lat, lng] of [
      [latA, lngA],
      [latB, lngB],
      [latA, lngA],
      [latB, lngB],
    ] as const) {
      t += 1000;
      await index.upsert([state('border-1', lat, lng, t)]);
    }
    const q = { lat: (latA + latB) / 2, lng: (lngA + lngB) / 2, radiusM: 2000, limit: 10 };
    const found = await index.nearby(q, t + 1);
    expect(found.map((d) => [d.driverId, d.cell])).toEqual([['border-1', outside]]);
    const counts = await index.countBox(boxOf([inside, outside]), RES, t + 1);
    expect(counts).toEqual([{ cell: outside, count: 1 }]);
    expect((await index.regionDrivers(cellToParent(inside, REGION_RES), t + 1)).map((d) => d.driverId)).toEqual([]);
    expect((await index.regionDrivers(cellToParent(outside, REGION_RES), t + 1)).map((d) => d.driverId)).toEqual([
      'border-1',
    ]);
    expect(await index.get('border-1', t + 1)).toMatchObject({ cell: outside });
  });

  it('never loses a driver to a reader while it moves between cells and regions', async () => {
    // A get() racing a move used to read the pointer, then find the old cell already emptied.
    const [inside, outside] = acrossRegions(latLngToCell(-33.9, 18.4, RES));
    const [near] = gridDisk(inside, 1).filter(
      (c) => c !== inside && cellToParent(c, REGION_RES) === cellToParent(inside, REGION_RES),
    );
    const places = [inside, outside, inside, near ?? inside].map((c) => cellToLatLng(c));
    let t = T0 + 20_000;
    await index.upsert([state('racer-1', ...(places[0] as [number, number]), t)]);
    const misses: number[] = [];
    for (let i = 1; i <= 400; i++) {
      t += 10;
      const [lat, lng] = places[i % places.length] as [number, number];
      const reads = Array.from({ length: 3 }, () => index.get('racer-1', t));
      await Promise.all([
        index.upsert([state('racer-1', lat, lng, t)]),
        ...reads.map(async (r) => {
          if ((await r) === null) misses.push(i);
        }),
      ]);
    }
    expect(misses).toEqual([]);
  });
});

// Redis keys of the index carry a lifetime (4 x the stale window), so abandoned cells expire. A
// driver that stays in one cell for longer than that (a parked car, still publishing) must stay
// findable: its updates keep the keys alive. Real time passes here, since key lifetimes are Redis's
// clock; a short stale window keeps it to a few seconds, and queries are made as of the last update.
// Keys live 4 x 1 s and are renewed every second of updates: a stall of up to 3 s between two
// updates on a loaded machine still leaves them alive.
const SHORT_STALE_MS = 1000;
const shortLived: [string, () => GeoIndex][] = [
  ['memory', () => new MemoryGeoIndex(RES, REGION_RES, SHORT_STALE_MS, 64)],
  ...redisTargets().map(([name, target]): [string, () => GeoIndex] => [
    name,
    () => new RedisGeoIndex(connectTo(target), `test:${randomUUID()}:`, RES, REGION_RES, SHORT_STALE_MS, 64),
  ]),
];

describe.each(shortLived)('key lifetimes (%s backend)', (_name, make) => {
  it('keep a driver that stays in one cell findable for longer than they last', { timeout: 30_000 }, async () => {
    const index = make();
    opened(index);
    const q = { lat: 12.5, lng: 12.5, radiusM: 500, limit: 5 };
    const started = Date.now();
    for (let i = 0; Date.now() - started < SHORT_STALE_MS * 4 * 1.5; i++) {
      const now = Date.now();
      const s = state('parked-1', 12.5 + i * 1e-7, 12.5, now);
      expect(s.cell).toBe(latLngToCell(12.5, 12.5, RES));
      await index.upsert([s]);
      await new Promise((r) => setTimeout(r, SHORT_STALE_MS / 5));
      // As of just after the update: never stale by the index's own rule, so only key lifetimes matter.
      expect(
        (await index.nearby(q, now + 1)).map((d) => d.driverId),
        `round ${i}`,
      ).toEqual(['parked-1']);
    }
  });
});

/** Every key under a prefix, on a single Redis or on every primary of a cluster. */
async function keysUnder(redis: RedisClient, prefix: string): Promise<string[]> {
  const found: string[] = [];
  const servers = isCluster(redis) ? redis.nodes('master') : [redis];
  for (const server of servers)
    for await (const batch of server.scanStream({ match: `${prefix}*`, count: 1000 }) as AsyncIterable<string[]>)
      found.push(...batch);
  return found.sort();
}

describe.each(redisTargets())('geo-index layout in Redis (%s)', (_name, target) => {
  const redis = connectTo(target);
  afterAll(async () => {
    await redis.quit();
  });
  const open = (prefix: string, staleMs = STALE_MS): RedisGeoIndex => {
    const index = new RedisGeoIndex(connectTo(target), prefix, RES, REGION_RES, staleMs, 64);
    opened(index);
    return index;
  };

  it('leaves one cell and one pointer per driver as they move, and nothing once the janitor is done', async () => {
    const prefix = `test:${randomUUID()}:`;
    const index = open(prefix);
    let t = T0;
    for (let step = 0; step < 6; step++) {
      t += 1000;
      // Each step crosses into another res-9 cell (about 0.004 degrees of latitude apart).
      await index.upsert([
        state('mover-1', 48.85 + step * 0.004, 2.35, t),
        state('mover-2', 48.8, 2.3 + step * 0.005, t),
      ]);
    }
    const keys = await keysUnder(redis, prefix);
    expect(keys.filter((k) => k.includes(':c:'))).toHaveLength(2);
    expect(keys.filter((k) => k.includes('gdrv:'))).toEqual([`${prefix}gdrv:{mover-1}`, `${prefix}gdrv:{mover-2}`]);
    const regions = [latLngToCell(48.85 + 5 * 0.004, 2.35, RES), latLngToCell(48.8, 2.3 + 5 * 0.005, RES)].map((c) =>
      cellToParent(c, REGION_RES),
    );
    let pointers = 0;
    for (const r of new Set(regions)) pointers += await redis.hlen(`${prefix}geo:{${r}}:ptr`);
    expect(pointers).toBe(2);
    // The regions the drivers are in now are listed (one they left stays listed until its sweep).
    expect(await index.regions()).toEqual(expect.arrayContaining([...new Set(regions)]));
    expect(await index.sweep(t + STALE_MS + 1)).toBe(2);
    expect(await keysUnder(redis, prefix)).toEqual([]);
  });

  it('reads update times of any length in its scripts (counts and the janitor)', async () => {
    const prefix = `test:${randomUUID()}:`;
    const index = open(prefix, 1000);
    // A member ending "|12345678|0|1234": its last 14 characters start with a bar, but are not a time.
    const short = { ...state('short-1', 30.1, 30.1), fixTimestampMs: 123_456_789_012, updatedMs: 1234 };
    const long = { ...state('long-1', 30.2, 30.2), updatedMs: 12_345_678_901_234 };
    await index.upsert([short, long]);
    expect(await index.countBox(boxOf([short.cell]), RES, 2000)).toEqual([{ cell: short.cell, count: 1 }]);
    expect(await index.countBox(boxOf([short.cell]), RES, 2234)).toEqual([]);
    expect(await index.countBox(boxOf([long.cell]), RES, 12_345_678_901_234 + 999)).toEqual([
      { cell: long.cell, count: 1 },
    ]);
    expect(await index.sweep(2235)).toBe(1);
    expect(await index.get('long-1', 12_345_678_901_235)).not.toBeNull();
    expect(await index.sweep(12_345_678_902_235)).toBe(1);
    expect(await keysUnder(redis, prefix)).toEqual([]);
  });

  it('finds a driver in a cell that was empty when an earlier search copied the cells of its region', async () => {
    const index = open(`test:${randomUUID()}:`);
    const q = { lat: 40.0, lng: -3.7, radiusM: 3000, limit: 5 };
    const ids = async (nowMs: number) => (await index.nearby(q, nowMs)).map((d) => d.driverId);
    await index.upsert([state('first-1', 40.0, -3.7, T0)]);
    // This search copies the region's cells (one): the next ones skip every other cell while it stands.
    expect(await ids(T0 + 1)).toEqual(['first-1']);
    const late = state('late-1', 40.01, -3.7, T0 + 10);
    expect(cellToParent(late.cell, REGION_RES)).toBe(cellToParent(latLngToCell(40.0, -3.7, RES), REGION_RES));
    await index.upsert([late]);
    expect(await ids(T0 + 11)).toEqual(['first-1', 'late-1']);
    // A cell the janitor dropped as empty, entered again.
    expect(await index.sweep(T0 + 5 + STALE_MS)).toBe(1);
    expect(await ids(T0 + 12 + STALE_MS)).toEqual([]);
    await index.upsert([state('first-1', 40.0, -3.7, T0 + 20 + STALE_MS)]);
    expect(await ids(T0 + 21 + STALE_MS)).toEqual(['first-1']);
  });

  it('finds drivers where an earlier search copied the cells of their region when it was empty', async () => {
    // The copy lists no cell near: the search reads none, and must still check the copy is current.
    const index = open(`test:${randomUUID()}:`);
    const q = { lat: 39.29, lng: -76.61, radiusM: 8000, limit: 50 };
    expect(await index.nearby(q, T0)).toEqual([]);
    expect(await index.nearby(q, T0 + 1)).toEqual([]);
    await index.upsert([state('new-1', 39.3, -76.6, T0 + 10)]);
    expect((await index.nearby(q, T0 + 11)).map((d) => d.driverId)).toEqual(['new-1']);
  });

  it('keeps a driver in one cell when a second node, which never saw its old cell, writes it', async () => {
    const prefix = `test:${randomUUID()}:`;
    const [a, b] = [open(prefix), open(prefix)];
    await a.upsert([state('handed-1', 41.39, 2.17, T0 + 1000)]);
    // Another cell of the same region, written by a node that knows nothing of the first.
    const moved = state('handed-1', 41.394, 2.17, T0 + 2000);
    expect(cellToParent(moved.cell, REGION_RES)).toBe(cellToParent(latLngToCell(41.39, 2.17, RES), REGION_RES));
    await b.upsert([moved]);
    const keys = await keysUnder(redis, prefix);
    expect(keys.filter((k) => k.includes(':c:'))).toEqual([
      `${prefix}geo:{${cellToParent(moved.cell, REGION_RES)}}:c:${moved.cell}`,
    ]);
    expect(await a.get('handed-1', T0 + 2001)).toMatchObject({ cell: moved.cell });
  });

  it('takes a driver out of the region it left, whichever node wrote it there', async () => {
    const prefix = `test:${randomUUID()}:`;
    const [a, b] = [open(prefix), open(prefix)];
    // Two points about 40 km apart: two regions at resolution 5.
    const before = state('far-1', 52.37, 4.9, T0 + 1000);
    const after = state('far-1', 52.09, 5.12, T0 + 2000);
    const [r1, r2] = [before, after].map((s) => cellToParent(s.cell, REGION_RES));
    expect(r1).not.toBe(r2);
    await a.upsert([before]);
    await b.upsert([after]);
    expect(await redis.hexists(`${prefix}geo:{${r1}}:ptr`, 'far-1')).toBe(0);
    expect(await redis.hexists(`${prefix}geo:{${r2}}:ptr`, 'far-1')).toBe(1);
    expect((await keysUnder(redis, prefix)).filter((k) => k.includes(':c:'))).toEqual([
      `${prefix}geo:{${r2}}:c:${after.cell}`,
    ]);
    // A late update from the first node (older than the move) does not bring it back.
    await a.upsert([{ ...before, updatedMs: T0 + 1500 }]);
    expect(await redis.hexists(`${prefix}geo:{${r1}}:ptr`, 'far-1')).toBe(0);
    expect(await a.get('far-1', T0 + 2001)).toMatchObject({ lat: after.lat });
  });
});
