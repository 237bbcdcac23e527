/**
 * npm run bench:geo — the geo-index in one Redis and on a Redis Cluster (three shards, the index
 * sharded by region): index updates per second (1k, 10k and 100k drivers moving), nearby query
 * p50/p99, and memory per driver; beside a plain Redis GEOADD/GEOSEARCH index on the same data in
 * the same run, and the in-memory backend; then the region resolution (3, 4, 5) at the largest
 * size. Starts its own redis-server and Redis Cluster on free loopback ports, with the listpack
 * settings of infra/redis/redis.conf (BENCH_REDIS_DEFAULTS=1: Redis's defaults instead). Appends
 * the run to docs/results/geo.jsonl. Settings: BENCH_UPDATES (300000), BENCH_QUERIES (2000),
 * BENCH_SIZES (1000,10000,100000), BENCH_REGION_RES (3,4,5).
 */
import { latLngToCell } from 'h3-js';
import { Redis } from 'ioredis';
import pino from 'pino';
import { distanceM, type LocationFix } from '@ridetrack/shared';
import { INDEX_REDIS_SETTINGS, startRedis, startRedisCluster } from '@ridetrack/testkit';
import { machineLine } from '../../shared/bench/machine';
import { cellToParent } from 'h3-js';
import { seededRng } from '@ridetrack/shared';
import { Indexer } from '../src/geo/indexer';
import { MemoryGeoIndex } from '../src/geo/memory-index';
import { RedisGeoIndex } from '../src/geo/redis-index';
import type { DriverState, GeoIndex } from '../src/geo/types';
import { isCluster, openRedis, parseClusterNodes, type RedisClient } from '../src/store/redis-client';
import { recordRun, resultsFile } from '../../shared/bench/results';

const UPDATES = Number(process.env['BENCH_UPDATES'] ?? 300_000);
const SIZES = (process.env['BENCH_SIZES'] ?? '1000,10000,100000').split(',').map(Number);
const REGION_RESOLUTIONS = (process.env['BENCH_REGION_RES'] ?? '3,4,5').split(',').map(Number);
const QUERIES = Number(process.env['BENCH_QUERIES'] ?? 2000);
const REDIS_DEFAULTS = process.env['BENCH_REDIS_DEFAULTS'] === '1';
const RES = 9;
// A 30 km x 30 km city around Baltimore.
const LAT0 = 39.15;
const LNG0 = -76.8;
const SPAN_LAT = 0.27;
const SPAN_LNG = 0.35;

// mulberry32, seeded: the same fleet and queries every run. (An LCG in floating point, used here
// until 2026-11-28, cycled after about 10,000 numbers, so its 100k fleet was ~5,000 spots stacked.)
const random = seededRng(12345);

function fleet(n: number): DriverState[] {
  return Array.from({ length: n }, (_, i) => {
    const lat = LAT0 + random() * SPAN_LAT;
    const lng = LNG0 + random() * SPAN_LNG;
    return {
      driverId: `drv-${i}`,
      lat,
      lng,
      headingDeg: 90,
      speedMps: 10,
      accuracyM: 5,
      tripState: 'available',
      seq: 1,
      fixTimestampMs: Date.now(),
      simulated: true,
      updatedMs: Date.now(),
      cell: latLngToCell(lat, lng, RES),
    };
  });
}

/** Moves each driver about 10 m, as one second of driving does. */
function move(drivers: DriverState[], i: number, nowMs: number): DriverState {
  const d = drivers[i % drivers.length] as DriverState;
  const lat = d.lat + (random() - 0.5) * 2e-4;
  const lng = d.lng + (random() - 0.5) * 2e-4;
  const next = { ...d, lat, lng, seq: d.seq + 1, updatedMs: nowMs, cell: latLngToCell(lat, lng, RES) };
  drivers[i % drivers.length] = next;
  return next;
}

