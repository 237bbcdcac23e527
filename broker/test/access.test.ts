import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  connectClient,
  connectRefused,
  driverClaims,
  metricValue,
  operatorClaims,
  packetOf,
  riderClaims,
  useTestBroker,
  subackCode,
  clientClosed,
} from './harness';

const t = useTestBroker();

const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;
const SUBACK_FAILURE = 128;

describe('tokens', () => {
  const sign = (payload: Record<string, unknown>, secret: string, exp: number | string = '1h') =>
    new SignJWT(payload)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(secret));

  it.each([
    ['a missing token', () => Promise.resolve(undefined), BAD_USERNAME_OR_PASSWORD, 'missing_token'],
    ['a garbage token', () => Promise.resolve('not-a-jwt'), BAD_USERNAME_OR_PASSWORD, 'malformed_token'],
    [
      'an expired token',
      () => sign({ role: 'driver', sub: 'drv-x' }, t.secret, Math.floor(Date.now() / 1000) - 60),
      BAD_USERNAME_OR_PASSWORD,
      'expired',
    ],
    [
      'a token signed with another secret',
      () => sign({ role: 'driver', sub: 'drv-x' }, 'another-secret-another-secret-12345'),
      BAD_USERNAME_OR_PASSWORD,
      'bad_signature',
    ],
    [
      'a token with an unknown role',
      () => sign({ role: 'admin', sub: 'drv-x' }, t.secret),
      BAD_USERNAME_OR_PASSWORD,
      'bad_claims',
    ],
    [
      'a rider token naming no driver',
      () => sign({ role: 'rider', sub: 'r' }, t.secret),
      BAD_USERNAME_OR_PASSWORD,
      'bad_claims',
    ],
    [
      'a driver token for another client id',
      () => t.token(driverClaims('drv-other')),
      NOT_AUTHORIZED,
      'client_id_not_allowed',
    ],
  ])('refuses %s with CONNACK %i and counts it', async (_name, makeToken, code, reason) => {
    const before = await metricValue(t.broker, 'ridetrack_auth_failures_total', { reason });
    expect(await connectRefused(t.tcpUrl, 'drv-x', await makeToken())).toBe(code);
    expect(await metricValue(t.broker, 'ridetrack_auth_failures_total', { reason })).toBe(before + 1);
  });

  it('refuses a will on a topic the driver may not publish to', async () => {
    const token = await t.token(driverClaims('drv-x'));
    await expect(
      connectClient(t.tcpUrl, 'drv-x', token, {
        will: { topic: 'd/drv-y/s', payload: Buffer.from('x'), qos: 0, retain: false },
      }),
    ).rejects.toMatchObject({ code: NOT_AUTHORIZED });
  });

  it('ends a connection when its token expires', async () => {
    const rider = await connectClient(
      t.tcpUrl,
      'rider:r:exp',
      await t.token({ role: 'rider', sub: 'r', drivers: ['drv-1'], exp: Math.floor(Date.now() / 1000) + 2 }, 2),
    );
    await clientClosed(rider);
    expect(rider.connected).toBe(false);
  });
});

describe('riders', () => {
  it('a rider receives only its own driver', async () => {
    const rider = await connectClient(t.tcpUrl, 'rider:rider-1:own', await t.token(riderClaims('drv-a')));
    expect(await subackCode(rider, 'd/drv-a/l')).toBe(0);
    expect(await subackCode(rider, 'd/drv-b/l')).toBe(SUBACK_FAILURE);
    const a = await connectClient(t.tcpUrl, 'drv-a', await t.token(driverClaims('drv-a')));
    const b = await connectClient(t.tcpUrl, 'drv-b', await t.token(driverClaims('drv-b')));
    const topics: string[] = [];
    rider.on('message', (topic) => topics.push(topic));
    await b.publishAsync('d/drv-b/l', packetOf(1), { qos: 1 });
    await a.publishAsync('d/drv-a/l', packetOf(1), { qos: 1 });
    await new Promise((resolve) => rider.once('message', resolve));
    expect(topics).toEqual(['d/drv-a/l']);
    await Promise.all([rider.endAsync(), a.endAsync(), b.endAsync()]);
  });
});

describe('publishing where the role may not', () => {
  it.each([
    ["a driver on another driver's topic", 'drv-p', () => driverClaims('drv-p'), 'd/drv-q/l', 'not_own_topic'],
    ['a driver assigning itself a trip', 'drv-p', () => driverClaims('drv-p'), 'd/drv-p/t', 'kind_not_allowed'],
    ['a rider', 'rider:rider-1:send', () => riderClaims('drv-q'), 'd/drv-q/s', 'role_cannot_publish'],
  ])(
    '%s: the connection closes, the denial is counted once with its reason, nothing is delivered',
    async (_n, id, claims, topic, reason) => {
      const labels = { action: 'publish', reason };
      const before = await metricValue(t.broker, 'ridetrack_acl_denials_total', labels);
      const watcher = await connectClient(t.tcpUrl, 'operator:ops-1:watch', await t.token(operatorClaims));
      const heard: string[] = [];
      watcher.on('message', (topic) => heard.push(topic));
      await watcher.subscribeAsync(topic);
      const sender = await connectClient(t.tcpUrl, id, await t.token(claims()));
      const closed = clientClosed(sender);
      sender.publish(topic, packetOf(1), { qos: 1 });
      await closed;
      expect(await metricValue(t.broker, 'ridetrack_acl_denials_total', labels)).toBe(before + 1);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(heard).toEqual([]);
      sender.end(true);
      await watcher.endAsync();
    },
  );
});
