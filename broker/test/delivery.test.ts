import { describe, expect, it } from 'vitest';
import { decodeLocation, decodeStatus, encodeStatus } from '@ridetrack/shared';
import {
  closed,
  collect,
  connectClient,
  driverClaims,
  mqttString,
  nextMessage,
  operatorClaims,
  packetOf,
  rawConnect,
  rawSocket,
  riderClaims,
  useTestBroker,
  clientClosed,
} from './harness';

const t = useTestBroker();

describe('a driver publishes, the assigned rider receives the exact fix', () => {
  it.each([
    ['TCP', 'WebSocket', 'drv-tcp'],
    ['WebSocket', 'TCP', 'drv-ws'],
  ])('driver over %s, rider over %s', async (driverVia, riderVia, id) => {
    const url = (via: string) => (via === 'TCP' ? t.tcpUrl : t.wsUrl);
    const rider = await connectClient(url(riderVia), `rider:rider-1:${id}`, await t.token(riderClaims(id)));
    await rider.subscribeAsync(`d/${id}/l`);
    const driver = await connectClient(url(driverVia), id, await t.token(driverClaims(id)));
    const sent = [packetOf(1), packetOf(2), packetOf(3)];
    const received = collect(rider, 3, `d/${id}/l`);
    for (const p of sent) await driver.publishAsync(`d/${id}/l`, p);
    expect((await received).map((b) => b.toString('hex'))).toEqual(sent.map((b) => b.toString('hex')));
    await Promise.all([rider.endAsync(), driver.endAsync()]);
  });
});

describe('last known position', () => {
  it('a rider that subscribes late gets the last fix at once, retained, with its timestamp', async () => {
    const driver = await connectClient(t.tcpUrl, 'drv-late', await t.token(driverClaims('drv-late')));
    const fix = packetOf(7, { timestampMs: Date.now() - 5000 });
    await driver.publishAsync('d/drv-late/l', fix, { qos: 1 });
    const rider = await connectClient(t.wsUrl, 'rider:rider-1:late', await t.token(riderClaims('drv-late')));
    const first = nextMessage(rider, 'd/drv-late/l');
    await rider.subscribeAsync('d/drv-late/l');
    const got = await first;
    expect(got.retain).toBe(true);
    expect(got.payload.toString('hex')).toBe(fix.toString('hex'));
    const decoded = decodeLocation(got.payload);
    expect(decoded.ok && Date.now() - decoded.value.timestampMs).toBeGreaterThanOrEqual(5000);
    await Promise.all([rider.endAsync(), driver.endAsync()]);
  });
});

