import MQEmitter from 'mqemitter';
import { channelNames } from '../../store/keys';
import { isCluster, type RedisClient } from '../../store/redis-client';
import { Firehose } from './firehose';
import { PublishBatch } from './publish-batch';
import { filterReach, filterToPattern, publishRoute } from './routes';
import { decodeRouted, encodeRouted, isFrom, type RoutedPacket } from './wire';

type Done = (err?: Error | null) => void;
type Listener = (packet: RoutedPacket, done: () => void) => void;
interface LocalEmitter {
  emit(packet: unknown, done?: Done): void;
  on(topic: string, listener: Listener, done?: () => void): void;
  removeListener(topic: string, listener: Listener, done?: () => void): void;
  close(done: () => void): void;
}

/** What Aedes hands the emitter: its packet (aedes-packet), with the publisher's client id. */
interface AedesPacket {
  brokerId: string;
  brokerCounter: number;
  clientId?: string;
  topic: string;
  payload: Buffer;
  qos: number;
  retain: boolean;
  dup: boolean;
}

export interface RoutedMqDeps {
  nodeId: string;
  keyPrefix: string;
  /** Publishes (fail fast: a fix is never queued while Redis is away). */
  pub: RedisClient;
  /** Subscribes, classic and sharded (a Cluster with sharded subscribers: one connection per primary). */
  sub: RedisClient;
  /** Whether the cluster's Redis answers now (the watch's word). */
  up: () => boolean;
  onError: (err: Error) => void;
  counters: RoutingCounters;
}

export interface RoutingCounters {
  /** A message from another node arrived: a driver's data (by its channel or the firehose), or control. */
  received(route: 'driver' | 'control'): void;
  /** A message went to Redis for other nodes, by route. */
  published(route: 'driver' | 'control' | 'firehose'): void;
}

/** How often the firehose's want is renewed and read. */
const FIREHOSE_PERIOD_MS = 1000;
/** Messages remembered to drop a second copy (classic patterns overlapping; firehose and sharded). */
const SEEN_GENERATION = 20_000;

/**
 * Aedes's message emitter (an mqemitter) for a cluster, routing by interest:
 *
 * - every message is delivered to this node's subscribers at once (local first: no Redis hop for
 *   a rider on the driver's own node, and that keeps working while Redis is away);
 * - a driver's fixes and presence go on the driver's sharded channel (SPUBLISH, hash-tagged by the
 *   driver id: one command on the one shard that holds the channel, whoever follows). A node
 *   SSUBSCRIBEs to a driver's channel while one of its clients follows that driver, so it receives
 *   that driver's messages and no other's. On a single Redis, the same channels with PUBLISH and
 *   SUBSCRIBE (one server: nothing to shard);
 * - control traffic (Aedes's `$SYS` heartbeats and takeovers, trips) goes on classic channels;
 * - a whole-fleet subscription (`d/+/l`, `#`) is served by the firehose (firehose.ts).
 *
 * Echoes of this node's own messages are dropped by their broker id. routes.ts decides the routes.
 */
export class RoutedMq {
  private readonly local = MQEmitter({ concurrency: 0, matchEmptyLevels: true }) as unknown as LocalEmitter;
  private readonly channels: ReturnType<typeof channelNames>;
  private readonly sharded: boolean;
  private readonly drivers = new Map<string, number>();
  private readonly classic = new Map<string, number>();
  private readonly firehose: Firehose;
  private readonly batch: PublishBatch;
  private readonly control: string;
  /** This node's id as the frames carry it: its own echoes are dropped before decoding. */
  private readonly ownId: Buffer;
  private seen = new Set<string>();
  /** The name messages from other nodes are delivered under here, and their count. */
  private readonly inboundId: string;
  private inboundCounter = 0;
  private seenBefore = new Set<string>();
  private closed = false;

  constructor(private readonly deps: RoutedMqDeps) {
    this.channels = channelNames(deps.keyPrefix);
    this.sharded = isCluster(deps.pub);
    this.control = `${deps.keyPrefix}ctl:firehose`;
    this.inboundId = `${deps.nodeId}~in`;
    this.ownId = Buffer.from(deps.nodeId);
    this.batch = new PublishBatch(deps.pub, deps.onError);
    this.firehose = new Firehose(deps.pub, this.channels.firehose, deps.nodeId, FIREHOSE_PERIOD_MS, () => {
      deps.pub.publish(this.control, deps.nodeId).catch(() => undefined);
    });
    const { sub } = deps;
    sub.on('messageBuffer', (channel: Buffer, message: Buffer) => this.arrived(channel, message));
    sub.on('pmessageBuffer', (_pattern: Buffer, channel: Buffer, message: Buffer) => this.arrived(channel, message));
    sub.on('smessageBuffer', (channel: Buffer, message: Buffer) => this.arrived(channel, message));
    sub.subscribe(this.control).catch((err: unknown) => deps.onError(err as Error));
    this.firehose.start();
  }

  /** Delivers here, then publishes for the other nodes that may want it. */
  emit(packet: AedesPacket, done?: Done): void {
    this.local.emit(packet, done);
    if (this.closed) return;
    const route = publishRoute(packet.topic);
    let frame: Buffer;
    try {
      frame = encodeRouted(packet);
    } catch {
      return; // a topic or id too long to route: this node's subscribers had it
    }
    const { pub, counters } = this.deps;
    const failed = (err: unknown): void => this.deps.onError(err as Error);
    if (route.kind === 'driver') {
      this.batch.add(this.channels.driver(route.driverId), frame);
      counters.published('driver');
      if (!this.firehose.wanted) return;
      pub.publish(this.channels.classic(packet.topic), frame).catch(failed);
      counters.published('firehose');
      return;
    }
    pub.publish(this.channels.classic(packet.topic), frame).catch(failed);
    counters.published('control');
  }