/** Of the moves the updates make (each ~10 m), the share that crosses into another region. */
function crossRegionMoves(drivers: DriverState[], regionRes: number): number {
  const probe = random;
  let crossed = 0;
  const samples = 20_000;
  for (let k = 0; k < samples; k++) {
    const d = drivers[k % drivers.length] as DriverState;
    const lat = d.lat + (probe() - 0.5) * 2e-4;
    const lng = d.lng + (probe() - 0.5) * 2e-4;
    if (cellToParent(latLngToCell(lat, lng, RES), regionRes) !== cellToParent(d.cell, regionRes)) crossed++;
  }
  return crossed / samples;
}

/**
 * Index updates per second through the broker's indexer (indexer.ts), as it runs in the broker:
 * fixes offered as the gate accepts them, then its flush (each fix's cell, its member, chunks sent
 * as they are ready). Each round offers what the default INDEX_FLUSH_MS (50 ms) gathers at 150,000
 * fixes a second, each from a different driver, and flushes it. The drivers' moves are made before
 * the clock starts: they are the load, not the indexer's work.
 */
async function updateRate(index: GeoIndex, drivers: DriverState[], total: number): Promise<number> {
  const round = 7500;
  const fixes = Array.from({ length: total }, (_, i): [string, LocationFix] => {
    const d = move(drivers, i, Date.now());
    const fix = {
      seq: d.seq,
      timestampMs: d.fixTimestampMs,
      lat: d.lat,
      lng: d.lng,
      headingDeg: d.headingDeg,
      speedMps: d.speedMps,
      accuracyM: d.accuracyM,
      tripState: d.tripState,
      simulated: true,
    };
    return [d.driverId, fix];
  });
  const counters = {
    indexed: () => undefined,
    failed: () => undefined,
    setUp: () => undefined,
    setPending: () => undefined,
  };
  const never = 3_600_000; // flushed here, not by its timers
  const indexer = new Indexer(index, { flushIntervalMs: never }, counters, pino({ enabled: false }), Date.now);
  const t0 = performance.now();
  for (let i = 0; i < total; i += round) {
    for (let k = i; k < Math.min(i + round, total); k++) {
      const [driverId, fix] = fixes[k] as [string, LocationFix];
      indexer.offer(driverId, fix);
    }
    await indexer.flush();
  }
  const rate = total / ((performance.now() - t0) / 1000);
  await indexer.close();
  return rate;
}

async function geoaddRate(redis: Redis, key: string, drivers: DriverState[], total: number): Promise<number> {
  const batch = 4096;
  let done = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (done < total) {
      const pipeline = redis.pipeline();
      const n = Math.min(batch, total - done);
      for (let k = 0; k < n; k++) {
        const d = move(drivers, done + k, Date.now());
        pipeline.geoadd(key, d.lng, d.lat, d.driverId);
      }
      done += n;
      await pipeline.exec();
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return total / ((performance.now() - t0) / 1000);
}

async function latencies(run: () => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 200; i++) await run();
  const samples: number[] = [];
  for (let i = 0; i < QUERIES; i++) {
    const t0 = performance.now();
    await run();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(samples.length * 0.5)] ?? 0, p99: samples[Math.floor(samples.length * 0.99)] ?? 0 };
}

const query = () => ({ lat: LAT0 + random() * SPAN_LAT, lng: LNG0 + random() * SPAN_LNG, radiusM: 2000, limit: 10 });
const us = (ms: number): string => `${Math.round(ms * 1000)} µs`;
const rate = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Memory used by a server, or by every primary of a cluster, in bytes. */
async function usedMemory(client: RedisClient): Promise<number> {
  const servers = isCluster(client) ? client.nodes('master') : [client];
  let sum = 0;
  for (const s of servers) sum += Number(/used_memory:(\d+)/.exec(await s.info('memory'))?.[1] ?? 0);
  return sum;
}

