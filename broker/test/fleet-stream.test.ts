import { cellToLatLng, cellToParent, gridDisk, latLngToCell } from 'h3-js';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locationTopic, parseFleetRow, type FleetDriver } from '@ridetrack/shared';
import { connectClient, driverClaims, operatorClaims, packetOf, riderClaims, useTestBroker } from './harness';
import { until } from '@ridetrack/testkit';
import { bearer, getJson, openSse } from './live-client';

const t = useTestBroker({ SSE_HEARTBEAT_MS: '1000' });
const drivers: MqttClient[] = [];

const batchOf = (data: string) => JSON.parse(data) as { rows: unknown[]; gone?: string[] };
const rowsOf = (data: string): FleetDriver[] =>
  (JSON.parse(data) as { rows: unknown[] }).rows.flatMap((r) => {
    const d = parseFleetRow(r);
    return d.ok ? [d.value] : [];
  });

beforeAll(async () => {
  for (const id of ['fl-1', 'fl-2', 'fl-3']) {
    const c = await connectClient(t.tcpUrl, id, await t.token(driverClaims(id)));
    await c.publishAsync(locationTopic(id), packetOf(1), { qos: 1 });
    drivers.push(c);
  }
});
afterAll(async () => {
  await Promise.all(drivers.map((c) => c.endAsync()));
});

describe('the fleet stream (GET /api/fleet/events)', () => {
  it('starts with the fleet as it is, then sends the drivers that changed, in batches', async () => {
    const stream = await openSse(`${t.httpUrl}/api/fleet/events`, bearer(await t.token(operatorClaims)));
    const [first] = await stream.atLeast(1, 'drivers');
    const snapshot = rowsOf(String(first?.data));
    expect(snapshot.map((d) => d.driverId).sort()).toEqual(['fl-1', 'fl-2', 'fl-3']);
    expect(snapshot.every((d) => d.fix.seq === 1 && d.online)).toBe(true);

    await drivers[1]?.publishAsync(locationTopic('fl-2'), packetOf(2), { qos: 1 });
    const batches = await stream.atLeast(2, 'drivers');
    const changed = rowsOf(String(batches[1]?.data));
    expect(changed.map((d) => [d.driverId, d.fix.seq])).toEqual([['fl-2', 2]]);
    stream.close();
    const health = async () => (await getJson<{ live: { fleet: number } }>(`${t.httpUrl}/healthz`)).body.live.fleet;
    expect(await until(health, 'no operator stream left', { ok: (n) => n === 0 })).toBe(0);
  });

  it('reports a running simulation: simulated drivers online, their fix rate, and what the node refused', async () => {
    const stream = await openSse(`${t.httpUrl}/api/fleet/events`, bearer(await t.token(operatorClaims)));
    await stream.atLeast(1, 'drivers');
    // Fixes from the simulator (the simulated bit set), and one payload that is not a fix.
    for (let seq = 10; seq < 16; seq++)
      await drivers[0]?.publishAsync(locationTopic('fl-1'), packetOf(seq), { qos: 1 });
    await drivers[2]?.publishAsync(locationTopic('fl-3'), Buffer.from('not a fix'), { qos: 0 });
    type Stats = {
      t: number;
      sim: { drivers: number; online: number; fixesPerS: number; refusals: Record<string, number> } | null;
    };
    const seen: Stats[] = [];
    for (let i = 0; ; i++) {
      const events = await stream.atLeast(i + 1, 'stats');
      const last = JSON.parse(String(events[i]?.data)) as Stats;
      seen.push(last);
      const refused = seen.some((s) => Object.keys(s.sim?.refusals ?? {}).some((k) => k.startsWith('dropped:')));
      const moving = seen.some((s) => (s.sim?.fixesPerS ?? 0) > 0);
      if (refused && moving) break;
      expect(i, JSON.stringify(seen)).toBeLessThan(10);
    }
    expect(seen.at(-1)?.sim).toMatchObject({ drivers: 3, online: 3 });
    stream.close();
  });

  it('takes operator and service tokens only, with a reason', async () => {
    const rider = await getJson(`${t.httpUrl}/api/fleet/events`, bearer(await t.token(riderClaims('fl-1'))));
    expect(rider.status).toBe(403);
    expect(rider.body).toMatchObject({ reason: 'role_cannot_follow_fleet' });
    const none = await getJson(`${t.httpUrl}/api/fleet/events`);
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ reason: 'missing_token' });
    const post = await getJson(`${t.httpUrl}/api/fleet/events`, bearer(await t.token(operatorClaims)), 'POST');
    expect(post.status).toBe(405);
  });
});

