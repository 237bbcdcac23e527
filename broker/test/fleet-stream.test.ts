import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locationTopic, parseFleetRow, type FleetDriver } from '@ridetrack/shared';
import {
  connectClient,
  driverClaims,
  operatorClaims,
  packetOf,
  riderClaims,
  startTestBroker,
  type TestBroker,
} from './harness';
import { bearer, getJson, openSse, until } from './live-client';

let t: TestBroker;
const drivers: MqttClient[] = [];

const rowsOf = (data: string): FleetDriver[] =>
  (JSON.parse(data) as { rows: unknown[] }).rows.flatMap((r) => {
    const d = parseFleetRow(r);
    return d.ok ? [d.value] : [];
  });

beforeAll(async () => {
  t = await startTestBroker({ SSE_HEARTBEAT_MS: '1000' });
  for (const id of ['fl-1', 'fl-2', 'fl-3']) {
    const c = await connectClient(t.tcpUrl, id, await t.token(driverClaims(id)));
    await c.publishAsync(locationTopic(id), packetOf(1), { qos: 1 });
    drivers.push(c);
  }
});
afterAll(async () => {
  await Promise.all(drivers.map((c) => c.endAsync()));
  await t.broker.close();
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
    expect(await until(health, (n) => n === 0)).toBe(0);
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
