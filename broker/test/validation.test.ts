import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { decodeLocation, decodeStatus, encodeStatus } from '@ridetrack/shared';
import {
  closed,
  collect,
  connectClient,
  driverClaims,
  metricValue,
  mqttString,
  operatorClaims,
  packetOf,
  rawConnect,
  rawPacket,
  rawSocket,
  riderClaims,
  storeBackends,
  useTestBroker,
  withTestBroker,
  type TestBroker,
  clientClosed,
} from './harness';
import { rawWebSocket, wsFrame } from './raw-websocket';

const t = useTestBroker({ MAX_PACKET_BYTES: '1024', INVALID_BURST: '5', INVALID_RATE_PER_S: '0.1' });

/** A driver and a rider of it; the rider's received fixes are decoded seq numbers. */
async function pair(id: string) {
  const rider = await connectClient(t.tcpUrl, `rider:rider-1:${id}`, await t.token(riderClaims(id)));
  await rider.subscribeAsync(`d/${id}/l`);
  const driver = await connectClient(t.tcpUrl, id, await t.token(driverClaims(id)));
  const seqs: number[] = [];
  const waiting = new Map<number, () => void>();
  rider.on('message', (_topic, payload: Buffer) => {
    const fix = decodeLocation(payload);
    const seq = fix.ok ? fix.value.seq : -1;
    seqs.push(seq);
    waiting.get(seq)?.();
  });
  /**
   * Resolves when the fix with this sequence number reaches the rider. One driver's fixes arrive in
   * order, so by then whatever was published before it has arrived too, or never will.
   */
  const arrived = (seq: number): Promise<void> =>
    seqs.includes(seq) ? Promise.resolve() : new Promise((resolve) => waiting.set(seq, resolve));
  return { rider, driver, seqs, arrived, end: () => Promise.all([rider.endAsync(), driver.endAsync(true)]) };
}

describe('payload validation', () => {
  it.each([
    ['an empty payload', Buffer.alloc(0), 'location_empty'],
    ['an unknown version', Buffer.from([9, ...new Array<number>(23).fill(0)]), 'location_unknown_version'],
    ['a cut packet', packetOf(1).subarray(0, 20), 'location_too_short'],
    ['a padded packet', Buffer.concat([packetOf(1), Buffer.from([0])]), 'location_too_long'],
    [
      'latitude 91',
      Buffer.from(packetOf(1).map((b, i) => (i >= 12 && i < 16 ? ([0x60, 0x6a, 0x3d, 0x36][i - 12] ?? b) : b))),
      'location_lat_out_of_range',
    ],
    ['JSON on the binary topic', Buffer.from('{"lat":1}'), 'location_unknown_version'],
  ])('drops %s, counts it, never forwards it', async (_name, payload, reason) => {
    const { driver, seqs, arrived, end } = await pair('drv-bad');
    const before = await metricValue(t.broker, 'ridetrack_dropped_total', { reason });
    const valid = Date.now() % 1e6;
    await driver.publishAsync('d/drv-bad/l', payload, { qos: 1 }); // QoS 1: the PUBACK says it was consumed
    await driver.publishAsync('d/drv-bad/l', packetOf(valid), { qos: 1 });
    await arrived(valid);
    expect(await metricValue(t.broker, 'ridetrack_dropped_total', { reason })).toBe(before + 1);
    expect(seqs).toHaveLength(1); // only the valid one
    expect(driver.connected).toBe(true);
    await end();
  });

  it('drops a bad OwnTracks payload with its reason', async () => {
    const driver = await connectClient(t.tcpUrl, 'drv-otbad', await t.token(driverClaims('drv-otbad')));
    const before = await metricValue(t.broker, 'ridetrack_dropped_total', { reason: 'owntracks_not_location' });
    await driver.publishAsync('owntracks/drv-otbad/phone', '{"_type":"lwt","tst":1}', { qos: 1 });
    expect(await metricValue(t.broker, 'ridetrack_dropped_total', { reason: 'owntracks_not_location' })).toBe(
      before + 1,
    );
    await driver.endAsync();
  });

  it('disconnects a client that keeps sending garbage', async () => {
    const driver = await connectClient(t.tcpUrl, 'drv-garbage', await t.token(driverClaims('drv-garbage')));
    const gone = clientClosed(driver);
    // QoS 1: each is judged on its own (under load the gate may coalesce a burst of QoS 0 fixes
    // for one topic to the newest before looking at them).
    for (let i = 0; i < 10; i++) driver.publish('d/drv-garbage/l', Buffer.from('garbage'), { qos: 1 });
    await gone;
  });

  it('forwards out-of-order and repeated sequence numbers not at all, and counts them', async () => {
    const { driver, seqs, arrived, end } = await pair('drv-seq');
    const before = await metricValue(t.broker, 'ridetrack_dropped_total', { reason: 'out_of_order' });
    for (const seq of [10, 11, 9, 11, 12]) await driver.publishAsync('d/drv-seq/l', packetOf(seq), { qos: 1 });
    await arrived(12);
    expect(seqs).toEqual([10, 11, 12]);
    expect(await metricValue(t.broker, 'ridetrack_dropped_total', { reason: 'out_of_order' })).toBe(before + 1);
    await end();
  });

  it('does not forward a physically impossible jump as a live position', async () => {
    const { driver, seqs, arrived, end } = await pair('drv-jump');
    await driver.publishAsync('d/drv-jump/l', packetOf(1), { qos: 1 });
    await driver.publishAsync('d/drv-jump/l', packetOf(2, { lat: 45 }), { qos: 1 }); // 600 km in no time
    await driver.publishAsync('d/drv-jump/l', packetOf(3), { qos: 1 });
    await arrived(3);
    expect(seqs).toEqual([1, 3]);
    await end();
  });
});

