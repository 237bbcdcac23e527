import { channelNames } from '../store/keys';
import { isCluster, openRedis, type RedisClient, type RedisTarget } from '../store/redis-client';

/**
 * Where nodes meet about regions of the fleet: each node publishes its drivers' batches for a region
 * on the region's channel, a node whose consoles show a region subscribes to it, and the regions
 * some console shows are listed, so that nobody publishes for a region no one watches.
 */
export interface RegionBus {
  publish(region: string, batch: string): void;
  /** Subscribes to a region's batches; resolves once subscribed. One subscription per region at a time. */
  subscribe(region: string, onBatch: (batch: string) => void): Promise<void>;
  unsubscribe(region: string): void;
  /** This node shows these regions now (said again every few seconds while it does). */
  watch(regions: readonly string[], forMs: number): Promise<void>;
  /** The regions some node shows now. */
  watched(): Promise<Set<string>>;
  close(): Promise<void>;
}

/** One process: the bus is a map. */
export class MemoryRegionBus implements RegionBus {
  private readonly handlers = new Map<string, (batch: string) => void>();

  publish(region: string, batch: string): void {
    this.handlers.get(region)?.(batch);
  }

  subscribe(region: string, onBatch: (batch: string) => void): Promise<void> {
    this.handlers.set(region, onBatch);
    return Promise.resolve();
  }

  unsubscribe(region: string): void {
    this.handlers.delete(region);
  }

  watch(): Promise<void> {
    return Promise.resolve();
  }

  watched(): Promise<Set<string>> {
    return Promise.resolve(new Set(this.handlers.keys()));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** KEYS: the watched hash. ARGV: ttl ms, regions. Marks them watched until Redis's clock plus the ttl. */
const WATCH_LUA = `
local t = redis.call('TIME')
local untilMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('HSET', KEYS[1], ARGV[i], untilMs) end
return #ARGV - 1
`;

/** KEYS: the watched hash. Returns the regions watched now; forgets the ones that ran out. */
const WATCHED_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local all = redis.call('HGETALL', KEYS[1])
local out = {}
for i = 1, #all, 2 do
  if tonumber(all[i + 1]) <= now then redis.call('HDEL', KEYS[1], all[i]) else out[#out + 1] = all[i] end
end
return out
`;

type BusRedis = RedisClient & {
  rtWatch(key: string, ...args: (string | number)[]): Promise<number>;
  rtWatched(key: string): Promise<string[]>;
};

/**
 * The bus in Redis: a region's channel is sharded (SPUBLISH, hash-tagged by the region, so each
 * region's batches stay on one shard of a cluster; plain pub/sub on a single Redis), and the
 * watched regions are one small hash, its times on Redis's clock. The subscriber connection is
 * opened when a console first shows a region.
 */
export class RedisRegionBus implements RegionBus {
  private readonly channels: ReturnType<typeof channelNames>;
  private readonly pub: BusRedis;
  private readonly sharded: boolean;
  private sub: RedisClient | undefined;
  private readonly handlers = new Map<string, (batch: string) => void>();

  constructor(
    private readonly target: RedisTarget,
    prefix: string,
    private readonly onError: (err: Error) => void,
  ) {
    this.channels = channelNames(prefix);
    const pub = openRedis(target, { failFast: true, autoPipelining: true });
    pub.on('error', onError);
    pub.defineCommand('rtWatch', { numberOfKeys: 1, lua: WATCH_LUA });
    pub.defineCommand('rtWatched', { numberOfKeys: 1, lua: WATCHED_LUA });
    this.pub = pub as BusRedis;
    this.sharded = isCluster(pub);
  }

  publish(region: string, batch: string): void {
    const channel = this.channels.fleet(region);
    (this.sharded ? this.pub.spublish(channel, batch) : this.pub.publish(channel, batch)).catch(this.onError);
  }

  async subscribe(region: string, onBatch: (batch: string) => void): Promise<void> {
    const sub = this.subscriber();
    const channel = this.channels.fleet(region);
    this.handlers.set(channel, onBatch);
    await (this.sharded ? sub.ssubscribe(channel) : sub.subscribe(channel));
  }

  unsubscribe(region: string): void {
    const channel = this.channels.fleet(region);
    if (!this.handlers.delete(channel) || this.sub === undefined) return;
    (this.sharded ? this.sub.sunsubscribe(channel) : this.sub.unsubscribe(channel)).catch(this.onError);
  }

  async watch(regions: readonly string[], forMs: number): Promise<void> {
    if (regions.length > 0) await this.pub.rtWatch(this.channels.watched, forMs, ...regions);
  }

  async watched(): Promise<Set<string>> {
    return new Set(await this.pub.rtWatched(this.channels.watched));
  }

  async close(): Promise<void> {
    const open = this.sub === undefined ? [this.pub] : [this.pub, this.sub];
    await Promise.all(open.map((c) => c.quit().catch(() => undefined)));
  }

  private subscriber(): RedisClient {
    if (this.sub !== undefined) return this.sub;
    const sub = openRedis(this.target, { failFast: false, shardedSubscribers: true });
    sub.on('error', this.onError);
    const arrived = (channel: Buffer | string, message: Buffer | string): void => {
      this.handlers.get(channel.toString())?.(message.toString());
    };
    sub.on(this.sharded ? 'smessage' : 'message', arrived);
    this.sub = sub;
    return sub;
  }
}
