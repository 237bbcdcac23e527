import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeStatus, decodeTripMessage, type LocationFix, type RiderTrip, type TripMessage } from '@ridetrack/shared';
import {
  clientClosed,
  connectClient,
  connectRefused,
  driverClaims,
  operatorClaims,
  packetOf,
  storeBackends,
  useTestBroker,
} from './harness';

/**
 * Dispatch and the trip's life, over the real wire: drivers are mqtt.js clients publishing fixes,
 * riders and the ride app's backend use the HTTP API. In memory, on a Redis and on a Redis Cluster
 * (the geo-index and the trip store both).
 */
describe.each(storeBackends('trips', { cluster: true }))('trips (%s stores)', (_name, env) => {
  const t = useTestBroker(() => ({
    ...env(),
    TRIP_DRIVER_OFFLINE_GRACE_MS: '300',
    // Scripted drivers send fixes only when a test says so: room for a loaded machine between them.
    TRIP_DRIVER_SILENT_MS: '5000',
    TRIP_WAIT_S: '30',
  }));
  let ops: string;
  const drivers: MqttClient[] = [];
  const api = (path: string, init: { method?: string; body?: unknown; token?: string | null } = {}) =>
    fetch(`${t.httpUrl}/api${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...(init.token === null ? {} : { authorization: `Bearer ${init.token ?? ops}` }),
        'content-type': 'application/json',
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  const view = async (tripId: string, token: string) =>
    (await (await api(`/trips/${tripId}`, { token })).json()) as RiderTrip;

  /** A driver as a phone app is: online, publishing fixes, hearing its trip topic. */
  class Driver {
    readonly messages: TripMessage[] = [];
    private seq = 0;
    private waiters: (() => void)[] = [];
    private constructor(
      readonly id: string,
      readonly client: MqttClient,
    ) {
      client.on('message', (_topic, payload) => {
        const m = decodeTripMessage(payload);
        if (!m.ok) return;
        this.messages.push(m.value);
        for (const w of this.waiters.splice(0)) w();
      });
    }

    static async online(id: string, lat: number, lng: number, over: Partial<LocationFix> = {}): Promise<Driver> {
      const client = await connectClient(t.tcpUrl, id, await t.token(driverClaims(id)));
      drivers.push(client);
      await client.subscribeAsync(`d/${id}/t`, { qos: 1 });
      const d = new Driver(id, client);
      await d.fix(lat, lng, over);
      return d;
    }

    /** Publishes a fix and waits until the index has it. */
    async fix(lat: number, lng: number, over: Partial<LocationFix> = {}): Promise<void> {
      this.seq++;
      await this.client.publishAsync(`d/${this.id}/l`, packetOf(this.seq, { lat, lng, ...over }), { qos: 1 });
      for (;;) {
        const res = await api(`/drivers/${this.id}`);
        const body = res.status === 200 ? ((await res.json()) as { seq: number }) : null;
        if (body?.seq === this.seq) return;
        await new Promise((r) => setTimeout(r, 20));
      }
    }

    /** Resolves with the first trip message in `state` (already received or still to come). */
    async told(state: TripMessage['state']): Promise<TripMessage> {
      for (;;) {
        const m = this.messages.find((x) => x.state === state);
        if (m !== undefined) return m;
        await new Promise<void>((r) => this.waiters.push(r));
      }
    }
  }

  /** Polls the rider's view until `until` holds (the supervisor acts on its own tick). */
  async function viewUntil(tripId: string, token: string, until: (v: RiderTrip) => boolean): Promise<RiderTrip> {
    for (;;) {
      const v = await view(tripId, token);
      if (until(v)) return v;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const request = async (lat: number, lng: number, extra: Record<string, unknown> = {}) => {
    const res = await api('/trips', { method: 'POST', body: { pickup: { lat, lng }, ...extra } });
    return {
      status: res.status,
      body: (await res.json()) as { trip: { id: string; driverId: string }; riderToken: string },
    };
  };

  beforeAll(async () => {
    ops = await t.token(operatorClaims);
  });
  // Before the broker closes (after-hooks run last registered first).
  afterAll(async () => {
    await Promise.all(drivers.map((d) => d.endAsync(true)));
  });

  it('never assigns a driver who is offline, however fresh its last fix', async () => {
    // The nearest driver's fix is a second old, but it has gone offline; the other is online.
    const gone = await Driver.online('off-near', 20.0005, 30.0);
    await Driver.online('off-far', 20.01, 30.0);
    // An operator sees the broker mark it offline (its retained presence).
    const watcher = await connectClient(t.tcpUrl, 'operator:ops-1:watch', ops);
    const offline = new Promise<void>((resolve) =>
      watcher.on('message', (_t, payload) => {
        if (decodeStatus(payload).ok && !(JSON.parse(payload.toString()) as { online: boolean }).online) resolve();
      }),
    );
    await watcher.subscribeAsync('d/off-near/s');
    await gone.client.endAsync();
    await offline;
    await watcher.endAsync();
    const first = await request(20.0, 30.0);
    expect(first.status).toBe(201);
    expect(first.body.trip.driverId).toBe('off-far');
    // Only the offline driver is left near the pickup: nobody is assigned.
    expect((await request(20.0, 30.0)).status).toBe(409);
  });

  it('assigns the nearest online driver, tells it, scopes the rider token to it, and ends the token', async () => {
    const near = await Driver.online('disp-near', 10.001, 20.0);
    await Driver.online('disp-far', 10.02, 20.0);
    const { status, body } = await request(10.0, 20.0, { riderId: 'rider-d', dropoff: { lat: 10.01, lng: 20.01 } });
    expect(status).toBe(201);
    expect(body.trip.driverId).toBe('disp-near');
    expect(await near.told('assigned')).toMatchObject({
      trip: body.trip.id,
      pickup: { lat: 10, lng: 20 },
      dropoff: { lat: 10.01, lng: 20.01 },
      waitS: 30,
    });
    const rider = await connectClient(t.wsUrl, 'rider:rider-d:page', body.riderToken);
    await rider.subscribeAsync('d/disp-near/l');
    const v = await view(body.trip.id, body.riderToken);
    expect(v).toMatchObject({ stage: 'assigned', driverId: 'disp-near', eta: { toward: 'pickup', basis: 'straight' } });
    // A name and a car, never the id.
    expect(v.driver.name).not.toMatch(/disp/);
    expect(v.driver.car).toMatch(/\w+ \w+/);
    // The next request gets the other driver: the first is reserved.
    expect((await request(10.0, 20.0)).body.trip.driverId).toBe('disp-far');
    expect((await request(10.0, 20.0)).status).toBe(409);

    const riderGone = clientClosed(rider);
    expect((await api(`/trips/${body.trip.id}/complete`, { method: 'POST' })).status).toBe(200);
    await riderGone;
    expect(await connectRefused(t.wsUrl, 'rider:rider-d:page', body.riderToken)).toBe(5);
    expect((await api(`/trips/${body.trip.id}/complete`, { method: 'POST' })).status).toBe(409);
    expect((await api('/trips/t-none/complete', { method: 'POST' })).status).toBe(404);
    expect((await api('/trips/t-none')).status).toBe(404);
    // A rider token is for its own trip only.
    expect((await api(`/trips/t-other`, { token: body.riderToken })).status).toBe(403);
  });

  it('hands the trip to another driver within seconds of its driver going offline; the rider is told', async () => {
    const first = await Driver.online('lost-a', 30.0005, 40.0);
    const second = await Driver.online('lost-b', 30.003, 40.0);
    const { body } = await request(30.0, 40.0);
    expect(body.trip.driverId).toBe('lost-a');
    await first.told('assigned');
    await first.fix(30.0004, 40.0, { tripState: 'to_pickup' });
    const offlineAt = Date.now();
    first.client.stream.destroy(); // the phone loses its network: no DISCONNECT
    const closed = await viewUntil(body.trip.id, body.riderToken, (v) => v.stage !== 'assigned');
    expect(Date.now() - offlineAt).toBeLessThan(5000);
    expect(closed).toMatchObject({ stage: 'reassigned', lost: 'offline', car: null, eta: null });
    expect(closed.next).not.toBeNull();
    const next = closed.next as { trip: string; riderToken: string };
    const told = await second.told('assigned');
    expect(told.trip).toBe(next.trip);
    const replacement = await view(next.trip, next.riderToken);
    expect(replacement).toMatchObject({ stage: 'assigned', driverId: 'lost-b' });
    expect(replacement.driver.name).toBeTypeOf('string');
    // The old token follows nobody any more; the new one follows the new driver only.
    expect(await connectRefused(t.wsUrl, '', body.riderToken)).toBe(5);
    const rider = await connectClient(t.wsUrl, '', next.riderToken);
    expect((await rider.subscribeAsync('d/lost-b/l'))[0]?.qos).toBe(0);
    await rider.endAsync();
  });

  it('replaces a driver whose fixes stop, and cancels the trip when nobody else is free', async () => {
    const silent = await Driver.online('quiet-a', 50.0005, 60.0);
    const { body } = await request(50.0, 60.0);
    expect(body.trip.driverId).toBe('quiet-a');
    await silent.told('assigned');
    // Connected, but no fix comes any more; nobody else is near.
    const closed = await viewUntil(body.trip.id, body.riderToken, (v) => v.stage !== 'assigned');
    expect(closed).toMatchObject({ stage: 'cancelled', lost: 'silent', endReason: 'no_driver', next: null });
    expect((await silent.told('cancelled')).trip).toBe(body.trip.id);
  });

  it('waits at the pickup, starts on "I\'m in", counts the distance and ends at the destination', async () => {
    const d = await Driver.online('life-a', 60.0005, 70.0);
    const { body } = await request(60.0, 70.0, { dropoff: { lat: 60.002, lng: 70.0 } });
    const token = body.riderToken;
    await d.told('assigned');
    // "I'm in" before the driver is there is refused.
    const early = await api(`/trips/${body.trip.id}/board`, { method: 'POST', token });
    expect(early.status).toBe(409);
    expect(await early.json()).toMatchObject({ error: 'not_waiting' });
    await d.fix(60.0001, 70.0, { tripState: 'waiting', speedMps: 0 });
    const waiting = await viewUntil(body.trip.id, token, (v) => v.stage === 'waiting');
    expect(waiting.waitUntilMs).toBe((waiting.arrivedMs ?? 0) + 30_000);
    expect(waiting.eta).toBeNull();
    const boarded = await api(`/trips/${body.trip.id}/board`, { method: 'POST', token });
    expect(boarded.status).toBe(200);
    expect(await boarded.json()).toMatchObject({ stage: 'on_trip', startedBy: 'rider' });
    expect((await d.told('boarded')).trip).toBe(body.trip.id);
    // Each fix on the way (55 m apart: the broker refuses jumps no car makes) moves the trip's
    // odometer, a new version of the trip.
    let version = (await view(body.trip.id, token)).version;
    for (const lat of [60.0001, 60.0006, 60.0011, 60.0016, 60.0019]) {
      await d.fix(lat, 70.0, { tripState: 'on_trip', speedMps: 10 });
      const seen = await viewUntil(body.trip.id, token, (v) => v.version > version);
      expect(seen.eta).toMatchObject({ toward: 'dropoff' });
      version = seen.version;
    }
    await d.fix(60.002, 70.0, { tripState: 'available', speedMps: 0 });
    const done = await viewUntil(body.trip.id, token, (v) => v.stage === 'completed');
    expect(done).toMatchObject({ endReason: 'arrived', car: null });
    expect(done.summary?.distanceM).toBeGreaterThan(150);
    expect((await d.told('completed')).trip).toBe(body.trip.id);
  });

  it('lets the rider cancel; the driver hears it and the token stops working', async () => {
    const d = await Driver.online('cancel-a', 70.001, 80.0);
    const { body } = await request(70.0, 80.0);
    await d.told('assigned');
    const res = await api(`/trips/${body.trip.id}/cancel`, { method: 'POST', token: body.riderToken });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ stage: 'cancelled', endReason: 'rider_cancelled' });
    expect((await d.told('cancelled')).trip).toBe(body.trip.id);
    expect(await connectRefused(t.wsUrl, '', body.riderToken)).toBe(5);
  });

  it('shows cars near a point only at the centre of their cell, and only online ones', async () => {
    await Driver.online('coarse-a', 80.00123, 90.00456, { headingDeg: 100 });
    const res = await api('/cars/nearby?lat=80&lng=90');
    const body = (await res.json()) as {
      cars: { lat: number; lng: number; headingDeg: number }[];
      resolution: number;
      more: boolean;
    };
    expect(body.cars).toHaveLength(1);
    expect(body.more).toBe(false);
    const [car] = body.cars;
    expect(car?.lat).not.toBeCloseTo(80.00123, 5);
    expect(car?.headingDeg).toBe(90);
    expect((await api('/cars/nearby?lat=80', {})).status).toBe(400);
  });

  it('shows a dozen cars at most, and says when there are more', async () => {
    const ids = Array.from({ length: 13 }, (_, i) => `many-${i}`);
    await Promise.all(ids.map((id, i) => Driver.online(id, 81 + i * 0.0005, 91.0)));
    const twelve = (await (await api('/cars/nearby?lat=81&lng=91')).json()) as { cars: unknown[]; more: boolean };
    expect([twelve.cars.length, twelve.more]).toEqual([12, true]);
    const alone = (await (await api('/cars/nearby?lat=-81&lng=-91')).json()) as { cars: unknown[]; more: boolean };
    expect([alone.cars.length, alone.more]).toEqual([0, false]);
  });
});
