import { randomUUID } from 'node:crypto';

import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { closeAfterAll, connectTo, redisTargets } from '../../test/stores';
import type { LocationFix } from '@ridetrack/shared';
import { Indexer } from './indexer';
import { MemoryGeoIndex } from './memory-index';
import { RedisGeoIndex } from './redis-index';
import type { Box } from './box-cells';
import type { DriverState, GeoIndex } from './types';

const RES = 9;
const STALE_MS = 30_000;
const HOUR = 3_600_000; // timers that never fire here: each test flushes by hand

const opened = closeAfterAll();

const backends: [string, () => GeoIndex][] = [
  ['memory', () => new MemoryGeoIndex(RES, 5, STALE_MS, 64)],
  ...redisTargets().map(([name, target]): [string, () => GeoIndex] => [
    name,
    () => new RedisGeoIndex(connectTo(target), `test:${randomUUID()}:`, RES, 5, STALE_MS, 64),
  ]),
];

function fix(i: number): LocationFix {
  return {
    seq: 1,
    timestampMs: Date.now(),
    // A grid of drivers over about 2 x 2 km of Lisbon.
    lat: 38.7 + (i % 50) * 4e-4,
    lng: -9.15 + Math.floor(i / 50) * 4e-4,
    headingDeg: null,
    speedMps: null,
    accuracyM: null,
    tripState: 'available',
    simulated: true,
  };
}

/** Where the drivers of these tests are (Lisbon): minLng, minLat, maxLng, maxLat. */
const AREA: Box = [-9.16, 38.69, -9.12, 38.73];

async function liveCount(index: GeoIndex): Promise<number> {
  return (await index.countBox(AREA, RES, Date.now())).reduce((n, c) => n + c.count, 0);
}

/** An indexer over `index` whose timers never fire (each test flushes by hand), and what it counted. */
function counted(index: GeoIndex) {
  const seen = { indexed: 0, failed: 0, pending: -1 };
  const counters = {
    indexed: (n: number) => (seen.indexed += n),
    failed: () => seen.failed++,
    setUp: () => undefined,
    setPending: (n: number) => (seen.pending = n),
  };
  const options = { flushIntervalMs: HOUR };
  return { seen, indexer: new Indexer(index, options, counters, pino({ enabled: false }), Date.now) };
}

/** The real index, with its writes going through `upsert` first. */
function around(inner: GeoIndex, upsert: (states: readonly DriverState[]) => Promise<void>): GeoIndex {
  return Object.assign(Object.create(inner) as GeoIndex, { upsert });
}

describe.each(backends)('indexer (%s backend)', (_name, make) => {
  it('writes every pending driver in one flush, in chunks', async () => {
    const index = make();
    opened(index);
    const { seen, indexer } = counted(index);
    for (let i = 0; i < 2000; i++) indexer.offer(`grid-${i}`, fix(i));
    await indexer.flush();
    expect(seen).toEqual({ indexed: 2000, failed: 0, pending: 0 });
    expect(await liveCount(index)).toBe(2000);
    await indexer.close();
  });

  it('goes again at once when more than a chunk arrived while it wrote', async () => {
    const inner = make();
    opened(inner);
    const late: { indexer?: Indexer } = {};
    let offered = false;
    // The real index, with fixes arriving from other drivers while its first write is under way.
    const index = around(inner, (states) => {
      if (!offered) {
        offered = true;
        for (let i = 1000; i < 1600; i++) late.indexer?.offer(`grid-${i}`, fix(i));
      }
      return inner.upsert(states);
    });
    const { seen, indexer } = counted(index);
    late.indexer = indexer;
    for (let i = 0; i < 1000; i++) indexer.offer(`grid-${i}`, fix(i));
    await indexer.flush();
    expect(seen).toEqual({ indexed: 1600, failed: 0, pending: 0 });
    expect(await liveCount(inner)).toBe(1600);
    await indexer.close();
  });

  it('keeps the whole batch when one of its writes fails, and writes it on the next flush', async () => {
    const inner = make();
    opened(inner);
    let calls = 0;
    const index = around(inner, (states) =>
      ++calls === 2 ? Promise.reject(new Error('write refused')) : inner.upsert(states),
    );
    const { seen, indexer } = counted(index);
    for (let i = 0; i < 1500; i++) indexer.offer(`grid-${i}`, fix(i));
    await indexer.flush();
    expect(seen).toEqual({ indexed: 0, failed: 1, pending: 1500 });
    await indexer.flush();
    expect(seen).toEqual({ indexed: 1500, failed: 1, pending: 0 });
    expect(await liveCount(inner)).toBe(1500);
    await indexer.close();
  });
});
