import { Readable } from 'node:stream';
import RedisPersistence from 'aedes-persistence-redis/asyncPersistence.js';
import msgpack from 'msgpack-lite';
import { isCluster, type RedisClient } from '../../store/redis-client';
import { groupByShard, shardScript } from '../../store/shard-groups';
import { retainedFilters } from './memory-store';
import { clusterRetained, RETAINED_HASH, retainedKey } from './retained-keys';

/** Retained messages a node remembers of its own writes, to serve while Redis is away. */
const RECENT_MAX = 200_000;
/** A retained write that failed (a shard failing over) is tried again after this long. */
const RETAINED_RETRY_MS = 500;
/** How long retained writes are gathered before they go to Redis together. */
const RETAINED_FLUSH_MS = 20;

export type RetainedPacket = { topic: string; payload: Buffer; retain?: boolean; qos?: number; cmd?: string };

/** ARGV: key, value, key, value, ... (an empty value deletes); KEYS[1]: the first key, which routes the call. */
/**
 * ARGV: key, value ('' deletes), ... Each write stands on its own (pcall); the reply lists the
 * writes (1-based) Redis refused, whose key's slot this primary no longer serves.
 */
const RETAIN_MANY_LUA = `
local refused = {}
for i = 1, #ARGV, 2 do
  local r
  if ARGV[i + 1] == '' then r = redis.pcall('DEL', ARGV[i]) else r = redis.pcall('SET', ARGV[i], ARGV[i + 1]) end
  if type(r) == 'table' and r.err then refused[#refused + 1] = (i + 1) / 2 end
end
return refused`;

type BatchRedis = RedisClient & { rtRetainMany(...args: (string | Buffer)[]): Promise<number[]> };

/**
 * aedes-persistence-redis whose retained writes are off the publish path: a fix is delivered
 * without waiting for Redis, its retained copy (the last known position) is written within
 * RETAINED_FLUSH_MS, only the newest per topic, and a failed write never fails a publish (it is
 * best effort while Redis is away; the next fix writes it again). Reads on this node see the
 * writes still pending, so a subscriber gets a retained message the moment its publish is
 * acknowledged, as MQTT clients expect.
 */
export class LastPositionStore extends RedisPersistence {
  private readonly pending = new Map<string, RetainedPacket>();
  /** Writes in flight, by topic (reads on this node see them as pending). */
  private readonly inflight = new Map<string, RetainedPacket>();
  private timer: NodeJS.Timeout | undefined;
  /** While Redis is away, writes wait here (the newest per topic) and go once it is back. */
  private up = true;
  /**
   * The retained messages this node wrote, the newest per topic (its drivers' last positions and
   * presence), at most RECENT_MAX: what a subscriber on this node is given while Redis is away.
   */
  private readonly recent = new Map<string, RetainedPacket>();

  private readonly conn: BatchRedis;
  private readonly cluster: boolean;

  constructor(
    conn: RedisClient,
    private readonly onError: (err: Error) => void,
  ) {
    // On a Redis Cluster, aedes-persistence-redis keeps each retained message under a key of its
    // own (`retained:{topic}`), spread over the shards, instead of one hash holding the fleet.
    super({ conn, cluster: isCluster(conn) });
    this.cluster = isCluster(conn);
    conn.defineCommand('rtRetainMany', { numberOfKeys: 1, lua: shardScript(conn, RETAIN_MANY_LUA) });
    this.conn = conn as BatchRedis;
  }

  override storeRetained(packet: unknown): Promise<void> {
    const p = packet as RetainedPacket;
    this.pending.set(p.topic, p);
    this.recent.delete(p.topic);
    if (p.payload.length > 0) {
      if (this.recent.size >= RECENT_MAX) this.recent.delete(this.recent.keys().next().value ?? '');
      this.recent.set(p.topic, p);
    }
    this.schedule();
    return Promise.resolve();
  }

  // While Redis is away, a client connecting to this node is not kept waiting on it: a clean
  // session has nothing stored to clean, a will is not kept (presence, the broker's own, covers
  // drivers; docs/operations.md), and a resumed session starts afresh. Each answers at once.
  override cleanSubscriptions(client: unknown): Promise<unknown> {
    return this.up ? super.cleanSubscriptions(client) : Promise.resolve(client);
  }

  override subscriptionsByClient(client: unknown): Promise<unknown[]> {
    return this.up ? super.subscriptionsByClient(client) : Promise.resolve([]);
  }

  override putWill(client: unknown, packet: unknown): Promise<unknown> {
    return this.up ? super.putWill(client, packet) : Promise.resolve(client);
  }

  override delWill(client: unknown): Promise<unknown> {
    return this.up ? super.delWill(client) : Promise.resolve(null);
  }

