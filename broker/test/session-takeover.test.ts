import { describe, expect, it } from 'vitest';
import { decodeStatus, statusTopic, tripTopic, type Claims } from '@ridetrack/shared';
import {
  connectClient,
  connectRefused,
  driverClaims,
  metricValue,
  nextMessage,
  operatorClaims,
  riderClaims,
  serviceClaims,
  useTestBroker,
} from './harness';

/**
 * A client id names a session, and connecting with one takes that session over. Only the identity
 * in the token may use it (shared/src/client-ids.ts): the reproduction, where any valid
 * token took over a driver's session, kicked the driver off, published "offline" for it and, with
 * clean session 0, received its queued trip messages.
 */
const t = useTestBroker();

const NOT_AUTHORIZED = 5;

describe("another identity cannot take a driver's session", () => {
  it.each<[string, Claims]>([
    ['a rider token', riderClaims('drv-victim')],
    ['an operator token', operatorClaims],
    ['a service token', serviceClaims],
    ['another driver token', driverClaims('drv-thief')],
  ])('%s with the driver id as client id is refused with CONNACK 5', async (_name, claims) => {
    const id = 'drv-victim';
    const driver = await connectClient(t.tcpUrl, id, await t.token(driverClaims(id)), { clean: false });
    await driver.subscribeAsync(tripTopic(id), { qos: 1 });
    const watcher = await connectClient(t.tcpUrl, 'service:svc-1:watch', await t.token(serviceClaims));
    await watcher.subscribeAsync(statusTopic(id));
    const statuses: boolean[] = [];
    watcher.on('message', (_topic, payload: Buffer) => {
      const s = decodeStatus(payload);
      if (s.ok) statuses.push(s.value.online);
    });
    const before = await metricValue(t.broker, 'ridetrack_auth_failures_total', { reason: 'client_id_not_allowed' });

    for (const clean of [true, false]) {
      try {
        const thief = await connectClient(t.tcpUrl, id, await t.token(claims), { clean });
        await thief.endAsync(true);
        throw new Error('the thief was let in');
      } catch (err) {
        expect((err as { code?: number }).code).toBe(NOT_AUTHORIZED);
      }
    }

    expect(await metricValue(t.broker, 'ridetrack_auth_failures_total', { reason: 'client_id_not_allowed' })).toBe(
      before + 2,
    );
    // The driver is still connected and still gets its trips; nobody said it went offline.
    expect(driver.connected).toBe(true);
    const trip = nextMessage(driver, tripTopic(id));
    await watcher.publishAsync(tripTopic(id), '{"trip":"t-1","state":"assigned","ts":1}', { qos: 1 });
    expect((await trip).payload.toString()).toContain('t-1');
    expect(statuses.every((online) => online)).toBe(true);
    await Promise.all([driver.endAsync(), watcher.endAsync()]);
  });
});

describe('client ids of riders, operators and services', () => {
  it('each identity uses its own form, or an empty id the broker assigns', async () => {
    const rider = await connectClient(t.tcpUrl, 'rider:rider-1', await t.token(riderClaims('drv-1')));
    const tagged = await connectClient(t.tcpUrl, 'rider:rider-1:phone', await t.token(riderClaims('drv-1')));
    const assigned = await connectClient(t.tcpUrl, '', await t.token(operatorClaims));
    expect([rider.connected, tagged.connected, assigned.connected]).toEqual([true, true, true]);
    await Promise.all([rider.endAsync(), tagged.endAsync(), assigned.endAsync()]);
  });

  it.each<[string, Claims, string]>([
    ['a rider, another rider', riderClaims('drv-1'), 'rider:rider-2'],
    ['a rider, a library default', riderClaims('drv-1'), 'mqttjs_4f2a'],
    ['an operator, the rider form', operatorClaims, 'rider:ops-1'],
    ['a driver, an empty id', driverClaims('drv-1'), ''],
  ])('%s (%s) is refused', async (_name, claims, id) => {
    expect(await connectRefused(t.tcpUrl, id, await t.token(claims))).toBe(NOT_AUTHORIZED);
  });

  it("a rider cannot take another rider's session either", async () => {
    const victim = await connectClient(t.tcpUrl, 'rider:rider-1', await t.token(riderClaims('drv-1')));
    const other: Claims = {
      role: 'rider',
      sub: 'rider-2',
      drivers: ['drv-1'],
      exp: Math.floor(Date.now() / 1000) + 60,
    };
    expect(await connectRefused(t.tcpUrl, 'rider:rider-1', await t.token(other))).toBe(NOT_AUTHORIZED);
    expect(victim.connected).toBe(true);
    await victim.endAsync();
  });

  it('riders connect with clean sessions only: no queue left behind under any tag', async () => {
    const before = await metricValue(t.broker, 'ridetrack_auth_failures_total', {
      reason: 'persistent_session_not_allowed',
    });
    for (const id of ['rider:rider-9', 'rider:rider-9:a', 'rider:rider-9:b']) {
      try {
        const c = await connectClient(t.tcpUrl, id, await t.token({ ...riderClaims('drv-old'), sub: 'rider-9' }), {
          clean: false,
        });
        await c.endAsync(true);
        throw new Error('a persistent rider session was let in');
      } catch (err) {
        expect((err as { code?: number }).code).toBe(NOT_AUTHORIZED);
      }
    }
    expect(
      await metricValue(t.broker, 'ridetrack_auth_failures_total', { reason: 'persistent_session_not_allowed' }),
    ).toBe(before + 3);
  });
});
