import { beforeAll, describe, expect, it } from 'vitest';
import type { Claims } from '@ridetrack/shared';
import {
  connectClient,
  driverClaims,
  operatorClaims,
  packetOf,
  riderClaims,
  serviceClaims,
  useTestBroker,
  subackCode,
} from './harness';

/**
 * Who may do what, as one table: every role, with each kind of client id it might choose, against
 * every action over MQTT (TCP and WebSocket) and every HTTP route. Each row is the answer the
 * broker must give; docs/security.md states the same rules.
 */
let seq = 1;
/** The next fix of drv-1: a newer sequence number, at the same place (never a jump). */
const nextFix = () => packetOf(seq++, { lat: 39.2904 });
/** drv-1 has a fresh position, so reads of it find something. */
async function driverOnePublishes(): Promise<void> {
  const d = await connectClient(t.tcpUrl, 'drv-1', await t.token(driverClaims('drv-1')));
  await d.publishAsync('d/drv-1/l', nextFix(), { qos: 1 });
  await d.endAsync();
}
const t = useTestBroker();

type Who = 'driver' | 'rider' | 'operator' | 'service' | 'no token' | 'bad token';
const CLAIMS: Record<Who, Claims | null | 'bad'> = {
  driver: driverClaims('drv-1'),
  rider: riderClaims('drv-1'), // sub rider-1, follows drv-1
  operator: operatorClaims, // sub ops-1
  service: serviceClaims, // sub svc-1
  'no token': null,
  'bad token': 'bad',
};
const password = async (who: Who): Promise<string | undefined> => {
  const c = CLAIMS[who];
  return c === null ? undefined : c === 'bad' ? 'not-a-token' : t.token(c);
};

const ACCEPTED = 0;
const BAD_CREDENTIALS = 4;
const NOT_AUTHORIZED = 5;

/** CONNECT: role × client id → CONNACK return code. */
const CONNECTS: [Who, string, number][] = [
  ['driver', 'drv-1', ACCEPTED],
  ['driver', 'drv-2', NOT_AUTHORIZED],
  ['driver', '', NOT_AUTHORIZED],
  ['driver', 'rider:rider-1', NOT_AUTHORIZED],
  ['rider', 'rider:rider-1', ACCEPTED],
  ['rider', 'rider:rider-1:tab', ACCEPTED],
  ['rider', '', ACCEPTED],
  ['rider', 'drv-1', NOT_AUTHORIZED],
  ['rider', 'rider:rider-2', NOT_AUTHORIZED],
  ['rider', 'operator:rider-1', NOT_AUTHORIZED],
  ['operator', 'operator:ops-1', ACCEPTED],
  ['operator', '', ACCEPTED],
  ['operator', 'drv-1', NOT_AUTHORIZED],
  ['operator', 'ops-1', NOT_AUTHORIZED],
  ['service', 'service:svc-1:x', ACCEPTED],
  ['service', 'drv-1', NOT_AUTHORIZED],
  ['no token', 'drv-1', BAD_CREDENTIALS],
  ['no token', '', BAD_CREDENTIALS],
  ['bad token', 'drv-1', BAD_CREDENTIALS],
  ['bad token', 'rider:rider-1', BAD_CREDENTIALS],
];

/** The client id each role uses for the action rows. */
const OWN_ID: Partial<Record<Who, string>> = {
  driver: 'drv-1',
  rider: 'rider:rider-1:m',
  operator: 'operator:ops-1:m',
  service: 'service:svc-1:m',
};

/** SUBSCRIBE: role × filter → granted or refused (SUBACK 0x80, the connection stays). */
const SUBSCRIBES: [Who, string, 'granted' | 'refused'][] = [
  ['driver', 'd/drv-1/t', 'granted'],
  ['driver', 'd/drv-1/s', 'granted'],
  ['driver', 'd/drv-1/l', 'refused'],
  ['driver', 'd/drv-2/t', 'refused'],
  ['driver', 'd/+/l', 'refused'],
  ['driver', '#', 'refused'],
  ['rider', 'd/drv-1/l', 'granted'],
  ['rider', 'd/drv-1/s', 'granted'],
  ['rider', 'd/drv-1/t', 'refused'],
  ['rider', 'd/drv-1/+', 'refused'],
  ['rider', 'd/drv-2/l', 'refused'],
  ['rider', 'd/+/l', 'refused'],
  ['rider', '$SYS/#', 'refused'],
  ['operator', 'd/+/l', 'granted'],
  ['operator', 'd/#', 'granted'],
  ['operator', '#', 'refused'],
  ['operator', '$SYS/#', 'refused'],
  ['service', 'd/+/t', 'granted'],
  ['service', 'other/topic', 'refused'],
];

/** PUBLISH: role × topic → delivered, or the connection closed [MQTT-3.3.5-2]. */
const PUBLISHES: [Who, string, 'delivered' | 'closed'][] = [
  ['driver', 'd/drv-1/l', 'delivered'],
  ['driver', 'd/drv-2/l', 'closed'],
  ['driver', 'd/drv-1/t', 'closed'],
  ['driver', '$SYS/x', 'closed'],
  ['rider', 'd/drv-1/l', 'closed'],
  ['operator', 'd/drv-1/l', 'closed'],
  ['operator', 'd/drv-1/t', 'closed'],
  ['service', 'd/drv-1/t', 'delivered'],
  ['service', 'd/drv-1/l', 'closed'],
];