async function flush(client: RedisClient): Promise<void> {
  for (const s of isCluster(client) ? client.nodes('master') : [client]) await s.flushall();
}

/** The ridetrack index on a store: memory per driver, updates/s, nearby p50/p99 (checked against brute force once). */
async function measureIndex(client: RedisClient, drivers: DriverState[], regionRes = 5) {
  await flush(client);
  const base = await usedMemory(client);
  const index = new RedisGeoIndex(client, 'bench:', RES, regionRes, 3_600_000, 64);
  await index.upsert(drivers);
  const bytesPerDriver = ((await usedMemory(client)) - base) / drivers.length;
  const updates = await updateRate(index, drivers, UPDATES);
  const q0 = query();
  const got = (await index.nearby(q0, Date.now())).map((d) => d.driverId);
  const brute = drivers
    .map((d) => ({ id: d.driverId, d: distanceM(q0, d) }))
    .filter((x) => x.d <= q0.radiusM)
    .sort((a, b) => a.d - b.d || (a.id < b.id ? -1 : 1))
    .slice(0, 10)
    .map((x) => x.id);
  if (got.join() !== brute.join()) throw new Error('nearby disagrees with brute force');
  const near = await latencies(() => index.nearby(query(), Date.now()));
  const regions = (await index.regions()).length;
  return { bytesPerDriver, updates, near, regions };
}

