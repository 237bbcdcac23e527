/**
 * aedes-persistence-redis ships no types. Its default export wraps the store in the callback layer
 * of aedes-persistence 10, which Aedes 1.x refuses (it wants an async `setup`); the async store
 * itself is this class.
 */
declare module 'aedes-persistence-redis/asyncPersistence.js' {
  import type { Cluster, Redis } from 'ioredis';

  export default class AsyncRedisPersistence {
    /** `cluster: true` with a Cluster connection: one key per retained message instead of one hash. */
    constructor(opts: {
      conn?: Redis | Cluster;
      cluster?: boolean;
      maxSessionDelivery?: number;
      packetTTL?: () => number;
    });
    setup(broker: unknown): Promise<void>;
    storeRetained(packet: unknown): Promise<void>;
    createRetainedStream(pattern: string): AsyncIterable<{ topic: string; payload: Buffer }>;
    createRetainedStreamCombi(patterns: string[]): AsyncIterable<{ topic: string; payload: Buffer }>;
    subscriptionsByClient(client: unknown): Promise<unknown[]>;
    cleanSubscriptions(client: unknown): Promise<unknown>;
    putWill(client: unknown, packet: unknown): Promise<unknown>;
    delWill(client: unknown): Promise<unknown>;
    destroy(): Promise<void>;
  }
}

/** aedes-persistence 11's adapter from an async store to what Aedes 1.x calls (streams, callbacks). */
declare module 'aedes-persistence/callBackPersistence.js' {
  export class CallBackPersistence {
    constructor(factory: (opts: object) => unknown, opts?: object);
    createRetainedStream(pattern: string): AsyncIterable<{ topic: string; payload: Buffer }>;
  }
}

/** aedes-persistence's in-memory async store (the default of Aedes 1.x), to extend. */
declare module 'aedes-persistence/asyncPersistence.js' {
  export default class MemoryPersistence {
    constructor(opts?: object);
    setup(broker: unknown): Promise<void>;
    storeRetained(packet: unknown): Promise<void>;
    createRetainedStream(pattern: string): AsyncIterable<{ topic: string; payload: Buffer }>;
    createRetainedStreamCombi(patterns: string[]): AsyncIterable<{ topic: string; payload: Buffer }>;
  }
}
