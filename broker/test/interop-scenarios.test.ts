import type { ErrorWithSubackPacket, IClientOptions, MqttClient, Packet } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '@ridetrack/testkit';
import { connectClient, useRedis, useRedisCluster, useTestBroker, type TestBroker } from './harness';

/**
 * The interoperability scenarios that third-party MQTT 3.1.1 suites (Eclipse Paho's client_test
 * among them) run against any broker, here in open mode (AUTH_MODE=open: no authentication, no
 * topic rules, the protocol handling unchanged) with their usual topics, over a real socket; with
 * sessions and retained messages in memory, clustered on a redis-server of its own, and clustered
 * on a Redis Cluster of its own (three primaries, three replicas: retained messages one key each,
 * spread over the shards).
 */
const TOPICS = ['TopicA', 'TopicA/B', 'Topic/C', 'TopicA/C', '/TopicA'] as const;
const WILDCARDS = ['TopicA/+', '+/C', '#', '/#', '/+', '+/+', 'TopicA/#'] as const;

const open: MqttClient[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
});

/** Connects clients to `t`, each closed after its test. */
function clientsOf(t: TestBroker) {
  return async (clientId: string, extra: IClientOptions = {}): Promise<MqttClient> => {
    const c = await connectClient(t.tcpUrl, clientId, undefined, extra);
    open.push(c);
    return c;
  };
}

interface Received {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
  dup: boolean;
}

/** Records every message a client receives, from now on. */
function record(c: MqttClient): Received[] {
  const got: Received[] = [];
  c.on('message', (topic, payload, packet) => {
    got.push({ topic, payload: payload.toString(), qos: packet.qos, retain: packet.retain, dup: packet.dup });
  });
  return got;
}

/**
 * Publishes a marker on a topic the client is subscribed to and waits for it: everything the
 * broker had to send the client before it has been received by then.
 */
async function flush(c: MqttClient, got: Received[], topic: string): Promise<void> {
  const marker = `marker-${Math.random()}`;
  await c.publishAsync(topic, marker, { qos: 1 });
  await until(() => got.some((m) => m.payload === marker), `the marker on ${topic}`);
  got.splice(
    got.findIndex((m) => m.payload === marker),
    1,
  );
}

async function clearRetained(client: ReturnType<typeof clientsOf>): Promise<void> {
  const c = await client('clean-up');
  for (const topic of TOPICS) await c.publishAsync(topic, '', { qos: 1, retain: true });
}

/** Each backend's settings, read once its Redis (a server or a Redis Cluster of the block's own) is up. */
const BACKENDS = {
  'in memory': () => () => ({}),
  'clustered on Redis': () => {
    const redis = useRedis();
    return () => ({ REDIS_URL: redis.url, CLUSTER: 'auto' });
  },
  'clustered on a Redis Cluster': () => {
    const redis = useRedisCluster();
    return () => ({ REDIS_CLUSTER_NODES: redis.cluster.nodes, CLUSTER: 'auto' });
  },
} satisfies Record<string, () => () => Record<string, string>>;