describe('limits', () => {
  it('refuses a packet over the size limit and closes the connection', async () => {
    const driver = await connectClient(t.tcpUrl, 'drv-big', await t.token(driverClaims('drv-big')));
    const before = await metricValue(t.broker, 'ridetrack_protocol_violations_total', { reason: 'packet_too_large' });
    const gone = clientClosed(driver);
    driver.publish('d/drv-big/l', Buffer.alloc(2000));
    await gone;
    expect(await metricValue(t.broker, 'ridetrack_protocol_violations_total', { reason: 'packet_too_large' })).toBe(
      before + 1,
    );
  });

  it('closes a connection whose CONNECT does not arrive in time', async () => {
    await withTestBroker({ CONNECT_TIMEOUT_MS: '300' }, async (quick) => {
      const socket = await rawSocket(quick.broker.ports.mqtt);
      const started = Date.now();
      await closed(socket);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    });
  });

  it('sheds QoS 0 publishes above the per-client rate and counts them', async () => {
    await withTestBroker({ PUBLISH_RATE_PER_S: '1', PUBLISH_BURST: '3' }, async (limited) => {
      const rider = await connectClient(
        limited.tcpUrl,
        'rider:rider-1:rate',
        await limited.token(riderClaims('drv-rate')),
      );
      await rider.subscribeAsync('d/drv-rate/l');
      const driver = await connectClient(limited.tcpUrl, 'drv-rate', await limited.token(driverClaims('drv-rate')));
      const got = collect(rider, 3, 'd/drv-rate/l');
      for (let seq = 1; seq <= 10; seq++) driver.publish('d/drv-rate/l', packetOf(seq));
      await got;
      await driver.publishAsync('d/drv-rate/l', packetOf(11), { qos: 1 }); // a round trip: all ten were read
      expect(
        await metricValue(limited.broker, 'ridetrack_dropped_total', { reason: 'rate_limited' }),
      ).toBeGreaterThanOrEqual(7);
      await Promise.all([rider.endAsync(), driver.endAsync()]);
    });
  });

  it('holds packets pipelined behind CONNECT until authentication, so none escapes validation', async () => {
    const socket = await rawSocket(t.broker.ports.mqtt);
    const token = await t.token(driverClaims('drv-pipe'));
    const before = await metricValue(t.broker, 'ridetrack_dropped_total', { reason: 'location_unknown_version' });
    socket.write(
      Buffer.concat([
        rawConnect({ flags: 0xc2, fields: [mqttString('drv-pipe'), mqttString('u'), mqttString(token)] }),
        rawPacket(0x30, [...mqttString('d/drv-pipe/l'), ...Buffer.from('garbage')]),
        rawPacket(0xc0, []), // PINGREQ: its PINGRESP tells us the publish was handled
      ]),
    );
    while (!Buffer.concat(socket.received).includes(Buffer.from([0xd0, 0x00]))) await once(socket, 'data');
    expect(await metricValue(t.broker, 'ridetrack_dropped_total', { reason: 'location_unknown_version' })).toBe(
      before + 1,
    );
    socket.destroy();
  });
});

