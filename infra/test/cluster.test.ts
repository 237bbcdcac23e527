import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeLocation, decodeStatus, FLEET_LOCATIONS, locationTopic, statusTopic } from '@ridetrack/shared';
import {
  type BrokerProcess,
  ClusterKit,
  healthOf,
  packetOf,
  startSimProcess,
  tcpUrl,
  until,
  useRedis,
  wsUrl,
} from '@ridetrack/testkit';

/**
 * Several broker nodes on one Redis, as real processes on loopback: routing across nodes, the same
 * retained state on every node, and a node killed under a running fleet.
 */
const kit = new ClusterKit();
const redis = useRedis();
// The first test publishes 50 fixes as fast as it can.
const nodes = kit.useNodes(() => ({ REDIS_URL: redis.url }), ['node-a', 'node-b', 'node-c'], {
  PUBLISH_RATE_PER_S: '1000',
  PUBLISH_BURST: '1000',
});
const connect = kit.connect.bind(kit);
const [tcp, ws, health] = [tcpUrl, wsUrl, healthOf];

/** What a new subscriber on this node is told at once: the retained last fix and presence. */
async function retainedOn(n: BrokerProcess, driverId: string): Promise<{ seq: number; online: boolean }> {
  const client = await connect(tcp(n), `operator:ops:${randomBytes(3).toString('hex')}`, {
    role: 'operator',
    sub: 'ops',
  });
  const got: { seq?: number; online?: boolean } = {};
  const done = new Promise<void>((resolve) => {
    client.on('message', (topic, payload) => {
      if (topic === locationTopic(driverId)) {
        const f = decodeLocation(payload);
        if (f.ok) got.seq = f.value.seq;
      } else {
        const s = decodeStatus(payload);
        if (s.ok) got.online = s.value.online;
      }
      if (got.seq !== undefined && got.online !== undefined) resolve();
    });
  });
  await client.subscribeAsync([locationTopic(driverId), statusTopic(driverId)]);
  await done;
  await client.endAsync();
  return { seq: got.seq ?? -1, online: got.online ?? false };
}

describe('three broker nodes on one Redis', () => {
  it('a rider on node C receives every update of a driver on node A, in order', { timeout: 30_000 }, async () => {
    const [a, , c] = nodes as [BrokerProcess, BrokerProcess, BrokerProcess];
    const rider = await connect(ws(c), 'rider:rider-x', {
      role: 'rider',
      sub: 'rider-x',
      drivers: ['drv-x'],
      exp: Math.floor(Date.now() / 1000) + 600,
    });
    const seqs: number[] = [];
    const all = new Promise<void>((resolve) => {
      rider.on('message', (topic, payload) => {
        if (topic !== locationTopic('drv-x')) return;
        const f = decodeLocation(payload);
        if (f.ok) seqs.push(f.value.seq);
        if (seqs.length === 50) resolve();
      });
    });
    await rider.subscribeAsync([locationTopic('drv-x'), statusTopic('drv-x')]);
    const driver = await connect(tcp(a), 'drv-x', { role: 'driver', sub: 'drv-x' });
    for (let seq = 1; seq <= 50; seq++) await driver.publishAsync(locationTopic('drv-x'), packetOf(seq), { qos: 1 });
    await all;
    expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('presence and the last position are the same on every node', { timeout: 30_000 }, async () => {
    try {
      // Retained copies are written within tens of milliseconds of the publish: wait for them to agree.
      const expected = { seq: 50, online: true };
      let answers: { seq: number; online: boolean }[] = [];
      await until(
        async () => {
          answers = await Promise.all(nodes.map((n) => retainedOn(n, 'drv-x')));
          return answers.every((a) => a.seq === expected.seq && a.online === expected.online);
        },
        'every node to agree',
        10_000,
      ).catch(() => undefined);
      expect(answers).toEqual([expected, expected, expected]);
    } finally {
      await kit.closeClients();
    }
  });
});

describe('a node killed under a running fleet', () => {
  it(
    'its drivers are back online on the others within seconds, the operator keeps receiving, Redis does not grow',
    { timeout: 90_000 },
    async () => {
      const [a, b, c] = nodes as [BrokerProcess, BrokerProcess, BrokerProcess];
      const DRIVERS = 30;
      const sim = startSimProcess(
        ['--drivers', String(DRIVERS), '--ramp', '100', '--broker', tcp(a), '--broker', tcp(b), '--broker', tcp(c)],
        { JWT_SECRET: kit.secret },
      );
      try {
        const online = async () => (await Promise.all(nodes.map(health))).reduce((n, h) => n + h.driversOnline, 0);
        await until(async () => (await online()) === DRIVERS, 'every driver online', 30_000);
        const onA = (await health(a)).driversOnline;
        expect(onA).toBeGreaterThan(0); // the sim spreads drivers over the three nodes

        const operator = await connect(ws(c), 'operator:ops:fail', { role: 'operator', sub: 'ops' });
        const heardAfter = new Map<string, number>();
        operator.on('message', (topic) => heardAfter.set(topic.split('/')[1] ?? '', Date.now()));
        await operator.subscribeAsync(FLEET_LOCATIONS);

        const killedAt = Date.now();
        await a.stop('SIGKILL'); // the failure under test: the hook's stop then finds it gone
        const remaining = async () => (await health(b)).driversOnline + (await health(c)).driversOnline;
        await until(async () => (await remaining()) === DRIVERS, 'every driver back on B and C', 15_000);
        const recoveredMs = Date.now() - killedAt;
        expect(recoveredMs).toBeLessThan(10_000);
        // Every driver, wherever it went, reaches the operator on node C after the kill (a second
        // after it: nothing published on A before it died is counted). A parked car sends a fix
        // at least every 15 s.
        await until(
          () => [...heardAfter.values()].filter((t) => t > killedAt + 1000).length === DRIVERS,
          'every driver heard by the operator on C',
          20_000,
        );

        // Nothing of the MQTT state in Redis keeps growing once the fleet has settled on B and C.
        const mqttKeys = async () => {
          const keys = (await redis.server.command(['KEYS', '*']))
            .split('\n')
            .filter((k) => k !== '' && !k.startsWith('rt:'));
          return keys.length;
        };
        const settled = await mqttKeys();
        await new Promise((r) => setTimeout(r, 3000));
        expect(await mqttKeys()).toBeLessThanOrEqual(settled);
        expect(await redis.server.command(['LLEN', 'will'])).toBe('0');
      } finally {
        await sim.stop();
      }
    },
  );
});
