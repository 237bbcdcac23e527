import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeLocation, locationTopic } from '@ridetrack/shared';
import type { BrokerProcess } from './broker-process';
import { ClusterKit, fixPayload } from './cluster-kit';
import { startRedis, type TestRedis } from './redis-server';

/**
 * Two clustered nodes when their Redis goes away and comes back: a node keeps serving its own
 * clients meanwhile (same-node delivery needs no Redis), and delivery across nodes resumes after.
 */
const kit = new ClusterKit();
let redis: TestRedis;
let nodes: BrokerProcess[] = [];
const connect = (port: number, clientId: string, claims: Record<string, unknown>) =>
  kit.connect(`mqtt://127.0.0.1:${port}`, clientId, claims);

const rider = (id: string) => ({
  role: 'rider',
  sub: id,
  drivers: ['out-1'],
  exp: Math.floor(Date.now() / 1000) + 600,
});

/** Resolves with the first fix whose seq is at least `seq`. */
function seqAtLeast(client: MqttClient, seq: number): Promise<number> {
  return new Promise((resolve) => {
    const on = (_t: string, payload: Buffer): void => {
      const f = decodeLocation(payload);
      if (f.ok && f.value.seq >= seq) {
        client.off('message', on);
        resolve(f.value.seq);
      }
    };
    client.on('message', on);
  });
}

beforeAll(async () => {
  redis = await startRedis();
  nodes = await kit.startNodes(redis, ['out-a', 'out-b']);
}, 60_000);

afterAll(async () => {
  await kit.closeClients(true);
  await Promise.all(nodes.map((n) => n.stop()));
  await redis.stop();
});

describe('a cluster whose Redis goes away', () => {
  it(
    'keeps same-node delivery during the outage and delivers across nodes again after it',
    { timeout: 60_000 },
    async () => {
      const [a, b] = nodes as [BrokerProcess, BrokerProcess];
      const near = await connect(a.mqttPort, 'rider-near', rider('rider-near'));
      const far = await connect(b.mqttPort, 'rider-far', rider('rider-far'));
      await near.subscribeAsync(locationTopic('out-1'));
      await far.subscribeAsync(locationTopic('out-1'));
      const driver = await connect(a.mqttPort, 'out-1', { role: 'driver', sub: 'out-1' });
      let seq = 0;
      const publish = () => driver.publishAsync(locationTopic('out-1'), fixPayload(++seq), { qos: 1 });

      const bothBefore = Promise.all([seqAtLeast(near, 1), seqAtLeast(far, 1)]);
      await publish();
      expect(await bothBefore).toEqual([1, 1]);

      // Redis dies. The rider on the driver's own node keeps getting every fix.
      const port = redis.port;
      await redis.stop();
      const during = seqAtLeast(near, seq + 5);
      for (let i = 0; i < 5; i++) await publish();
      expect(await during).toBe(seq);

      // Redis is back (empty, on the same port): the nodes reconnect and resubscribe; the rider on
      // the other node gets fixes again.
      redis = await startRedis(port);
      const after = seqAtLeast(far, seq + 1);
      const ticker = setInterval(() => void publish().catch(() => undefined), 200);
      try {
        expect(await after).toBeGreaterThan(6);
      } finally {
        clearInterval(ticker);
      }
      // Neither node went down with Redis.
      expect(nodes.map((n) => n.process.exitCode ?? n.process.signalCode)).toEqual([null, null]);
    },
  );
  it('and both nodes shut down cleanly (exit code 0)', { timeout: 30_000 }, async () => {
    await kit.closeClients(true);
    const codes = await Promise.all(
      nodes.map(
        (n) =>
          new Promise<number | null>((resolve) => {
            n.process.once('exit', (code) => resolve(code));
            n.process.kill('SIGTERM');
          }),
      ),
    );
    expect(codes).toEqual([0, 0]);
  });
});
