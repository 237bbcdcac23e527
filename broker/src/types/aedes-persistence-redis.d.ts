/**
 * aedes-persistence-redis ships no types. Its default export wraps the store in the callback layer
 * of aedes-persistence 10, which Aedes 1.x refuses (it wants an async `setup`); the async store
 * itself is this class.
 */
declare module 'aedes-persistence-redis/asyncPersistence.js' {
  import type { Redis } from 'ioredis';

  export default class AsyncRedisPersistence {
    constructor(opts: { conn?: Redis; maxSessionDelivery?: number; packetTTL?: () => number });
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