  /** Redis is away (writes wait) or back (what waited is written now). */
  setUp(up: boolean): void {
    this.up = up;
    if (up) this.schedule();
  }

  private schedule(delayMs = RETAINED_FLUSH_MS): void {
    if (this.up && this.pending.size > 0) this.timer ??= setTimeout(() => void this.flush(), delayMs);
  }

  /**
   * What Redis holds for the filters, with this node's pending writes (newer) in their place; while
   * Redis is away, what this node wrote itself.
   */
  override createRetainedStreamCombi(patterns: string[]): AsyncIterable<RetainedPacket> {
    const filters = retainedFilters(patterns);
    if (!this.up) {
      return Readable.from([...this.recent.values()].filter((p) => filters.test(p.topic)));
    }
    const stored = isCluster(this.conn)
      ? clusterRetained(this.conn, patterns)
      : super.createRetainedStreamCombi(patterns);
    if (this.pending.size === 0 && this.inflight.size === 0) return stored;
    // What this node is writing, the newest first: pending before in flight.
    const pending = new Map([...this.inflight, ...this.pending]);
    return (async function* () {
      for await (const packet of stored) if (!pending.has(packet.topic)) yield packet;
      // An empty payload pending is a deletion: nothing to send for it.
      for (const packet of pending.values()) if (packet.payload.length > 0 && filters.test(packet.topic)) yield packet;
    })();
  }

  /**
   * Writes what is pending now. A topic has one write in flight at most: a newer message waits for
   * the one before it to settle, so that a write retried by the client (a shard failing over) can
   * never land after a newer one and put an older position back.
   */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch: RetainedPacket[] = [];
    for (const [topic, packet] of this.pending) {
      if (this.inflight.has(topic)) continue;
      this.pending.delete(topic);
      this.inflight.set(topic, packet);
      batch.push(packet);
    }
    // One write per shard (one hash write on a single Redis) rather than one per topic.
    const { groups, loose } = groupByShard(this.conn, batch, (p) =>
      this.cluster ? retainedKey(p.topic) : RETAINED_HASH,
    );
    await Promise.all([...loose.map((p) => this.write(p)), ...groups.map((g) => this.writeGroup(g))]);
  }

  private async writeGroup(group: RetainedPacket[]): Promise<void> {
    if (group.length === 1 && group[0] !== undefined) return this.write(group[0]);
    const elsewhere: RetainedPacket[] = [];
    try {
      if (this.cluster) {
        const args: (string | Buffer)[] = [retainedKey(group[0]?.topic ?? '')];
        for (const p of group) args.push(retainedKey(p.topic), p.payload.length === 0 ? '' : msgpack.encode(p));
        for (const n of await this.conn.rtRetainMany(...args)) {
          const p = group[n - 1];
          if (p !== undefined) elsewhere.push(p);
        }
      } else {
        const set = group.filter((p) => p.payload.length > 0);
        const gone = group.filter((p) => p.payload.length === 0).map((p) => p.topic);
        await Promise.all([
          set.length > 0 ? this.conn.hset(RETAINED_HASH, ...set.flatMap((p) => [p.topic, msgpack.encode(p)])) : null,
          gone.length > 0 ? this.conn.hdel(RETAINED_HASH, ...gone) : null,
        ]);
      }
    } catch (err) {
      // Refused whole before it ran (nothing written): each written on its own, routed by its key.
      if (this.cluster && (err as Error).name === 'ReplyError') {
        await Promise.all(group.map((p) => this.write(p)));
        return;
      }
      for (const p of group) this.settled(p, err as Error);
      return;
    }
    // A write whose slot moved (a resharding) is written again on its own, routed by its key.
    for (const p of group) if (!elsewhere.includes(p)) this.settled(p, null);
    await Promise.all(elsewhere.map((p) => this.write(p)));
  }

  /** A write settled: a failed one is kept for the next try, unless a newer one came meanwhile. */
  private settled(packet: RetainedPacket, err: Error | null): void {
    if (err !== null) {
      if (!this.pending.has(packet.topic)) this.pending.set(packet.topic, packet);
      this.onError(err);
    }
    this.inflight.delete(packet.topic);
    if (this.pending.has(packet.topic)) this.schedule(err === null ? RETAINED_FLUSH_MS : RETAINED_RETRY_MS);
  }

  private async write(packet: RetainedPacket): Promise<void> {
    try {
      await super.storeRetained(packet);
    } catch (err) {
      // Redis catches up when it is back, and a shard failing over is tried again shortly (the
      // driver may have published its last).
      this.settled(packet, err as Error);
      return;
    }
    this.settled(packet, null);
  }
}
