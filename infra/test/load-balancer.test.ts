import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeLocation, locationTopic } from '@ridetrack/shared';
import { ClusterKit, type HaproxyProcess, healthOf, packetOf, startHaproxy, useRedis } from '@ridetrack/testkit';

/**
 * infra/haproxy/haproxy.cfg, unchanged, in front of three broker nodes on one Redis: clients know
 * only the load balancer's two ports, and a client whose node dies reconnects through it.
 */
const kit = new ClusterKit();
// Redis of this file's own: the last test stops it and starts it again as its subject.
const redis = useRedis();
const nodes = kit.useNodes(() => ({ REDIS_URL: redis.url }), ['lb-a', 'lb-b', 'lb-c']);
let haproxy: HaproxyProcess;
let lb: { mqtt: number; http: number };
const connect = kit.connect.bind(kit);

// In front of the nodes once they listen; stopped before them (hooks unwind as a stack).
beforeAll(async () => {
  haproxy = await startHaproxy(nodes);
  lb = { mqtt: haproxy.mqttPort, http: haproxy.httpPort };
});

afterAll(async () => {
  await haproxy.stop();
});

describe('the load balancer config in infra/haproxy', () => {
  it('is valid for haproxy -c', () => {
    const check = haproxy.check();
    expect(check.status, check.output).toBe(0);
  });

  it(
    'carries MQTT over TCP, MQTT over WebSocket and the HTTP API to nodes clients never name',
    { timeout: 30_000 },
    async () => {
      const health = await fetch(`http://127.0.0.1:${lb.http}/healthz`);
      expect(health.status).toBe(200);
      const rider = await connect(`ws://127.0.0.1:${lb.http}/mqtt`, 'rider:lb-rider', {
        role: 'rider',
        sub: 'lb-rider',
        drivers: ['lb-drv'],
        exp: Math.floor(Date.now() / 1000) + 600,
      });
      await rider.subscribeAsync(locationTopic('lb-drv'));
      const got = new Promise<number>((resolve) => {
        rider.on('message', (_t, payload) => {
          const f = decodeLocation(payload);
          if (f.ok) resolve(f.value.seq);
        });
      });
      const driver = await connect(`mqtt://127.0.0.1:${lb.mqtt}`, 'lb-drv', { role: 'driver', sub: 'lb-drv' });
      await driver.publishAsync(locationTopic('lb-drv'), packetOf(1), { qos: 1 });
      expect(await got).toBe(1);
      await kit.closeClients();
    },
  );

  it(
    "carries a rider's Server-Sent Events stream, fed from whichever node has the driver",
    { timeout: 30_000 },
    async () => {
      const token = await kit.token({
        role: 'rider',
        sub: 'lb-sse',
        drivers: ['lb-drv-s'],
        exp: Math.floor(Date.now() / 1000) + 600,
      });
      const chunks: string[] = [];
      const req = request(`http://127.0.0.1:${lb.http}/api/live/lb-drv-s/events?access_token=${token}`);
      const opened = new Promise<void>((resolve) => {
        req.on('response', (res) => {
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            chunks.push(c);
            resolve();
          });
        });
      });
      req.on('error', () => undefined);
      req.end();
      await opened; // the stream is open (its first bytes arrived through HAProxy)
      const driver = await connect(`mqtt://127.0.0.1:${lb.mqtt}`, 'lb-drv-s', { role: 'driver', sub: 'lb-drv-s' });
      for (let seq = 1; !chunks.join('').includes('event: location'); seq++) {
        await driver.publishAsync(locationTopic('lb-drv-s'), packetOf(seq), { qos: 1 });
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(chunks.join('')).toMatch(/id: \d+\.\d+\nevent: location\ndata: \{/);
      req.destroy();
      await kit.closeClients();
    },
  );

  it('a client whose node is killed reconnects through the load balancer to another', { timeout: 60_000 }, async () => {
    const driver = await connect(`mqtt://127.0.0.1:${lb.mqtt}`, 'lb-drv-2', { role: 'driver', sub: 'lb-drv-2' });
    // Find the node it landed on from the nodes' own counts, and kill that one.
    const online = await Promise.all(nodes.map(async (n) => (await healthOf(n)).connections));
    const victim = nodes[online.findIndex((c) => c > 0)];
    if (victim === undefined) throw new Error('no node has the driver');
    const closed = new Promise<void>((resolve) => driver.once('close', () => resolve()));
    await victim.stop('SIGKILL'); // the failure under test: the hook's stop then finds it gone
    await closed;
    // A new connection through the same address lands on a live node.
    for (let attempt = 0; ; attempt++) {
      try {
        const again = await connect(`mqtt://127.0.0.1:${lb.mqtt}`, 'lb-drv-2', { role: 'driver', sub: 'lb-drv-2' });
        await again.publishAsync(locationTopic('lb-drv-2'), packetOf(2), { qos: 1 });
        break;
      } catch (err) {
        if (attempt > 20) throw err;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  });

  it(
    'when Redis is away for every node, still routes HTTP and WebSocket clients to live nodes',
    { timeout: 60_000 },
    async () => {
      await redis.server.stop();
      // Every node reports itself degraded; HAProxy takes them out of the ready backend...
      const live = nodes.filter((n) => n.process.exitCode === null && n.process.signalCode === null);
      for (const n of live) {
        for (;;) {
          if ((await fetch(`http://127.0.0.1:${n.httpPort}/healthz`)).status === 503) break;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      await new Promise((r) => setTimeout(r, 5000)); // two failed checks, 2 s apart
      // ...and new clients still get through, to a live node.
      expect((await fetch(`http://127.0.0.1:${lb.http}/livez`)).status).toBe(200);
      const rider = await connect(`ws://127.0.0.1:${lb.http}/mqtt`, 'rider:lb-rider-2', {
        role: 'rider',
        sub: 'lb-rider-2',
        drivers: ['lb-drv-3'],
        exp: Math.floor(Date.now() / 1000) + 600,
      });
      expect(rider.connected).toBe(true);
      await redis.restart();
      await kit.closeClients();
    },
  );
});