describe.each(['tcp', 'ws'] as const)('MQTT over %s', (transport) => {
  const url = () => (transport === 'tcp' ? t.tcpUrl : t.wsUrl);

  it.each(CONNECTS)('CONNECT as %s with client id "%s" is answered %i', async (who, clientId, code) => {
    try {
      const client = await connectClient(url(), clientId, await password(who));
      await client.endAsync(true);
      expect(ACCEPTED).toBe(code);
    } catch (err) {
      expect((err as { code?: number }).code).toBe(code);
    }
  });

  it.each(SUBSCRIBES)('%s subscribing to %s is %s', async (who, filter, expected) => {
    const client = await connectClient(url(), OWN_ID[who] ?? '', await password(who));
    const code = await subackCode(client, filter);
    expect(code === 0x80 ? 'refused' : 'granted').toBe(expected);
    expect(client.connected).toBe(true);
    await client.endAsync();
  });

  it.each(PUBLISHES)('%s publishing to %s: %s', async (who, topic, expected) => {
    const watcher = await connectClient(url(), `service:svc-1:watch-${who}`, await password('service'));
    await watcher.subscribeAsync('d/#');
    const client = await connectClient(url(), OWN_ID[who] ?? '', await password(who));
    const outcome = new Promise<string>((resolve) => {
      // Live messages only: what is retained from earlier rows arrives on subscribing.
      watcher.on('message', (got, _payload, packet) => {
        if (got === topic && !packet.retain) resolve('delivered');
      });
      client.on('close', () => resolve('closed'));
    });
    const payload = topic.endsWith('/t') ? Buffer.from('{"trip":"t-1","state":"assigned","ts":1}') : nextFix();
    client.publish(topic, payload);
    expect(await outcome).toBe(expected);
    await Promise.all([client.endAsync(true), watcher.endAsync()]);
  });
});

/** HTTP: role × route → status. */
const ROUTES: [Who, string, string, number][] = [
  ['no token', 'GET', '/api/drivers/nearby?lat=39.29&lng=-76.61', 401],
  ['bad token', 'GET', '/api/drivers/nearby?lat=39.29&lng=-76.61', 401],
  ['driver', 'GET', '/api/drivers/nearby?lat=39.29&lng=-76.61', 403],
  ['rider', 'GET', '/api/drivers/nearby?lat=39.29&lng=-76.61', 403],
  ['operator', 'GET', '/api/drivers/nearby?lat=39.29&lng=-76.61', 200],
  ['service', 'GET', '/api/drivers/nearby?lat=39.29&lng=-76.61', 200],
  ['rider', 'GET', '/api/drivers/drv-1', 403],
  ['operator', 'GET', '/api/drivers/drv-1', 200],
  ['no token', 'GET', '/api/drivers/search?q=drv-1', 401],
  ['driver', 'GET', '/api/drivers/search?q=drv-1', 403],
  ['rider', 'GET', '/api/drivers/search?q=drv-1', 403],
  ['operator', 'GET', '/api/drivers/search?q=drv-1', 200],
  ['service', 'GET', '/api/drivers/search?q=drv-1', 200],
  ['no token', 'GET', '/api/driver-profiles?ids=drv-1', 401],
  ['driver', 'GET', '/api/driver-profiles?ids=drv-1', 403],
  ['rider', 'GET', '/api/driver-profiles?ids=drv-1', 403],
  ['operator', 'GET', '/api/driver-profiles?ids=drv-1', 200],
  ['driver', 'GET', '/api/cells?bbox=-76.7,39.2,-76.5,39.4&res=7', 403],
  ['operator', 'GET', '/api/cells?bbox=-76.7,39.2,-76.5,39.4&res=7', 200],
  ['rider', 'POST', '/api/trips', 403],
  ['driver', 'POST', '/api/trips/t-x/complete', 403],
  ['operator', 'POST', '/api/trips/t-x/complete', 404],
  ['no token', 'GET', '/api/live/drv-1', 401],
  ['driver', 'GET', '/api/live/drv-1', 403],
  ['rider', 'GET', '/api/live/drv-1', 200],
  ['rider', 'GET', '/api/live/drv-2', 403],
  ['operator', 'GET', '/api/live/drv-2', 200],
  ['no token', 'GET', '/api/fleet/events', 401],
  ['rider', 'GET', '/api/fleet/events', 403],
  ['driver', 'GET', '/api/fleet/events', 403],
  ['no token', 'GET', '/healthz', 200],
  ['no token', 'GET', '/livez', 200],
];

describe('HTTP', () => {
  beforeAll(async () => {
    await driverOnePublishes();
    for (;;) {
      const ops = await t.token(operatorClaims);
      const res = await fetch(`${t.httpUrl}/api/drivers/drv-1`, { headers: { authorization: `Bearer ${ops}` } });
      if (res.status === 200) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  it.each(ROUTES)('%s: %s %s answers %i', async (who, method, path, status) => {
    const token = await password(who);
    const res = await fetch(`${t.httpUrl}${path}`, {
      method,
      headers: {
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
      },
      ...(method === 'POST' ? { body: '{"pickup":{"lat":39.29,"lng":-76.61}}' } : {}),
    });
    expect(res.status).toBe(status);
    await res.body?.cancel();
  });
});