describe.each(storeBackends('hangup', { cluster: true }))('a client that hangs up (%s stores)', (_name, env) => {
  const t = useTestBroker(env);

  /**
   * A device that wakes, sends CONNECT (with a will), one fix and DISCONNECT in one write and
   * hangs up; the broker authenticates after the client is gone and writes its CONNACK to a
   * closed socket (a write error, at times). Returns what an operator saw of it.
   */
  async function hangUp(id: string, over: 'tcp' | 'ws', seen: Map<string, string[]>): Promise<void> {
    const token = await t.token(driverClaims(id));
    const packets = Buffer.concat([
      rawConnect({
        flags: 0xc2 | 0x04 | 0x08 | 0x20, // username, password, clean session, will QoS 1 retained
        fields: [
          mqttString(id),
          mqttString(`d/${id}/s`),
          mqttString(encodeStatus({ online: false, ts: WILL_TS })),
          mqttString('u'),
          mqttString(token),
        ],
      }),
      rawPacket(0x30, [...mqttString(`d/${id}/l`), ...packetOf(7)]),
      rawPacket(0xe0, []), // DISCONNECT
    ]);
    if (over === 'tcp') {
      const socket = await rawSocket(t.broker.ports.mqtt);
      socket.end(packets);
      await closed(socket);
    } else {
      // One WebSocket message, then a close frame and the end of the TCP connection.
      const ws = await rawWebSocket(t.broker.ports.http);
      ws.socket.end(Buffer.concat([wsFrame(packets), wsFrame(Buffer.from([0x03, 0xe8]), 0x8)]));
      await closed(ws.socket);
    }
    // The broker's own offline comes after the close: the will, if sent, came before it.
    const offline = () => (seen.get(id) ?? []).includes('offline');
    for (let i = 0; i < 500 && !offline(); i++) await new Promise((r) => setTimeout(r, 20));
  }

  const WILL_TS = 1;

  it('carries out packets pipelined behind CONNECT when the client closes before its CONNACK', async () => {
    // Its fix is delivered and, as it said DISCONNECT, its will is not sent [MQTT-3.1.2-10].
    // Several at once, over TCP and WebSocket: whether the CONNACK's write fails depends on timing.
    const ids = Array.from({ length: 8 }, (_, i) => `drv-hangup-${i}`);
    const ops = await connectClient(t.tcpUrl, 'operator:ops-1:hangup', await t.token(operatorClaims));
    await ops.subscribeAsync(ids.flatMap((id) => [`d/${id}/l`, `d/${id}/s`]));
    const seen = new Map<string, string[]>();
    ops.on('message', (topic: string, payload: Buffer, packet: { retain: boolean }) => {
      // Live messages only: a retained copy read for the SUBSCRIBE may come after them.
      if (packet.retain) return;
      const id = topic.split('/')[1] ?? '';
      const fix = decodeLocation(payload);
      const status = decodeStatus(payload);
      const what = topic.endsWith('/l')
        ? `fix ${fix.ok ? fix.value.seq : 'invalid'}`
        : !status.ok
          ? 'invalid status'
          : status.value.online
            ? 'online'
            : status.value.ts === WILL_TS
              ? 'will'
              : 'offline';
      seen.set(id, [...(seen.get(id) ?? []), what]);
    });
    await Promise.all(ids.map((id, i) => hangUp(id, i % 2 === 0 ? 'tcp' : 'ws', seen)));
    await new Promise((r) => setTimeout(r, 200)); // anything late
    expect(Object.fromEntries(ids.map((id) => [id, seen.get(id)]))).toEqual(
      Object.fromEntries(ids.map((id) => [id, ['fix 7', 'online', 'offline']])),
    );
    await ops.endAsync();
  });
});

