import { randomUUID } from 'node:crypto';
import { cellToLatLng, cellToParent, getRes0Cells, cellToChildren, latLngToCell } from 'h3-js';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { closeAfterAll, connectTo, redisTargets } from '../../test/stores';
import { until } from '@ridetrack/testkit';
import { Janitor, regionOwner } from './janitor';
import { RedisGeoIndex } from './redis-index';
import { RedisJanitorLeases } from './redis-leases';
import type { DriverState } from './types';

const RES = 9;
const REGION_RES = 5;
const STALE_MS = 1000;

describe('regionOwner', () => {
  const regions = cellToChildren(getRes0Cells()[42] as string, 3).slice(0, 600);

  it('gives every region one owner, the same from any node, spread evenly', () => {
    const nodes = ['a', 'b', 'c', 'd'];
    const owned = new Map<string, number>();
    for (const r of regions) {
      const owner = regionOwner(r, nodes) as string;
      expect(regionOwner(r, [...nodes].reverse())).toBe(owner);
      owned.set(owner, (owned.get(owner) ?? 0) + 1);
    }
    for (const n of nodes) expect(owned.get(n) ?? 0).toBeGreaterThan(regions.length / 4 / 1.5);
    expect(regionOwner(regions[0] as string, [])).toBeNull();
  });

  it('moves only the regions of a node that leaves', () => {
    const before = regions.map((r) => regionOwner(r, ['a', 'b', 'c', 'd']));
    const after = regions.map((r) => regionOwner(r, ['a', 'b', 'd']));
    for (let i = 0; i < regions.length; i++) if (before[i] !== 'c') expect(after[i]).toBe(before[i]);
    expect(after.includes('c')).toBe(false);
  });
});

const opened = closeAfterAll();

/** A driver at the centre of a res-5 region. */
function driverIn(region: string, id: string, updatedMs: number): DriverState {
  const [lat, lng] = cellToLatLng(region);
  return {
    driverId: id,
    lat,
    lng,
    headingDeg: null,
    speedMps: null,
    accuracyM: null,
    tripState: 'available',
    seq: 1,
    fixTimestampMs: updatedMs,
    simulated: true,
    updatedMs,
    cell: latLngToCell(lat, lng, RES),
  };
}

describe.each(redisTargets())('janitors of four nodes on one index (%s)', (_name, target) => {
  it('sweep each region once a pass, and take over the regions of a node that died', { timeout: 30_000 }, async () => {
    const prefix = `test:${randomUUID()}:`;
    const INTERVAL_MS = 150;
    // Eight regions around Madrid, two drivers each.
    const home = cellToParent(latLngToCell(40.4, -3.7, REGION_RES), 3);
    const regions = cellToChildren(home, REGION_RES).slice(0, 8);
    const sweeps = new Map<string, number>();
    const nodes = ['jan-a', 'jan-b', 'jan-c', 'jan-d'].map((nodeId) => {
      const index = new RedisGeoIndex(connectTo(target), prefix, RES, REGION_RES, STALE_MS, 64);
      opened(index);
      const counters = { swept: () => sweeps.set(nodeId, (sweeps.get(nodeId) ?? 0) + 1) };
      const janitor = new Janitor(
        index,
        new RedisJanitorLeases(connectTo(target), prefix),
        { nodeId, intervalMs: INTERVAL_MS },
        counters,
        pino({ enabled: false }),
        Date.now,
      );
      return { nodeId, index, janitor };
    });
    const first = nodes[0] as (typeof nodes)[number];
    await first.index.upsert(
      regions.flatMap((r, i) => [driverIn(r, `jd-${i}-1`, Date.now()), driverIn(r, `jd-${i}-2`, Date.now())]),
    );
    expect((await first.index.regions()).sort()).toEqual([...regions].sort());

    /** One pass on each node given; how many regions each swept. */
    const pass = async (which: typeof nodes) => {
      sweeps.clear();
      // Every node says it is alive before any sweeps, as nodes running for a while have.
      await Promise.all(which.map((n) => n.janitor.pass()));
      await Promise.all(which.map((n) => n.janitor.pass()));
      sweeps.clear();
      const done = await Promise.all(which.map((n) => n.janitor.pass()));
      return done.reduce((s, d) => s + d.regions, 0);
    };
    // Four nodes, eight regions: eight sweeps a pass, not thirty-two.
    expect(await pass(nodes)).toBe(regions.length);
    expect([...sweeps.values()].reduce((a, b) => a + b, 0)).toBe(regions.length);
    expect(sweeps.size).toBeGreaterThan(1); // shared out, not all on one node

    // Node c dies (its janitor stops): once its heartbeat and leases have run out, the other three
    // sweep every region, its own included, still once each.
    const alive = nodes.filter((n) => n.nodeId !== 'jan-c');
    await until(async () => (await pass(alive)) === regions.length && !sweeps.has('jan-c'), 'regions taken over', {
      timeoutMs: 10_000,
      everyMs: INTERVAL_MS,
    });
    expect([...sweeps.values()].reduce((a, b) => a + b, 0)).toBe(regions.length);

    // The drivers go stale: the janitors remove them, and the regions leave the list.
    await until(
      async () => {
        await pass(alive);
        return (await first.index.regions()).length === 0;
      },
      'stale drivers swept',
      { timeoutMs: 10_000, everyMs: INTERVAL_MS },
    );
  });
});
