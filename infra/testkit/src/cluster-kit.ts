import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll } from 'vitest';
import { startBrokerProcess, type BrokerProcess } from './broker-process';
import { settingsOf, type Settings } from './hooks';
import type { TestRedis } from './redis-server';
import { signToken } from './tokens';

/**
 * What the multi-node tests share: one JWT secret for every node and its tokens, MQTT clients that
 * are all closed at the end, and broker nodes on one Redis.
 */
export class ClusterKit {
  readonly secret = randomBytes(32).toString('hex');
  readonly clients: MqttClient[] = [];

  token(claims: Record<string, unknown>): Promise<string> {
    return signToken(this.secret, claims);
  }

  /** An mqtt.js client that does not reconnect, with a token for `claims`. */
  async connect(url: string, clientId: string, claims: Record<string, unknown>): Promise<MqttClient> {
    const client = await mqtt.connectAsync(url, {
      clientId,
      username: 'token',
      password: await this.token(claims),
      reconnectPeriod: 0,
      protocolVersion: 4,
    });
    this.clients.push(client);
    return client;
  }

  /** Ends every client opened so far (forcibly, for teardown, or cleanly). */
  async closeClients(force = false): Promise<void> {
    await Promise.all(this.clients.splice(0).map((c) => c.endAsync(force)));
  }

  /** Broker processes on one Redis, clustered, one per id. */
  startNodes(redis: TestRedis, ids: string[], env: Record<string, string> = {}): Promise<BrokerProcess[]> {
    return this.startNodesOn({ REDIS_URL: redis.url }, ids, env);
  }

  /** Broker processes on a store (`{ REDIS_URL }` or `{ REDIS_CLUSTER_NODES }`), clustered, one per id, started together. */
  async startNodesOn(
    store: Record<string, string>,
    ids: string[],
    env: Record<string, string> = {},
  ): Promise<BrokerProcess[]> {
    const started = await Promise.allSettled(
      ids.map((id) => startBrokerProcess({ AUTH_MODE: 'jwt', JWT_SECRET: this.secret, NODE_ID: id, ...store, ...env })),
    );
    const up = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = started.find((r) => r.status === 'rejected');
    if (failed === undefined) return up;
    // One node did not start: the others are stopped, not left running past the test file.
    await Promise.all(up.map((n) => n.stop()));
    throw failed.reason;
  }

  /**
   * Broker processes on a store, clustered, one per id, started before the block's tests and
   * stopped after them, the kit's clients closed first. `store` is usually a function (read when
   * they start, after the hook of the Redis it names). The array fills when they start: read it
   * inside tests and hooks. A test that kills a node as its subject does so itself; stopping a
   * node that is already gone does nothing.
   */
  useNodes(
    store: Settings,
    ids: string[],
    env: Record<string, string> = {},
    timeoutMs = 60_000,
  ): readonly BrokerProcess[] {
    const nodes: BrokerProcess[] = [];
    beforeAll(async () => {
      nodes.push(...(await this.startNodesOn(settingsOf(store), ids, env)));
    }, timeoutMs);
    afterAll(async () => {
      await this.closeClients(true);
      await Promise.all(nodes.map((n) => n.stop()));
    });
    return nodes;
  }
}

export const tcpUrl = (n: BrokerProcess): string => `mqtt://127.0.0.1:${n.mqttPort}`;
export const wsUrl = (n: BrokerProcess): string => `ws://127.0.0.1:${n.httpPort}/mqtt`;

/** A counter's value from a node's /metrics, summed over the label sets that contain `labels`. */
export async function metricOf(n: Pick<BrokerProcess, 'httpPort'>, name: string, labels = ''): Promise<number> {
  return (await scrape(n))(name, labels);
}

/**
 * One scrape of a broker's /metrics, read as often as needed: the sum of a metric's samples whose
 * labels include `labels` (several values from the same moment; prom-client resets the event
 * loop's maximum on every scrape).
 */
export async function scrape(n: Pick<BrokerProcess, 'httpPort'>): Promise<(name: string, labels?: string) => number> {
  const lines = (await (await fetch(`http://127.0.0.1:${n.httpPort}/metrics`)).text()).split('\n');
  return (name, labels = '') => {
    let sum = 0;
    for (const line of lines) {
      if (!line.startsWith(name) || line.startsWith(`${name}_`) || !line.includes(labels)) continue;
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
    return sum;
  };
}

export async function healthOf(n: BrokerProcess): Promise<{ driversOnline: number; connections: number }> {
  return (await (await fetch(`http://127.0.0.1:${n.httpPort}/healthz`)).json()) as {
    driversOnline: number;
    connections: number;
  };
}
