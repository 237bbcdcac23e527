import type { RedisClient } from '../../store/redis-client';

/**
 * KEYS: the firehose hash. ARGV: node id, ttl ms. Marks the node as holding a whole-fleet
 * subscriber until Redis's clock plus the ttl (one clock for every node: no skew between them).
 */
const WANT_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HSET', KEYS[1], ARGV[1], now + tonumber(ARGV[2]))
return 1
`;

/**
 * KEYS: the firehose hash. ARGV: the asking node's id. Returns 1 if another node holds a
 * whole-fleet subscriber now; forgets entries that ran out (a node that died holding one).
 */
const WANTED_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local all = redis.call('HGETALL', KEYS[1])
local wanted = 0
for i = 1, #all, 2 do
  if tonumber(all[i + 1]) <= now then
    redis.call('HDEL', KEYS[1], all[i])
  elseif all[i] ~= ARGV[1] then
    wanted = 1
  end
end
return wanted
`;

type FirehoseRedis = RedisClient & {
  rtFirehoseWant(key: string, nodeId: string, ttlMs: number): Promise<number>;
  rtFirehoseWanted(key: string, nodeId: string): Promise<number>;
};

/**
 * Whether any other node has a client following the whole fleet over MQTT (`d/+/l`, `#`, ...): only
 * then does a node publish its drivers' data on classic pub/sub as well (the firehose), which every
 * node of a Redis Cluster receives. Such nodes say so in one hash, renewed every `periodMs`; every
 * node reads it as often, and hears at once on a control channel when one starts, so the first
 * fixes are not a period late.
 */
export class Firehose {
  private local = 0;
  private remote = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly redis: FirehoseRedis;

  constructor(
    redis: RedisClient,
    private readonly key: string,
    private readonly nodeId: string,
    private readonly periodMs: number,
    /** Tells the other nodes at once that this node now wants the firehose. */
    private readonly announce: () => void,
  ) {
    redis.defineCommand('rtFirehoseWant', { numberOfKeys: 1, lua: WANT_LUA });
    redis.defineCommand('rtFirehoseWanted', { numberOfKeys: 1, lua: WANTED_LUA });
    this.redis = redis as FirehoseRedis;
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.periodMs);
    this.timer.unref();
    void this.tick();
  }

  stop(): void {
    clearInterval(this.timer);
    if (this.local > 0) this.redis.hdel(this.key, this.nodeId).catch(() => undefined);
  }

  /** Whether this node should publish its drivers' data on classic pub/sub too. */
  get wanted(): boolean {
    return this.remote;
  }

  /** Whether this node holds a whole-fleet subscriber (its own messages may then arrive twice). */
  get held(): boolean {
    return this.local > 0;
  }

  /** Another node said it wants the firehose now. */
  heard(): void {
    this.remote = true;
  }

  /** A whole-fleet subscription began on this node. */
  add(): void {
    // Written before it is announced, so that a node hearing it and then reading the hash finds it.
    if (++this.local === 1) void this.want().then(() => this.announce());
  }

  /** A whole-fleet subscription ended on this node. */
  remove(): void {
    if (this.local > 0 && --this.local === 0) this.redis.hdel(this.key, this.nodeId).catch(() => undefined);
  }

  private async want(): Promise<void> {
    await this.redis.rtFirehoseWant(this.key, this.nodeId, this.periodMs * 3).catch(() => undefined);
  }

  private async tick(): Promise<void> {
    if (this.local > 0) void this.want();
    try {
      this.remote = (await this.redis.rtFirehoseWanted(this.key, this.nodeId)) === 1;
    } catch {
      // Redis away: nothing goes to it anyway; the next tick asks again.
    }
  }
}
