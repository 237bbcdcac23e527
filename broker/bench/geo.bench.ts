/**
 * npm run bench:geo — the geo-index in one Redis: index updates per second (10k and 100k drivers
 * moving), nearby query p50/p99, and memory per driver; beside a plain Redis GEOADD/GEOSEARCH index
 * on the same data in the same run, and the in-memory backend. Starts its own redis-server on a
 * free loopback port, with the listpack settings of infra/redis/redis.conf (BENCH_REDIS_DEFAULTS=1:
 * Redis's defaults instead). Settings: BENCH_UPDATES (300000), BENCH_QUERIES (2000).
 */
import { latLngToCell } from 'h3-js';
import { Redis } from 'ioredis';
import pino from 'pino';
import { distanceM, type LocationFix } from '@ridetrack/shared';
import { INDEX_REDIS_SETTINGS, startRedis } from '../../infra/test/redis-server';
import { machineLine } from '../../shared/bench/machine';
import { seededRng } from '@ridetrack/shared';
import { Indexer } from '../src/geo/indexer';
import { MemoryGeoIndex } from '../src/geo/memory-index';
import { RedisGeoIndex } from '../src/geo/redis-index';
import type { DriverState, GeoIndex } from '../src/geo/types';

const UPDATES = Number(process.env['BENCH_UPDATES'] ?? 300_000);
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

// With the listpack settings of infra/redis/redis.conf, as a deployment has them.
const redisServer = await startRedis(undefined, undefined, REDIS_DEFAULTS ? [] : INDEX_REDIS_SETTINGS);
const redis = new Redis(redisServer.url);
const rows: string[] = [];
// The machine's speed of the moment, to compare runs by: a bare round trip to Redis.
let ping: { p50: number; p99: number };
try {
  ping = await latencies(() => redis.ping());
  for (const n of [10_000, 100_000]) {
    await redis.flushall(); // our own throwaway server
    const base = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
    const drivers = fleet(n);
    const index = new RedisGeoIndex(new Redis(redisServer.url), 'bench:', RES, 5, 3_600_000, 64);
    await index.upsert(drivers);
    const used = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
    const bytesPerDriver = (used - base) / n;
    const updates = await updateRate(index, drivers, UPDATES);
    // Check, not measure: the index answers like brute force for one query at this size.
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

    const geoKey = 'bench:geo';
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
    await index.close();

    rows.push(
      `| ${rate(n)} | ridetrack H3 index (Redis) | ${rate(updates)} | ${us(near.p50)} | ${us(near.p99)} | ${Math.round(bytesPerDriver)} |`,
    );
    rows.push(
      `| ${rate(n)} | Redis GEOADD / GEOSEARCH | ${rate(geoUpdates)} | ${us(geoNear.p50)} | ${us(geoNear.p99)} | ${Math.round(geoBytes)} |`,
    );
    rows.push(
      `| ${rate(n)} | ridetrack H3 index (in memory) | ${rate(memUpdates)} | ${us(memNear.p50)} | ${us(memNear.p99)} | n/a |`,
    );
    rows.push(
      `| ${rate(n)} | ratio H3 (Redis) / GEO | ${(updates / geoUpdates).toFixed(2)}x | ${(near.p50 / geoNear.p50).toFixed(2)}x | ${(near.p99 / geoNear.p99).toFixed(2)}x | ${(bytesPerDriver / geoBytes).toFixed(2)}x |`,
    );
    console.error(rows.slice(-4).join('\n'));
  }
} finally {
  await redis.quit();
  await redisServer.stop();
}
console.log(`machine: ${machineLine()}`);
console.log(
  `${rate(UPDATES)} updates per measurement (each driver moves ~10 m), ${QUERIES} nearby queries (radius 2 km, limit 10) over a 30 x 30 km city, H3 res ${RES}`,
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
