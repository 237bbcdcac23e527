import { beforeAll, describe, expect, it } from 'vitest';
import {
  connectClient,
  driverClaims,
  operatorClaims,
  packetOf,
  riderClaims,
  storeBackends,
  useTestBroker,
} from './harness';

describe.each(storeBackends('api'))('HTTP API (%s index)', (_name, env) => {
  const t = useTestBroker(env);
  let ops: string;
  const get = (path: string, token: string | null = ops) =>
    fetch(`${t.httpUrl}${path}`, token === null ? {} : { headers: { authorization: `Bearer ${token}` } });
  const post = (path: string, body: unknown, token = ops) =>
    fetch(`${t.httpUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  /** Publishes one fix per driver and waits until the index has them all. */
  async function drive(fixes: [string, number, number][]): Promise<void> {
    for (const [id, lat, lng] of fixes) {
      const driver = await connectClient(t.tcpUrl, id, await t.token(driverClaims(id)));
      await driver.publishAsync(`d/${id}/l`, packetOf(1, { lat, lng }), { qos: 1 });
      await driver.endAsync();
    }
    for (;;) {
      const found = await Promise.all(fixes.map(async ([id]) => (await get(`/api/drivers/${id}`)).status));
      if (found.every((s) => s === 200)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  beforeAll(async () => {
    ops = await t.token(operatorClaims);
  });

  it.each([
    ['/api/drivers/nearby?lng=1', 'lat'],
    ['/api/drivers/nearby?lat=x&lng=1', 'lat'],
    ['/api/drivers/nearby?lat=91&lng=1', 'lat'],
    ['/api/drivers/nearby?lat=1', 'lng'],
    ['/api/drivers/nearby?lat=1&lng=181', 'lng'],
    ['/api/drivers/nearby?lat=1&lng=1&radius_m=-5', 'radius_m'],
    ['/api/drivers/nearby?lat=1&lng=1&radius_m=1e9', 'radius_m'],
    ['/api/drivers/nearby?lat=1&lng=1&limit=0', 'limit'],
    ['/api/drivers/nearby?lat=1&lng=1&limit=2.5', 'limit'],
    ['/api/drivers/nearby?lat=1&lng=1&status=flying', 'status'],
    ['/api/drivers/bad%20id', 'id'],
    ['/api/drivers/search', 'q'],
    ['/api/drivers/search?q=%20', 'q'],
    [`/api/drivers/search?q=${'x'.repeat(65)}`, 'q'],
    ['/api/cells?res=7', 'bbox'],
    ['/api/cells?bbox=1,2,3&res=7', 'bbox'],
    ['/api/cells?bbox=3,2,1,4&res=7', 'bbox'],
    ['/api/cells?bbox=0,0,10,10&res=7', 'bbox'],
    ['/api/cells?bbox=-76.7,39.2,-76.5,39.4', 'res'],
    ['/api/cells?bbox=-76.7,39.2,-76.5,39.4&res=10', 'res'],
  ])('GET %s is 400 naming %s', async (path, parameter) => {
    const res = await get(path);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'bad_parameter', parameter });
  });

  it.each([
    ['no token', null, 401],
    ['a garbage token', 'nope', 401],
  ])('answers %s with %i', async (_name, token, status) => {
    expect((await get('/api/drivers/nearby?lat=1&lng=1', token)).status).toBe(status);
  });

  it('finds a live driver by its exact id wherever it is, and answers 200 with none for anything else', async () => {
    await drive([['search-me-1', 12.5, 34.5]]);
    const found = await get('/api/drivers/search?q=%20search-me-1%20');
    expect(found.status).toBe(200);
    expect(await found.json()).toEqual({
      drivers: [{ driverId: 'search-me-1', lat: 12.5, lng: 34.5, tripState: 'available' }],
    });
    for (const q of ['search-me', 'nobody by this name', 't-1234'])
      expect(await (await get(`/api/drivers/search?q=${encodeURIComponent(q)}`)).json()).toEqual({ drivers: [] });
    expect((await get('/api/drivers/search?q=x', await t.token(riderClaims('x')))).status).toBe(403);
  });

  it("refuses a rider's token with 403", async () => {
    expect((await get('/api/drivers/nearby?lat=1&lng=1', await t.token(riderClaims('x')))).status).toBe(403);
  });

  it('finds drivers published over MQTT, nearest first, and counts them per cell', async () => {
    await drive([
      ['api-a', 39.29, -76.61],
      ['api-b', 39.295, -76.61],
      ['api-c', 39.34, -76.61],
    ]);
    const res = await get('/api/drivers/nearby?lat=39.29&lng=-76.61&radius_m=1000&limit=5');
    const body = (await res.json()) as { drivers: { driverId: string; distanceM: number }[] };
    expect(body.drivers.map((d) => d.driverId)).toEqual(['api-a', 'api-b']);
    // 0.005° of latitude: 556 m, given to the decimetre.
    expect(body.drivers.map((d) => d.distanceM)).toEqual([0, 556]);
    const one = (await (await get('/api/drivers/api-c')).json()) as { lat: number; tripState: string };
    expect(one).toMatchObject({ lat: 39.34, tripState: 'available' });
    expect((await get('/api/drivers/nobody')).status).toBe(404);
    const cells = (await (await get('/api/cells?bbox=-76.62,39.28,-76.60,39.35&res=7')).json()) as {
      total: number;
      cells: { count: number }[];
    };
    expect(cells.total).toBe(3);
  });

  it.each([
    ['not JSON', 'pickup', 'body'],
    ['no pickup', {}, 'pickup.lat'],
    ['a bad longitude', { pickup: { lat: 1, lng: 'x' } }, 'pickup.lng'],
    ['a bad rider id', { pickup: { lat: 1, lng: 1 }, riderId: 'a b' }, 'riderId'],
  ])('POST /api/trips with %s is 400', async (_name, body, parameter) => {
    const res = await post('/api/trips', body);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ parameter });
  });
});
