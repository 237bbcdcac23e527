import { cellToParent, latLngToCell } from 'h3-js';
import type { MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { decodeLocation, encodeLocation, locationTopic, statusTopic, type LocationFix } from '@ridetrack/shared';
import {
  type BrokerProcess,
  ClusterKit,
  metricOf,
  openEvents,
  tcpUrl,
  until,
  useRedisCluster,
} from '@ridetrack/testkit';

/**
 * Broker nodes on a Redis Cluster of three primaries and three replicas, as real processes on
 * loopback: fixes reach only the nodes that follow their driver (sharded pub/sub), Redis's work per
 * fix does not grow with the nodes, each region of the geo-index is swept once a pass whatever the
 * number of nodes, and a primary killed under a moving fleet fails over without losing what was
 * acknowledged.
 */
const kit = new ClusterKit();
const JANITOR_MS = 400;
const ENV = {
  JANITOR_INTERVAL_MS: String(JANITOR_MS),
  PUBLISH_RATE_PER_S: '200',
  PUBLISH_BURST: '200',
  CLUSTER_HEARTBEAT_MS: '2000',
};

/** Three places about 40-60 km apart: three regions at the default region resolution (5). */
const PLACES: readonly [number, number][] = [
  [52.37, 4.9],
  [52.09, 5.12],
  [51.92, 4.48],
];

function fixAt(place: number, seq: number): Buffer {
  const [lat, lng] = PLACES[place] as [number, number];
  const fix: LocationFix = {
    seq,
    timestampMs: Date.now(),
    lat: lat + (seq % 100) * 1e-5,
    lng,
    headingDeg: 90,
    speedMps: 10,
    accuracyM: 5,
    tripState: 'available',
    simulated: true,
  };
  return Buffer.from(encodeLocation(fix));
}

interface Driver {
  id: string;
  place: number;
  node: number;
  client: MqttClient;
  seq: number;
  acked: number;
}

/** Driver ids whose channels (`rt:d:{id}`) live on the given primaries' slots, one per entry. */
async function idsOnShards(want: readonly number[]): Promise<string[]> {
  const found: string[] = [];
  const used = new Set<string>();
  for (const port of want) {
    for (let n = 0; ; n++) {
      const id = `sc-${n}`;
      if (used.has(id)) continue;
      const slot = Number(await redis.cluster.servers[0]?.command(['CLUSTER', 'KEYSLOT', `rt:d:{${id}}`]));
      if ((await redis.cluster.primaryOf(slot)).port !== port) continue;
      used.add(id);
      found.push(id);
      break;
    }
  }
  return found;
}

async function connectDriver(id: string, place: number, node: number): Promise<Driver> {
  const client = await kit.connect(tcpUrl(nodes[node] as BrokerProcess), id, { role: 'driver', sub: id });
  return { id, place, node, client, seq: 0, acked: 0 };
}

async function publish(d: Driver): Promise<void> {
  const seq = ++d.seq;
  await d.client.publishAsync(locationTopic(d.id), fixAt(d.place, seq), { qos: 1 });
  d.acked = Math.max(d.acked, seq);
}

/** A rider on a node following drivers; counts the fixes it receives, by driver. */
async function riderOn(node: number, id: string, drivers: string[]) {
  const client = await kit.connect(tcpUrl(nodes[node] as BrokerProcess), `rider:${id}`, {
    role: 'rider',
    sub: id,
    drivers,
    exp: Math.floor(Date.now() / 1000) + 3600,
  });
  const got = new Map<string, number[]>(drivers.map((d) => [d, []]));
  client.on('message', (topic, payload: Buffer) => {
    const f = decodeLocation(payload);
    if (f.ok) got.get(topic.split('/')[1] ?? '')?.push(f.value.seq);
  });
  await client.subscribeAsync(drivers.map((d) => locationTopic(d)));
  return { client, got };
}

const routedIn = (n: BrokerProcess) => metricOf(n, 'ridetrack_routed_in_total', 'route="driver"');

// A Redis Cluster of this file's own: the last test kills a primary as its subject.
const redis = useRedisCluster();
const nodes = kit.useNodes(
  () => ({ REDIS_CLUSTER_NODES: redis.cluster.nodes }),
  ['sc-a', 'sc-b', 'sc-c', 'sc-d'],
  ENV,
  90_000,
);

describe('four broker nodes on a Redis Cluster', () => {
  let drivers: Driver[] = [];
  const primaries: number[] = [];

  it(
    'route a fix only to the nodes following its driver, whichever shard holds its channel',
    { timeout: 60_000 },
    async () => {
      for (const s of redis.cluster.servers)
        if ((await s.command(['ROLE'])).startsWith('master')) primaries.push(s.port);
      expect(primaries).toHaveLength(3);
      // Two drivers per node, their channels on all three shards; each node's first connection is
      // to the first server of REDIS_CLUSTER_NODES, so most channels live elsewhere (the old
      // ioredis bug sent such an SSUBSCRIBE to the wrong node).
      const ids = await idsOnShards([1, 2, 0, 0, 1, 2, 0, 1].map((i) => primaries[i] as number));
      // And eight more (the next test's fleet is larger), on any shard.
      ids.push(...Array.from({ length: 8 }, (_, i) => `sc-more-${i}`));
      drivers = await Promise.all(ids.map((id, i) => connectDriver(id, i % 3, i % 4)));
      // Followers: node a follows a driver on d; b one on a (and one of its own); c the same one on
      // a and one of its own; d follows nobody.
      const [d0, , d2, d3, , d5] = drivers as [Driver, Driver, Driver, Driver, Driver, Driver];
      const riders = [
        await riderOn(0, 'on-a', [d3.id]),
        await riderOn(1, 'on-b', [d0.id, d5.id]),
        await riderOn(2, 'on-c', [d0.id, d2.id]),
      ];
      const followedShards = new Set(
        await Promise.all(
          [d0, d3].map(async (d) => {
            const slot = Number(await redis.cluster.servers[0]?.command(['CLUSTER', 'KEYSLOT', `rt:d:{${d.id}}`]));
            return (await redis.cluster.primaryOf(slot)).port;
          }),
        ),
      );
      expect(followedShards.size).toBe(2);
      expect([...followedShards].some((p) => p !== redis.cluster.servers[0]?.port)).toBe(true);

      // An operator's console on node d shows the region of place 0: it gets batches of that region
      // from the nodes its drivers are on, and still no driver's fixes.
      const region0 = cellToParent(latLngToCell(...(PLACES[0] as [number, number]), 9), 5);
      const console0 = await openEvents(`http://127.0.0.1:${nodes[3]?.httpPort}/api/fleet/events?regions=${region0}`, {
        authorization: `Bearer ${await kit.token({ role: 'operator', sub: 'ops' })}`,
      });
      const before = await Promise.all(nodes.map(routedIn));
      const FIXES = 20;
      for (let k = 0; k < FIXES; k++) await Promise.all(drivers.slice(0, 8).map(publish));
      // Every follower has every fix of its drivers, in order.
      for (const r of riders)
        await until(() => [...r.got.values()].every((seqs) => seqs.length >= FIXES), 'riders have every fix');
      for (const r of riders)
        for (const seqs of r.got.values()) expect(seqs).toEqual(Array.from({ length: FIXES }, (_, i) => i + 1));
      // Messages nodes received through Redis: one per (driver, following node on another node)
      // pair and fix. a: d3 (on d). b: d0 (on a); d5 is its own. c: d0 (on a); d2 is its own. d: none.
      const expected = [FIXES, FIXES, FIXES, 0];
      await until(async () => {
        const now = await Promise.all(nodes.map(routedIn));
        return now.every((v, i) => v - (before[i] ?? 0) >= (expected[i] ?? 0));
      }, 'nodes received their followed drivers');
      const after = await Promise.all(nodes.map(routedIn));
      expect(after.map((v, i) => v - (before[i] ?? 0))).toEqual(expected);
      // The console has every driver of place 0 at its last fix, from four nodes' batches.
      const inRegion0 = drivers.filter((d) => d.place === 0 && drivers.indexOf(d) < 8).map((d) => d.id);
      const lastSeq = (): Map<string, number> => {
        const seen = new Map<string, number>();
        for (const e of console0.events.filter((x) => x.event === 'drivers'))
          for (const row of (JSON.parse(e.data) as { rows: [string, number][] }).rows) seen.set(row[0], row[1]);
        return seen;
      };
      await until(
        () => inRegion0.every((id) => lastSeq().get(id) === FIXES),
        'the console has place 0 at its last fix',
      );
      expect([...lastSeq().keys()].every((id) => drivers.find((d) => d.id === id)?.place === 0)).toBe(true);
      console0.close();
    },
  );

  it('cost Redis the same commands per fix with two nodes publishing as with four', { timeout: 60_000 }, async () => {
    const total = async () => [...(await redis.cluster.commandCalls()).values()].reduce((a, b) => a + b, 0);
    /**
     * Commands summed over the primaries per fix, the fleet of the first `count` nodes publishing
     * every 100 ms for 3 s: the calls of that window less those of an idle window as long just
     * before it (heartbeats and janitor passes, which do not depend on fixes; their count is the
     * next test's). Fixes are counted by their SPUBLISH: the ones the nodes accepted.
     */
    const perFix = async (count: number): Promise<number> => {
      const fleet = drivers.filter((d) => d.node < count);
      const WINDOW_MS = 3000;
      await redis.cluster.resetStats();
      await new Promise((r) => setTimeout(r, WINDOW_MS));
      const idle = await total();
      await redis.cluster.resetStats();
      const t0 = Date.now();
      while (Date.now() - t0 < WINDOW_MS) {
        await Promise.all(fleet.map(publish));
        await new Promise((r) => setTimeout(r, 100));
      }
      const stats = await redis.cluster.commandCalls();
      const busy = [...stats.values()].reduce((a, b) => a + b, 0);
      const fixes = stats.get('spublish') ?? 0;
      expect(fixes).toBeGreaterThan(fleet.length * 10);
      return (busy - idle) / fixes;
    };
    const two = await perFix(2);
    const four = await perFix(4);
    // At least a publish, a retained copy, the index's script and its calls, and the history.
    expect(two).toBeGreaterThan(4);
    expect(Math.abs(four - two) / two).toBeLessThan(0.2);
  });

  it('sweep each region of the geo-index once a pass, not once per node', { timeout: 60_000 }, async () => {
    const regions = new Set(PLACES.map(([lat, lng]) => cellToParent(latLngToCell(lat, lng, 9), 5)));
    expect(regions.size).toBe(3);
    const sweeps = async () =>
      (await Promise.all(nodes.map((n) => metricOf(n, 'ridetrack_janitor_sweeps_total')))).reduce((a, b) => a + b, 0);
    const s0 = await sweeps();
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, JANITOR_MS * 10));
    const passes = (Date.now() - t0) / JANITOR_MS;
    const perPass = ((await sweeps()) - s0) / passes;
    // About one sweep per region and pass; four nodes each sweeping all would be 12. On a loaded
    // machine passes fall behind the clock (a pass still running skips the next, a stalled node's
    // regions wait for its lease), so fewer is no fault: the bound that matters is the upper one.
    expect(perPass).toBeGreaterThan(0);
    expect(perPass).toBeLessThan(regions.size * 1.5);
  });

  it(
    'fails over when a primary is killed: riders keep receiving, and no acknowledged fix is lost',
    { timeout: 120_000 },
    async () => {
      // The primary holding the channel of a followed driver (d0: followed on b and c).
      const d0 = drivers[0] as Driver;
      const slot = Number(await redis.cluster.servers[0]?.command(['CLUSTER', 'KEYSLOT', `rt:d:{${d0.id}}`]));
      const victim = await redis.cluster.primaryOf(slot);
      const rider = await riderOn(3, 'on-d', [d0.id]);
      const state = { running: true };
      const publishing = (async () => {
        while (state.running) {
          await Promise.all(drivers.map((d) => publish(d).catch(() => undefined)));
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      await until(() => (rider.got.get(d0.id)?.length ?? 0) > 0, 'the rider hears d0 before the kill');
      await victim.stop();
      const seqAtKill = d0.seq;
      // The replica takes over; the rider on d hears d0 again, from fixes published after the kill.
      await redis.cluster.settled(30_000);
      await until(() => (rider.got.get(d0.id) ?? []).some((s) => s > seqAtKill + 5), 'fixes flow again', 30_000);
      state.running = false;
      await publishing;
      // What was acknowledged is there on every node: each driver's last position (retained), and
      // the geo-index's last state.
      for (const d of drivers) {
        await until(
          async () => {
            const seen = await Promise.all(nodes.map((n) => retainedSeq(n, d.id)));
            return seen.every((s) => s === d.acked);
          },
          `the last acknowledged fix of ${d.id} on every node`,
          { timeoutMs: 30_000, everyMs: 200 },
        );
      }
      const token = await kit.token({ role: 'operator', sub: 'ops' });
      for (const d of drivers) {
        await until(
          async () => {
            const res = await fetch(`http://127.0.0.1:${nodes[0]?.httpPort}/api/drivers/${d.id}`, {
              headers: { authorization: `Bearer ${token}` },
            });
            return res.ok && ((await res.json()) as { seq: number }).seq === d.acked;
          },
          `the geo-index holds the last acknowledged fix of ${d.id}`,
          { timeoutMs: 30_000, everyMs: 200 },
        );
      }
    },
  );
});

/** The seq of the retained last position a new subscriber on this node is given (-1: none). */
async function retainedSeq(n: BrokerProcess, driverId: string): Promise<number> {
  const probe = await kit.connect(tcpUrl(n), `operator:ops:${Math.random().toString(36).slice(2, 8)}`, {
    role: 'operator',
    sub: 'ops',
  });
  try {
    const seq = new Promise<number>((resolve) => {
      probe.on('message', (topic, payload: Buffer) => {
        const f = decodeLocation(payload);
        if (topic === locationTopic(driverId) && f.ok) resolve(f.value.seq);
      });
    });
    await probe.subscribeAsync([locationTopic(driverId), statusTopic(driverId)]);
    return await Promise.race([seq, new Promise<number>((r) => setTimeout(() => r(-1), 1000))]);
  } finally {
    await probe.endAsync(true);
  }
}