/** Two neighbouring res-9 cells on either side of a boundary between res-5 regions, near a point. */
function acrossRegions(lat: number, lng: number): [string, string] {
  const start = latLngToCell(lat, lng, 9);
  const region = cellToParent(start, 5);
  for (let k = 1; ; k++)
    for (const cell of gridDisk(start, k)) {
      if (cellToParent(cell, 5) === region) continue;
      const near = gridDisk(cell, 1).find((c) => cellToParent(c, 5) === region);
      if (near !== undefined) return [near, cell];
    }
}

describe('the fleet stream by regions (?regions=)', () => {
  it('sends the drivers of the regions named, and says when one leaves them', async () => {
    const [inside, outside] = acrossRegions(39.2904, -76.6122);
    const [regionA, regionB] = [cellToParent(inside, 5), cellToParent(outside, 5)];
    const [latA, lngA] = cellToLatLng(inside);
    const [latB, lngB] = cellToLatLng(outside);
    const token = await t.token(operatorClaims);
    const edge = await connectClient(t.tcpUrl, 'fl-edge', await t.token(driverClaims('fl-edge')));
    drivers.push(edge);
    const t0 = Date.now() - 60_000;
    await edge.publishAsync(locationTopic('fl-edge'), packetOf(1, { lat: latA, lng: lngA, timestampMs: t0 }), {
      qos: 1,
    });
    const onlyA = await openSse(`${t.httpUrl}/api/fleet/events?regions=${regionA}`, bearer(token));
    const both = await openSse(`${t.httpUrl}/api/fleet/events?regions=${regionA},${regionB}`, bearer(token));
    const [first] = await onlyA.atLeast(1, 'drivers');
    // Region A holds the three drivers of the suite's start and this one.
    expect(
      rowsOf(String(first?.data))
        .map((d) => d.driverId)
        .sort(),
    ).toEqual(['fl-1', 'fl-2', 'fl-3', 'fl-edge']);
    expect(await until(health, 'two regions watched', { ok: (h) => h.fleetRegions === 2 })).toMatchObject({
      fleetRegions: 2,
    });

    // Across the boundary (a minute later: a plausible drive): gone from A, a row for a view of both.
    await edge.publishAsync(locationTopic('fl-edge'), packetOf(2, { lat: latB, lng: lngB }), { qos: 1 });
    const leftA = await until(
      () => Promise.resolve(onlyA.events.filter((e) => e.event === 'drivers').map((e) => batchOf(e.data))),
      'fl-edge gone from the view of A',
      { ok: (batches) => batches.some((b) => b.gone?.includes('fl-edge') === true) },
    );
    // The view of A alone is not sent where it went.
    const edgeRows = leftA.flatMap((b) => rowsOf(JSON.stringify(b))).filter((d) => d.driverId === 'fl-edge');
    expect(edgeRows.map((d) => d.fix.seq)).toEqual([1]);
    const inBoth = await until(
      () => Promise.resolve(both.events.filter((e) => e.event === 'drivers').map((e) => batchOf(e.data))),
      'fl-edge’s second fix in the view of both',
      {
        ok: (batches) =>
          batches.some((b) => rowsOf(JSON.stringify(b)).some((d) => d.driverId === 'fl-edge' && d.fix.seq === 2)),
      },
    );
    expect(inBoth.some((b) => b.gone?.includes('fl-edge') === true)).toBe(false);
    onlyA.close();
    both.close();
    expect(await until(health, 'no region watched', { ok: (h) => h.fleetRegions === 0 })).toMatchObject({
      fleetRegions: 0,
    });
  });

  it('refuses a region that is not one, or too many, with a reason; an empty list is the stats alone', async () => {
    const token = bearer(await t.token(operatorClaims));
    const bad = await getJson(`${t.httpUrl}/api/fleet/events?regions=nope`, token);
    expect(bad).toMatchObject({ status: 400, body: { reason: 'bad_region' } });
    const coarse = await getJson(`${t.httpUrl}/api/fleet/events?regions=${latLngToCell(39.29, -76.61, 3)}`, token);
    expect(coarse).toMatchObject({ status: 400, body: { reason: 'bad_region' } });
    const many = gridDisk(latLngToCell(39.29, -76.61, 5), 5).join(',');
    expect(await getJson(`${t.httpUrl}/api/fleet/events?regions=${many}`, token)).toMatchObject({
      status: 400,
      body: { reason: 'too_many_regions' },
    });
    const none = await openSse(`${t.httpUrl}/api/fleet/events?regions=`, token);
    const [drivers] = await none.atLeast(1, 'drivers');
    expect(batchOf(String(drivers?.data)).rows).toEqual([]);
    await none.atLeast(1, 'stats');
    none.close();
  });
});

const health = async () =>
  (await getJson<{ live: { fleet: number; fleetRegions: number } }>(`${t.httpUrl}/healthz`)).body.live;