describe('presence', () => {
  it('is set online at connect and offline when the driver leaves, retained for late subscribers', async () => {
    const ops = await connectClient(t.tcpUrl, 'operator:ops-1:presence', await t.token(operatorClaims));
    await ops.subscribeAsync('d/+/s');
    const online = nextMessage(ops, 'd/drv-p/s');
    const driver = await connectClient(t.tcpUrl, 'drv-p', await t.token(driverClaims('drv-p')));
    expect(decodeStatus((await online).payload)).toMatchObject({ ok: true, value: { online: true } });
    const offline = nextMessage(ops, 'd/drv-p/s');
    await driver.endAsync();
    expect(decodeStatus((await offline).payload)).toMatchObject({ ok: true, value: { online: false } });
    const rider = await connectClient(t.tcpUrl, 'rider:rider-1:p', await t.token(riderClaims('drv-p')));
    const late = nextMessage(rider, 'd/drv-p/s');
    await rider.subscribeAsync('d/drv-p/s');
    const got = await late;
    expect(got.retain).toBe(true);
    expect(decodeStatus(got.payload)).toMatchObject({ ok: true, value: { online: false } });
    await Promise.all([rider.endAsync(), ops.endAsync()]);
  });

  it("publishes the driver's Last Will when it vanishes", async () => {
    const ops = await connectClient(t.tcpUrl, 'operator:ops-1:will', await t.token(operatorClaims));
    await ops.subscribeAsync('d/drv-w/s');
    // Listening before the driver connects: its 'online' may arrive before connectAsync resolves.
    const statuses = collect(ops, 3, 'd/drv-w/s');
    const driver = await connectClient(t.tcpUrl, 'drv-w', await t.token(driverClaims('drv-w')), {
      will: { topic: 'd/drv-w/s', payload: Buffer.from(encodeStatus({ online: false, ts: 1 })), qos: 1, retain: true },
    });
    driver.stream.destroy();
    const got = (await statuses).map((p) => decodeStatus(p));
    // online (connect), then offline from the broker and the driver's own will with ts 1, in either order
    expect(got[0]).toMatchObject({ ok: true, value: { online: true } });
    expect(got.slice(1).every((s) => s.ok && !s.value.online)).toBe(true);
    expect(got.slice(1).some((s) => s.ok && s.value.ts === 1)).toBe(true);
    await ops.endAsync();
  });

  it('finds a dead link within 1.5 x keepalive and marks the driver offline [MQTT-3.1.2-24]', async () => {
    const ops = await connectClient(t.tcpUrl, 'operator:ops-1:ka', await t.token(operatorClaims));
    await ops.subscribeAsync('d/drv-ka/s');
    const online = nextMessage(ops, 'd/drv-ka/s');
    const socket = await rawSocket(t.broker.ports.mqtt);
    const token = await t.token(driverClaims('drv-ka'));
    // From the CONNECT on: the broker's keepalive clock starts no earlier than it reads it.
    const silentSince = Date.now();
    socket.write(
      rawConnect({
        flags: 0x02 | 0x80 | 0x40,
        keepaliveS: 1,
        fields: [mqttString('drv-ka'), mqttString('u'), mqttString(token)],
      }),
    );
    await online;
    const offline = nextMessage(ops, 'd/drv-ka/s');
    await closed(socket); // the client says nothing more
    const elapsed = Date.now() - silentSince;
    expect(decodeStatus((await offline).payload)).toMatchObject({ ok: true, value: { online: false } });
    expect(elapsed).toBeGreaterThanOrEqual(1400);
    expect(elapsed).toBeLessThan(3000);
    await ops.endAsync();
  });

  it('a driver that reconnects stays online when its old session ends', async () => {
    const ops = await connectClient(t.tcpUrl, 'operator:ops-1:takeover', await t.token(operatorClaims));
    await ops.subscribeAsync('d/drv-t/s');
    const token = await t.token(driverClaims('drv-t'));
    const will = {
      topic: 'd/drv-t/s',
      payload: Buffer.from(encodeStatus({ online: false, ts: 2 })),
      qos: 1 as const,
      retain: true,
    };
    const first = await connectClient(t.tcpUrl, 'drv-t', token, { will });
    const firstClosed = clientClosed(first);
    const second = await connectClient(t.tcpUrl, 'drv-t', token, { will });
    await firstClosed;
    // Ask for the retained status after the takeover settled: it must say online.
    const probe = await connectClient(t.tcpUrl, 'operator:ops-1:probe', await t.token(operatorClaims));
    const retained = nextMessage(probe, 'd/drv-t/s');
    await probe.subscribeAsync('d/drv-t/s');
    expect(decodeStatus((await retained).payload)).toMatchObject({ ok: true, value: { online: true } });
    await Promise.all([second.endAsync(), probe.endAsync(), ops.endAsync()]);
  });
});

describe('OwnTracks drivers', () => {
  it('an OwnTracks phone with a driver token reaches riders as a v1 fix', async () => {
    const rider = await connectClient(t.tcpUrl, 'rider:rider-1:ot', await t.token(riderClaims('drv-ot')));
    await rider.subscribeAsync('d/drv-ot/l');
    const phone = await connectClient(t.tcpUrl, 'drv-ot', await t.token(driverClaims('drv-ot')));
    const got = nextMessage(rider, 'd/drv-ot/l');
    const tst = Math.floor(Date.now() / 1000);
    await phone.publishAsync(
      'owntracks/drv-ot/phone',
      JSON.stringify({ _type: 'location', lat: 39.28, lon: -76.6, tst, vel: 36, cog: 90, acc: 8, tid: 'ot', batt: 80 }),
      { qos: 1 },
    );
    const decoded = decodeLocation((await got).payload);
    expect(decoded).toMatchObject({
      ok: true,
      value: { seq: tst, lat: 39.28, lng: -76.6, speedMps: 10, headingDeg: 90, accuracyM: 8 },
    });
    await Promise.all([rider.endAsync(), phone.endAsync()]);
  });
});