describe.each(Object.keys(BACKENDS) as (keyof typeof BACKENDS)[])(
  'interoperability scenarios in open mode, %s',
  (backend) => {
    const env = BACKENDS[backend]();
    const client = clientsOf(useTestBroker(() => ({ AUTH_MODE: 'open', ...env() })));

    it('basic: a client receives its own QoS 0, 1 and 2 publishes', async () => {
      const a = await client('myclientid');
      const got = record(a);
      await a.subscribeAsync(TOPICS[0], { qos: 2 });
      for (const qos of [0, 1, 2] as const) await a.publishAsync(TOPICS[0], `qos ${qos}`, { qos });
      await until(() => got.length === 3, 'three messages');
      expect(got.map((m) => [m.payload, m.qos])).toEqual([
        ['qos 0', 0],
        ['qos 1', 1],
        ['qos 2', 2],
      ]);
    });

    it('retained messages: delivered to a later wildcard subscriber, and cleared by an empty payload', async () => {
      await clearRetained(client);
      const a = await client('myclientid');
      await a.publishAsync(TOPICS[1], 'qos 0', { qos: 0, retain: true });
      await a.publishAsync(TOPICS[2], 'qos 1', { qos: 1, retain: true });
      await a.publishAsync(TOPICS[3], 'qos 2', { qos: 2, retain: true });
      const b = await client('myclientid2');
      const got = record(b);
      await b.subscribeAsync(WILDCARDS[5], { qos: 2 });
      await until(() => got.length === 3, 'three retained messages');
      expect(got.every((m) => m.retain)).toBe(true);
      expect(got.map((m) => `${m.topic}=${m.payload}@${m.qos}`).sort()).toEqual([
        'Topic/C=qos 1@1',
        'TopicA/B=qos 0@0',
        'TopicA/C=qos 2@2',
      ]);

      await clearRetained(client);
      const c = await client('myclientid3');
      const none = record(c);
      await c.subscribeAsync(WILDCARDS[5], { qos: 2 });
      await flush(c, none, 'flush/here');
      expect(none).toEqual([]);
    });

    it('offline message queueing: a persistent session receives the QoS 1 and 2 messages sent while it was away', async () => {
      const b = await client('offline-b', { clean: false });
      await b.subscribeAsync(WILDCARDS[5], { qos: 2 });
      await b.endAsync();
      const a = await client('offline-a');
      await a.publishAsync(TOPICS[1], 'qos 0', { qos: 0 });
      await a.publishAsync(TOPICS[2], 'qos 1', { qos: 1 });
      await a.publishAsync(TOPICS[3], 'qos 2', { qos: 2 });
      const again = await client('offline-b', { clean: false });
      const got = record(again);
      // The queued messages may come before our listener exists only if they were sent before the
      // CONNACK, which MQTT forbids; those at QoS 1 and 2 must come (QoS 0 may be dropped).
      await until(() => got.some((m) => m.qos === 1) && got.some((m) => m.qos === 2), 'the queued messages');
      expect(got.filter((m) => m.qos > 0).map((m) => m.payload)).toEqual(['qos 1', 'qos 2']);
    });

    it('will message: published when the client vanishes without DISCONNECT', async () => {
      const b = await client('will-watcher');
      const got = record(b);
      await b.subscribeAsync(TOPICS[2], { qos: 2 });
      const a = await client('will-client', {
        keepalive: 2,
        will: { topic: TOPICS[2], payload: Buffer.from('client not disconnected'), qos: 0, retain: false },
      });
      a.stream.destroy();
      await until(() => got.length === 1, 'the will');
      expect(got[0]).toMatchObject({ topic: TOPICS[2], payload: 'client not disconnected' });
    });

    it('overlapping subscriptions: one delivery at the highest QoS granted, or one per subscription', async () => {
      const a = await client('overlap');
      const got = record(a);
      await a.subscribeAsync({ [WILDCARDS[6]]: { qos: 2 }, [WILDCARDS[0]]: { qos: 1 } });
      await a.publishAsync(TOPICS[3], 'overlapping topic filters', { qos: 2 });
      await flush(a, got, TOPICS[3]);
      // [MQTT-3.3.5-1]: the server delivers at the maximum QoS of all matching subscriptions (one
      // message), or one message per matching subscription, each at its QoS.
      const qos = got.map((m) => m.qos).sort();
      expect(qos.length === 1 ? qos : qos).toEqual(qos.length === 1 ? [2] : [1, 2]);
    });

    it('redelivery on reconnect: unacknowledged QoS 1 and 2 messages come again, marked DUP [MQTT-4.4.0-1, 3.3.1-1]', async () => {
      const b = await client('redeliver', { clean: false });
      await b.subscribeAsync(WILDCARDS[2], { qos: 2 });
      // Take the messages but never acknowledge them, then drop the connection.
      const held: Packet[] = [];
      b.handleMessage = (packet) => {
        held.push(packet);
      };
      const a = await client('redeliver-publisher');
      await a.publishAsync(TOPICS[1], 'qos 1', { qos: 1 });
      await a.publishAsync(TOPICS[3], 'qos 2', { qos: 2 });
      await until(() => held.length > 0, 'the first message, unacknowledged');
      const closed = new Promise<void>((resolve) => b.once('close', () => resolve()));
      b.stream.destroy();
      await closed;
      const again = await client('redeliver', { clean: false });
      const got = record(again);
      await until(() => got.length >= 2, 'both messages again');
      expect(got.map((m) => `${m.topic}@${m.qos}`).sort()).toEqual(['TopicA/B@1', 'TopicA/C@2']);
      // The QoS 1 message certainly went out before (the client held it): sent again, it says so.
      // Aedes alone sends it with DUP 0 (moscajs/aedes#601); see src/mqtt/backends/redelivery.ts.
      expect(got.find((m) => m.topic === TOPICS[1])?.dup).toBe(true);
    });

    it("$ topics: a publish to one is refused, and '#' or '+' never match one [MQTT-4.7.2-1]", async () => {
      const b = await client('dollar');
      const got = record(b);
      await b.subscribeAsync({ [WILDCARDS[2]]: { qos: 1 }, [WILDCARDS[5]]: { qos: 1 } });
      // Topics starting with $ belong to the server: this broker refuses publishing to any of them
      // (which suites allow), so MQTT 3.1.1's only answer, closing the connection, is what comes.
      const a = await client('dollar-publisher');
      const closed = new Promise<void>((resolve) => a.once('close', () => resolve()));
      a.publish(`$${TOPICS[1]}`, '', { qos: 1 });
      await closed;
      await flush(b, got, TOPICS[1]);
      expect(got).toEqual([]);
    });

    // On a Redis Cluster this lost a message, in 2-3 runs of 5: Aedes's duplicate check (see the two
    // ordering scenarios below).
    it('unsubscribe: no more messages on the filter left, the others still delivered', async () => {
      const a = await client('unsub');
      const got = record(a);
      await a.subscribeAsync({ [TOPICS[0]]: { qos: 2 }, [TOPICS[1]]: { qos: 2 }, [TOPICS[2]]: { qos: 2 } });
      await a.unsubscribeAsync(TOPICS[0]);
      for (const topic of TOPICS.slice(0, 3)) await a.publishAsync(topic, '', { qos: 1 });
      await flush(a, got, TOPICS[2]);
      expect(got.map((m) => m.topic).sort()).toEqual([TOPICS[1], TOPICS[2]].sort());
    });

    /** A persistent session away, subscribed to `topic`: a QoS 1 message is queued for it before it goes out. */
    async function sessionAway(clientId: string, topic: string): Promise<void> {
      const away = await client(clientId, { clean: false });
      await away.subscribeAsync(topic, { qos: 1 });
      await away.endAsync();
    }

    it("a client's QoS 1 messages go out in the order sent, among QoS 0 ones sent at once [MQTT-4.6.0-6]", async () => {
      // Aedes publishes a QoS 1 message after writing its PUBACK (and, clustered, after queueing it
      // for sessions away in Redis, on whichever shard), a QoS 0 one at once, and it reads on
      // meanwhile: a client's messages went out in another order than sent, on a Redis Cluster
      // even on one topic (src/mqtt/publish-order.ts).
      await sessionAway('order-away', TOPICS[1]);
      const a = await client('order');
      const got = record(a);
      await a.subscribeAsync({ [TOPICS[1]]: { qos: 1 }, [TOPICS[2]]: { qos: 1 } });
      for (let i = 0; i < 20; i++) {
        a.publish(TOPICS[1], `q1-${i}`, { qos: 1 });
        a.publish(TOPICS[2], `q0-${i}`, { qos: 0 });
      }
      await flush(a, got, TOPICS[1]);
      expect(got.filter((m) => m.topic === TOPICS[1]).map((m) => m.payload)).toEqual(
        Array.from({ length: 20 }, (_, i) => `q1-${i}`),
      );
      expect(got.filter((m) => m.topic === TOPICS[2])).toHaveLength(20);
    });

    it('QoS 1 messages of one client and QoS 0 ones of another sent meanwhile: none lost (moscajs/aedes#994)', async () => {
      // The later QoS 0 messages reach a subscriber of both first. Aedes's duplicate check took a
      // message with a lower counter than the last one delivered for a copy, and dropped it
      // (src/mqtt/delivery.ts, repeatsLast).
      await sessionAway('mixed-away', TOPICS[1]);
      const watcher = await client('mixed-watcher');
      const got = record(watcher);
      await watcher.subscribeAsync({ [TOPICS[1]]: { qos: 1 }, [TOPICS[2]]: { qos: 1 } });
      const [slow, fast] = await Promise.all([client('mixed-qos1'), client('mixed-qos0')]);
      let sent = 0;
      const stream = setInterval(() => {
        for (let k = 0; k < 5; k++) fast.publish(TOPICS[2], `q0-${sent++}`, { qos: 0 });
      }, 1);
      try {
        for (let i = 0; i < 20; i++) await slow.publishAsync(TOPICS[1], `q1-${i}`, { qos: 1 });
      } finally {
        clearInterval(stream);
      }
      await flush(slow, got, TOPICS[1]);
      await flush(fast, got, TOPICS[2]);
      expect(got.filter((m) => m.topic === TOPICS[1]).map((m) => m.payload)).toEqual(
        Array.from({ length: 20 }, (_, i) => `q1-${i}`),
      );
      expect(got.filter((m) => m.topic === TOPICS[2])).toHaveLength(sent);
    });

    it('a burst of 1,000 messages and a 1 MB payload go through: no fleet policy applies in open mode', async () => {
      const a = await client('burst');
      const got = record(a);
      await a.subscribeAsync(TOPICS[0], { qos: 1 });
      for (let i = 0; i < 1000; i++) a.publish(TOPICS[0], String(i), { qos: 0 });
      const big = Buffer.alloc(1024 * 1024, 7);
      await a.publishAsync(TOPICS[0], big, { qos: 1 });
      await until(() => got.length === 1001, 'every message of the burst and the large one');
      expect(got.slice(0, 1000).map((m) => m.payload)).toEqual(Array.from({ length: 1000 }, (_, i) => String(i)));
      expect(got[1000]?.payload.length).toBe(big.length);
    });

    it('subscribe failure: a refused filter gets 0x80 in its place, the others their QoS [MQTT-3.9.3-2]', async () => {
      const a = await client('subfail');
      const suback = await a
        .subscribeAsync({ [TOPICS[0]]: { qos: 2 }, '$SYS/#': { qos: 1 }, [TOPICS[1]]: { qos: 1 } })
        .then(
          () => undefined,
          (err: unknown) => (err as ErrorWithSubackPacket).packet,
        );
      expect(suback?.granted).toEqual([2, 0x80, 1]);
      // The connection stays up, and the filters granted work.
      const got = record(a);
      await flush(a, got, TOPICS[1]);
    });
  },
);
