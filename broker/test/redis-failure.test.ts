import { describe, expect, it } from 'vitest';
import { until } from '@ridetrack/testkit';
import {
  collect,
  connectClient,
  driverClaims,
  operatorClaims,
  packetOf,
  riderClaims,
  useRedis,
  useTestBroker,
} from './harness';

/** Redis killed and restarted under a running broker: tracking goes on, the index catches up. */
const redis = useRedis();
// One node: the geo-index in Redis, routing in process (clustered routing needs Redis by nature).
const t = useTestBroker(() => ({ REDIS_URL: redis.url, INDEX_FLUSH_MS: '20', CLUSTER: 'off' }));

async function health(): Promise<{ index: { up: boolean; pending: number } }> {
  return (await (await fetch(`${t.httpUrl}/healthz`)).json()) as { index: { up: boolean; pending: number } };
}

describe('Redis failure', () => {
  it('keeps live tracking, bounds memory, and is correct again after Redis returns', { timeout: 20_000 }, async () => {
    const ops = await t.token(operatorClaims);
    const driverOf = (lat: number) =>
      fetch(`${t.httpUrl}/api/drivers/drv-rf`, { headers: { authorization: `Bearer ${ops}` } })
        .then(async (r) => (r.status === 200 ? ((await r.json()) as { lat: number }).lat : null))
        .then((got) => got === lat);
    const rider = await connectClient(t.tcpUrl, 'rider:rider-1:rf', await t.token(riderClaims('drv-rf')));
    await rider.subscribeAsync('d/drv-rf/l');
    const drivers = await Promise.all(
      ['drv-rf', 'drv-rf2'].map(async (id) => connectClient(t.tcpUrl, id, await t.token(driverClaims(id)))),
    );
    const [driver, other] = drivers as [NonNullable<(typeof drivers)[0]>, NonNullable<(typeof drivers)[1]>];

    await driver.publishAsync('d/drv-rf/l', packetOf(1, { lat: 39.29 }), { qos: 1 });
    await until(() => driverOf(39.29), 'the driver found near 39.29');

    redis.server.process.kill('SIGKILL');
    // Live tracking does not depend on Redis: the rider keeps receiving.
    const received = collect(rider, 20, 'd/drv-rf/l');
    for (let seq = 2; seq <= 21; seq++) {
      await driver.publishAsync('d/drv-rf/l', packetOf(seq, { lat: 39.29 + seq * 1e-5 }), { qos: 1 });
      await other.publishAsync('d/drv-rf2/l', packetOf(seq), { qos: 1 });
    }
    expect(await received).toHaveLength(20);
    const down = await until(health, 'the index reported down', { ok: (h) => !h.index.up });
    // Only the newest fix per driver waits: two drivers, at most two pending.
    expect(down.index.pending).toBeLessThanOrEqual(2);
    // The API says which store is away, plainly, and when to retry.
    const auth = { authorization: `Bearer ${ops}`, 'content-type': 'application/json' };
    for (const [method, path, body, error] of [
      ['GET', '/api/drivers/drv-rf', null, 'index_unavailable'],
      ['GET', '/api/drivers/nearby?lat=39.29&lng=-76.61', null, 'index_unavailable'],
      ['GET', '/api/cells?bbox=-76.7,39.2,-76.5,39.4&res=7', null, 'index_unavailable'],
      // Dispatch looks for drivers first.
      ['POST', '/api/trips', JSON.stringify({ pickup: { lat: 39.29, lng: -76.61 } }), 'index_unavailable'],
      ['POST', '/api/trips/t-unknown/complete', null, 'trips_unavailable'],
      ['GET', '/api/trips/t-unknown', null, 'trips_unavailable'],
    ] as const) {
      const res = await fetch(`${t.httpUrl}${path}`, { method, headers: auth, body });
      expect([path, res.status, res.headers.get('retry-after')]).toEqual([path, 503, '1']);
      expect([path, await res.json()]).toMatchObject([path, { error }]);
    }

    await redis.restart();
    await until(health, 'the index up with nothing pending', { ok: (h) => h.index.up && h.index.pending === 0 });
    // The restarted Redis is empty; the index holds the newest fix again within seconds.
    await until(() => driverOf(39.29 + 21e-5), 'the driver found where it moved');
    // The trip store is back on its own connection too: an unknown trip is unknown, not unreachable.
    await until(
      async () =>
        (await fetch(`${t.httpUrl}/api/trips/t-unknown`, { headers: { authorization: `Bearer ${ops}` } })).status,
      'the trip store back',
      { ok: (status) => status === 404 },
    );
    await Promise.all([rider.endAsync(), driver.endAsync(), other.endAsync()]);
  });
});
