import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Claims } from '@ridetrack/shared';
import {
  connectClient,
  connectRefused,
  driverClaims,
  metricValue,
  operatorClaims,
  packetOf,
  riderClaims,
  serviceClaims,
  startTestBroker,
  subackCode,
  type TestBroker,
  clientClosed,
} from './harness';

let t: TestBroker;
beforeAll(async () => {
  t = await startTestBroker();
});
afterAll(async () => {
  await t.broker.close();
});

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

type Who = 'driver' | 'rider' | 'operator' | 'service';
const claimsOf: Record<Who, Claims> = {
  driver: driverClaims('drv-1'),
  rider: riderClaims('drv-1'),
  operator: operatorClaims,
  service: serviceClaims,
};
const clientIdOf: Record<Who, string> = {
  driver: 'drv-1',
  rider: 'rider:rider-1:m',
  operator: 'operator:ops-1:m',
  service: 'service:svc-1:m',
};

describe('access matrix: subscribe', () => {
  it.each<[Who, string, 'granted' | 'refused']>([
    ['driver', 'd/drv-1/t', 'granted'],
    ['driver', 'd/drv-1/s', 'granted'],
    ['driver', 'd/drv-1/l', 'refused'],
    ['driver', 'd/drv-2/t', 'refused'],
    ['driver', 'd/+/l', 'refused'],
    ['rider', 'd/drv-1/l', 'granted'],
    ['rider', 'd/drv-1/s', 'granted'],
    ['rider', 'd/drv-1/t', 'refused'],
    ['rider', 'd/drv-1/+', 'refused'],
    ['rider', 'd/drv-2/l', 'refused'],
    ['rider', 'd/+/l', 'refused'],
    ['operator', 'd/+/l', 'granted'],
    ['operator', 'd/#', 'granted'],
    ['service', 'd/+/l', 'granted'],
    ['operator', '$SYS/#', 'refused'],
    ['operator', '#', 'refused'],
    ['service', 'other/topic', 'refused'],
  ])('%s subscribing to %s is %s', async (who, filter, expected) => {
    const client = await connectClient(t.tcpUrl, clientIdOf[who], await t.token(claimsOf[who]));
    const code = await subackCode(client, filter);
    expect(code === SUBACK_FAILURE ? 'refused' : 'granted').toBe(expected);
    expect(client.connected).toBe(true); // a refused subscription keeps the connection
    await client.endAsync();
  });
});

describe('access matrix: publish', () => {
  it.each<[Who, string, 'delivered' | 'disconnected']>([
    ['driver', 'd/drv-1/l', 'delivered'],
    ['driver', 'd/drv-2/l', 'disconnected'],
    ['driver', 'd/drv-1/t', 'disconnected'],
    ['driver', 'other/topic', 'disconnected'],
    ['driver', '$SYS/x', 'disconnected'],
    ['rider', 'd/drv-1/l', 'disconnected'],
    ['operator', 'd/drv-1/l', 'disconnected'],
    ['operator', 'd/drv-1/t', 'disconnected'],
    ['service', 'd/drv-1/t', 'delivered'],
  ])('%s publishing to %s is %s', async (who, topic, expected) => {
    const watcher = await connectClient(t.tcpUrl, `service:svc-1:watch-${who}`, await t.token(serviceClaims));
    await watcher.subscribeAsync(topic.startsWith('d/') ? topic : 'd/#');
    const client = await connectClient(t.tcpUrl, clientIdOf[who], await t.token(claimsOf[who]));
    const deniedBefore = await metricValue(t.broker, 'ridetrack_acl_denials_total', { action: 'publish' });
    const outcome = new Promise<string>((resolve) => {
      watcher.on('message', (got) => {
        if (got === topic) resolve('delivered');
      });
      client.on('close', () => resolve('disconnected'));
    });
    client.publish(topic, packetOf(Date.now() % 1e6));
    expect(await outcome).toBe(expected);
    if (expected === 'disconnected' && topic.startsWith('d/')) {
      expect(await metricValue(t.broker, 'ridetrack_acl_denials_total', { action: 'publish' })).toBe(deniedBefore + 1);
    }
    await Promise.all([client.endAsync(true), watcher.endAsync()]);
  });

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
