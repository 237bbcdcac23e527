import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { get } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { decodeLocation, locationTopic } from '@ridetrack/shared';
import { ClusterKit, packetOf, tcpUrl, until, useBrokerProcess } from '@ridetrack/testkit';

/**
 * BROKER_PROCESSES: one command starts several broker processes on one machine (Node's cluster
 * module: the first process hands the accepted sockets to its workers in turn), each a full node
 * of the cluster on the shared Redis Cluster, so connections spread over processes and a rider on
 * one gets a driver on another.
 */
const WORKERS = 3;
const kit = new ClusterKit();
const broker = useBrokerProcess(
  () => ({
    AUTH_MODE: 'jwt',
    JWT_SECRET: kit.secret,
    BROKER_PROCESSES: String(WORKERS),
    NODE_ID: 'multi',
    REDIS_CLUSTER_NODES: inject('redisClusterNodes'),
    REDIS_KEY_PREFIX: `proc:${randomUUID()}:`,
  }),
  { timeoutMs: 60_000 },
);

/** The process ids of the primary's workers (not its other children: tsx's esbuild service). */
function workerPids(): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(broker.process.pid)], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => l.includes('broker/src/main.ts'))
    .map((l) => Number.parseInt(l.trim(), 10))
    .filter((n) => n > 0);
}

beforeAll(async () => {
  await until(() => workerPids().length === WORKERS, 'every worker started', 60_000);
}, 90_000);

/** /healthz over a connection of its own (a kept-alive one would stay with one worker). */
function healthOnNewConnection(): Promise<unknown> {
  return new Promise((resolve, reject) => {
    get(`http://127.0.0.1:${broker.httpPort}/healthz`, { agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject);
  });
}

// Registered after the broker's hooks, so it runs first: the clients close before their broker.
afterAll(async () => {
  await kit.closeClients(true);
});

describe('several broker processes started by one command', () => {
  it('spread connections over the workers, each a node, and route between them', { timeout: 60_000 }, async () => {
    const ops = await kit.token({ role: 'operator', sub: 'ops' });
    // Every worker answers on the shared ports once it listens: wait until all three have.
    const seen = new Set<string>();
    await until(async () => {
      seen.add(((await healthOnNewConnection()) as { node: string }).node);
      return seen.size === WORKERS;
    }, 'three nodes answering');
    expect([...seen].sort()).toEqual(['multi-w0', 'multi-w1', 'multi-w2']);

    const ids = Array.from({ length: 9 }, (_, i) => `mp-${i}`);
    const drivers = await Promise.all(ids.map((id) => kit.connect(tcpUrl(broker), id, { role: 'driver', sub: id })));
    await Promise.all(drivers.map((d, i) => d.publishAsync(locationTopic(ids[i] ?? ''), packetOf(1), { qos: 1 })));
    // Which node holds each driver: the connection registry says (in Redis, so any worker answers).
    const nodes = await Promise.all(
      ids.map(async (id) => {
        const r = await fetch(`http://127.0.0.1:${broker.httpPort}/api/drivers/${id}/connection`, {
          headers: { authorization: `Bearer ${ops}` },
        });
        return ((await r.json()) as { node: string }).node;
      }),
    );
    const perNode = new Map<string, number>();
    for (const n of nodes) perNode.set(n, (perNode.get(n) ?? 0) + 1);
    expect(perNode.size).toBe(WORKERS); // handed out in turn: three each
    // Riders follow every driver; some of them land on other workers than their driver.
    const rider = await kit.connect(tcpUrl(broker), 'rider:mp-r', {
      role: 'rider',
      sub: 'mp-r',
      drivers: ids,
      exp: Math.floor(Date.now() / 1000) + 600,
    });
    const got = new Map<string, number[]>();
    const retained = new Set<string>();
    rider.on('message', (topic, payload: Buffer, packet) => {
      const f = decodeLocation(payload);
      if (packet.retain) retained.add(topic);
      else if (f.ok && f.value.seq >= 2) got.set(topic, [...(got.get(topic) ?? []), f.value.seq]);
    });
    await rider.subscribeAsync(ids.map((id) => locationTopic(id)));
    // The subscription's retained messages (each driver's last position) come first: a replay read
    // slowly from the store could otherwise arrive after newer live fixes (the gate drops such a
    // copy only when it repeats the last one sent live).
    await until(() => retained.size === ids.length, 'the last positions, retained');
    // Ten rounds, every driver at once: a worker's fixes for different drivers travel on channels
    // of different shards and may overtake each other on the way; every one must arrive.
    for (let seq = 2; seq <= 11; seq++)
      await Promise.all(drivers.map((d, i) => d.publishAsync(locationTopic(ids[i] ?? ''), packetOf(seq), { qos: 1 })));
    const every = Array.from({ length: 10 }, (_, i) => i + 2);
    await until(
      () => ids.every((id) => (got.get(locationTopic(id))?.length ?? 0) >= every.length),
      'the rider has every fix of every driver, from every worker',
    );
    for (const id of ids) expect(got.get(locationTopic(id))).toEqual(every);
  });

  it('starts a worker that died again', { timeout: 60_000 }, async () => {
    const before = workerPids();
    process.kill(before[0] ?? 0, 'SIGKILL');
    await until(() => {
      const now = workerPids();
      return now.length === WORKERS && !now.includes(before[0] ?? 0);
    }, 'a new worker in its place');
  });

  it('stops every worker on SIGTERM', { timeout: 60_000 }, async () => {
    // The primary's exit on SIGTERM is what this test checks, so it signals the process itself
    // (the hook's stop afterwards finds it gone and does nothing).
    const pids = workerPids();
    const exited = once(broker.process, 'exit');
    broker.process.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });
});
