import type { MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { decodeLocation, locationTopic, statusTopic } from '@ridetrack/shared';
import { type BrokerProcess, ClusterKit, packetOf, until, useRedis } from '@ridetrack/testkit';

/**
 * Two clustered nodes when their Redis goes away and comes back: a node keeps serving its own
 * clients meanwhile (same-node delivery needs no Redis), says it is degraded, and catches up after:
 * delivery across nodes resumes, and what Redis lost (it comes back empty) is written again.
 * The heartbeat is short (400 ms: wills are swept every 1.6 s), so an outage spans several sweeps
 * without minutes of waiting: the sweep that cannot reach Redis once ended the process.
 */
const HEARTBEAT_MS = 400;
const kit = new ClusterKit();
const connect = (port: number, clientId: string, claims: Record<string, unknown>) =>
  kit.connect(`mqtt://127.0.0.1:${port}`, clientId, claims);

const rider = (id: string) => ({
  role: 'rider',
  sub: id,
  drivers: ['out-1'],
  exp: Math.floor(Date.now() / 1000) + 600,
});

async function health(n: BrokerProcess): Promise<{ httpStatus: number; status: string; reasons: string[] }> {
  const res = await fetch(`http://127.0.0.1:${n.httpPort}/healthz`);
  return { httpStatus: res.status, ...((await res.json()) as { status: string; reasons: string[] }) };
}

/** A counter's value from a node's /metrics (the sum over its label sets). */
async function metric(n: BrokerProcess, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${n.httpPort}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(name))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

/** The retained status and location a new subscriber on this node gets for the driver. */
async function retainedOf(n: BrokerProcess, driverId: string): Promise<{ online?: boolean; seq?: number }> {
  const probe = await kit.connect(`mqtt://127.0.0.1:${n.mqttPort}`, `operator:ops:probe-${Date.now()}`, {
    role: 'operator',
    sub: 'ops',
  });
  const got: { online?: boolean; seq?: number } = {};
  const both = new Promise<void>((resolve) => {
    probe.on('message', (topic, payload: Buffer) => {
      if (topic === statusTopic(driverId)) got.online = (JSON.parse(payload.toString()) as { online: boolean }).online;
      else {
        const f = decodeLocation(payload);
        if (f.ok) got.seq = f.value.seq;
      }
      if (got.online !== undefined && got.seq !== undefined) resolve();
    });
  });
  await probe.subscribeAsync([statusTopic(driverId), locationTopic(driverId)]);
  await Promise.race([both, new Promise((r) => setTimeout(r, 1500))]);
  await probe.endAsync();
  return got;
}

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

// Redis of this file's own: the first test stops it and starts it again as its subject.
const redis = useRedis();
const nodes = kit.useNodes(() => ({ REDIS_URL: redis.url }), ['out-a', 'out-b'], {
  CLUSTER_HEARTBEAT_MS: String(HEARTBEAT_MS),
});

describe('a cluster whose Redis goes away', () => {
  it(
    'keeps same-node delivery during the outage and delivers across nodes again after it',
    { timeout: 60_000 },
    async () => {
      const [a, b] = nodes as [BrokerProcess, BrokerProcess];
      const near = await connect(a.mqttPort, 'rider:rider-near', rider('rider-near'));
      const far = await connect(b.mqttPort, 'rider:rider-far', rider('rider-far'));
      await near.subscribeAsync(locationTopic('out-1'));
      await far.subscribeAsync(locationTopic('out-1'));
      const driver = await connect(a.mqttPort, 'out-1', { role: 'driver', sub: 'out-1' });
      let seq = 0;
      const publish = () => driver.publishAsync(locationTopic('out-1'), packetOf(++seq), { qos: 1 });

      const bothBefore = Promise.all([seqAtLeast(near, 1), seqAtLeast(far, 1)]);
      await publish();
      expect(await bothBefore).toEqual([1, 1]);

      // Redis dies. The rider on the driver's own node keeps getting every fix.
      const errorsBefore = await metric(a, 'ridetrack_broker_errors_total');
      await redis.server.stop();
      const during = seqAtLeast(near, seq + 5);
      for (let i = 0; i < 5; i++) await publish();
      expect(await during).toBe(seq);
      // Both nodes say they are degraded, with the reason.
      await until(async () => (await health(a)).status === 'degraded', 'node a degraded');
      await until(async () => (await health(b)).status === 'degraded', 'node b degraded');
      expect(await health(b)).toMatchObject({ httpStatus: 503, status: 'degraded', reasons: ['cluster_unavailable'] });
      // The outage outlasts Aedes's will sweeps, which fail against the missing Redis: survived.
      await until(async () => (await metric(a, 'ridetrack_broker_errors_total')) > errorsBefore, 'a failed will sweep');
      await new Promise((r) => setTimeout(r, HEARTBEAT_MS * 4 * 2));
      for (let i = 0; i < 2; i++) await publish();
      expect(nodes.map((n) => n.process.exitCode ?? n.process.signalCode)).toEqual([null, null]);
      expect((await health(a)).status).toBe('degraded');
      // A rider who connects now, to the driver's node, is served: the last position at once (what
      // the node wrote itself), then every new fix.
      const late = await connect(a.mqttPort, 'rider:rider-late', rider('rider-late'));
      const lastKnown = seqAtLeast(late, seq);
      await late.subscribeAsync(locationTopic('out-1'));
      expect(await lastKnown).toBe(seq);
      const next = seqAtLeast(late, seq + 1);
      await publish();
      expect(await next).toBe(seq);

      // Redis is back (empty, on the same port): the nodes reconnect and resubscribe; the rider on
      // the other node gets fixes again.
      await redis.restart();
      const after = seqAtLeast(far, seq + 1);
      const ticker = setInterval(() => void publish().catch(() => undefined), 200);
      try {
        expect(await after).toBeGreaterThan(6);
      } finally {
        clearInterval(ticker);
      }
      // Neither node went down with Redis; both are healthy again.
      expect(nodes.map((n) => n.process.exitCode ?? n.process.signalCode)).toEqual([null, null]);
      await until(async () => (await health(a)).httpStatus === 200, 'node a healthy');
      await until(async () => (await health(b)).httpStatus === 200, 'node b healthy');
      // Redis came back empty: node a wrote its driver's presence and last position again, so a
      // rider arriving on the other node learns both at once.
      await until(async () => (await retainedOf(b, 'out-1')).online === true, 'the presence written again');
    },
  );

  it('writes its state again when Redis is flushed under it', { timeout: 60_000 }, async () => {
    const [a, b] = nodes as [BrokerProcess, BrokerProcess];
    const driver = await connect(a.mqttPort, 'out-2', { role: 'driver', sub: 'out-2' });
    await driver.publishAsync(locationTopic('out-2'), packetOf(41), { qos: 1 });
    await until(async () => (await retainedOf(b, 'out-2')).seq === 41, 'the last position in Redis');
    // FLUSHALL answers once everything is gone. (A DBSIZE read after it raced the nodes' own
    // periodic writes: it read 2 once under load.)
    expect(await redis.server.command(['FLUSHALL'])).toBe('OK');
    // Nothing is published meanwhile: the node finds the loss itself and writes what it knows.
    await until(async () => {
      const got = await retainedOf(b, 'out-2');
      return got.online === true && got.seq === 41;
    }, 'presence and last position written again');
    await driver.endAsync();
  });
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