// With the listpack settings of infra/redis/redis.conf, as a deployment has them.
const redisServer = await startRedis(undefined, undefined, REDIS_DEFAULTS ? [] : INDEX_REDIS_SETTINGS);
const cluster = await startRedisCluster();
const redis = new Redis(redisServer.url);
const clusterClient = openRedis(
  { kind: 'cluster', nodes: parseClusterNodes(cluster.nodes) ?? [] },
  { failFast: false },
);
const rows: string[] = [];
const records: Record<string, unknown>[] = [];
const regionRows: string[] = [];
// The machine's speed of the moment, to compare runs by: a bare round trip to Redis.
let ping: { p50: number; p99: number };
try {
  ping = await latencies(() => redis.ping());
  for (const n of SIZES) {
    const drivers = fleet(n);
    const single = await measureIndex(redis, drivers);
    const sharded = await measureIndex(clusterClient, drivers);

    const geoKey = 'bench:geo';
    await redis.flushall();
    const geoBase = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
    const pipeline = redis.pipeline();
    for (const d of drivers) pipeline.geoadd(geoKey, d.lng, d.lat, d.driverId);
    await pipeline.exec();
    const geoBytes = (Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0) - geoBase) / n;
    const geoUpdates = await geoaddRate(redis, geoKey, drivers, UPDATES);
    const geoNear = await latencies(() => {
      const q = query();
      return redis.geosearch(
        geoKey,
        'FROMLONLAT',
        q.lng,
        q.lat,
        'BYRADIUS',
        q.radiusM,
        'm',
        'ASC',
        'COUNT',
        q.limit,
        'WITHDIST',
      );
    });

    const memory = new MemoryGeoIndex(RES, 5, 3_600_000, 64);
    await memory.upsert(drivers);
    const memUpdates = await updateRate(memory, drivers, UPDATES);
    const memNear = await latencies(() => memory.nearby(query(), Date.now()));

    const row = (label: string, upd: number, near: { p50: number; p99: number }, bytes: string) =>
      rows.push(`| ${rate(n)} | ${label} | ${rate(upd)} | ${us(near.p50)} | ${us(near.p99)} | ${bytes} |`);
    row('ridetrack H3 index, one Redis', single.updates, single.near, String(Math.round(single.bytesPerDriver)));
    row(
      'ridetrack H3 index, Redis Cluster (3 shards)',
      sharded.updates,
      sharded.near,
      String(Math.round(sharded.bytesPerDriver)),
    );
    row('Redis GEOADD / GEOSEARCH', geoUpdates, geoNear, String(Math.round(geoBytes)));
    row('ridetrack H3 index (in memory)', memUpdates, memNear, 'n/a');
    rows.push(
      `| ${rate(n)} | ratio H3 (one Redis) / GEO | ${(single.updates / geoUpdates).toFixed(2)}x | ${(single.near.p50 / geoNear.p50).toFixed(2)}x | ${(single.near.p99 / geoNear.p99).toFixed(2)}x | ${(single.bytesPerDriver / geoBytes).toFixed(2)}x |`,
    );
    records.push({
      drivers: n,
      single: {
        updatesPerS: single.updates,
        nearbyP50Us: single.near.p50 * 1000,
        nearbyP99Us: single.near.p99 * 1000,
        bytesPerDriver: single.bytesPerDriver,
      },
      cluster: {
        updatesPerS: sharded.updates,
        nearbyP50Us: sharded.near.p50 * 1000,
        nearbyP99Us: sharded.near.p99 * 1000,
        bytesPerDriver: sharded.bytesPerDriver,
        regions: sharded.regions,
      },
      geosearch: {
        updatesPerS: geoUpdates,
        nearbyP50Us: geoNear.p50 * 1000,
        nearbyP99Us: geoNear.p99 * 1000,
        bytesPerDriver: geoBytes,
      },
      memory: { updatesPerS: memUpdates, nearbyP50Us: memNear.p50 * 1000, nearbyP99Us: memNear.p99 * 1000 },
    });
    console.error(rows.slice(-5).join('\n'));
  }
  // The region resolution: coarser regions mean fewer moves across regions and fewer regions a
  // search reads, finer ones spread a city over more shards.
  const n = SIZES.at(-1) ?? 100_000;
  const drivers = fleet(n);
  for (const regionRes of REGION_RESOLUTIONS) {
    const m = await measureIndex(clusterClient, drivers, regionRes);
    const moves = crossRegionMoves(drivers, regionRes);
    regionRows.push(
      `| ${regionRes} | ${m.regions} | ${(moves * 1000).toFixed(2)} | ${rate(m.updates)} | ${us(m.near.p50)} | ${us(m.near.p99)} |`,
    );
    records.push({
      drivers: n,
      regionRes,
      regions: m.regions,
      crossRegionMovesPer1000: moves * 1000,
      updatesPerS: m.updates,
      nearbyP50Us: m.near.p50 * 1000,
      nearbyP99Us: m.near.p99 * 1000,
    });
  }
} finally {
  await redis.quit();
  await clusterClient.quit();
  await redisServer.stop();
  await cluster.stop();
}
console.log(`machine: ${machineLine()}`);
console.log(
  `${rate(UPDATES)} updates per measurement (each driver moves ~10 m), ${QUERIES} nearby queries (radius 2 km, limit 10) over a 30 x 30 km city, H3 res ${RES}, regions at res 5`,
);
console.log(`Redis PING round trip on this machine now: p50 ${us(ping.p50)}, p99 ${us(ping.p99)}`);
console.log(
  REDIS_DEFAULTS
    ? "Redis with its default listpack setting (64): not infra/redis/redis.conf's"
    : 'Redis with the listpack setting of infra/redis/redis.conf (hash-max-listpack-value 160)',
);
console.log('');
console.log('| drivers | index | updates/s | nearby p50 | nearby p99 | Redis bytes/driver |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(r);
console.log('');
console.log(`Region resolution, ${rate(SIZES.at(-1) ?? 100_000)} drivers on the Redis Cluster:`);
console.log('| region res | regions | moves across regions per 1,000 updates | updates/s | nearby p50 | nearby p99 |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const r of regionRows) console.log(r);
recordRun('geo', {
  settings: { updates: UPDATES, queries: QUERIES, res: RES, redisDefaults: REDIS_DEFAULTS },
  figures: { ping, rows: records },
});
console.log(`\nrecorded in ${resultsFile('geo')}`);