  /**
   * Subscribes here at once, and to what the filter needs from other nodes. That part is awaited
   * before `done` (so a SUBACK means fixes from any node arrive), except while Redis is away: the
   * client is then served what this node has, and the subscription is made when Redis is back.
   */
  on(topic: string, listener: Listener, done?: () => void): this {
    this.local.on(topic, listener);
    const waits = this.remoteSubscribe(topic);
    if (done === undefined) return this;
    if (!this.deps.up() || waits.length === 0) setImmediate(done);
    else
      void Promise.all(waits)
        .catch((err: unknown) => this.deps.onError(err as Error))
        .then(() => done());
    return this;
  }

  removeListener(topic: string, listener: Listener, done?: () => void): this {
    this.local.removeListener(topic, listener);
    this.remoteUnsubscribe(topic);
    if (done !== undefined) setImmediate(done);
    return this;
  }

  close(done?: () => void): void {
    this.closed = true;
    this.firehose.stop();
    this.local.close(() => {
      const quit = (c: RedisClient) => c.quit().catch(() => undefined);
      void Promise.all([quit(this.deps.pub), quit(this.deps.sub)]).then(() => done?.());
    });
  }

  /** Driver channels this node follows now. */
  get followedDrivers(): number {
    return this.drivers.size;
  }

  private remoteSubscribe(topic: string): Promise<unknown>[] {
    const reach = filterReach(topic);
    const { sub } = this.deps;
    const waits: Promise<unknown>[] = [];
    if (reach.driverId !== null && inc(this.drivers, reach.driverId) === 1) {
      const channel = this.channels.driver(reach.driverId);
      waits.push(this.sharded ? sub.ssubscribe(channel) : sub.subscribe(channel));
    }
    if (reach.classic || reach.firehose) {
      const { pattern, exact } = filterToPattern(this.channels.classicPrefix, topic);
      if (inc(this.classic, pattern) === 1) waits.push(exact ? sub.subscribe(pattern) : sub.psubscribe(pattern));
    }
    if (reach.firehose) this.firehose.add();
    return waits;
  }

  private remoteUnsubscribe(topic: string): void {
    const reach = filterReach(topic);
    const { sub } = this.deps;
    const failed = (err: unknown): void => this.deps.onError(err as Error);
    if (reach.driverId !== null && dec(this.drivers, reach.driverId) === 0) {
      const channel = this.channels.driver(reach.driverId);
      (this.sharded ? sub.sunsubscribe(channel) : sub.unsubscribe(channel)).catch(failed);
    }
    if (reach.classic || reach.firehose) {
      const { pattern, exact } = filterToPattern(this.channels.classicPrefix, topic);
      if (dec(this.classic, pattern) === 0)
        (exact ? sub.unsubscribe(pattern) : sub.punsubscribe(pattern)).catch(failed);
    }
    if (reach.firehose) this.firehose.remove();
  }

  /** A message from Redis: delivered here unless it is this node's own, or a second copy. */
  private arrived(channelBytes: Buffer, message: Buffer): void {
    const channel = channelBytes.toString();
    if (channel === this.control) {
      if (message.toString() !== this.deps.nodeId) this.firehose.heard();
      return;
    }
    if (isFrom(message, this.ownId)) return;
    const packet = decodeRouted(message);
    if (packet === null) return;
    const viaDriver = !channel.startsWith(this.channels.classicPrefix);
    // Counted by what the message is (a driver's data, however it came: its channel or the firehose).
    this.deps.counters.received(viaDriver ? 'driver' : publishRoute(packet.topic).kind);
    // A second copy is possible where patterns overlap (classic), while this node holds a
    // whole-fleet subscriber (a followed driver's message comes both ways), and where the client
    // holds a channel twice for a moment (a sharded subscriber replaced after a topology change).
    if (this.seenBefore2(`${packet.brokerId}\u0000${packet.brokerCounter}`)) return;
    // Aedes drops a message for a client when its counter is not above the last one that client had
    // from the same broker id (its duplicate check). Messages of one node travel on many channels,
    // over many shards, and may arrive in another order than they were sent: each is given a new
    // name here, in the order it arrived, so that none is taken for a duplicate.
    packet.brokerId = this.inboundId;
    packet.brokerCounter = ++this.inboundCounter;
    this.local.emit(packet);
  }

  /** Remembers a message id; true if it was seen recently (two generations of SEEN_GENERATION). */
  private seenBefore2(id: string): boolean {
    if (this.seen.has(id) || this.seenBefore.has(id)) return true;
    this.seen.add(id);
    if (this.seen.size >= SEEN_GENERATION) {
      this.seenBefore = this.seen;
      this.seen = new Set();
    }
    return false;
  }
}

function inc(counts: Map<string, number>, key: string): number {
  const n = (counts.get(key) ?? 0) + 1;
  counts.set(key, n);
  return n;
}

/** The count after one less; -1 for a key not counted (nothing to undo). */
function dec(counts: Map<string, number>, key: string): number {
  const had = counts.get(key);
  if (had === undefined) return -1;
  if (had <= 1) counts.delete(key);
  else counts.set(key, had - 1);
  return had - 1;
}