describe('slow consumers', () => {
  /**
   * A rider on a raw socket that subscribes to a driver's fixes at `qos`, then never reads again
   * (keepalive 0: these tests are about the queue, not the dead-link check).
   */
  async function stuckRider(
    b: TestBroker,
    driverId: string,
    qos: 0 | 1,
  ): Promise<Awaited<ReturnType<typeof rawSocket>>> {
    const stuck = await rawSocket(b.broker.ports.mqtt);
    const token = await b.token(riderClaims(driverId));
    stuck.write(
      rawConnect({
        flags: 0xc2,
        keepaliveS: 0,
        fields: [mqttString(`rider:rider-1:stuck-${driverId}`), mqttString('u'), mqttString(token)],
      }),
    );
    stuck.write(rawPacket(0x82, [0, 1, ...mqttString(`d/${driverId}/l`), qos]));
    await once(stuck, 'data'); // CONNACK (and SUBACK): from now on it reads nothing
    stuck.pause();
    return stuck;
  }

  // A rider that stops reading gets its QoS 0 fixes shed once its queue passes SHED_QUEUED_BYTES (a
  // newer fix follows anyway), so its queue stays bounded; a frozen one is also dropped by keepalive
  // (tested in delivery.test.ts). MAX_QUEUED_BYTES cuts off a client whose queue grows with packets
  // that cannot be shed (QoS 1).
  it('sheds fixes to a rider that stops reading; other riders are not held up', { timeout: 90_000 }, async () => {
    await withTestBroker(
      {
        SHED_QUEUED_BYTES: '16384',
        PUBLISH_RATE_PER_S: '100000',
        PUBLISH_BURST: '100000',
      },
      async (b) => {
        const stuck = await stuckRider(b, 'drv-slow', 0);
        const healthy = await connectClient(b.tcpUrl, 'rider:rider-1:ok', await b.token(riderClaims('drv-slow')));
        // QoS 1: the QoS 1 markers below are delivered at QoS 1, which is never shed.
        await healthy.subscribeAsync('d/drv-slow/l', { qos: 1 });
        const driver = await connectClient(b.tcpUrl, 'drv-slow', await b.token(driverClaims('drv-slow')));
        const shed = () => metricValue(b.broker, 'ridetrack_dropped_total', { reason: 'slow_consumer_shed' });
        let seq = 0;
        const deadline = Date.now() + 80_000;
        // The kernel's loopback buffers take a few MB before the broker's queue grows at all.
        while ((await shed()) === 0 && Date.now() < deadline) {
          for (let k = 0; k < 500; k++) driver.publish('d/drv-slow/l', packetOf(++seq));
          await new Promise((r) => setTimeout(r, 10));
        }
        expect(await shed()).toBeGreaterThan(0);
        // The stuck rider is still connected and still being shed; at a normal pace, the healthy rider
        // gets every new fix (the flood above also outran the healthy rider in this busy test process).
        const firstNew = seq + 1;
        const fresh = new Set<number>();
        healthy.on('message', (_topic, payload: Buffer) => {
          const fix = decodeLocation(payload);
          if (fix.ok && fix.value.seq >= firstNew) fresh.add(fix.value.seq);
        });
        for (let k = 0; k < 50; k++) {
          await driver.publishAsync('d/drv-slow/l', packetOf(++seq), { qos: 1 });
          await new Promise((r) => setTimeout(r, 5));
        }
        while (fresh.size < 50) await new Promise((r) => setTimeout(r, 10));
        expect(healthy.connected).toBe(true);
        expect(fresh.size).toBe(50);
        stuck.destroy();
        await Promise.all([driver.endAsync(), healthy.endAsync()]);
      },
    );
  });

  it(
    'cuts off a rider whose queue of QoS 1 packets, which cannot be shed, passes MAX_QUEUED_BYTES',
    { timeout: 90_000 },
    async () => {
      await withTestBroker(
        {
          SHED_QUEUED_BYTES: '16384',
          MAX_QUEUED_BYTES: '65536',
          PUBLISH_RATE_PER_S: '100000',
          PUBLISH_BURST: '100000',
        },
        async (b) => {
          const stuck = await stuckRider(b, 'drv-q1', 1); // QoS 1: nothing can be shed
          const driver = await connectClient(b.tcpUrl, 'drv-q1', await b.token(driverClaims('drv-q1')));
          // The broker closes its side; the paused socket would only see the FIN after reading megabytes,
          // so the broker's count of the close is what tells.
          const cut = () => metricValue(b.broker, 'ridetrack_protocol_violations_total', { reason: 'slow_consumer' });
          let seq = 0;
          const deadline = Date.now() + 80_000;
          while ((await cut()) === 0 && Date.now() < deadline) {
            await Promise.all(
              Array.from({ length: 200 }, () => driver.publishAsync('d/drv-q1/l', packetOf(++seq), { qos: 1 })),
            );
          }
          expect(await cut()).toBe(1);
          stuck.destroy();
          expect(driver.connected).toBe(true);
          await driver.endAsync();
        },
      );
    },
  );
});

