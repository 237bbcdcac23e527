import { groupByShard, shardScript } from '../../store/shard-groups';
import { isCluster, type RedisClient } from '../../store/redis-client';

/** Messages per script call at most. */
const MAX_BATCH = 512;

/**
 * ARGV: channel, message, channel, message, ... (KEYS[1]: the first channel, which routes the
 * call). Each publish stands on its own (pcall); the reply lists the messages (1-based) Redis
 * refused, whose channel's slot this primary no longer serves.
 */
const publishManyLua = (command: 'PUBLISH' | 'SPUBLISH'): string => `
local refused = {}
for i = 1, #ARGV, 2 do
  local r = redis.pcall('${command}', ARGV[i], ARGV[i + 1])
  if type(r) == 'table' and r.err then refused[#refused + 1] = (i + 1) / 2 end
end
return refused`;

type BatchRedis = RedisClient & { rtPublishMany(...args: (string | Buffer | number)[]): Promise<number[]> };

interface Message {
  channel: string;
  message: Buffer;
}

/**
 * The drivers' messages of one event-loop turn, published together: one script call per shard
 * (per server on a single Redis) instead of one command each. Each driver's channel is hash-tagged
 * by its id, so a Redis Cluster spreads them over every shard; the script declares the batch's
 * first channel and publishes the others of the same shard beside it (shardScript). Order is kept
 * per channel: a turn's messages go in the order given, and turns one after another on the same
 * connection. A message the script could not publish (its slot moved in a resharding) is sent
 * again on its own, routed by its channel, and only that one (it may then land after the next
 * turn's). A connection failure is reported, nothing retried (a fix is never queued while Redis is
 * away: the driver's next one follows).
 */
export class PublishBatch {
  private pending: Message[] = [];
  private scheduled = false;
  private readonly sharded: boolean;
  private readonly redis: BatchRedis;

  constructor(
    redis: RedisClient,
    private readonly onError: (err: Error) => void,
  ) {
    this.sharded = isCluster(redis);
    redis.defineCommand('rtPublishMany', {
      numberOfKeys: 1,
      lua: shardScript(redis, publishManyLua(this.sharded ? 'SPUBLISH' : 'PUBLISH')),
    });
    this.redis = redis as BatchRedis;
  }

  add(channel: string, message: Buffer): void {
    this.pending.push({ channel, message });
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Sends what is pending now. */
  flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    const { groups, loose } = groupByShard(this.redis, batch, (m) => m.channel);
    for (const m of loose) this.one(m);
    for (const group of groups)
      for (let i = 0; i < group.length; i += MAX_BATCH) this.many(group.slice(i, i + MAX_BATCH));
  }

  private many(group: Message[]): void {
    const first = group[0];
    if (first === undefined) return;
    if (group.length === 1) {
      this.one(first);
      return;
    }
    const args: (string | Buffer)[] = [first.channel];
    for (const m of group) args.push(m.channel, m.message);
    this.redis.rtPublishMany(...args).then(
      (refused) => {
        for (const n of refused) {
          const m = group[n - 1];
          if (m !== undefined) this.one(m);
        }
      },
      (err: unknown) => {
        // Refused whole before it ran (no script published anything): each on its own.
        if ((err as Error).name === 'ReplyError') for (const m of group) this.one(m);
        else this.onError(err as Error);
      },
    );
  }

  private one(m: Message): void {
    (this.sharded ? this.redis.spublish(m.channel, m.message) : this.redis.publish(m.channel, m.message)).catch(
      (err: unknown) => this.onError(err as Error),
    );
  }
}
