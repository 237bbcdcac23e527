import { execFile } from 'node:child_process';
import { freePort } from './ports';
import { INDEX_REDIS_SETTINGS } from './process-settings';
import { START_ATTEMPTS, startRedis, type TestRedis } from './redis-server';

/**
 * A throwaway Redis Cluster on loopback for tests and benchmarks: Debian's redis-server in cluster
 * mode (`--cluster-enabled yes`), `primaries` primaries with `replicas` replicas each, made into a
 * cluster by `redis-cli --cluster create`. Each server has its own free client port and bus port
 * (`--cluster-port`), no persistence, and a short node timeout so that a killed primary fails over
 * in a few seconds.
 */
export interface TestRedisCluster {
  /** "127.0.0.1:port,..." of every server: what REDIS_CLUSTER_NODES takes. */
  nodes: string;
  servers: TestRedis[];
  /** The server that serves this slot now (a primary), as CLUSTER SHARDS says. */
  primaryOf(slot: number): Promise<TestRedis>;
  /** Waits until every live server sees every slot served (cluster_state:ok). */
  settled(timeoutMs?: number): Promise<void>;
  /** INFO commandstats summed by command over the primaries: calls per command name. */
  commandCalls(): Promise<Map<string, number>>;
  /** INFO commandstats summed by command over the primaries: microseconds spent per command name. */
  commandUsec(): Promise<Map<string, number>>;
  /** Per primary (by port): commands served and CPU seconds used (user + system) so far. */
  shardStats(): Promise<Map<number, { calls: number; cpuS: number }>>;
  /** Resets every primary's command counters (CONFIG RESETSTAT). */
  resetStats(): Promise<void>;
  stop(): Promise<void>;
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err === null) resolve(stdout);
      else reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stderr}`));
    });
  });
}

/**
 * One cluster node on free ports. Its bus port, like its port, can be taken by another test between
 * being found and being bound: a node that exits as it starts is tried again on other ports.
 */
async function startClusterNode(nodeTimeoutMs: number): Promise<TestRedis> {
  for (let attempt = 1; ; attempt++) {
    const busPort = await freePort();
    try {
      return await startRedis(await freePort(), undefined, [
        '--cluster-enabled',
        'yes',
        '--cluster-port',
        String(busPort),
        '--cluster-node-timeout',
        String(nodeTimeoutMs),
        // A replica takes over however long it was cut off: the tests kill primaries on purpose.
        '--cluster-replica-validity-factor',
        '0',
        ...INDEX_REDIS_SETTINGS,
      ]);
    } catch (err) {
      if (attempt >= START_ATTEMPTS) throw err;
    }
  }
}

/** Starts the cluster and resolves once every server agrees that every slot is served. */
export async function startRedisCluster(
  options: { primaries?: number; replicas?: number; nodeTimeoutMs?: number } = {},
): Promise<TestRedisCluster> {
  const primaries = options.primaries ?? 3;
  const replicas = options.replicas ?? 1;
  const count = primaries * (1 + replicas);
  const servers: TestRedis[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await startClusterNode(options.nodeTimeoutMs ?? 1500));
    await run('redis-cli', [
      '--cluster',
      'create',
      ...servers.map((s) => `127.0.0.1:${s.port}`),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    ]);
  } catch (err) {
    await Promise.all(servers.map((s) => s.stop()));
    throw err;
  }
  const alive = (): TestRedis[] => servers.filter((s) => s.process.exitCode === null && s.process.signalCode === null);
  const isPrimary = async (s: TestRedis): Promise<boolean> => (await s.command(['ROLE'])).startsWith('master');
  const cluster: TestRedisCluster = {
    nodes: servers.map((s) => `127.0.0.1:${s.port}`).join(','),
    servers,
    async primaryOf(slot) {
      for (const s of alive()) {
        if (!(await isPrimary(s))) continue;
        // Ownership as this server itself sees it: the "myself" line of CLUSTER NODES.
        const mine = (await s.command(['CLUSTER', 'NODES'])).split('\n').find((l) => l.includes('myself'));
        if (mine !== undefined && ownsSlot(mine, slot)) return s;
      }
      throw new Error(`no live primary serves slot ${slot}`);
    },
    async settled(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const states = await Promise.all(alive().map((s) => s.command(['CLUSTER', 'INFO']).catch(() => '')));
        if (states.every((info) => info.includes('cluster_state:ok') && info.includes('cluster_slots_ok:16384')))
          return;
        if (Date.now() > deadline) throw new Error('redis cluster did not settle');
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async commandCalls() {
      const calls = new Map<string, number>();
      for (const s of alive()) {
        if (!(await isPrimary(s))) continue;
        for (const line of (await s.command(['INFO', 'commandstats'])).split('\n')) {
          const m = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
          if (m !== null) calls.set(m[1] ?? '', (calls.get(m[1] ?? '') ?? 0) + Number(m[2]));
        }
      }
      return calls;
    },
    async commandUsec() {
      const usec = new Map<string, number>();
      for (const s of alive()) {
        if (!(await isPrimary(s))) continue;
        for (const line of (await s.command(['INFO', 'commandstats'])).split('\n')) {
          const m = /^cmdstat_([^:]+):calls=\d+,usec=(\d+)/.exec(line.trim());
          if (m !== null) usec.set(m[1] ?? '', (usec.get(m[1] ?? '') ?? 0) + Number(m[2]));
        }
      }
      return usec;
    },
    async shardStats() {
      const out = new Map<number, { calls: number; cpuS: number }>();
      for (const s of alive()) {
        if (!(await isPrimary(s))) continue;
        let calls = 0;
        for (const line of (await s.command(['INFO', 'commandstats'])).split('\n')) {
          const m = /^cmdstat_[^:]+:calls=(\d+)/.exec(line.trim());
          if (m !== null) calls += Number(m[1]);
        }
        const cpu = await s.command(['INFO', 'cpu']);
        const field = (name: string) => Number(new RegExp(`${name}:([0-9.]+)`).exec(cpu)?.[1] ?? 0);
        out.set(s.port, { calls, cpuS: field('used_cpu_sys') + field('used_cpu_user') });
      }
      return out;
    },
    async resetStats() {
      await Promise.all(alive().map((s) => s.command(['CONFIG', 'RESETSTAT'])));
    },
    async stop() {
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
  await cluster.settled();
  return cluster;
}

/** Whether a CLUSTER NODES line lists this slot (single slots and ranges; importing marks skipped). */
function ownsSlot(line: string, slot: number): boolean {
  for (const field of line.split(' ').slice(8)) {
    if (field.startsWith('[')) continue;
    const [from, to] = field.split('-').map(Number);
    if (from !== undefined && slot >= from && slot <= (to ?? from)) return true;
  }
  return false;
}