describe('a burst of fixes from one driver', () => {
  async function burst(lag: boolean) {
    return withTestBroker({ PUBLISH_RATE_PER_S: '100000', PUBLISH_BURST: '100000' }, async (b) => {
      const rider = await connectClient(b.tcpUrl, 'rider:rider-1:burst', await b.token(riderClaims('drv-burst')));
      await rider.subscribeAsync('d/drv-burst/l');
      const seqs: number[] = [];
      const last = new Promise<void>((resolve) =>
        rider.on('message', (_topic, payload: Buffer) => {
          const fix = decodeLocation(payload);
          seqs.push(fix.ok ? fix.value.seq : -1);
          if (fix.ok && fix.value.seq === 300) resolve();
        }),
      );
      const before = await metricValue(b.broker, 'ridetrack_dropped_total', { reason: 'coalesced' });
      const socket = await rawSocket(b.broker.ports.mqtt);
      const token = await b.token(driverClaims('drv-burst'));
      socket.write(rawConnect({ flags: 0xc2, fields: [mqttString('drv-burst'), mqttString('u'), mqttString(token)] }));
      while (Buffer.concat(socket.received).length < 4) await once(socket, 'data');
      if (lag) await makeLag(b);
      // 300 fixes of 41 bytes in one write: one read for the gate (or a few).
      socket.write(
        Buffer.concat(
          Array.from({ length: 300 }, (_, i) => rawPacket(0x30, [...mqttString('d/drv-burst/l'), ...packetOf(i + 1)])),
        ),
      );
      await last;
      const coalesced = (await metricValue(b.broker, 'ridetrack_dropped_total', { reason: 'coalesced' })) - before;
      socket.destroy();
      await rider.endAsync();
      return { seqs, coalesced };
    });
  }

  /** Blocks this process's event loop (the broker's too) until the broker reports it lagging. */
  async function makeLag(b: TestBroker): Promise<void> {
    for (;;) {
      const until = Date.now() + 150;
      while (Date.now() < until) {
        // busy: a real stall, as a long garbage collection or an overload makes
      }
      const health = (await (await fetch(`${b.httpUrl}/healthz`)).json()) as { eventLoopLagMs: number };
      if (health.eventLoopLagMs > 50) return;
    }
  }

  it('is delivered whole, in order, while the broker keeps up', async () => {
    const { seqs, coalesced } = await burst(false);
    expect(coalesced).toBe(0);
    expect(seqs).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  });

  it('is cut to the newest fix while the broker lags, keeping order and counting the rest', async () => {
    const { seqs, coalesced } = await burst(true);
    expect(seqs.at(-1)).toBe(300);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y)); // never an older fix after a newer one
    expect(coalesced).toBeGreaterThan(0);
    expect(seqs.length + coalesced).toBe(300); // each fix delivered or counted, none lost silently
  });
});
