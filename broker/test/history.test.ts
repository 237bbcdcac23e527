import { until } from '@ridetrack/testkit';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { distanceM, parseTraceRow, type LocationFix, type TraceRow } from '@ridetrack/shared';
import {
  connectClient,
  driverClaims,
  inAnHour,
  operatorClaims,
  packetOf,
  storeBackends,
  useTestBroker,
  type TestBroker,
} from './harness';
import { madeUpProfile } from '../src/trips/profiles';

/**
 * Trip history through the real broker: a driver publishes over MQTT, dispatch assigns it a trip,
 * the trip is completed, and the trace is read back over HTTP by the operator, by the trip's own
 * rider, and refused to another rider. The same on the memory and the Redis history, and nothing
 * at all kept in live-only mode.
 */
interface Harness {
  t: TestBroker;
  readonly ops: string;
  get(path: string, token?: string | null): Promise<Response>;
  post(path: string, body: unknown): Promise<Response>;
  driver(id: string): Promise<{ client: MqttClient; send(seq: number, over?: Partial<LocationFix>): Promise<void> }>;
  until(check: () => Promise<boolean>): Promise<void>;
}

/** A broker for the block's tests (useTestBroker), with an operator's token and the requests they make. */
function useHarness(env: () => Record<string, string>): Harness {
  const t = useTestBroker(() => ({ HISTORY_FLUSH_MS: '20', ...env() }));
  let ops = '';
  beforeAll(async () => {
    ops = await t.token(operatorClaims);
  });
  const get = (path: string, token: string | null = ops) =>
    fetch(`${t.httpUrl}${path}`, token === null ? {} : { headers: { authorization: `Bearer ${token}` } });
  return {
    t,
    get ops() {
      return ops;
    },
    get,
    post: (path, body) =>
      fetch(`${t.httpUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ops}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    async driver(id) {
      const client = await connectClient(t.tcpUrl, id, await t.token(driverClaims(id)));
      return {
        client,
        // QoS 1: the PUBACK says the broker has taken the fix (and stamped its accept time).
        send: async (seq, over = {}) => {
          await client.publishAsync(`d/${id}/l`, packetOf(seq, { lat: 39.29 + seq * 1e-4, ...over }), { qos: 1 });
        },
      };
    },
    async until(check) {
      await until(check, 'the history to catch up', { everyMs: 20 });
    },
  };
}

const seqsOf = (rows: TraceRow[]) => rows.map((r) => r[1]);

describe.each(storeBackends('hist'))('trip history over the API (%s history)', (_name, env) => {
  const h = useHarness(env);

  it('keeps a trip’s trace from assignment to completion; its rider may read it, another rider may not', async () => {
    const id = `drv-h-${randomUUID().slice(0, 6)}`;
    const d = await h.driver(id);
    const stamps = new Map<number, number>();
    const send = async (seq: number, tripState: LocationFix['tripState']) => {
      const timestampMs = Date.now();
      stamps.set(seq, timestampMs);
      await d.send(seq, { tripState, timestampMs });
    };
    for (const seq of [1, 2, 3]) await send(seq, 'available');
    await h.until(async () => (await h.get(`/api/drivers/${id}`)).status === 200);

    const requested = await h.post('/api/trips', { pickup: { lat: 39.2905, lng: -76.6122 }, riderId: 'rider-a' });
    expect(requested.status).toBe(201);
    const { trip, riderToken } = (await requested.json()) as { trip: { id: string }; riderToken: string };
    // While the trip runs, the driver's panel names it.
    await h.until(async () => {
      const body = (await (await h.get(`/api/drivers/${id}/trips`)).json()) as { current: { id: string } | null };
      return body.current?.id === trip.id;
    });
    await send(4, 'to_pickup');
    await send(5, 'waiting');
    await send(6, 'on_trip');
    await send(7, 'on_trip');
    expect((await h.post(`/api/trips/${trip.id}/complete`, {})).status).toBe(200);
    await send(8, 'available');
    await h.until(async () => {
      const r = (await (await h.get(`/api/drivers/${id}/track`)).json()) as { rows: TraceRow[] };
      return r.rows.length === 8;
    });

    const read = async (token: string | null) => h.get(`/api/trips/${trip.id}/trace`, token);
    const byOperator = await read(h.ops);
    expect(byOperator.status).toBe(200);
    const body = (await byOperator.json()) as {
      trip: { id: string; driverId: string; riderId: string; endMs: number | null };
      rows: TraceRow[];
      stats: { distanceM: number; durationMs: number; withRiderM: number | null };
    };
    expect(body.trip).toMatchObject({ id: trip.id, driverId: id, riderId: 'rider-a' });
    expect(body.trip.endMs).not.toBeNull();
    // Exactly the fixes between assignment and completion, in the order sent.
    expect(seqsOf(body.rows)).toEqual([4, 5, 6, 7].map((s) => stamps.get(s)));
    expect(body.rows.map((r) => parseTraceRow(r).ok)).toEqual([true, true, true, true]);
    expect(body.rows.map((r) => r[7])).toEqual([1, 4, 2, 2]); // to_pickup, waiting, on_trip, on_trip
    expect(body.stats.distanceM).toBeGreaterThan(0);
    // With the rider: fixes 6 to 7 (on_trip), about 11 m of the 33 m from fix 4.
    expect(body.stats.withRiderM).toBeCloseTo(
      distanceM({ lat: 39.2906, lng: -76.6122 }, { lat: 39.2907, lng: -76.6122 }),
      0,
    );
    expect(body.stats.distanceM).toBeGreaterThan((body.stats.withRiderM ?? 0) * 2.5);

    const byRider = await read(riderToken);
    expect(byRider.status).toBe(200);
    expect(seqsOf(((await byRider.json()) as { rows: TraceRow[] }).rows)).toEqual(seqsOf(body.rows));

    const otherRider = await h.t.token({
      role: 'rider',
      sub: 'rider-b',
      drivers: [id],
      trip: 't-other',
      exp: inAnHour(),
    });
    const refused = await read(otherRider);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: 'forbidden', reason: 'not_your_trip' });
    expect((await read(await h.t.token(driverClaims(id)))).status).toBe(403);
    expect((await read(null)).status).toBe(401);

    const trips = (await (await h.get(`/api/drivers/${id}/trips`)).json()) as {
      current: unknown;
      trips: { id: string }[];
    };
    expect(trips.current).toBeNull();
    expect(trips.trips.map((t) => t.id)).toEqual([trip.id]);
    await d.client.endAsync();
  });

  it('ends a trip whose end was never announced where the driver’s fixes leave the trip', async () => {
    const id = `drv-u-${randomUUID().slice(0, 6)}`;
    const d = await h.driver(id);
    await d.send(1, { tripState: 'available' });
    await h.until(async () => (await h.get(`/api/drivers/${id}`)).status === 200);
    const requested = await h.post('/api/trips', { pickup: { lat: 39.2902, lng: -76.6122 } });
    const { trip } = (await requested.json()) as { trip: { id: string } };
    await d.send(2, { tripState: 'available' }); // before the driver heard of it
    await d.send(3, { tripState: 'to_pickup' });
    await d.send(4, { tripState: 'on_trip' });
    await d.send(5, { tripState: 'available' }); // dropped off: the trace ends here
    await d.send(6, { tripState: 'available' });
    await d.send(7, { tripState: 'to_pickup' }); // the next trip's business
    await h.until(async () => {
      const r = (await (await h.get(`/api/drivers/${id}/track`)).json()) as { rows: TraceRow[] };
      return r.rows.length === 7;
    });
    const body = (await (await h.get(`/api/trips/${trip.id}/trace`)).json()) as { rows: TraceRow[] };
    expect(body.rows.map((r) => r[7])).toEqual([0, 1, 2, 0]);
    await d.client.endAsync();
  });

  it('names the node and transport of a driver’s connection, to operators only', async () => {
    const id = `drv-c-${randomUUID().slice(0, 6)}`;
    const d = await h.driver(id);
    const r = await h.get(`/api/drivers/${id}/connection`);
    expect(r.status).toBe(200);
    const c = (await r.json()) as { node: string; transport: string; connectedMs: number; endedMs: number | null };
    expect(c).toMatchObject({ transport: 'tcp', endedMs: null });
    expect(c.node.length).toBeGreaterThan(0);
    const rider = await h.t.token({ role: 'rider', sub: 'rider-c', drivers: [id], exp: inAnHour() });
    expect((await h.get(`/api/drivers/${id}/connection`, rider)).status).toBe(403);
    await d.client.endAsync();
    await h.until(async () => {
      const body = (await (await h.get(`/api/drivers/${id}/connection`)).json()) as { endedMs: number | null };
      return body.endedMs !== null;
    });
  });

  it('names a driver as its riders see it (name, car, plate), to operators only', async () => {
    const id = `drv-p-${randomUUID().slice(0, 6)}`;
    const r = await h.get(`/api/drivers/${id}/profile`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ driverId: id, ...madeUpProfile(id) });
    const rider = await h.t.token({ role: 'rider', sub: 'rider-p', drivers: [id], exp: inAnHour() });
    expect((await h.get(`/api/drivers/${id}/profile`, rider)).status).toBe(403);
  });

  it('names many drivers at once (the console finds one by name or plate), to operators only', async () => {
    const r = await h.get('/api/driver-profiles?ids=drv-a1,drv-b2,drv-a1');
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({
      profiles: { 'drv-a1': madeUpProfile('drv-a1'), 'drv-b2': madeUpProfile('drv-b2') },
    });
    const rider = await h.t.token({ role: 'rider', sub: 'rider-q', drivers: ['drv-a1'], exp: inAnHour() });
    expect((await h.get('/api/driver-profiles?ids=drv-a1', rider)).status).toBe(403);
  });

  it('refuses bad parameters with the parameter named', async () => {
    for (const [path, parameter] of [
      ['/api/trips/bad%20id/trace', 'id'],
      ['/api/drivers/drv-1/track?from_ms=x', 'from_ms'],
      ['/api/drivers/drv-1/track?from_ms=10&to_ms=5', 'from_ms'],
      ['/api/drivers/drv-1/track?from_ms=0&to_ms=999999999999', 'from_ms'],
      ['/api/drivers/drv-1/track?limit=0', 'limit'],
      ['/api/drivers/drv-1/trips?limit=1000', 'limit'],
      ['/api/drivers/bad%20id/profile', 'id'],
      ['/api/driver-profiles', 'ids'],
      ['/api/driver-profiles?ids=drv-1,,drv-2', 'ids'],
      ['/api/driver-profiles?ids=drv-1,bad%20id', 'ids'],
      [`/api/driver-profiles?ids=${Array.from({ length: 501 }, (_, i) => `d${i}`).join(',')}`, 'ids'],
    ] as const) {
      const r = await h.get(path);
      expect(r.status, path).toBe(400);
      expect(await r.json()).toMatchObject({ error: 'bad_parameter', parameter });
    }
    expect((await h.get('/api/trips/t-nope/trace')).status).toBe(404);
  });
});

describe('live-only mode (HISTORY=off)', () => {
  const prefix = `off:${randomUUID()}:`;
  const h = useHarness(() => ({ HISTORY: 'off', REDIS_URL: inject('redisUrl'), REDIS_KEY_PREFIX: prefix }));
  const redis = new Redis(inject('redisUrl'));
  afterAll(async () => {
    await redis.quit();
  });

  it('keeps no track and no trip, and says so', async () => {
    const id = 'drv-off-1';
    const d = await h.driver(id);
    await d.send(1);
    await h.until(async () => (await h.get(`/api/drivers/${id}`)).status === 200);
    const requested = await h.post('/api/trips', { pickup: { lat: 39.2905, lng: -76.6122 } });
    const { trip } = (await requested.json()) as { trip: { id: string } };
    for (const seq of [2, 3, 4]) await d.send(seq, { tripState: 'on_trip' });
    await h.post(`/api/trips/${trip.id}/complete`, {});
    // Live tracking goes on as ever.
    await h.until(async () => {
      const r = (await (await h.get(`/api/drivers/${id}`)).json()) as { seq: number };
      return r.seq === 4;
    });
    for (const path of [`/api/trips/${trip.id}/trace`, `/api/drivers/${id}/track`]) {
      const r = await h.get(path);
      expect(r.status).toBe(404);
      expect(await r.json()).toMatchObject({ error: 'history_off' });
    }
    // Nothing of where the driver went is in Redis: no track, no trip record (the index and
    // dispatch's own short-lived trip key are live state and are there).
    const keys = await redis.keys(`${prefix}*`);
    expect(keys.filter((k) => /:(track|htrip|htrips):/.test(k))).toEqual([]);
    expect(keys.some((k) => k.includes('gdrv:'))).toBe(true);
    const settings = (await (await h.get('/api/console/settings')).json()) as { history: { backend: string } };
    expect(settings.history.backend).toBe('off');
    await d.client.endAsync();
  });
});
